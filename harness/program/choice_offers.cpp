#include "harness/program/choice_offers.h"

#include <algorithm>
#include <cstdint>
#include <vector>
#include <optional>

namespace ctxcheck::harness {

namespace {

constexpr size_t index_of(rt::ChoiceKind k) { return static_cast<size_t>(k); }

bool is_cancel_ctx(OpKind k) {  // the constructors whose context is a cancelCtx
  switch (k) {
    case OpKind::WithCancel: case OpKind::WithCancelCause: case OpKind::WithTimeout:
    case OpKind::WithTimeoutCause: case OpKind::WithDeadline: case OpKind::WithDeadlineCause:
    case OpKind::AfterFunc:
      return true;
    default:
      return false;
  }
}

// What main's prefix built, per handle: the cancelCtx it registers under (itself for a
// cancelCtx) and its deadline (0: none; nullopt: unknown, a custom context).
struct Handle {
  std::optional<uint32_t> owner;
  std::optional<int64_t> deadline = 0;
  bool done = false;  // expired at its creation (a timeout of 0), or a child of such
};

class MainPrefix {
 public:
  explicit MainPrefix(const Program& p) {
    const std::vector<Op>& ops = p.scripts.at(0).ops;
    uint32_t max_result = 0;  // by handle, not maps: no allocation per handle (run tallies every case)
    for (const Op& op : ops) max_result = std::max(max_result, op.result);
    handles_.resize(max_result + 1);
    children_.resize(max_result + 1, 0);
    for (size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      if (blocks(op.kind)) {
        blocked_ = &op;
        break;
      }
      if (op.kind == OpKind::Go) {
        started_goroutine_ = true;
        if (i + 1 < ops.size()) schedule_ = true;
      }
      if (op.kind == OpKind::Stop) stopped_ = true;  // an AfterFunc's stop removes its child
      if (op.kind == OpKind::Cancel && !canceled_) {
        canceled_ = true;
        if (op.a < children_.size() && children_[op.a] >= 2 && !stopped_) map_order_ = true;
      }
      if (op.result != 0) create(op);
    }
  }

  std::array<bool, kNumChoiceKinds> offers() const {
    std::array<bool, kNumChoiceKinds> o{};
    o[index_of(rt::ChoiceKind::Schedule)] = schedule_;
    o[index_of(rt::ChoiceKind::MapOrder)] = map_order_;
    o[index_of(rt::ChoiceKind::TimerTie)] = timer_tie();
    return o;
  }

 private:
  Handle of(uint32_t h) const { return h < handles_.size() ? handles_[h] : Handle{}; }

  void create(const Op& op) {
    Handle parent = of(op.a), made;
    if (op.kind == OpKind::WithValue) made = parent;
    if (op.kind == OpKind::WithCancel || op.kind == OpKind::WithCancelCause || op.kind == OpKind::AfterFunc)
      made.deadline = parent.deadline;
    if (op.kind == OpKind::Custom) made.deadline = std::nullopt;
    std::optional<int64_t> at = timer_at(op);
    if (at && !parent.deadline) made.deadline = std::nullopt;
    if (at && parent.deadline) {
      bool earlier_parent = *parent.deadline != 0 && *parent.deadline < *at;  // Go: no timer then
      made.deadline = earlier_parent ? *parent.deadline : *at;
      if (!earlier_parent && *at > 0 && !parent.done && !canceled_ && !started_goroutine_) timers_.push_back(*at);
    }
    if (is_cancel_ctx(op.kind)) {
      made.done = parent.done || (at && *at <= 0);
      if (parent.owner && !parent.done && !made.done && !canceled_) ++children_[*parent.owner];
      made.owner = op.result;
    }
    handles_[op.result] = made;
  }

  static std::optional<int64_t> timer_at(const Op& op) {  // main's clock is at 0 before it blocks
    if (op.kind == OpKind::WithTimeout || op.kind == OpKind::WithTimeoutCause) return op.duration;
    if (op.kind == OpKind::WithDeadline || op.kind == OpKind::WithDeadlineCause) return op.deadline;
    return std::nullopt;
  }

  // A deadline at the earliest instant, and main blocks with a wake timer (its sleep or its
  // select's timeout) due at that instant too, with nobody else to run: only a wake timer
  // among same-instant timers makes their order a choice (Runtime::fire_next_timers).
  bool timer_tie() const {
    if (blocked_ == nullptr || canceled_ || started_goroutine_ || timers_.empty()) return false;
    int64_t first = *std::min_element(timers_.begin(), timers_.end());
    if (blocked_->kind == OpKind::Sleep) return blocked_->duration == first;
    if (blocked_->kind != OpKind::Select || blocked_->duration != first) return false;
    Handle selected = of(blocked_->a);  // a done one: the select returns without a timer
    return !selected.done && selected.deadline && (*selected.deadline == 0 || *selected.deadline >= first);
  }

  std::vector<Handle> handles_;     // by handle; Handle{} where main's prefix made none
  std::vector<uint32_t> children_;  // by cancelCtx handle: children registered under it
  std::vector<int64_t> timers_;            // instants of the timers created
  const Op* blocked_ = nullptr;            // main's first blocking op
  bool started_goroutine_ = false, canceled_ = false, stopped_ = false, schedule_ = false, map_order_ = false;
};

}  // namespace

std::array<bool, kNumChoiceKinds> offerable_choices(const Program& p) {
  if (p.scripts.empty()) return {};
  return MainPrefix(p).offers();
}

}  // namespace ctxcheck::harness
