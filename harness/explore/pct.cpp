#include "harness/explore/pct.h"

#include <algorithm>

#include "model/runtime/prng.h"

namespace ctxcheck::harness {

rt::ExecutionNeeds PctStrategy::begin_execution() {
  k_ = std::max(k_, steps_);
  state_ = rt::execution_seed(seed_, index_);
  steps_ = 0;
  priority_.clear();
  change_points_.clear();
  for (uint32_t i = 1; i < depth_; ++i) change_points_.push_back(1 + rt::uniform(state_, static_cast<uint32_t>(k_)));
  std::sort(change_points_.begin(), change_points_.end());
  return {};
}

bool PctStrategy::next_execution() {
  ++index_;
  return executions_ == 0 || index_ < executions_;
}

uint64_t PctStrategy::priority_of(uint32_t g) {
  if (g >= priority_.size()) priority_.resize(g + 1, 0);
  // Initial priorities are above every change-point priority (1..d-1); ties are broken
  // by id below, so "distinct" holds in effect.
  if (priority_[g] == 0) priority_[g] = depth_ + (rt::splitmix64(state_) >> 8);
  return priority_[g];
}

uint32_t PctStrategy::choose(const rt::ChoicePoint& p) {
  if (p.kind != rt::ChoiceKind::Schedule) return rt::uniform(state_, static_cast<uint32_t>(p.options.size()));
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

}  // namespace ctxcheck::harness
