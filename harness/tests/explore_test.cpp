// The explorer: enumeration is canonical and stable, DFS covers every schedule, state
// caching never hides a violation that plain DFS finds, PCT and DFS are deterministic, and
// the kill table: every fault of the catalog is found by `explore` with N <= 5 ops and a
// preemption bound <= 2, shrunk to a program the faithful model passes.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "harness/explore/explore.h"
#include "harness/program/text.h"
#include "harness/shrink/shrink.h"
#include "harness/util/atomic_file.h"
#include "harness/explore/dfs.h"
#include "harness/explore/dpor.h"
#include "model/runtime/prng.h"
#include "harness/explore/pct.h"
#include "harness/program/choice_offers.h"
#include "harness/program/generate.h"

namespace ctxcheck::harness {
namespace {

const char* kRace = R"(ctxcheck-trace 1
go 0:
  h1 = background
  h2 = with_cancel h1
  go 1
  h3 = with_cancel h2
go 1:
  cancel h2
)";

TEST(Enumerate, CanonicalValidAndStable) {
  Alphabet a = default_alphabet();
  // Pinned: a change in these counts changes what `explore --ops N` means.
  const uint64_t expected[] = {24, 857, 44543};  // the whole language (lifecycle: 9, 122, 2364)
  for (uint32_t n = 1; n <= 3; ++n) {
    std::set<std::string> seen;
    uint64_t last = 0;
    uint64_t total = enumerate_programs(n, a, 0, [&](uint64_t i, const Program& p) {
      EXPECT_EQ(i, seen.size());
      EXPECT_EQ(validate(p), std::nullopt) << print_program(p);
      EXPECT_EQ(p.op_count(), n + 1) << print_program(p);  // + the implicit background
      EXPECT_TRUE(seen.insert(print_program(p)).second) << "enumerated twice:\n" << print_program(p);
      last = i;
      return true;
    });
    EXPECT_EQ(total, expected[n - 1]) << "n = " << n;
    EXPECT_EQ(last + 1, total);
  }
}

TEST(Enumerate, SkipResumesAtTheSameProgram) {
  Alphabet a = default_alphabet();
  std::vector<std::string> all;
  enumerate_programs(2, a, 0, [&](uint64_t, const Program& p) { return all.push_back(print_program(p)), true; });
  std::vector<std::string> tail;
  enumerate_programs(2, a, 50, [&](uint64_t i, const Program& p) {
    EXPECT_EQ(print_program(p), all.at(i));
    return tail.push_back(print_program(p)), true;
  });
  EXPECT_EQ(tail.size(), all.size() - 50);
  EXPECT_THROW(parse_alphabet("with_cancel,nonsense"), std::invalid_argument);
  EXPECT_THROW(parse_alphabet("background"), std::invalid_argument);
}

// Every schedule a random sampler can produce is one DFS (unbounded) ran.
TEST(Dfs, CoversEverySchedule) {
  Program p = parse_program(kRace);
  ExecOptions o;
  SearchStats stats;
  DfsStrategy dfs({1000, false, 0}, stats);
  std::set<uint64_t> dfs_hashes;
  do dfs_hashes.insert(execute(p, dfs, o).trace_hash);
  while (dfs.next_execution());
  EXPECT_TRUE(stats.exhausted);
  EXPECT_EQ(stats.nondeterminism, 0u);
  EXPECT_EQ(stats.executions, dfs_hashes.size());
  rt::PrngChoices rnd = rt::PrngChoices::sample(7, 1000);
  std::set<uint64_t> random_hashes;
  do random_hashes.insert(execute(p, rnd, o).trace_hash);
  while (rnd.next_execution());
  for (uint64_t h : random_hashes) EXPECT_TRUE(dfs_hashes.count(h)) << fmt::format("{:016x} not explored", h);
  EXPECT_GT(dfs_hashes.size(), 10u);
  // A preemption bound of 0 runs exactly one schedule; bounds explore monotonically more.
  uint64_t prev = 0;
  for (uint32_t bound : {0u, 1u, 2u, 3u}) {
    SearchStats st;
    DfsStrategy d({bound, false, 0}, st);
    uint64_t n = 0;
    do execute(p, d, o), ++n;
    while (d.next_execution());
    if (bound == 0) {
      EXPECT_EQ(n, 1u);
    }
    EXPECT_GT(n, prev) << "bound " << bound;
    prev = n;
  }
}

// A select whose timeout falls on the instant its context's deadline expires: which of the
// two timers fires first is a choice (timer-tie) that DFS explores, so both answers Go can
// give are reached and checked; the default schedule (every choice 0, an empty recording)
// still answers "timeout". With every reduction (DPOR does not reduce timer ties).
TEST(Dfs, ReachesBothOutcomesOfASameInstantDeadlineAndSelectTimeout) {
  Program p = parse_program("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_timeout h1 5ms\n"
                            "  select h2 5ms\n  cancel h2\n");
  ExecOptions o;
  auto select_result = [](const ExecResult& r) {
    for (const Observation& ob : r.observations)
      if (ob.what == "select h2") return ob.value;
    return std::string("(not observed)");
  };
  for (Reduction reduction : {Reduction::None, Reduction::Sleep, Reduction::Dpor}) {
    SearchStats stats;
    DfsStrategy dfs({kDefaultBound, false, 0, reduction}, stats);
    std::map<std::string, size_t> outcomes;
    do {
      ExecResult r = execute(p, dfs, o);
      ASSERT_FALSE(r.violation) << r.violation->message;
      ++outcomes[select_result(r)];
    } while (dfs.next_execution());
    EXPECT_TRUE(stats.exhausted);
    EXPECT_EQ(stats.nondeterminism, 0u);
    EXPECT_EQ(outcomes.size(), 2u) << "timeout " << outcomes["timeout"] << ", done " << outcomes["done"];
    EXPECT_GT(outcomes["timeout"], 0u);
    EXPECT_GT(outcomes["done"], 0u);
  }
  rt::ReplayChoices defaults(std::vector<uint32_t>{});
  ExecResult d = execute(p, defaults, o);
  EXPECT_EQ(select_result(d), "timeout");
  bool tie = false;
  for (const auto& dec : d.decisions) tie = tie || dec.kind == rt::ChoiceKind::TimerTie;
  EXPECT_TRUE(tie) << "the two timers are due at one instant: a timer-tie decision";
}

// The values each observation took over every schedule DFS explores with no preemption
// (forced switches only), and how many timer-tie decisions those executions made.
struct ExploredOutcomes {
  std::map<std::string, std::set<std::string>> values;
  uint64_t timer_ties = 0;
};

ExploredOutcomes explore_outcomes(const char* text) {
  Program p = parse_program(text);
  ExploredOutcomes out;
  SearchStats stats;
  DfsStrategy dfs({0, false, 0, Reduction::None}, stats);
  ExecOptions o;
  do {
    ExecResult r = execute(p, dfs, o);
    EXPECT_FALSE(r.violation) << r.violation->message;
    for (const Observation& ob : r.observations) out.values[ob.what].insert(ob.value);
    for (const rt::Decision& d : r.decisions) out.timer_ties += d.kind == rt::ChoiceKind::TimerTie;
  } while (dfs.next_execution());
  EXPECT_TRUE(stats.exhausted);
  return out;
}

// Two timers due at one instant whose callbacks cancel the same context (h3 expires, and
// h2's expiry cancels h3 through its parent), each with its own cause: which callback runs
// first decides h3's cause. It is no timer-tie choice — each callback is a goroutine, and
// which runs first is the schedule decision after both fired, a forced switch that even a
// preemption bound of 0 explores — and DFS still reaches both causes. With a wake timer among them (main sleeps to that instant) the tie
// is still offered.
TEST(Dfs, TiedCallbackTimersAreOrderedByTheScheduleNotByATimerTie) {
  ExploredOutcomes callbacks = explore_outcomes(
      "ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_timeout_cause h1 1s cause3\n"
      "  h3 = with_timeout_cause h2 1s cause4\n  wait h3\n  observe cause h3\n");
  EXPECT_EQ(callbacks.timer_ties, 0u) << "only callback timers are due: their order is no choice";
  ASSERT_EQ(callbacks.values.count("cause h3"), 1u);
  EXPECT_EQ(callbacks.values["cause h3"].size(), 2u) << "both callbacks first, each cancelling h3 with its cause";
  ExploredOutcomes with_sleep = explore_outcomes(
      "ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_timeout_cause h1 1s cause3\n"
      "  h3 = with_timeout_cause h2 1s cause4\n  sleep 1s\n  wait h3\n  observe cause h3\n");
  EXPECT_GT(with_sleep.timer_ties, 0u) << "main's wake timer is due with them: a timer-tie choice";
  EXPECT_EQ(with_sleep.values["cause h3"], callbacks.values["cause h3"]);
}

// State caching must never lose a violation: over every program of <= 3 ops with go,
// under every fault, DFS with caching finds a violation exactly when DFS without does.
// (Programs whose plain DFS needs more than 2000 executions are skipped, and counted.)
// The race analysis keeps what it found for the events an execution shares with the one
// before (DFS replays a prefix) and analyses only the rest: the backtrack requests must be
// those a fresh analysis of the same execution gives. Random executions (goroutines 0-3,
// footprints over 4 objects, runnable sets, decisions and passes) in pairs that share a
// random prefix of events.
TEST(Dpor, RaceAnalysisReusedOverASharedPrefixEqualsAFreshOne) {
  struct Step {
    std::vector<rt::Access> footprint;  // what the running event touches
    uint32_t next_go;                   // who runs next (UINT32_MAX: the end)
    bool decision;
    std::vector<uint32_t> runnable;
  };
  uint64_t prng = 17;
  auto random_step = [&](bool last) {
    Step s;
    for (uint32_t k = rt::uniform(prng, 3); k-- > 0;)
      s.footprint.push_back(rt::access(rt::Touched::Sync, rt::uniform(prng, 4), rt::uniform(prng, 2) == 1));
    s.decision = rt::uniform(prng, 3) != 0;
    for (uint32_t g = 0; g < 4; ++g)
      if (rt::uniform(prng, 2) == 1) s.runnable.push_back(g);
    if (s.runnable.empty()) s.runnable.push_back(rt::uniform(prng, 4));
    s.next_go = last ? UINT32_MAX : s.runnable[rt::uniform(prng, static_cast<uint32_t>(s.runnable.size()))];
    return s;
  };
  // Feeds one execution; returns its requests (and the nodes its decisions got).
  auto feed = [](SourceSets& sets, const std::vector<Step>& steps, uint32_t first_new) {
    sets.begin_execution();
    uint32_t node = 0;
    for (const Step& s : steps) {
      sets.touched(s.footprint, s.decision);
      bool is_decision = s.decision && s.next_go != UINT32_MAX;
      sets.next_event(s.next_go, is_decision ? node++ : SourceSets::kNoNode, s.runnable);
    }
    return sets.races(first_new, rt::dependent);
  };
  auto same = [](const std::vector<SourceSets::Request>& a, const std::vector<SourceSets::Request>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].node != b[i].node || a[i].initials != b[i].initials) return false;
    return true;
  };
  size_t reused = 0, requests = 0;
  for (int round = 0; round < 1000; ++round) {
    size_t n = 4 + rt::uniform(prng, 24), shared = rt::uniform(prng, static_cast<uint32_t>(n));
    std::vector<Step> first, second;
    for (size_t i = 0; i < n; ++i) first.push_back(random_step(i + 1 == n));
    second.assign(first.begin(), first.begin() + static_cast<ptrdiff_t>(shared));
    for (size_t i = shared; i < n; ++i) second.push_back(random_step(i + 1 == n));
    SourceSets kept, fresh;
    feed(kept, first, 0);
    std::vector<SourceSets::Request> again = feed(kept, second, 0);
    std::vector<SourceSets::Request> anew = feed(fresh, second, 0);
    EXPECT_EQ(fresh.reused_events(), 0u);
    ASSERT_TRUE(same(again, anew)) << "round " << round << ": " << again.size() << " vs " << anew.size() << " requests";
    reused += kept.reused_events();
    requests += anew.size();
  }
  EXPECT_GT(reused, 1000u) << "the shared prefixes were analysed anew";
  EXPECT_GT(requests, 500u) << "too few races to compare";
}

