#include "harness/executor/forced_order.h"

namespace ctxcheck::harness {

void ForcedOrder::take_turn(OpEvent e) {
  if (const auto* order = order_) {
    while (next_turn_ >= order->size() || !same_step((*order)[next_turn_], e)) {
      turn_waiters_.push_back(rt_.wait_token());
      rt_.block(rt::BlockKind::Turn, static_cast<uint32_t>(next_turn_));
    }
    // The clock moved since the last step: timer callbacks due by now finish first.
    if (rt_.now() > last_turn_time_) rt_.settle_now();
    last_turn_time_ = rt_.now();
  }
  e.vtime = rt_.now() - rt::kEpoch;
  record_.push_back(e);
}

void ForcedOrder::end_turn() {
  ++next_turn_;
  for (rt::WaitToken t : turn_waiters_) rt_.wake(t);
  turn_waiters_.clear();
}

bool ForcedOrder::same_step(const OpEvent& a, const OpEvent& b) {
  return a.script == b.script && a.op == b.op && a.phase == b.phase;
}

}  // namespace ctxcheck::harness
