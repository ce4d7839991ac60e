// DfsStrategy: exhaustive depth-first search of every decision of one program — goroutine
// switches, timer ties, select cases, children-map order — under a preemption bound
// (Musuvathi & Qadeer's iterative context bounding).
//
// The search tree is walked by re-execution: each execution replays the current path's
// prefix, then takes option 0 (no preemption, the default order) at every new decision.
// next_execution backtracks to the deepest decision with an untried option that the
// budget allows, and bumps it.
//
// Cost model: at a preemptive schedule decision (the running goroutine could go on),
// every other option costs one preemption. A forced switch (the running goroutine blocked
// or exited) and every non-schedule decision are free: they are explored in full.
//
// State caching (optional): at each new preemptive decision the strategy asks the runtime
// for a hash of the whole state (model, interpreter, goroutines with digests of their
// local state, timers, heap; Runtime::state_hash). If that state was already reached with
// at least as much budget left, its subtree has been explored: the execution is pruned.
// Equal hashes are taken as equal states (64-bit; a collision could hide a subtree).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "model/runtime/scheduler/strategy.h"

namespace ctxcheck::rt {

struct DfsOptions {
  uint32_t preemption_bound = 2;
  bool state_caching = false;
  uint64_t max_executions = 0;  // 0 = until the tree is exhausted
};

struct DfsStats {
  uint64_t executions = 0;
  uint64_t pruned = 0;          // executions cut at a state seen before
  uint64_t distinct_states = 0; // states cached (preemptive decisions reached first)
  uint64_t nondeterminism = 0;  // replays whose decision shape differed (must stay 0)
  bool exhausted = false;       // every path within the bound was run (or pruned)
};

class DfsStrategy final : public Strategy {
 public:
  explicit DfsStrategy(DfsOptions o = {}) : opts_(o) {}
  bool next_execution() override;
  uint32_t choose(ChoiceKind kind, std::span<const uint32_t> options) override;
  uint32_t choose_at(const ChoicePoint& p) override;
  void begin_execution() override;
  bool prune_requested() const override { return prune_; }
  bool wants_state_hash() const override { return opts_.state_caching; }
  std::string_view name() const override { return "dfs"; }

  const DfsStats& stats() const { return stats_; }
  // The path of the execution that just ran (chosen index per decision).
  std::vector<uint32_t> current_schedule() const;

 private:
  struct Node {
    ChoiceKind kind;
    uint32_t n;
    uint32_t chosen;
    bool preemptive;
    uint32_t budget;  // preemptions still allowed when this decision was reached
  };
  uint32_t cost(const Node& n, uint32_t option) const {
    return n.preemptive && option != 0 ? 1 : 0;
  }

  DfsOptions opts_;
  DfsStats stats_;
  std::vector<Node> path_;   // invariant: path_[0, replay_) is replayed as recorded
  size_t replay_ = 0;
  size_t pos_ = 0;           // next decision of the running execution
  uint32_t budget_ = 0;      // preemptions left in the running execution
  bool prune_ = false;
  bool started_ = false;
  // State hash -> the most budget it was explored with. Lookups only, never iterated.
  std::unordered_map<uint64_t, uint32_t> seen_;
};

}  // namespace ctxcheck::rt
