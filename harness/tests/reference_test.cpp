// harness/reference: the judge (the sequential oracle over whole programs) and the reference
// collector, each on a program or heap it must judge wrong and its good twin; and both
// online in the executor (the `oracle` and `gc-reference` invariants).
#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <map>
#include <tuple>

#include "harness/executor/executor.h"
#include "harness/invariants/gc_reference.h"
#include "harness/program/generate.h"
#include "harness/program/text.h"
#include "harness/reference/collector.h"
#include "harness/reference/judge.h"

namespace ctxcheck::reference {
namespace {

harness::Program parse(std::string_view body) {
  return harness::parse_program(std::string("ctxcheck-trace 1\ngo 0:\n") + std::string(body));
}

// `got`: (op, "what = value") of main, or (script, op, "what = value") through against_in.
std::optional<Disagreement> against_in(const Judgement& j,
                                       const std::vector<std::tuple<size_t, size_t, std::string>>& got,
                                       std::vector<std::string>& whats) {
  std::vector<Printed> printed;
  whats.clear();
  whats.reserve(got.size() * 2);
  for (const auto& entry : got) {
    const std::string& text = std::get<2>(entry);
    auto eq = text.find(" = ");
    whats.push_back(text.substr(0, eq));
    whats.push_back(text.substr(eq + 3));
  }
  for (size_t i = 0; i < got.size(); ++i)
    printed.push_back({std::get<0>(got[i]), std::get<1>(got[i]), &whats[2 * i], &whats[2 * i + 1]});
  return first_disagreement(j, printed);
}

std::optional<Disagreement> against(const Judgement& j, const std::vector<std::pair<size_t, std::string>>& got,
                                    std::vector<std::string>& whats) {
  std::vector<std::tuple<size_t, size_t, std::string>> in_main;
  for (const auto& [op, text] : got) in_main.emplace_back(0, op, text);
  return against_in(j, in_main, whats);
}

TEST(Judge, PredictsCausePropagation) {
  Judgement j = judge(parse("  h1 = background\n  h2 = with_cancel_cause h1\n  h3 = with_cancel h2\n"
                            "  cancel h2 cause5\n  observe cause h3\n  observe err h3\n"));
  EXPECT_TRUE(j.main().stopped.empty());
  ASSERT_EQ(j.main().predictions.size(), 2u);
  std::vector<std::string> keep;
  EXPECT_FALSE(against(j, {{4, "cause h3 = cause5"}, {5, "err h3 = context canceled"}}, keep));
  auto bad = against(j, {{4, "cause h3 = context canceled"}, {5, "err h3 = context canceled"}}, keep);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->op, 4u);
  EXPECT_NE(bad->message.find("the oracle expects \"cause h3 = cause5\""), std::string::npos) << bad->message;
  EXPECT_TRUE(against(j, {{4, "cause h3 = cause5"}}, keep));  // one observation missing
}

TEST(Judge, PredictsDeadlineExpiryAndSelect) {
  Judgement j = judge(parse("  h1 = background\n  h2 = with_timeout_cause h1 5ms cause4\n  sleep 7ms\n"
                            "  select h2 10ms\n  observe err h2\n  observe cause h2\n"));
  ASSERT_EQ(j.main().predictions.size(), 3u);
  EXPECT_EQ(j.main().predictions[0].allowed, std::vector<std::string>{"done"});
  std::vector<std::string> keep;
  EXPECT_FALSE(against(j, {{3, "select h2 = done"}, {4, "err h2 = context deadline exceeded"}, {5, "cause h2 = cause4"}},
                       keep));
  EXPECT_TRUE(against(j, {{3, "select h2 = done"}, {4, "err h2 = context canceled"}, {5, "cause h2 = cause4"}}, keep));
  // A select the timer wakes: the rest of that cancellation runs beside main, judging stops.
  Judgement woken = judge(parse("  h1 = background\n  h2 = with_timeout h1 5ms\n  select h2 10ms\n  observe err h2\n"));
  EXPECT_EQ(woken.main().predictions.size(), 1u);
  EXPECT_EQ(woken.main().judged_ops, 3u);
}

TEST(Judge, StopsWhereItCannotJudge) {
  // A goroutine that cancels the tree main goes on observing: only main, up to the go.
  Judgement go = judge(parse("  h1 = background\n  h2 = with_cancel h1\n  go 1\n  observe err h2\n"
                             "go 1:\n  cancel h2\n"));
  EXPECT_EQ(go.main().judged_ops, 2u);
  EXPECT_NE(go.main().stopped.find("op 3"), std::string::npos) << go.main().stopped;
  EXPECT_NE(go.refused.find("go 1 at op 3 of main"), std::string::npos) << go.refused;
  EXPECT_EQ(go.scripts[1].judged_ops, 0u);
  // A sleep that ends on a timer's instant: main may run before the timer fires.
  Judgement tie = judge(parse("  h1 = background\n  h2 = with_timeout h1 5ms\n  sleep 5ms\n  observe err h2\n"));
  EXPECT_EQ(tie.main().judged_ops, 3u);
  EXPECT_TRUE(tie.main().predictions.empty());
}

TEST(Judge, NothingPrintsAfterAWaitThatBlocksForever) {
  Judgement j = judge(parse("  h1 = background\n  h2 = with_cancel h1\n  wait h2\n  observe err h2\n"));
  EXPECT_TRUE(j.main().predictions.empty());
  std::vector<std::string> keep;
  EXPECT_FALSE(against(j, {}, keep));
  EXPECT_TRUE(against(j, {{3, "err h2 = <nil>"}}, keep));
}

// Goroutines on disjoint trees: each is judged as if it ran alone, wherever it was started.
TEST(Judge, GoroutinesOnDisjointTrees) {
  Judgement j = judge(parse("  h1 = background\n  h2 = with_cancel_cause h1\n  h3 = with_cancel h1\n  go 1\n"
                            "  cancel h3\n  observe err h3\n  observe err h1\n"
                            "go 1:\n  h4 = with_cancel h2\n  cancel h2 cause5\n  observe cause h4\n  observe children h2\n"));
  EXPECT_TRUE(j.refused.empty()) << j.refused;
  ASSERT_EQ(j.scripts.size(), 2u);
  EXPECT_EQ(j.main().judged_ops, 7u);
  EXPECT_EQ(j.scripts[1].judged_ops, 4u);
  std::vector<std::string> keep;
  // The model interleaves them in any order; each script's observations are its own.
  EXPECT_FALSE(against_in(j, {{1, 2, "cause h4 = cause5"}, {0, 5, "err h3 = context canceled"},
                              {1, 3, "children h2 = 0"}, {0, 6, "err h1 = <nil>"}}, keep));
  auto bad = against_in(j, {{0, 5, "err h3 = context canceled"}, {0, 6, "err h1 = <nil>"},
                            {1, 2, "cause h4 = context canceled"}, {1, 3, "children h2 = 0"}}, keep);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->script, 1u);
  EXPECT_EQ(bad->op, 2u);
  EXPECT_NE(bad->message.find("go 1, op 3: the model printed \"cause h4 = context canceled\""), std::string::npos)
      << bad->message;
  EXPECT_TRUE(against_in(j, {{0, 5, "err h3 = context canceled"}, {0, 6, "err h1 = <nil>"}}, keep));  // go 1 silent
}

