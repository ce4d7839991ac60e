// The model invariants of DESIGN.md §4 as checks over a ModelView. Each check is a pure
// function of the view (plus, for done-err, the history the checker keeps), so a unit test
// can trip it with a hand-built bad state.
//
// When they run (the executor calls them; catalog.h's `when` column):
//   after every scheduling point: residue, acyclic, done-err, deadline (ordering), afterfunc (at most once)
//   when a program cancel returns:  propagation (registered descendants are canceled)
//   at quiescence:                  propagation (all descendants), deadline (expiry), afterfunc (iff)
// The checks that read the live model and the program's state are beside them:
// program_checks.h (observe, wait, with_value, the run's outcome), quiescence.h
// (goroutine-leak, parked-forever) and end_phase.h (finalizer-delay, heap-leak, lost-cancel,
// finalizer-cycle). They report through a Recorder.
#pragma once

#include <bitset>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/catalog/catalog.h"
#include "harness/catalog/finding_detail.h"
#include "harness/invariants/chains.h"
#include "harness/invariants/view.h"

namespace ctxcheck::harness {

struct Violation {
  Invariant id{};
  std::string message;
  std::vector<uint32_t> involved;  // context ids to highlight
};

// Where the checks that run inside an execution report. The executor records the program
// point and the tree; a violation stops the execution (violate does not return), findings
// are collected (the same finding twice is recorded once).
class Recorder {
 public:
  // `path`: the retention path of a leak, if any.
  [[noreturn]] virtual void violate(Violation v, std::string path = {}) = 0;
  virtual void find(Finding id, std::string message, std::string path = {}) = 0;
  // A finding with its structured detail (its path's text becomes the report's path).
  virtual void find_with(Finding id, std::string message, FindingDetail detail) = 0;

 protected:
  ~Recorder() = default;
};

inline constexpr size_t kNumInvariants = std::size(kInvariants);
using InvariantSet = std::bitset<kNumInvariants>;
inline InvariantSet all_invariants() { return InvariantSet{}.set(); }

// The checks that follow parent chains cost O(contexts) (chains.h); `s` is scratch they
// reuse between calls, the one-argument forms bring their own.
std::optional<Violation> check_residue(const ModelView& v, ChainScratch& s);
std::optional<Violation> check_residue(const ModelView& v);
std::optional<Violation> check_acyclic(const ModelView& v, ChainScratch& s);
std::optional<Violation> check_acyclic(const ModelView& v);
std::optional<Violation> check_deadline_order(const ModelView& v);
std::optional<Violation> check_deadline_expiry(const ModelView& v);
std::optional<Violation> check_afterfunc_once(const ModelView& v);
std::optional<Violation> check_afterfunc_final(const ModelView& v);
std::optional<Violation> check_propagation_quiescent(const ModelView& v, ChainScratch& s);
std::optional<Violation> check_propagation_quiescent(const ModelView& v);
// Contexts whose own cancel func was called (by the program or an AfterFunc's f), by id:
// they may end with any err and cause; every other one canceled takes its parent's.
using OwnCancels = std::vector<uint8_t>;
// Go: a child canceled through its parent takes the parent's err and cause. For every
// canceled cancelCtx nobody canceled directly and whose timer did not expire: its nearest
// cancelable ancestor (through valueCtx) is canceled with the same err and cause, and one
// with no cancelable ancestor (under WithoutCancel or a root) is not canceled at all.
std::optional<Violation> check_propagation_causes(const ModelView& v, const OwnCancels& own);
// `registered` = the contexts transitively registered under `canceled` just before the
// program's cancel call; each must be canceled when the call returns, with the err and
// cause of the context it was registered under (unless canceled directly, `own`).
std::optional<Violation> check_propagation_after_cancel(const ModelView& v, uint32_t canceled,
                                                        const std::vector<uint32_t>& registered,
                                                        const OwnCancels& own = {});
// Transitive children-map closure of `id` (bounded; used to capture `registered`).
std::vector<uint32_t> registered_below(const ModelView& v, uint32_t id);

// done-err needs memory: err and cause must never change once set.
class DoneErrChecker {
 public:
  void reset() { seen_.clear(); }
  std::optional<Violation> check(const ModelView& v);
  std::optional<Violation> check(const ModelView& v, std::span<const uint32_t> ids);  // these only, ascending

 private:
  void grow(const ModelView& v);
  std::optional<Violation> check_one(const ModelView& v, const CtxView& c);
  struct Seen {
    ErrVal err = kNil, cause = kNil;
  };
  std::vector<Seen> seen_;
};

// deadline needs memory too: when each context was created and canceled. After every step:
// a context reporting DeadlineExceeded has an expired deadline on its chain, and once the
// clock has moved past a timerCtx's deadline it is done, with DeadlineExceeded unless it was
// canceled no later than the deadline (or at its creation, for a deadline already past).
class DeadlineChecker {
 public:
  void reset() { created_.clear(), canceled_.clear(); }
  std::optional<Violation> check(const ModelView& v);
  std::optional<Violation> check(const ModelView& v, std::span<const uint32_t> ids);  // these only, ascending

 private:
  void grow(const ModelView& v);
  std::optional<Violation> check_one(const ModelView& v, const CtxView& c);
  static constexpr rt::Nanos kNever = -1;
  std::vector<rt::Nanos> created_, canceled_;
};

// Runs the per-step and quiescence sets, honouring an enabled set.
class InvariantChecker {
 public:
  explicit InvariantChecker(InvariantSet enabled = all_invariants()) : enabled_(enabled) {}
  void reset() {
    done_err_.reset(), deadline_.reset(), own_cancels_.clear();
    timers_.clear(), timers_known_ = 0, now_checked_ = -1, clock_moved_ = false;
  }
  // As if constructed with `enabled`, its tables' capacity kept (one checker per thread).
  void reset(InvariantSet enabled) {
    enabled_ = enabled;
    reset();
  }
  // The cancel func of context `ctx` is being called (by the program or an AfterFunc's f).
  void note_own_cancel(uint32_t ctx) {
    if (own_cancels_.size() <= ctx) own_cancels_.resize(ctx + 1, 0);
    own_cancels_[ctx] = 1;
  }
  const OwnCancels& own_cancels() const { return own_cancels_; }
  bool enabled(Invariant i) const { return enabled_.test(static_cast<size_t>(i)); }
  // After a step: the whole view, or (incremental) only what changed since the last check;
  // both find the same first violation. at_quiescence always checks the whole view.
  std::optional<Violation> after_step(const ModelView& v);
  std::optional<Violation> after_step(const ModelView& v, const ViewChanges& changes);
  std::optional<Violation> at_quiescence(const ModelView& v);

 private:
  void note_clock(const ModelView& v);

  InvariantSet enabled_;
  DoneErrChecker done_err_;
  DeadlineChecker deadline_;
  OwnCancels own_cancels_;
  ChainScratch chains_;
  std::vector<uint32_t> timers_, with_timers_;  // the timerCtxs so far, ascending; scratch
  size_t timers_known_ = 0;                     // contexts looked at for timers_
  rt::Nanos now_checked_ = -1;                  // the clock at the last check
  bool clock_moved_ = false;
};

}  // namespace ctxcheck::harness
