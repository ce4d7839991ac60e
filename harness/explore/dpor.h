// Source sets (Abdulla, Aronis, Jonsson, Sagonas, "Optimal Dynamic Partial Order
// Reduction", POPL 2014, Algorithm 1 "source-DPOR"): the race analysis DFS runs after each
// execution under --reduction dpor. DfsStrategy walks the tree, keeps the sleep sets and
// the preemption bound; this file only says, for one execution, which goroutines must also
// be tried where.
//
// An event is one goroutine's step: from the scheduling point that let it run (a decision,
// or a pass, rt::ChoiceSource::pass, where it was the only way on) to the next one. Its
// footprint is what it touched (rt::Touched). e happens before e' (e -> e') if e comes
// first and they are of one goroutine, or dependent (rt::dependent), or e made the
// goroutine of e' runnable (it was not among the runnable ones before e, and is after e),
// closed under transitivity. Two events of different goroutines race if they are
// dependent and nothing happens between them (e -> e'' -> e'). For a race e, e' the
// search must also run, at the decision before e, a goroutine that starts
// v = notdep(e).goroutine(e') — the events after e that do not happen after e, then e':
// its initials I(v), the goroutines whose first event in v has no predecessor in v. If
// none of I(v) is in that decision's backtrack set already, one is added.
//
// An event that contains another decision (a select case, a timer tie, a map order) has
// the footprint of the branch this execution took: the decision's branches are all
// explored (they are not reduced), and each branch's execution is analysed anew from that
// event on, so the races of every branch are found in its own execution. (Sleep sets are
// what must not trust one branch's footprint: such a step never sleeps, dfs.h.)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/runtime/choice.h"

namespace ctxcheck::harness {

class SourceSets {
 public:
  static constexpr uint32_t kNoNode = UINT32_MAX;
  using Dependent = bool (*)(std::span<const rt::Access>, std::span<const rt::Access>);

  // One backtrack request: at decision `node` (an index into the search path), run one of
  // `initials` (goroutine ids) too, unless the backtrack set there holds one already.
  struct Request {
    uint32_t node;
    std::vector<uint32_t> initials;
  };

  void begin_execution();  // main's first step begins
  // What ran since the last call (a suffix of the runtime's running footprint: `footprint`
  // is the whole of it since the previous decision; `decision` says choose resets it).
  void touched(std::span<const rt::Access> footprint, bool decision);
  // The running event holds the next decision of the path, a non-schedule one.
  void contains_decision();
  // The running event ends; goroutine `go` (none: the execution ended) starts the next one
  // at `node` (kNoNode: at a pass), with `runnable` the goroutines that could have run.
  // invariant: decisions are reported in path order, each once (this or contains_decision).
  void next_event(uint32_t go, uint32_t node, std::span<const uint32_t> runnable);
  // The backtrack requests of every race whose later event started at a decision with
  // index >= first_new_node or after it (earlier ones were analysed in earlier executions).
  // Keeps the analysis of the events this execution shares with the previous one (DFS
  // replays a prefix, so most of them), and analyses only the rest anew.
  std::vector<Request> races(uint32_t first_new_node, Dependent dependent);
  size_t events() const { return events_.size(); }
  // How many events the last races() call took over from the previous execution's analysis.
  size_t reused_events() const { return reused_; }

 private:
  struct Event {
    uint32_t go;
    uint32_t node;  // kNoNode: it started at a pass (no alternative)
    // Ranges of Events' pools: the sorted goroutine ids runnable when it started, and its
    // footprint (of this execution's branch of any decision in it).
    uint32_t runnable_begin, runnable_end, footprint_begin, footprint_end;
  };
  // One execution's events, in flat pools (copying them and clearing them allocate nothing
  // once the pools have grown).
  struct Events {
    std::vector<Event> list;
    std::vector<uint32_t> runnable;
    std::vector<rt::Access> footprints;
    size_t size() const { return list.size(); }
    const Event& operator[](size_t i) const { return list[i]; }
    std::span<const uint32_t> runnable_of(size_t i) const {
      return {runnable.data() + list[i].runnable_begin, runnable.data() + list[i].runnable_end};
    }
    std::span<const rt::Access> footprint_of(size_t i) const {
      return {footprints.data() + list[i].footprint_begin, footprints.data() + list[i].footprint_end};
    }
    bool same(size_t i, const Events& o) const;  // event i here and in o: same goroutine, node, sets
    void clear();
  };
  using Bits = std::vector<uint64_t>;
  static bool has(const Bits& b, size_t i) { return (b[i / 64] >> (i % 64) & 1) != 0; }
  static void set(Bits& b, size_t i) { b[i / 64] |= uint64_t{1} << (i % 64); }
  // Extends the happens-before analysis (pred_, direct_, enabler_) of events [from, n).
  void happens_before(size_t from, Dependent dependent);
  std::vector<uint32_t> initials(size_t i, size_t j) const;

  Events events_;
  std::vector<size_t> event_of_node_;  // the event each decision of the path is in
  size_t consumed_ = 0;  // invariant: the running footprint's accesses [0, consumed_) are in events_
  // The analysis of `analysed_`, the events of the last execution races() saw:
  Events analysed_;
  std::vector<Bits> pred_;                    // pred_[j]: the events that happen before event j
  std::vector<std::vector<uint32_t>> direct_; // its immediate predecessors (no event between)
  std::vector<uint32_t> enabler_;             // the last event before j where j's goroutine was
                                              // not runnable (j itself: none)
  size_t reused_ = 0;
};

}  // namespace ctxcheck::harness
