// Every invariant checker, tripped by a hand-built bad state and quiet on the good twin.
#include <gtest/gtest.h>

#include "harness/invariants/checks.h"

namespace ctxcheck::harness {
namespace {

CtxView bg(uint32_t id) {
  CtxView c;
  c.id = id;
  c.kind = "backgroundCtx";
  c.family = CtxFamily::Empty;
  return c;
}
CtxView cancel_ctx(uint32_t id, int64_t parent) {
  CtxView c;
  c.id = id;
  c.kind = "cancelCtx";
  c.family = CtxFamily::Cancel;
  c.parent = parent;
  return c;
}
void cancel(CtxView& c, ErrVal err = kCanceled) {
  c.err = err;
  c.cause = err;
  c.done_created = c.done_closed = true;
  c.children.clear();
  c.removing_cancels_returned = 1;
}

// background <- c1 <- c2 (registered in c1)
ModelView chain() {
  ModelView v;
  v.now = rt::kEpoch;
  v.contexts = {bg(0), cancel_ctx(1, 0), cancel_ctx(2, 1)};
  v.contexts[1].children = {2};
  v.contexts[1].children_nil = false;
  return v;
}

TEST(Residue, CanceledChildLeftInMapTrips) {
  ModelView v = chain();
  EXPECT_FALSE(check_residue(v));
  cancel(v.contexts[2]);  // canceled and its cancel returned, but still registered in c1
  auto r = check_residue(v);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, Invariant::Residue);
  v.contexts[1].children.clear();  // the faithful removal
  EXPECT_FALSE(check_residue(v));
}

TEST(Residue, CanceledParentWithChildrenTripsUnlessLocked) {
  ModelView v = chain();
  v.contexts[1].err = kCanceled;
  v.contexts[1].mu_locked = true;  // mid-cancel: allowed
  EXPECT_FALSE(check_residue(v));
  v.contexts[1].mu_locked = false;
  EXPECT_TRUE(check_residue(v));
}

TEST(Residue, WrongOwnerTrips) {
  ModelView v = chain();
  v.contexts.push_back(cancel_ctx(3, 2));
  v.contexts[1].children.push_back(3);  // registered in the grandparent
  auto r = check_residue(v);
  ASSERT_TRUE(r);
  EXPECT_NE(r->message.find("nearest cancelable ancestor is ctx2"), std::string::npos) << r->message;
}

TEST(Residue, ValueCtxIsTransparent) {
  ModelView v = chain();
  CtxView val;
  val.id = 3;
  val.kind = "valueCtx";
  val.family = CtxFamily::Value;
  val.transparent = true;
  val.parent = 2;
  v.contexts.push_back(val);
  v.contexts.push_back(cancel_ctx(4, 3));
  v.contexts[2].children = {4};
  EXPECT_FALSE(check_residue(v));
}

TEST(Acyclic, ParentLoopTrips) {
  ModelView v = chain();
  EXPECT_FALSE(check_acyclic(v));
  v.contexts[1].parent = 2;  // c1 -> c2 -> c1
  auto r = check_acyclic(v);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, Invariant::Acyclic);
  EXPECT_NE(r->message.find("ctx1 -> ctx2 -> ctx1"), std::string::npos) << r->message;
}

TEST(Acyclic, RegistrationOutsideChainTrips) {
  ModelView v = chain();
  v.contexts.push_back(cancel_ctx(3, 0));
  v.contexts[2].children = {3};  // c3's chain is c3 -> bg, not through c2
  EXPECT_TRUE(check_acyclic(v));
}

TEST(Propagation, UncanceledDescendantAtQuiescenceTrips) {
  ModelView v = chain();
  EXPECT_FALSE(check_propagation_quiescent(v));
  cancel(v.contexts[1]);
  EXPECT_TRUE(check_propagation_quiescent(v));
  cancel(v.contexts[2]);
  EXPECT_FALSE(check_propagation_quiescent(v));
}

TEST(Propagation, WithoutCancelStopsIt) {
  ModelView v = chain();
  v.contexts[2].passes_cancel = false;
  cancel(v.contexts[1]);
  v.contexts[1].children.clear();
  EXPECT_FALSE(check_propagation_quiescent(v));
}

TEST(Propagation, AfterCancelRegisteredMustBeCanceled) {
  ModelView v = chain();
  auto reg = registered_below(v, 1);
  ASSERT_EQ(reg, std::vector<uint32_t>{2});
  cancel(v.contexts[1]);
  EXPECT_TRUE(check_propagation_after_cancel(v, 1, reg));
  cancel(v.contexts[2]);
  EXPECT_FALSE(check_propagation_after_cancel(v, 1, reg));
}

