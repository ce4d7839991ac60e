// harness/reference: the judge (the sequential oracle over whole programs) and the reference
// collector, each on a program or heap it must judge wrong and its good twin; and both
// online in the executor (the `oracle` and `gc-reference` invariants).
#include <gtest/gtest.h>

#include "harness/executor/executor.h"
#include "harness/program/text.h"
#include "harness/reference/collector.h"
#include "harness/reference/judge.h"

namespace ctxcheck::reference {
namespace {

harness::Program parse(std::string_view body) {
  return harness::parse_program(std::string("ctxcheck-trace 1\ngo 0:\n") + std::string(body));
}

std::optional<Disagreement> against(const Judgement& j, const std::vector<std::pair<size_t, std::string>>& got,
                                    std::vector<std::string>& whats) {
  std::vector<Printed> printed;
  whats.clear();
  whats.reserve(got.size() * 2);
  for (const auto& entry : got) {
    const std::string& text = entry.second;
    auto eq = text.find(" = ");
    whats.push_back(text.substr(0, eq));
    whats.push_back(text.substr(eq + 3));
  }
  for (size_t i = 0; i < got.size(); ++i) printed.push_back({got[i].first, &whats[2 * i], &whats[2 * i + 1]});
  return first_disagreement(j, printed);
}

TEST(Judge, PredictsCausePropagation) {
  Judgement j = judge(parse("  h1 = background\n  h2 = with_cancel_cause h1\n  h3 = with_cancel h2\n"
                            "  cancel h2 cause5\n  observe cause h3\n  observe err h3\n"));
  EXPECT_TRUE(j.stopped.empty());
  ASSERT_EQ(j.predictions.size(), 2u);
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
  ASSERT_EQ(j.predictions.size(), 3u);
  EXPECT_EQ(j.predictions[0].allowed, std::vector<std::string>{"done"});
  std::vector<std::string> keep;
  EXPECT_FALSE(against(j, {{3, "select h2 = done"}, {4, "err h2 = context deadline exceeded"}, {5, "cause h2 = cause4"}},
                       keep));
  EXPECT_TRUE(against(j, {{3, "select h2 = done"}, {4, "err h2 = context canceled"}, {5, "cause h2 = cause4"}}, keep));
  // A select the timer wakes: the rest of that cancellation runs beside main, judging stops.
  Judgement woken = judge(parse("  h1 = background\n  h2 = with_timeout h1 5ms\n  select h2 10ms\n  observe err h2\n"));
  EXPECT_EQ(woken.predictions.size(), 1u);
  EXPECT_EQ(woken.judged_ops, 3u);
}

TEST(Judge, StopsWhereItCannotJudge) {
  Judgement go = judge(parse("  h1 = background\n  observe err h1\n  go 1\n  observe err h1\ngo 1:\n  yield\n"));
  EXPECT_EQ(go.judged_ops, 2u);
  EXPECT_NE(go.stopped.find("op 3"), std::string::npos) << go.stopped;
  // A sleep that ends on a timer's instant: main may run before the timer fires.
  Judgement tie = judge(parse("  h1 = background\n  h2 = with_timeout h1 5ms\n  sleep 5ms\n  observe err h2\n"));
  EXPECT_EQ(tie.judged_ops, 3u);
  EXPECT_TRUE(tie.predictions.empty());
}

TEST(Judge, NothingPrintsAfterAWaitThatBlocksForever) {
  Judgement j = judge(parse("  h1 = background\n  h2 = with_cancel h1\n  wait h2\n  observe err h2\n"));
  EXPECT_TRUE(j.predictions.empty());
  std::vector<std::string> keep;
  EXPECT_FALSE(against(j, {}, keep));
  EXPECT_TRUE(against(j, {{3, "err h2 = <nil>"}}, keep));
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

}  // namespace
}  // namespace ctxcheck::reference