TEST(Dfs, StateCachingLosesNoViolation) {
  Alphabet a = parse_alphabet("with_cancel,cancel,go,with_timeout,after_func,stop");
  uint64_t compared = 0, failing = 0, pruned = 0, skipped = 0;
  for (model::Fault f : model::all_faults()) {
    ExploreOptions plain, cached;
    plain.exec.faults = cached.exec.faults = model::FaultSet::of(f);
    plain.exec.limits.keep_events = cached.exec.limits.keep_events = false;
    cached.state_caching = true;
    plain.reduction = Reduction::None;  // state caching is compared with the plain search
    plain.executions = 2000;
    for (uint32_t n = 1; n <= 3; ++n)
      enumerate_programs(n, a, 0, [&](uint64_t index, const Program& p) {
        // Every program of <= 2 ops, every 4th of 3 ops (the whole of them took 68 s of CPU).
        if (n == 3 && index % 4 != 0) return true;
        auto ignore = [](const Failure&) { return true; };
        ExploreCounts x = explore_program(p, plain, ignore);
        if (x.incomplete) return ++skipped, true;
        ExploreCounts y = explore_program(p, cached, ignore);
        EXPECT_EQ(x.violations > 0, y.violations > 0)
            << model::name_of(f) << ": caching changed the verdict of\n" << print_program(p);
        EXPECT_LE(y.executions, x.executions);
        ++compared;
        failing += x.violations > 0;
        pruned += y.pruned;
        return !HasFailure();
      });
  }
  EXPECT_GT(failing, 50u);  // the comparison is not vacuous
  EXPECT_GT(pruned, 0u);
  EXPECT_LT(skipped, compared / 10);
  fmt::print("compared {} program/fault pairs ({} skipped), {} failing, {} pruned executions\n", compared, skipped,
             failing, pruned);
}

