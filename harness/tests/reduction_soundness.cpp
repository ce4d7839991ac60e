// The soundness check of DFS's partial-order reduction: on every program of a space (or a
// fixed uniform sample of larger programs with goroutines), with no fault and under every
// fault of the catalog, DFS with and without reduction reach the same verdicts — the same
// set of violation ids and finding ids over all of the program's schedules — and the
// reduced search has no nondeterminism event. Prints the figures; exit 1 on any difference.
//   ctxcheck_reduction_check --max 3                         every program of <= 3 ops
//   ctxcheck_reduction_check --min 4 --max 5 --sample 2000   a fixed sample (seeded)
//   ... --part 0/2 and --part 1/2                            split over two processes
//   ... --reduction sleep                                    check sleep sets alone (default: dpor, explore's)
//   ... --verdicts --kinds default --reduction none          no comparison: one line per program
//                                                            and fault set, its verdict ids (diff
//                                                            two builds: before and after a change)
//   ... --mutant independent                                 a deliberately unsound reduction
//                                                            (every pair of steps independent):
//                                                            exit 0 only if the check catches it
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/explore/dfs.h"
#include "harness/explore/explore.h"
#include "harness/program/text.h"
#include "model/faults/faults.h"
#include "model/runtime/prng.h"

namespace ctxcheck::harness {
namespace {

struct Totals {
  uint64_t programs = 0, runs = 0, plain = 0, reduced = 0, differ = 0, nondeterminism = 0;
};

struct CheckOptions {
  uint32_t bound = kDefaultBound;
  Reduction reduction = Reduction::Sleep;  // the reduction compared with plain DFS
  bool mutant = false;    // reduce with every pair of steps taken as independent (unsound)
  uint64_t progress = 0;  // print the totals every this many programs (0: never)
  bool verdicts = false;  // print each exploration's verdict ids instead of comparing
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

void print_totals(std::FILE* out, const Totals& t, double secs) {
  fmt::print(out, "{} programs x {} fault sets = {} explorations: {} executions plain, {} reduced ({:.2f}x); "
             "{} with different verdicts, {} nondeterminism events; {:.1f}s\n",
             t.programs, t.programs ? t.runs / t.programs : 0, t.runs, t.plain, t.reduced,
             t.reduced ? static_cast<double>(t.plain) / static_cast<double>(t.reduced) : 0.0, t.differ,
             t.nondeterminism, secs);
  std::fflush(out);
}

std::set<std::string> ids_of(const ExploreCounts& c) {
  std::set<std::string> out;
  for (const auto& [id, n] : c.by_id) out.insert(id);
  return out;
}

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "pass" : out;
}

bool never_dependent(std::span<const rt::Access>, std::span<const rt::Access>) { return false; }

ExploreCounts explore_reduced(const Program& p, const ExploreOptions& o, const CheckOptions& c) {
  SearchStats search;
  DfsOptions d{.preemption_bound = o.bound, .reduction = c.reduction};
  if (c.mutant) d.dependent = never_dependent;
  DfsStrategy dfs(d, search);
  return explore_program_with(p, dfs, search, o, [](const Failure&) { return true; });
}

// Every fault of the catalog, and none: the same verdicts with and without reduction.
void check_program(const Program& p, const CheckOptions& c, Totals& t) {
  ++t.programs;
  std::vector<model::FaultSet> fault_sets{model::FaultSet{}};
  for (model::Fault f : model::all_faults()) fault_sets.push_back(model::FaultSet::of(f));
  for (const model::FaultSet& faults : fault_sets) {
    ExploreOptions o;
    o.bound = c.bound;
    o.stop_at_failure = false;
    o.exec.faults = faults;
    o.exec.limits.keep_events = false;
    o.reduction = Reduction::None;
    if (c.verdicts) {  // one search (c.reduction, none included), its ids printed
      ExploreCounts v = explore_reduced(p, o, c);
      ++t.runs;
      t.reduced += v.executions;
      t.nondeterminism += v.nondeterminism;
      fmt::print("{} [{}]: {}\n", t.programs, faults.to_string(), joined(ids_of(v)));
      continue;
    }
    ExploreCounts plain = explore_program(p, o, [](const Failure&) { return true; });
    ExploreCounts reduced = explore_reduced(p, o, c);
    ++t.runs;
    t.plain += plain.executions;
    t.reduced += reduced.executions;
    t.nondeterminism += plain.nondeterminism + reduced.nondeterminism;
    if (ids_of(plain) != ids_of(reduced)) {
      ++t.differ;
      if (t.differ <= 20)  // the mutant differs a lot: the first ones say enough
        fmt::print("DIFFERENT VERDICTS under faults [{}]: plain {{{}}}, reduced {{{}}}\n{}", faults.to_string(),
                   joined(ids_of(plain)), joined(ids_of(reduced)), print_program(p));
    }
  }
  if (c.progress != 0 && t.programs % c.progress == 0)
    print_totals(stderr, t, std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start).count());
}

bool has_goroutines(const Program& p) { return p.scripts.size() > 1; }

// The rank of program i of size n in the sample: a seeded hash, so the sample is a fixed
// uniform one of the programs with goroutines (the `quota` of smallest rank).
uint64_t rank_of(uint64_t seed, uint32_t n, uint64_t i) {
  return ctxcheck::rt::splitmix64_mix(seed * 0x9e3779b97f4a7c15ULL + (uint64_t{n} << 48) + i);
}

// The indices of the programs of n ops with goroutines in the sample, in enumeration order.
std::vector<uint64_t> sample_of(uint32_t n, const Alphabet& a, uint64_t quota, uint64_t seed) {
  std::vector<std::pair<uint64_t, uint64_t>> kept;  // (rank, index), a max-heap of the smallest ranks
  enumerate_programs(n, a, 0, [&](uint64_t i, const Program& p) {
    if (!has_goroutines(p)) return true;
    kept.emplace_back(rank_of(seed, n, i), i);
    std::push_heap(kept.begin(), kept.end());
    if (kept.size() > quota) {
      std::pop_heap(kept.begin(), kept.end());
      kept.pop_back();
    }
    return true;
  });
  std::vector<uint64_t> out;
  for (const auto& [rank, i] : kept) out.push_back(i);
  std::sort(out.begin(), out.end());
  return out;
}

struct Space {
  uint32_t min_ops = 1, max_ops = 3;
  uint64_t sample = 0, seed = 1;
  uint32_t part = 0, parts = 1;  // check only the programs whose position % parts == part
  std::string kinds = "lifecycle";  // the alphabet (its measured figures, README, are of lifecycle)
};

// Checks the space (or its sample): the k-th program checked overall belongs to part k % parts.
void check_space(const Space& s, const CheckOptions& c, Totals& t) {
  Alphabet a = parse_alphabet(s.kinds);
  uint64_t k = 0;
  auto visit = [&](const Program& p) {
    bool caught = c.mutant && t.differ > 0;  // the mutant needs one difference, not all
    if (k++ % s.parts == s.part && !caught) check_program(p, c, t);
  };
  for (uint32_t n = s.min_ops; n <= s.max_ops; ++n) {
    if (s.sample == 0) {
      enumerate_programs(n, a, 0, [&](uint64_t, const Program& p) {
        visit(p);
        return true;
      });
      continue;
    }
    std::vector<uint64_t> chosen = sample_of(n, a, s.sample / (s.max_ops - s.min_ops + 1), s.seed);
    size_t next = 0;
    enumerate_programs(n, a, 0, [&](uint64_t i, const Program& p) {
      if (next < chosen.size() && chosen[next] == i) {
        ++next;
        visit(p);
      }
      return next < chosen.size();
    });
  }
}

}  // namespace
}  // namespace ctxcheck::harness

