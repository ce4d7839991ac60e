#include "model/runtime/scheduler/dfs.h"

#include "model/runtime/runtime.h"

namespace ctxcheck::rt {

bool DfsStrategy::next_execution() {
  if (opts_.max_executions != 0 && stats_.executions >= opts_.max_executions) return false;
  if (!started_) {
    started_ = true;
    replay_ = 0;
    ++stats_.executions;
    return true;
  }
  // Backtrack to the deepest decision with an option left that the budget affords.
  while (!path_.empty()) {
    Node& n = path_.back();
    uint32_t next = n.chosen + 1;
    if (next < n.n && cost(n, next) <= n.budget) {
      n.chosen = next;
      replay_ = path_.size();
      ++stats_.executions;
      return true;
    }
    path_.pop_back();
  }
  stats_.exhausted = true;
  return false;
}

void DfsStrategy::begin_execution() {
  pos_ = 0;
  budget_ = opts_.preemption_bound;
  prune_ = false;
  path_.resize(replay_);
}

uint32_t DfsStrategy::choose(ChoiceKind kind, std::span<const uint32_t> options) {
  return choose_at({kind, options, false, UINT32_MAX});
}

uint32_t DfsStrategy::choose_at(const ChoicePoint& p) {
  prune_ = false;
  uint32_t n = static_cast<uint32_t>(p.options.size());
  if (pos_ < replay_) {
    Node& node = path_[pos_++];
    if (node.kind != p.kind || node.n != n || node.preemptive != p.preemptive) {
      // The same prefix must lead to the same decisions: anything else is a determinism
      // bug in the model or harness. Count it, and explore from here as a new path.
      ++stats_.nondeterminism;
      path_.resize(pos_ - 1);
      replay_ = pos_ - 1;
      return choose_at(p);
    }
    budget_ -= cost(node, node.chosen);
    return node.chosen;
  }
  if (opts_.state_caching && p.preemptive) {
    Runtime* rt = Runtime::current_or_null();
    if (rt != nullptr && rt->hashing()) {
      uint64_t h = rt->state_hash();
      auto [it, fresh] = seen_.try_emplace(h, budget_);
      if (!fresh && it->second >= budget_) {
        ++stats_.pruned;
        prune_ = true;
        return 0;
      }
      if (fresh) ++stats_.distinct_states;
      else it->second = budget_;
    }
  }
  path_.push_back({p.kind, n, 0, p.preemptive, budget_});
  ++pos_;
  return 0;
}

std::vector<uint32_t> DfsStrategy::current_schedule() const {
  std::vector<uint32_t> s;
  s.reserve(path_.size());
  for (const Node& n : path_) s.push_back(n.chosen);
  return s;
}

}  // namespace ctxcheck::rt