TEST(Pct, FindsTheRaceAndIsDeterministic) {
  Program p = parse_program(kRace);
  ExecOptions o;
  o.faults = model::FaultSet::of(model::Fault::RegisterIntoCanceled);
  auto first_failure = [&](uint64_t seed) -> int64_t {
    PctStrategy pct(seed, 2000, 2);
    for (int64_t i = 0;; ++i) {
      if (execute(p, pct, o).verdict == Verdict::Violation) return i;
      if (!pct.next_execution()) return -1;
    }
  };
  int found = 0;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    int64_t a = first_failure(seed), b = first_failure(seed);
    EXPECT_EQ(a, b) << "PCT is not deterministic for seed " << seed;
    found += a >= 0;
  }
  EXPECT_EQ(found, 5);
}

TEST(Explore, DeterministicCountsAndFailure) {
  Program p = parse_program(kRace);
  p.faults = "register-into-canceled";
  ExploreOptions o;
  o.exec.faults = faults_of(p);
  o.stop_at_failure = false;
  auto run = [&] {
    std::vector<std::vector<uint32_t>> schedules;
    ExploreCounts c = explore_program(p, o, [&](const Failure& f) { return schedules.push_back(f.program.schedule), true; });
    return std::make_pair(c.executions, schedules);
  };
  auto x = run(), y = run();
  EXPECT_EQ(x, y);
  EXPECT_FALSE(x.second.empty());
}