int main(int argc, char** argv) {
  using namespace ctxcheck::harness;
  CLI::App app{"Partial-order reduction soundness: the same verdicts with and without it"};
  Space s;
  CheckOptions c;
  std::string part, mutant, reduction{reduction_name(kDefaultReduction)};
  app.add_option("--min", s.min_ops, "Smallest program size")->capture_default_str()->check(CLI::Range(1, 8));
  app.add_option("--max", s.max_ops, "Largest program size")->capture_default_str()->check(CLI::Range(1, 8));
  app.add_option("--bound", c.bound, "Preemption bound")->capture_default_str()->check(CLI::Range(0, 100));
  app.add_option("--sample", s.sample, "Check a fixed uniform sample of this many programs with goroutines (0: every program)");
  app.add_option("--seed", s.seed, "Seed of the sample")->capture_default_str();
  app.add_option("--part", part, "Check part I of M (every M-th program checked, from the I-th)");
  app.add_option("--reduction", reduction, "The reduction compared with plain DFS: sleep or dpor (with --verdicts: none too)")
      ->capture_default_str()
      ->check(CLI::IsMember({std::string(reduction_name(Reduction::None)), std::string(reduction_name(Reduction::Sleep)),
                             std::string(reduction_name(Reduction::Dpor))}));
  app.add_option("--kinds", s.kinds, "Op alphabet, as explore's --kinds (default, lifecycle or op names)")->capture_default_str();
  app.add_flag("--verdicts", c.verdicts, "Compare nothing: print every program and fault set's verdict ids under --reduction");
  app.add_option("--mutant", mutant, "independent: reduce unsoundly (every pair independent); exit 0 only if caught")
      ->check(CLI::IsMember({"independent"}));
  app.add_option("--progress", c.progress, "Print the totals on stderr every N programs (0: never)");
  CLI11_PARSE(app, argc, argv);
  char slash = 0, extra = 0;
  if (!part.empty() && (std::sscanf(part.c_str(), "%u%c%u%c", &s.part, &slash, &s.parts, &extra) != 3 ||
                        slash != '/' || s.parts == 0 || s.part >= s.parts)) {
    fmt::print(stderr, "--part \"{}\": expected I/M with 0 <= I < M\n", part);
    return 2;
  }
  if (s.min_ops > s.max_ops) {
    fmt::print(stderr, "--min {} is larger than --max {}\n", s.min_ops, s.max_ops);
    return 2;
  }
  c.mutant = !mutant.empty();
  c.reduction = *reduction_by_name(reduction);  // CLI11 checked the name
  if (c.reduction == Reduction::None && !c.verdicts) {
    fmt::print(stderr, "--reduction none compares plain DFS with itself: give --verdicts, or sleep or dpor\n");
    return 2;
  }
  try {
    parse_alphabet(s.kinds);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "--kinds: {}\n", e.what());
    return 2;
  }
  Totals t;
  check_space(s, c, t);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start).count();
  print_totals(stdout, t, secs);
  if (c.mutant) {
    fmt::print("mutant (every pair independent): {}\n", t.differ > 0 ? "caught" : "NOT CAUGHT: the check cannot fail");
    return t.differ > 0 ? 0 : 1;
  }
  return t.differ == 0 && t.nondeterminism == 0 ? 0 : 1;
}