// A tree handed to a goroutine at `go` is the goroutine's from then on, and a deferred
// cancel touches its tree at the script's end.
TEST(Judge, TreesChangeHandsAtGo) {
  Judgement handed = judge(parse("  h1 = background\n  h2 = with_cancel h1\n  h3 = with_value h2 keyA:1 7\n"
                                 "  cancel h2\n  go 1\ngo 1:\n  observe err h3\n  observe value h3 keyA:1\n"));
  EXPECT_TRUE(handed.refused.empty()) << handed.refused;
  ASSERT_EQ(handed.scripts[1].predictions.size(), 2u);
  EXPECT_EQ(handed.scripts[1].predictions[0].allowed, std::vector<std::string>{"context canceled"});
  Judgement deferred = judge(parse("  h1 = background\n  h2 = with_cancel h1\n  defer cancel h2\n  go 1\n"
                                   "go 1:\n  wait h2\n  observe err h2\n"));
  EXPECT_NE(deferred.refused.find("tree of h2"), std::string::npos) << deferred.refused;
  // An AfterFunc joins the tree of the context its f cancels to its own.
  Judgement joined = judge(parse("  h1 = background\n  h2 = with_cancel h1\n  h3 = with_cancel h1\n"
                                 "  h4 = after_func h2 cancel h3\n  go 1\n  cancel h2\n"
                                 "go 1:\n  observe err h3\n"));
  EXPECT_NE(joined.refused.find("tree of h2"), std::string::npos) << joined.refused;
}