// ---- the kill table ----

struct KillRow {
  std::string fault, alphabet;
  uint32_t n = 0, bound = 0;
  size_t minimal_ops = 0;
  double ms = 0;
  std::string program;
};

// The alphabet each fault is hunted with (the ops its bug is about: exhausting every
// program of 5 ops over the whole alphabet takes hours), and the N and bound it is found
// at, from harness/tests/vectors/kill_table.txt, which writers.sh and ci/kill-matrix read
// too. Every fault of the catalog must have a row: a new fault without one fails the test.
struct HuntRow {
  std::string alphabet;
  uint32_t n = 0, bound = 0;
};
std::map<std::string, HuntRow> read_kill_table() {
  std::map<std::string, HuntRow> rows;
  std::istringstream in(read_file(CTXCHECK_SOURCE_DIR "/harness/tests/vectors/kill_table.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string fault;
    HuntRow r;
    words >> fault >> r.alphabet >> r.n >> r.bound;
    EXPECT_TRUE(words && !r.alphabet.empty()) << "kill_table.txt: bad row: " << line;
    rows[fault] = r;
  }
  return rows;
}

TEST(KillTable, EveryFaultFoundWithFiveOpsAndBoundTwo) {
  std::vector<KillRow> rows;
  const std::map<std::string, HuntRow> table = read_kill_table();
  for (model::Fault f : model::all_faults()) {
    std::string name(model::name_of(f));
    auto it = table.find(name);
    ASSERT_NE(it, table.end()) << "fault " << name << " has no row in harness/tests/vectors/kill_table.txt";
    KillRow row;
    row.fault = name;
    row.alphabet = it->second.alphabet;
    auto t0 = std::chrono::steady_clock::now();
    std::optional<Failure> found;
    // Smallest N first, then the smallest bound that finds it at that N.
    for (uint32_t n = 1; n <= 5 && !found; ++n)
    for (uint32_t bound = 0; bound <= 2 && !found; ++bound) {
      SpaceOptions sp;
      sp.alphabet = parse_alphabet(row.alphabet);
      sp.min_ops = sp.max_ops = n;
      ExploreOptions o;
      o.bound = bound;
      o.exec.faults = model::FaultSet::of(f);
      o.exec.limits.keep_events = false;
      explore_space(
          sp, o,
          [&](const Failure& fl, SpacePosition at) {
            found = fl;
            row.n = at.ops;  // == n
            row.bound = bound;
            return false;
          },
          [](SpacePosition, const ExploreCounts&) { return true; });
    }
    ASSERT_TRUE(found) << name << " was not found with N <= 5 ops and bound <= 2";
    EXPECT_EQ(std::make_pair(row.n, row.bound), std::make_pair(it->second.n, it->second.bound))
        << name << ": found at (N, bound) other than kill_table.txt says";
    ExecOptions eo;
    eo.faults = model::FaultSet::of(f);
    ShrinkResult s = shrink(found->program, eo, found->result.expect());
    row.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    row.minimal_ops = s.program.op_count();
    row.program = print_program(s.program);
    EXPECT_LE(row.minimal_ops, found->program.op_count());
    // The kill is the fault's doing: the faithful model passes the minimal program under
    // every schedule within the bound.
    Program clean = s.program;
    clean.faults.clear();
    ExploreOptions o;
    o.bound = 2;
    ExploreCounts c = explore_program(clean, o, [](const Failure&) { return false; });
    EXPECT_EQ(c.violations, 0u) << name << ": the faithful model fails its minimal program too:\n" << row.program;
    rows.push_back(row);
  }
  fmt::print("| fault | hunt alphabet | N | bound | minimal program (ops) | time (ms) |\n|---|---|---|---|---|---|\n");
  for (const KillRow& r : rows)
    fmt::print("| {} | {} | {} | {} | {} | {:.0f} |\n", r.fault, r.alphabet, r.n, r.bound, r.minimal_ops, r.ms);
  for (const KillRow& r : rows) fmt::print("# {}\n{}\n", r.fault, r.program);
}

// ---- choice kinds never branched on ----

constexpr size_t kMapOrder = static_cast<size_t>(rt::ChoiceKind::MapOrder);

// Answers option 0 at every decision: main runs unpreempted, the case the rules of
// offerable_choices are written for.
class FirstOption final : public rt::ChoiceSource {
 public:
  uint32_t choose(const rt::ChoicePoint&) override { return 0; }
};

TEST(ChoiceOffers, HandBuiltPrograms) {
  auto offers = [](const char* text) { return offerable_choices(parse_program(text)); };
  auto map_order = offers("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n"
                          "  h3 = with_cancel h2\n  h4 = with_value h2 keyA:1 1\n  h5 = with_timeout h4 1s\n  cancel h2\n");
  EXPECT_TRUE(map_order[kMapOrder]);
  // One child only; two children but a cancel of one of them first; a 0s timeout (done at once).
  EXPECT_FALSE(offers("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n  h3 = with_cancel h2\n"
                      "  cancel h2\n")[kMapOrder]);
  EXPECT_FALSE(offers("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n  h3 = with_cancel h2\n"
                      "  h4 = with_cancel h2\n  cancel h3\n  cancel h2\n")[kMapOrder]);
  EXPECT_FALSE(offers("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n  h3 = with_cancel h2\n"
                      "  h4 = with_timeout h2 0s\n  cancel h2\n")[kMapOrder]);
  constexpr size_t kTie = static_cast<size_t>(rt::ChoiceKind::TimerTie);
  // A sleep, or a select's timeout, due with the earliest deadline.
  EXPECT_TRUE(offers("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_timeout h1 1s\n  sleep 1s\n")[kTie]);
  EXPECT_TRUE(offers("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_timeout h1 1s\n"
                     "  h3 = with_deadline h1 @2s\n  select h3 1s\n")[kTie]);
  // Two deadlines at one instant: only callbacks, no choice; a sleep past the deadline; a
  // select timeout before it.
  EXPECT_FALSE(offers("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_timeout h1 1s\n"
                      "  h3 = with_deadline h1 @1s\n  wait h3\n")[kTie]);
  EXPECT_FALSE(offers("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_timeout h1 1s\n  sleep 2s\n")[kTie]);
  EXPECT_FALSE(offers("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_timeout h1 1s\n"
                      "  select h2 500ms\n")[kTie]);
}

// The rules are sufficient conditions: whatever they mark, the unpreempted execution of a
// generated program really branches on.
TEST(ChoiceOffers, WhatTheRulesMarkIsBranchedOn) {
  std::array<uint64_t, kNumChoiceKinds> marked{};
  for (uint64_t seed = 1; seed <= 3000; ++seed) {
    GenOptions g;
    g.swarm = true;
    g.well_formed = seed % 2 == 0;
    Program p = generate(seed, g);
    std::array<bool, kNumChoiceKinds> offers = offerable_choices(p);
    FirstOption first;
    ExecOptions eo;
    eo.limits.keep_events = false;
    ExecResult r = execute(p, first, eo);
    std::array<bool, kNumChoiceKinds> branched{};
    for (const rt::Decision& d : r.decisions) branched[static_cast<size_t>(d.kind)] = true;
    for (size_t k = 0; k < kNumChoiceKinds; ++k) {
      marked[k] += offers[k];
      EXPECT_TRUE(!offers[k] || branched[k] || r.outcome != rt::Outcome::Ok || r.verdict == Verdict::Violation)
          << rt::choice_kind_name(static_cast<rt::ChoiceKind>(k)) << " marked but not branched on:\n" << print_program(p);
    }
  }
  // Each rule fires on some of them (else this test checks nothing).
  for (rt::ChoiceKind k : {rt::ChoiceKind::Schedule, rt::ChoiceKind::MapOrder, rt::ChoiceKind::TimerTie})
    EXPECT_GT(marked[static_cast<size_t>(k)], 0u) << rt::choice_kind_name(k);
}

ExploreCounts explore_space_of(uint32_t ops, const std::string& kinds, uint32_t withheld) {
  SpaceOptions sp;
  sp.alphabet = parse_alphabet(kinds);
  sp.max_ops = ops;
  ExploreOptions o;
  o.bound = 1;
  o.stop_at_failure = false;
  o.exec.limits.keep_events = false;
  o.exec.limits.withheld_choices = withheld;
  return explore_space(sp, o, [](const Failure&, SpacePosition) { return true; },
                       [](SpacePosition, const ExploreCounts&) { return true; });
}

// The regression planted: the model stops offering map-order (every cancel walks its
// children in insertion order). Every check still passes; only the warning tells.
TEST(ChoiceOffers, AMapOrderNoLongerOfferedIsWarnedAbout) {
  ExploreCounts planted = explore_space_of(4, "with_cancel,cancel", 1u << kMapOrder);
  EXPECT_EQ(planted.violations, 0u);
  std::vector<std::string> w = planted.generated.warnings();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("warning: choice kind map-order was never branched on (0 of ", 0), 0u) << w[0];
  ExploreCounts normal = explore_space_of(4, "with_cancel,cancel", 0);
  EXPECT_TRUE(normal.generated.warnings().empty()) << normal.generated.warnings().front();
  EXPECT_GT(normal.generated.branched[kMapOrder], 0u);
}

