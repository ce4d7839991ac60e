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
// State caching (optional): at each new preemptive decision the strategy calls the choice
// point's state-hash thunk (model, interpreter, goroutines with digests of their local
// state, timers, heap; Runtime::state_hash). If that state was already reached with at
// least as much budget left, its subtree has been explored: the execution is pruned.
// Equal hashes are taken as equal states (64-bit; a collision could hide a subtree).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "harness/explore/strategies.h"

namespace ctxcheck::harness {

struct DfsOptions {
  uint32_t preemption_bound = kDefaultBound;
  bool state_caching = false;
  uint64_t max_executions = 0;  // 0 = until the tree is exhausted
};

class DfsStrategy final : public rt::ChoiceSource {
 public:
  // Reports into `stats` as it goes (stats.exhaustive is set).
  DfsStrategy(DfsOptions o, SearchStats& stats);
  rt::ExecutionNeeds begin_execution() override;
  uint32_t choose(const rt::ChoicePoint& p) override;
  bool next_execution() override;

 private:
  struct Node {
    rt::ChoiceKind kind;
    uint32_t n;
    uint32_t chosen;
    bool preemptive;
    uint32_t budget;  // preemptions still allowed when this decision was reached
  };
  uint32_t cost(const Node& n, uint32_t option) const {
    return n.preemptive && option != 0 ? 1 : 0;
  }
  bool seen_before(uint64_t state);  // with at least the budget left now (else: remember it)

  DfsOptions opts_;
  SearchStats& stats_;
  std::vector<Node> path_;   // invariant: path_[0, replay_) is replayed as recorded
  size_t replay_ = 0;
  size_t pos_ = 0;           // next decision of the running execution
  uint32_t budget_ = 0;      // preemptions left in the running execution
  // State hash -> the most budget it was explored with. Lookups only, never iterated.
  std::unordered_map<uint64_t, uint32_t> seen_;
};

}  // namespace ctxcheck::harness
