// Random and PCT (small enough to share a file; DFS has its own).
#include <algorithm>

#include "model/runtime/scheduler/pct.h"
#include "model/runtime/scheduler/random.h"

namespace ctxcheck::rt {

namespace {
uint64_t execution_seed(uint64_t seed, uint64_t i) {
  uint64_t s = seed ^ (i * 0xd1342543de82ef95ULL);
  return splitmix64(s);
}
}  // namespace

bool RandomStrategy::next_execution() {
  if (executions_ != 0 && done_ >= executions_) return false;
  state_ = execution_seed(seed_, done_++);
  return true;
}

uint32_t RandomStrategy::choose(ChoiceKind, std::span<const uint32_t> options) {
  return uniform(state_, static_cast<uint32_t>(options.size()));
}

bool PctStrategy::next_execution() {
  if (executions_ != 0 && done_ >= executions_) return false;
  k_ = std::max(k_, steps_);
  state_ = execution_seed(seed_, done_++);
  steps_ = 0;
  priority_.clear();
  change_points_.clear();
  for (uint32_t i = 1; i < depth_; ++i) change_points_.push_back(1 + uniform(state_, static_cast<uint32_t>(k_)));
  std::sort(change_points_.begin(), change_points_.end());
  return true;
}

uint64_t PctStrategy::priority_of(uint32_t g) {
  if (g >= priority_.size()) priority_.resize(g + 1, 0);
  // Initial priorities are above every change-point priority (1..d-1); ties are broken
  // by id below, so "distinct" holds in effect.
  if (priority_[g] == 0) priority_[g] = depth_ + (splitmix64(state_) >> 8);
  return priority_[g];
}

uint32_t PctStrategy::choose(ChoiceKind, std::span<const uint32_t> options) {
  return uniform(state_, static_cast<uint32_t>(options.size()));
}

uint32_t PctStrategy::choose_at(const ChoicePoint& p) {
  if (p.kind != ChoiceKind::Schedule) return choose(p.kind, p.options);
  ++steps_;
  for (size_t i = 0; i < change_points_.size(); ++i)
    if (change_points_[i] == steps_ && p.current != UINT32_MAX) {
      priority_of(p.current);
      priority_[p.current] = i + 1;
    }
  uint32_t best = 0;
  for (uint32_t i = 1; i < p.options.size(); ++i) {
    uint64_t a = priority_of(p.options[i]), b = priority_of(p.options[best]);
    if (a > b || (a == b && p.options[i] < p.options[best])) best = i;
  }
  return best;
}

}  // namespace ctxcheck::rt