TEST(ChoiceOffers, NoWarningOnTheDefaultAlphabetOrRun) {
  ExploreCounts c = explore_space_of(2, "default", 0);
  EXPECT_TRUE(c.generated.warnings().empty()) << c.generated.warnings().front();
  GenerationCounts run;  // as `ctxcheck run` tallies: swarm programs, seeded choices
  for (uint64_t seed = 1; seed <= 2000; ++seed) {
    GenOptions g;
    g.swarm = true;
    Program p = generate(seed, g);
    rt::PrngChoices choices(seed);
    ExecOptions eo;
    eo.limits.keep_events = false;
    run.add(p);
    run.add(execute(p, choices, eo).decisions);
  }
  EXPECT_TRUE(run.warnings().empty()) << run.warnings().front();
  EXPECT_GT(run.offerable[kMapOrder], 0u);
}

// The shrinker against the hand-written minimal cases: every regression trace with a
// violation shrinks to the same verdict, never larger.
TEST(Shrink, NoLargerThanHandWrittenRegressions) {
  size_t checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(CTXCHECK_SOURCE_DIR "/corpus/regressions")) {
    if (e.path().extension() != ".trace") continue;
    Program p = parse_program(read_file(e.path().string()));
    if (!p.expect || !p.expect->is_violation()) continue;
    ExecOptions o;
    o.faults = faults_of(p);
    rt::ReplayChoices c(p.schedule);
    ExecResult r = execute(p, c, o);
    ASSERT_EQ(r.verdict, Verdict::Violation) << e.path();
    ShrinkResult s = shrink(p, o, r.expect());
    EXPECT_EQ(s.result.expect(), r.expect());
    EXPECT_LE(s.program.op_count(), p.op_count()) << e.path();
    fmt::print("{}: {} ops hand-written, {} shrunk\n", e.path().filename().string(), p.op_count(), s.program.op_count());
    ++checked;
  }
  EXPECT_GE(checked, 2u);
}

}  // namespace
}  // namespace ctxcheck::harness