// Time across goroutines: each wakes at its own instant; one woken at an instant a timer
// fires stops being judged there (the others go on).
TEST(Judge, GoroutinesAndTheVirtualClock) {
  Judgement j = judge(parse("  h1 = background\n  go 1\n  sleep 3ms\n  h3 = with_timeout h1 4ms\n"
                            "  observe deadline h3\n  select h3 10ms\n  observe err h3\n"
                            "go 1:\n  h2 = with_timeout h1 5ms\n  wait h2\n  observe err h2\n"));
  EXPECT_TRUE(j.refused.empty()) << j.refused;
  ASSERT_EQ(j.main().predictions.size(), 2u);
  EXPECT_EQ(j.main().predictions[0].allowed, std::vector<std::string>{"7ms"});
  EXPECT_EQ(j.main().predictions[1].allowed, std::vector<std::string>{"done"});
  EXPECT_EQ(j.main().judged_ops, 6u);  // woken by h3's timer at 7ms
  EXPECT_EQ(j.scripts[1].judged_ops, 2u);  // woken by h2's timer at 5ms
  EXPECT_TRUE(j.scripts[1].predictions.empty());
  // go 1 wakes at 5ms, the instant main's timer fires (another tree, but judged conservatively).
  Judgement tie = judge(parse("  h1 = background\n  h2 = with_timeout h1 5ms\n  go 1\n  wait h2\n"
                              "go 1:\n  sleep 5ms\n  h3 = with_cancel h1\n  observe err h3\n"));
  EXPECT_EQ(tie.scripts[1].judged_ops, 1u);
  EXPECT_NE(tie.scripts[1].stopped.find("a timer is due"), std::string::npos) << tie.scripts[1].stopped;
}

// The executor runs the judge in every execution: the faithful model agrees.
TEST(Judge, OnlineOnTheFaithfulModel) {
  harness::Program p = parse("  h1 = background\n  h2 = with_cancel_cause h1\n  h3 = with_timeout h2 1s\n"
                             "  h4 = with_value h3 keyA:1 7\n  cancel h2 cause9\n  observe cause h4\n"
                             "  observe deadline h4\n  observe value h4 keyA:1\n  observe done h3\n");
  rt::PrngChoices choices(1);
  harness::ExecResult r = harness::execute(p, choices, {});
  EXPECT_FALSE(r.violation) << r.violation->message;
  EXPECT_EQ(r.observations.size(), 4u);
}

// A fault no invariant sees, in a goroutine: children-not-canceled leaves an AfterFunc
// under an expired timer uncanceled, so go 1's stop wrongly returns true. Only the oracle
// catches it, under every schedule, and only now that it judges goroutines.
TEST(Judge, OnlineCatchesAFaultOnlyAGoroutineShows) {
  harness::Program p = parse("  h1 = background\n  h5 = with_cancel h1\n  go 1\n  cancel h5\n  observe err h5\n"
                             "go 1:\n  h2 = with_timeout h1 2ms\n  h3 = after_func h2 nop\n  sleep 5ms\n  stop h3\n");
  harness::ExecOptions faulty;
  faulty.faults = *model::FaultSet::parse("children-not-canceled");
  harness::ExecOptions without_oracle = faulty;
  without_oracle.invariants.reset(static_cast<size_t>(harness::Invariant::Oracle));
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    rt::PrngChoices a(seed), b(seed), c(seed);
    harness::ExecResult missed = harness::execute(p, a, without_oracle);
    EXPECT_FALSE(missed.violation) << missed.violation->message;
    harness::ExecResult caught = harness::execute(p, b, faulty);
    ASSERT_TRUE(caught.violation) << "seed " << seed;
    EXPECT_EQ(caught.violation->id, harness::Invariant::Oracle);
    EXPECT_EQ(caught.violation->at.script, 1);
    EXPECT_NE(caught.violation->message.find("go 1, op 4: the model printed \"stop h3 = true\""), std::string::npos)
        << caught.violation->message;
    harness::ExecResult faithful = harness::execute(p, c, {});
    EXPECT_FALSE(faithful.violation) << faithful.violation->message;
  }
}

