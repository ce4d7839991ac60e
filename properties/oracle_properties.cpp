// Stateful command testing against the abstract oracle (properties/oracle): random command
// sequences and schedules agree with the oracle on the faithful model, and the comparison
// catches faults that change sequential behaviour.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "properties/budget.h"
#include "properties/oracle/commands.h"
#include "properties/oracle/oracle.h"
#include "properties/property_support.h"

namespace ctxcheck::properties::oracle {
namespace {

constexpr int64_t kMs = 1000000;

// ---- the oracle itself, on hand-written cases (Go's documented behaviour) ----

TEST(OracleSpec, CancelCausePropagatesToDescendants) {
  Oracle o;
  int c = o.with_cancel(o.background(), true);
  int v = o.with_value(c, {0, 1}, 7);
  int d = o.with_cancel(v, false);
  EXPECT_EQ(o.children(c), 1u);  // registered through the valueCtx
  o.cancel(c, 3);
  EXPECT_EQ(o.err(d).value, kCanceled);
  EXPECT_EQ(o.cause(d).value, 3);
  EXPECT_EQ(o.cause(v).value, 3);
  EXPECT_EQ(o.children(c), 0u);
  EXPECT_EQ(o.value(d, {0, 1}), 7);
  o.cancel(d, 0);  // first cancel wins
  EXPECT_EQ(o.cause(d).value, 3);
  EXPECT_FALSE(o.cause(d).alt);
}

TEST(OracleSpec, WithDeadlineAfterTheParentsIsAPlainCancelCtx) {
  Oracle o;
  int p = o.with_deadline(o.background(), 5 * kMs, 4);
  int c = o.with_deadline(p, 10 * kMs, 5);
  EXPECT_EQ(o.deadline(c), 5 * kMs);
  EXPECT_EQ(o.nodes()[static_cast<size_t>(c)].kind, NodeKind::Cancel);
  o.sleep(4 * kMs);
  EXPECT_EQ(o.done(c), DoneState::Open);
  o.sleep(1 * kMs);  // due exactly now: fired
  EXPECT_EQ(o.err(c).value, kDeadlineExceeded);
  EXPECT_EQ(o.cause(c).value, 4);  // the parent's cause, not its own (dropped)
  int late = o.with_cancel(p, false);
  EXPECT_EQ(o.err(late).value, kDeadlineExceeded);  // created under a done parent
}

TEST(OracleSpec, AfterFuncRunsOnceUnlessStopped) {
  Oracle o;
  int c = o.with_cancel(o.background(), false);
  int target = o.with_cancel(o.background(), false);
  int a = o.after_func(c, target);
  int b = o.after_func(c, -1);
  EXPECT_EQ(o.children(c), 2u);
  EXPECT_TRUE(o.stop(b));
  EXPECT_EQ(o.children(c), 1u);  // a stopped AfterFunc leaves the parent's map
  EXPECT_FALSE(o.stop(b));
  o.cancel(c, 0);
  EXPECT_EQ(o.after_func_state(a), AfState::Ran);
  EXPECT_EQ(o.after_func_state(b), AfState::Stopped);
  EXPECT_EQ(o.err(target).value, kCanceled);
  EXPECT_FALSE(o.stop(a));
  // AfterFunc on a done context starts f at once.
  int t2 = o.with_cancel(o.background(), false);
  int a2 = o.after_func(c, t2);
  EXPECT_EQ(o.after_func_state(a2), AfState::Ran);
  EXPECT_EQ(o.err(t2).value, kCanceled);
}

TEST(OracleSpec, WithoutCancelKeepsValuesDropsCancellation) {
  Oracle o;
  int c = o.with_cancel(o.background(), true);
  int v = o.with_value(c, {1, 0}, 9);
  int w = o.without_cancel(v);
  int d = o.with_cancel(w, false);
  EXPECT_EQ(o.children(c), 0u);
  o.cancel(c, 3);
  EXPECT_EQ(o.err(w).value, kNil);
  EXPECT_EQ(o.cause(w).value, kNil);
  EXPECT_EQ(o.done(w), DoneState::Nil);
  EXPECT_EQ(o.deadline(w), std::nullopt);
  EXPECT_EQ(o.value(w, {1, 0}), 9);
  EXPECT_EQ(o.value(w, {0, 0}), std::nullopt);
  EXPECT_EQ(o.err(d).value, kNil);
  EXPECT_EQ(o.done(d), DoneState::Open);
}

// An f started by a cancellation races with the rest of it: its target, reached by the
// same cancellation with another cause, may end with either.
TEST(OracleSpec, AfterFuncRacingItsOwnCancellationIsAmbiguous) {
  Oracle o;
  int c = o.with_cancel(o.background(), true);
  int y = o.with_cancel(c, false);
  int z = o.with_cancel(y, false);
  o.after_func(c, y);
  o.cancel(c, 3);
  EXPECT_EQ(o.cause(y).value, 3);
  EXPECT_EQ(o.cause(y).alt, kCanceled);
  EXPECT_EQ(o.cause(z).alt, kCanceled);
  EXPECT_FALSE(o.cause(c).alt);  // c itself was canceled before f started
}

// ---- the model against the oracle ----

// CTXCHECK_ORACLE_FAULTS=skip-removal,... runs it against faulty variants instead (to watch
// a failure print, shrink and reproduce with RC_PARAMS="reproduce=...").
CTXCHECK_PROPERTY(OracleCommands, TheModelAgreesWithTheOracle) {
  model::FaultSet faults;
  if (const char* env = std::getenv("CTXCHECK_ORACLE_FAULTS")) {
    std::string bad;
    auto parsed = model::FaultSet::parse(env, &bad);
    if (!parsed) RC_FAIL("CTXCHECK_ORACLE_FAULTS: unknown fault " + bad);
    faults = *parsed;
  }
  oracle_property(faults);
}

// The comparison can fail: each fault that changes what a sequential program observes is
// found within a fixed budget from a fixed seed, as a difference from the oracle. (The
// other faults need a concurrent interleaving, a foreign context or the heap to show, or,
// for reparent-cycle, stop the run at `acyclic`; the fault-kill matrix covers them all.)
class OracleFindsFault : public ::testing::TestWithParam<model::Fault> {};

TEST_P(OracleFindsFault, WithinBudget) {
  model::Fault f = GetParam();
  constexpr int kBudget = 3000;
  auto failure = run_until_failure(fmt::format("OracleFindsFault/{}", model::name_of(f)), 0x5eed0, kBudget, true,
                                   [&] { oracle_property(model::FaultSet::of(f), false); });
  ASSERT_TRUE(failure) << model::name_of(f) << " survived " << kBudget << " cases";
  EXPECT_NE(failure->description.find("oracle mismatch"), std::string::npos) << failure->description;
  RecordProperty("found_after_cases", failure->numSuccess + 1);
  save_named(fmt::format("oracle-{}.txt", model::name_of(f)), failure->description);
}

INSTANTIATE_TEST_SUITE_P(SequentialFaults, OracleFindsFault,
                         ::testing::Values(model::Fault::SkipRemoval, model::Fault::EarlyReturn,
                                           model::Fault::ChildrenNotCanceled, model::Fault::WrongRemovalIdentity,
                                           model::Fault::AfterFuncTwice, model::Fault::StopWrongValue,
                                           model::Fault::ValueOuterWins),
                         fault_param_name);

}  // namespace
}  // namespace ctxcheck::properties::oracle