TEST(Propagation, ChildTakesItsParentsCause) {
  ModelView v = chain();
  cancel(v.contexts[1]);
  v.contexts[1].cause = 7;  // cancel(cause7) on a WithCancelCause parent
  cancel(v.contexts[2]);    // the child got Canceled/Canceled: the wrong cause
  const OwnCancels parent_own{0, 1, 0};  // c1's own cancel func was called; c2 only through c1
  auto r = check_propagation_causes(v, parent_own);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, Invariant::Propagation);
  EXPECT_NE(r->message.find("not its parent's context canceled/cause7"), std::string::npos) << r->message;
  EXPECT_TRUE(check_propagation_after_cancel(v, 1, {2}));
  v.contexts[2].cause = 7;  // the faithful cascade
  EXPECT_FALSE(check_propagation_causes(v, parent_own));
  EXPECT_FALSE(check_propagation_after_cancel(v, 1, {2}));
}

TEST(Propagation, OwnCancelOrOwnTimerMayDiffer) {
  ModelView v = chain();
  cancel(v.contexts[1]);
  v.contexts[1].cause = 7;
  cancel(v.contexts[2]);
  OwnCancels own{0, 1, 1};  // c1's cancel func was called, and c2's own ran first
  EXPECT_FALSE(check_propagation_causes(v, own));
  v.contexts[2].own_deadline = true;  // or its own timer expired first
  v.contexts[2].deadline = v.now;
  v.contexts[2].err = v.contexts[2].cause = kDeadlineExceeded;
  const OwnCancels parent_own{0, 1, 0};
  EXPECT_FALSE(check_propagation_causes(v, parent_own));
  v.now -= 1;  // ... but not before its deadline
  EXPECT_TRUE(check_propagation_causes(v, parent_own));
}

TEST(Propagation, CanceledWithNoSourceTrips) {
  ModelView v = chain();
  v.contexts[1].family = CtxFamily::WithoutCancel;  // c2 sits under WithoutCancel
  v.contexts[1].kind = "withoutCancelCtx";
  cancel(v.contexts[2]);
  EXPECT_TRUE(check_propagation_causes(v, {}));
  EXPECT_FALSE(check_propagation_causes(v, {0, 0, 1}));
}

TEST(DoneErr, ClosedDoneWithNilErrTrips) {
  ModelView v = chain();
  DoneErrChecker d;
  EXPECT_FALSE(d.check(v));
  v.contexts[2].done_created = v.contexts[2].done_closed = true;
  auto r = d.check(v);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, Invariant::DoneErr);
}

TEST(DoneErr, ErrChangingAfterSetTrips) {
  ModelView v = chain();
  DoneErrChecker d;
  cancel(v.contexts[2], kCanceled);
  EXPECT_FALSE(d.check(v));
  v.contexts[2].err = kDeadlineExceeded;
  EXPECT_TRUE(d.check(v));
}

TEST(DoneErr, ForeignErrValueTrips) {
  ModelView v = chain();
  DoneErrChecker d;
  cancel(v.contexts[2], 7);
  EXPECT_TRUE(d.check(v));
}

TEST(Deadline, ChildLaterThanParentTrips) {
  ModelView v = chain();
  v.contexts[1].deadline = rt::kEpoch + 10;
  v.contexts[2].deadline = rt::kEpoch + 10;
  EXPECT_FALSE(check_deadline_order(v));
  v.contexts[2].deadline = rt::kEpoch + 11;
  EXPECT_TRUE(check_deadline_order(v));
}

TEST(Deadline, ExpiredButNotDoneTrips) {
  ModelView v = chain();
  v.contexts[2].own_deadline = true;
  v.contexts[2].deadline = rt::kEpoch + 10;
  v.now = rt::kEpoch + 5;
  EXPECT_FALSE(check_deadline_expiry(v));
  v.now = rt::kEpoch + 10;
  EXPECT_TRUE(check_deadline_expiry(v));
  cancel(v.contexts[2], kDeadlineExceeded);
  EXPECT_FALSE(check_deadline_expiry(v));
}

// bg <- c1 (a timerCtx with deadline +10) <- c2
ModelView timer_chain() {
  ModelView v = chain();
  v.contexts[1].kind = "timerCtx";
  v.contexts[1].own_deadline = true;
  v.contexts[1].deadline = v.contexts[2].deadline = rt::kEpoch + 10;
  return v;
}