// Generated programs with goroutines (the run campaign's generator): how many the oracle
// judges, and no disagreement with the faithful model under several schedules each.
TEST(Judge, GeneratedGoroutineProgramsOnTheFaithfulModel) {
  constexpr uint64_t kPrograms = 4000, kSchedules = 4;
  uint64_t with_goroutines = 0, judged = 0, whole = 0, goroutine_predictions = 0, checked = 0;
  std::map<std::string, uint64_t> refusals, stops;
  for (uint64_t seed = 1; seed <= kPrograms; ++seed) {
    harness::GenOptions g;
    g.swarm = seed % 2 == 0;
    harness::Program p = harness::generate(seed, g);
    Judgement j = judge(p);
    size_t full = 0;
    for (size_t s = 1; s < j.scripts.size(); ++s) {
      full += j.scripts[s].judged_ops == p.scripts[s].ops.size() && j.scripts[s].stopped.empty();
      goroutine_predictions += j.scripts[s].predictions.size();
      if (!j.scripts[s].stopped.empty()) ++stops[j.scripts[s].stopped.substr(j.scripts[s].stopped.find(':') + 2)];
    }
    if (p.scripts.size() < 2) continue;
    ++with_goroutines;
    if (!j.refused.empty()) {
      ++refusals[j.refused.substr(j.refused.find(':') + 2, 24)];
      continue;
    }
    ++judged;
    whole += full == p.scripts.size() - 1 && j.main().stopped.empty();
    for (uint64_t k = 0; k < kSchedules; ++k) {
      rt::PrngChoices choices(seed * 31 + k);
      harness::ExecResult r = harness::execute(p, choices, {});
      ++checked;
      if (r.violation) {
        EXPECT_NE(r.violation->id, harness::Invariant::Oracle) << r.violation->message << "\n"
                                                               << harness::print_program(p);
      }
    }
  }
  std::cout << "generated " << kPrograms << " programs: " << with_goroutines << " with goroutines, " << judged
            << " judged (" << whole << " every op of every script), " << goroutine_predictions
            << " predictions in goroutines; " << checked << " executions checked\n";
  for (const auto& [why, n] : refusals) std::cout << "  refused " << n << ": " << why << "...\n";
  for (const auto& [why, n] : stops) std::cout << "  a goroutine stopped " << n << ": " << why << "\n";
  EXPECT_GT(judged, with_goroutines / 10);
}

HeapImage chain_with_finalizers() {
  // 0: a root frame; 1 -> 2 (both with finalizers), 3 -> 3 (a cycle with a finalizer), 4 garbage.
  HeapImage h;
  h.objs.resize(5);
  for (auto& o : h.objs) o.alive = true;
  h.objs[1].finalizer = h.objs[2].finalizer = h.objs[3].finalizer = true;
  h.objs[1].refs = {2};
  h.objs[3].refs = {3};
  h.roots = {0};
  return h;
}

