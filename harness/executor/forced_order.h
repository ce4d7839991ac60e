// The op-level order of an execution: recorded always (ExecResult::op_events), and forced
// when ExecOptions::forced_order is set (export-go's Go test runs the steps of another run
// in the same order; see ExecOptions).
#pragma once

#include <vector>

#include "harness/executor/result.h"
#include "model/runtime/runtime.h"

namespace ctxcheck::harness {

class ForcedOrder {
 public:
  // `order`: the order to force, or null to only record; `record`: where steps are recorded.
  ForcedOrder(rt::Runtime& runtime, const std::vector<OpEvent>* order, std::vector<OpEvent>& record)
      : rt_(runtime), order_(order), record_(record) {}

  // A script's step starts: with a forced order, it waits until it is the next one.
  void take_turn(OpEvent e);
  // The step is over: the next one may start.
  void end_turn();

 private:
  static bool same_step(const OpEvent& a, const OpEvent& b);

  // invariant: without a forced order, turn_waiters_ is empty and next_turn_ counts steps.
  rt::Runtime& rt_;
  const std::vector<OpEvent>* order_;
  std::vector<OpEvent>& record_;
  size_t next_turn_ = 0;                   // steps taken (the index into a forced order)
  std::vector<rt::WaitToken> turn_waiters_;  // scripts waiting for their turn
  rt::Nanos last_turn_time_ = rt::kEpoch;
};

}  // namespace ctxcheck::harness
