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
//
// Sleep sets (Godefroid 1996; --reduction sleep, the default): every step reports its
// footprint (rt::Touched). Once option x of a schedule decision has been explored, the
// later siblings run with x asleep: x is not scheduled again in their subtrees until a
// step dependent with x's runs, because any such schedule is equivalent to one that ran x
// first, which was explored. A decision whose every awake option was explored that way is
// pruned. Sleep sets alone keep every reachable state (the invariants are checked at every
// state, not only at the end), unlike source sets. Under a preemption bound the equivalent
// schedule must not cost more preemptions (the issue loom's bounded DPOR solves with
// conservative backtrack points): x sleeps for its siblings only if running it first costs
// nothing extra — it was the running goroutine's own continuation (option 0), or its step
// ended with it blocked or exited. A step that contains another decision (a select case,
// a timer tie, a map order) never sleeps: its footprint is only known for one branch.
//
// Source-set DPOR (--reduction dpor; dpor.h): sleep sets as above, and a schedule decision
// tries only the goroutines of its backtrack set: the first awake option it took, and what
// the race analysis after each execution adds (a goroutine that starts the reversal of a
// race). Timer ties, select cases and map orders are not reduced: every option is tried.
// Under the preemption bound a reversal may need a switch the budget no longer affords
// where the race is, or preemptions later that the bound forbids; as in loom (after Coons,
// Musuvathi, McKinley, "Bounded partial-order reduction", OOPSLA 2013) every backtrack
// point added at decision i is also added at the latest decision before i where the
// running goroutine changed (a forced switch or a preemption), which costs no preemption
// the original schedule did not spend.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "harness/explore/dpor.h"
#include "harness/explore/strategies.h"

namespace ctxcheck::harness {

struct DfsOptions {
  uint32_t preemption_bound = kDefaultBound;
  bool state_caching = false;
  uint64_t max_executions = 0;  // 0 = until the tree is exhausted
  Reduction reduction = Reduction::None;  // explore's default is kDefaultReduction
  // When two steps must stay ordered (rt::dependent). Only the soundness check's mutation
  // test swaps it (for "every pair independent"), to show the check can fail.
  bool (*dependent)(std::span<const rt::Access>, std::span<const rt::Access>) = rt::dependent;
};

class DfsStrategy final : public rt::ChoiceSource {
 public:
  // Reports into `stats` as it goes (stats.exhaustive is set).
  DfsStrategy(DfsOptions o, SearchStats& stats);
  rt::ExecutionNeeds begin_execution() override;
  uint32_t choose(const rt::ChoicePoint& p) override;
  bool next_execution() override;
  void pass(const rt::ChoicePoint& p) override;

 private:
  struct Sleeper {
    uint32_t go;                      // a goroutine that must not run yet
    std::vector<rt::Access> footprint;  // of the step it would take
  };
  struct Node {
    rt::ChoiceKind kind;
    uint32_t n;
    uint32_t chosen;
    bool preemptive;
    uint32_t budget;  // preemptions still allowed when this decision was reached
    // Sleep sets only (schedule decisions name goroutines in `options`):
    std::vector<uint32_t> options;
    std::vector<Sleeper> sleep;     // asleep when the decision was reached
    std::vector<Sleeper> explored;  // options explored before `chosen` that sleep for it
    std::vector<rt::Access> step;   // footprint of the chosen option's step...
    bool step_known = false;        // ...once the next decision was reached
    bool step_sleeps = false;       // the chosen option may sleep for its later siblings
    // DPOR, schedule decisions: per option, kOut, kWanted (in the backtrack set) or kDone.
    std::vector<uint8_t> backtrack;
  };
  static constexpr uint8_t kOut = 0, kWanted = 1, kDone = 2;
  uint32_t cost(const Node& n, uint32_t option) const {
    return n.preemptive && option != 0 ? 1 : 0;
  }
  bool seen_before(uint64_t state);  // with at least the budget left now (else: remember it)
  bool reducing() const { return opts_.reduction != Reduction::None; }
  bool dpor(const Node& n) const { return opts_.reduction == Reduction::Dpor && n.kind == rt::ChoiceKind::Schedule; }
  static bool asleep(const Node& n, uint32_t option);
  // The first option >= from that the budget affords and that is awake (and, DPOR, wanted
  // unless `any`); n.n if none.
  uint32_t next_option(const Node& n, uint32_t from, bool any = false) const;
  uint32_t decide(const rt::ChoicePoint& p);  // choose, without DPOR's bookkeeping
  // DPOR: put one of `initials` into n's backtrack set, unless one is there or asleep
  // already. False if none of them is an option of n.
  bool backtrack_at(Node& n, std::span<const uint32_t> initials) const;
  void add_backtrack(const SourceSets::Request& r);
  void close_step(const rt::ChoicePoint& next);  // the last node's step ended at `next`
  std::vector<Sleeper> inherited_sleep() const;  // the sleep set a new node starts with

  DfsOptions opts_;
  SearchStats& stats_;
  std::vector<Node> path_;   // invariant: path_[0, replay_) is replayed as recorded
  size_t replay_ = 0;
  size_t pos_ = 0;           // next decision of the running execution
  uint32_t budget_ = 0;      // preemptions left in the running execution
  // State hash -> the most budget it was explored with. Lookups only, never iterated.
  std::unordered_map<uint64_t, uint32_t> seen_;
  SourceSets sources_;       // DPOR: the running execution's events
  uint32_t first_new_ = 0;   // DPOR: the first decision the running execution took anew
};

}  // namespace ctxcheck::harness