TEST(Collector, GoFinalizerRules) {
  GcOutcome g = collect(chain_with_finalizers());
  EXPECT_TRUE(g.marked[0]);
  EXPECT_TRUE(g.queued[1]);   // the head of the chain is queued first
  EXPECT_TRUE(g.marked[2]);   // kept by 1's finalizer: not queued in the same cycle
  EXPECT_FALSE(g.queued[2]);
  EXPECT_TRUE(g.marked[3]);   // a finalizer on a cycle: never queued, never freed
  EXPECT_FALSE(g.queued[3] || g.freed[3]);
  EXPECT_TRUE(g.freed[4]);
  HeapImage resurrected = chain_with_finalizers();
  resurrected.objs[1].finalizer = false;  // queued: its finalizer is cleared and the queue is a root
  resurrected.objs[1].queued = true;
  resurrected.roots.push_back(1);
  GcOutcome r = collect(resurrected);
  EXPECT_TRUE(r.marked[1] && r.marked[2]);
  EXPECT_FALSE(r.freed[1]);
}

// A collection on a heap unchanged since the last one skips its mark and sweep and the
// gc-reference picture (rt::Heap::unchanged_since_collect). Twin heaps get the same random
// mutations, finalizer runs and back-to-back collections; the twin's no-op unlink before
// every collection makes it collect in full, checked against the reference collector. Any
// difference in statistics or object fates, or a reference disagreement where the first
// heap skipped, means the skip is not exact.
TEST(GcSkip, AnUnchangedHeapCollectsLikeAFullCollection) {
  static constexpr rt::ObjType kNode{"node", 16};
  std::mt19937 rng(2026);
  size_t skipped = 0;
  for (int round = 0; round < 200; ++round) {
    rt::Heap fast, full;
    harness::GcReferenceChecker reference;
    full.set_collect_observer([&](const rt::Heap& heap, bool after) {
      if (!after) return reference.before(heap);
      auto v = reference.after(heap);
      EXPECT_FALSE(v.has_value()) << v->message;
    });
    auto pick = [&](size_t n) { return static_cast<rt::ObjId>(rng() % n); };
    auto both = [&](auto&& f) { f(fast); f(full); };
    auto run_one_finalizer = [](rt::Heap& h) {
      rt::ObjId o;
      rt::Heap::Finalizer f;
      if (h.take_finalizer(o, f)) h.finalizer_done(o);
    };
    for (int step = 0; step < 60; ++step) {
      size_t n = fast.allocated();
      switch (n < 3 ? 0 : rng() % 8) {
        case 0: case 1: both([](rt::Heap& h) { h.alloc(kNode); }); break;
        case 2: {
          rt::ObjId a = pick(n), b = pick(n);
          if (fast.alive(a) && fast.alive(b)) both([&](rt::Heap& h) { h.link(a, b, "e"); });
          break;
        }
        case 3: {
          rt::ObjId a = pick(n);
          if (fast.alive(a) && !fast.object(a).edges.empty()) {
            rt::ObjId to = fast.object(a).edges.front().to;
            both([&](rt::Heap& h) { h.unlink(a, to, "e"); });
          }
          break;
        }
        case 4: {
          rt::ObjId a = pick(n);
          uint32_t slot = rng() % 3;
          both([&](rt::Heap& h) { h.store_global(slot, h.alive(a) ? a : rt::kNoObj); });
          break;
        }
        case 5: {
          rt::ObjId a = pick(n);
          if (fast.alive(a) && !fast.object(a).queued) both([&](rt::Heap& h) { h.set_finalizer(a, [](rt::ObjId) {}); });
          break;
        }
        case 6: both(run_one_finalizer); break;
        default:
          for (int again = 0; again < 2; ++again) {  // the second one finds the heap unchanged
            skipped += fast.unchanged_since_collect();
            full.unlink(0, 0, "no such edge");  // a mutation in name only: a full collection
            ASSERT_FALSE(full.unchanged_since_collect());
            rt::GcStats a = fast.collect(), b = full.collect();
            ASSERT_EQ(a.to_string(), b.to_string());
          }
      }
      ASSERT_EQ(fast.allocated(), full.allocated());
      for (rt::ObjId o = 0; o < fast.allocated(); ++o) {
        ASSERT_EQ(fast.alive(o), full.alive(o)) << "object " << o;
        ASSERT_EQ(fast.object(o).queued, full.object(o).queued) << "object " << o;
      }
    }
  }
  EXPECT_GT(skipped, 100u);  // the skip was exercised
}

}  // namespace
}  // namespace ctxcheck::reference
