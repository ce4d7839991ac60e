#include "harness/explore/dfs.h"

namespace ctxcheck::harness {

DfsStrategy::DfsStrategy(DfsOptions o, SearchStats& stats) : opts_(o), stats_(stats) {
  stats_.exhaustive = true;
}

rt::ExecutionNeeds DfsStrategy::begin_execution() {
  ++stats_.executions;
  pos_ = 0;
  budget_ = opts_.preemption_bound;
  path_.resize(replay_);
  return {.state_hash = opts_.state_caching};
}

bool DfsStrategy::next_execution() {
  if (opts_.max_executions != 0 && stats_.executions >= opts_.max_executions) return false;
  // Backtrack to the deepest decision with an option left that the budget affords.
  while (!path_.empty()) {
    Node& n = path_.back();
    uint32_t next = n.chosen + 1;
    if (next < n.n && cost(n, next) <= n.budget) {
      n.chosen = next;
      replay_ = path_.size();
      return true;
    }
    path_.pop_back();
  }
  stats_.exhausted = true;
  return false;
}

uint32_t DfsStrategy::choose(const rt::ChoicePoint& p) {
  uint32_t n = static_cast<uint32_t>(p.options.size());
  if (pos_ < replay_) {
    Node& node = path_[pos_++];
    if (node.kind != p.kind || node.n != n || node.preemptive != p.preemptive) {
      // The same prefix must lead to the same decisions: anything else is a determinism
      // bug in the model or harness. Count it, and explore from here as a new path.
      ++stats_.nondeterminism;
      path_.resize(pos_ - 1);
      replay_ = pos_ - 1;
      return choose(p);
    }
    budget_ -= cost(node, node.chosen);
    return node.chosen;
  }
  if (opts_.state_caching && p.preemptive && p.state_hash && seen_before(p.state_hash())) {
    ++stats_.pruned;
    return rt::kPrune;
  }
  path_.push_back({p.kind, n, 0, p.preemptive, budget_});
  ++pos_;
  return 0;
}

bool DfsStrategy::seen_before(uint64_t state) {
  auto [it, fresh] = seen_.try_emplace(state, budget_);
  if (!fresh && it->second >= budget_) return true;
  if (fresh) ++stats_.distinct_states;
  else it->second = budget_;
  return false;
}

}  // namespace ctxcheck::harness