TEST(Deadline, DeadlineExceededWithoutExpiredDeadlineTrips) {
  ModelView v = timer_chain();
  DeadlineChecker d;
  EXPECT_FALSE(d.check(v));
  v.now = rt::kEpoch + 5;
  cancel(v.contexts[2], kDeadlineExceeded);  // a timer canceled the wrong context, early
  auto r = d.check(v);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, Invariant::Deadline);
  EXPECT_NE(r->message.find("no deadline on its chain has passed"), std::string::npos) << r->message;

  ModelView good = timer_chain();
  DeadlineChecker g;
  EXPECT_FALSE(g.check(good));
  good.now = rt::kEpoch + 10;  // c1's timer fires: c1 and, through it, c2
  cancel(good.contexts[1], kDeadlineExceeded);
  cancel(good.contexts[2], kDeadlineExceeded);
  EXPECT_FALSE(g.check(good));
}

TEST(Deadline, ClockPastDeadlineMeansDoneAtEveryStep) {
  ModelView v = timer_chain();
  DeadlineChecker d;
  EXPECT_FALSE(d.check(v));
  v.now = rt::kEpoch + 10;  // the deadline's own instant: its timer may still be due
  EXPECT_FALSE(d.check(v));
  v.now = rt::kEpoch + 11;  // the clock moved on: the timer never fired
  EXPECT_TRUE(d.check(v));
}

TEST(Deadline, CanceledAfterTheDeadlineTrips) {
  ModelView v = timer_chain();
  DeadlineChecker d;
  EXPECT_FALSE(d.check(v));
  v.now = rt::kEpoch + 20;  // a program cancel at +20 beat a timer due at +10
  cancel(v.contexts[1]);
  auto r = d.check(v);
  ASSERT_TRUE(r);
  EXPECT_NE(r->message.find("after its deadline"), std::string::npos) << r->message;

  ModelView early = timer_chain();
  DeadlineChecker e;
  early.now = rt::kEpoch + 3;
  cancel(early.contexts[1]);  // canceled before the deadline: Canceled is right
  EXPECT_FALSE(e.check(early));
  early.now = rt::kEpoch + 20;
  EXPECT_FALSE(e.check(early));
}

TEST(Deadline, CreatedPastItsDeadlineUnderACanceledParent) {
  ModelView v = timer_chain();
  v.now = rt::kEpoch + 20;  // WithDeadline(@10) at +20 under a canceled parent: Canceled
  cancel(v.contexts[1]);
  DeadlineChecker d;
  EXPECT_FALSE(d.check(v));
}

TEST(AfterFunc, RunsTwiceTrips) {
  ModelView v = chain();
  v.contexts[2].kind = "afterFuncCtx";
  v.contexts[2].afterfunc_runs = 1;
  EXPECT_FALSE(check_afterfunc_once(v));
  v.contexts[2].afterfunc_runs = 2;
  EXPECT_TRUE(check_afterfunc_once(v));
}

TEST(AfterFunc, StopMustTellTheTruth) {
  ModelView v = chain();
  CtxView& a = v.contexts[2];
  a.kind = "afterFuncCtx";
  a.afterfunc_stop = 1;  // stop said it prevented f
  EXPECT_FALSE(check_afterfunc_final(v));
  a.afterfunc_runs = 1;  // ... but f ran
  EXPECT_TRUE(check_afterfunc_final(v));
  a.afterfunc_stop = 0;  // stop said too late: f must have run
  EXPECT_FALSE(check_afterfunc_final(v));
  a.afterfunc_runs = 0;
  EXPECT_TRUE(check_afterfunc_final(v));
  a.afterfunc_stop = -1;  // never stopped: f runs iff done
  EXPECT_FALSE(check_afterfunc_final(v));
  cancel(a);
  EXPECT_TRUE(check_afterfunc_final(v));
}

TEST(Checker, DisabledInvariantIsNotReported) {
  ModelView v = chain();
  cancel(v.contexts[2]);
  InvariantSet only_acyclic;
  only_acyclic.set(static_cast<size_t>(Invariant::Acyclic));
  EXPECT_FALSE(InvariantChecker(only_acyclic).after_step(v));
  EXPECT_TRUE(InvariantChecker().after_step(v));
}

}  // namespace
}  // namespace ctxcheck::harness
