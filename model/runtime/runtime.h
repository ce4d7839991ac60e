// Runtime: deterministic goroutines on Boost.Fiber, a virtual clock, and the heap.
//
// The idea (as in shuttle and loom): run real code on coroutines, but make every point
// where a real Go program could be preempted an explicit scheduling point, and let one
// ChoiceSource decide at each of them which goroutine runs next. A blocked goroutine is
// never chosen; when nothing is runnable the virtual clock jumps to the next timer (as in
// Go's testing/synctest); when no timer is pending either, the execution is quiescent and
// the runtime classifies what is left (finished, leaked goroutines, or deadlock).
//
// One execution = one call to run(). The Boost algorithm is installed once per thread and
// stacks come from a per-thread pool, so runs are cheap and leave nothing behind.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/container/flat_set.hpp>
#include <boost/fiber/fiber.hpp>

#include "model/runtime/choice.h"
#include "model/runtime/errors.h"
#include "model/runtime/heap.h"
#include "model/runtime/trace.h"

namespace ctxcheck::rt::detail {
class GoAlgorithm;
}

namespace ctxcheck::rt {

using GoId = uint32_t;
inline constexpr GoId kNoGo = UINT32_MAX;
using TimerId = uint32_t;
inline constexpr TimerId kNoTimer = UINT32_MAX;
// Virtual time in nanoseconds since the synctest epoch (2000-01-01T00:00:00Z).
using Nanos = int64_t;
inline constexpr Nanos kEpoch = 946684800LL * 1000000000LL;

// Why a goroutine exists; the goroutine-leak invariant and reports use it.
#define CTXCHECK_GO_KINDS(X)                                          \
  X(Main, "main")            /* the program's goroutine 0 */          \
  X(Program, "program")      /* started by the program's go op */     \
  X(Watcher, "watcher")      /* propagateCancel's parent watcher */   \
  X(AfterFunc, "afterfunc")  /* context.AfterFunc's f */              \
  X(TimerFunc, "timer")      /* a time.AfterFunc callback */          \
  X(Finalizer, "finalizer")  /* the single finalizer goroutine */
enum class GoKind : uint8_t {
#define CTXCHECK_X(id, name) id,
  CTXCHECK_GO_KINDS(CTXCHECK_X)
#undef CTXCHECK_X
};
const char* go_kind_name(GoKind k);

enum class GoState : uint8_t { Runnable, Blocked, Done };
#define CTXCHECK_BLOCK_KINDS(X)                  \
  X(None, "none")                                \
  X(Mutex, "mutex")          /* a runtime lock */ \
  X(Chan, "chan")            /* receive */        \
  X(Select, "select")                            \
  X(Sleep, "sleep")                              \
  X(FinalizerIdle, "finalizer-idle")                \
  X(Settle, "settle")        /* waits for everyone else to block */   \
  X(SettleNow, "settle-now") /* ... without advancing the clock */ \
  X(Turn, "turn")            /* the harness's forced op order (export-go) */
enum class BlockKind : uint8_t {
#define CTXCHECK_X(id, name) id,
  CTXCHECK_BLOCK_KINDS(CTXCHECK_X)
#undef CTXCHECK_X
};
const char* block_kind_name(BlockKind k);

struct Goroutine {
  GoId id = kNoGo;
  GoKind kind = GoKind::Program;
  GoState state = GoState::Runnable;
  BlockKind block = BlockKind::None;
  uint32_t block_obj = 0;   // mutex / chan id it waits on
  uint32_t epoch = 0;       // bumped on every block; stale wake-ups carry an old epoch
  bool timer_fired = false; // its select/sleep timer fired during the current block
  ObjId frame = kNoObj;     // heap object for its stack frame (a root while alive)
  // State caching only: a digest of this goroutine's local state and position: reset at
  // every op boundary the harness marks, mixed with the whole state hash whenever the
  // goroutine resumes (what it reads then decides its locals), and with every scheduling
  // point it passes (its position; between resumes it runs deterministically).
  uint64_t digest = 0;
  int call_depth = 0;       // nesting of model calls that recurse (see model::ForwardGuard)
  std::string label;        // for reports: "ctx3 watcher"
  boost::fibers::fiber::id fid;
};

// A goroutine waiting on something: wake() only wakes it if it is still in that wait.
struct WaitToken {
  GoId g;
  uint32_t epoch;
};

#define CTXCHECK_OUTCOMES(X)                                                            \
  X(Ok, "ok")                          /* quiescent; see leaked for blocked goroutines */ \
  X(ProgramDeadlock, "deadlock")       /* main blocked on a channel/timer forever */     \
  X(ModelDeadlock, "model-deadlock")   /* goroutines blocked on runtime locks forever */ \
  X(StepLimit, "step-limit")           /* bounded steps exceeded */                       \
  X(Panic, "panic")                    /* a goroutine panicked */                         \
  X(InternalError, "internal-error")   /* ctxcheck bug */                                \
  X(Stopped, "stopped")                /* the harness stopped it (a violation was found) */ \
  X(Pruned, "pruned")                  /* the explorer saw this state before */
enum class Outcome : uint8_t {
#define CTXCHECK_X(id, name) id,
  CTXCHECK_OUTCOMES(CTXCHECK_X)
#undef CTXCHECK_X
};
const char* outcome_name(Outcome o);

inline constexpr uint64_t kDefaultMaxSteps = 200000;  // scheduling steps per execution

struct Limits {
  uint64_t max_steps = kDefaultMaxSteps;
  uint32_t max_goroutines = 4096;
  bool keep_events = true;  // off: only the hash is kept (fuzzing speed)
  // Test-only: choice kinds (bit 1 << ChoiceKind) the runtime decides as option 0 without
  // offering them, to plant "a kind is no longer offered" (the regression the campaign's
  // never-branched-on warning is for).
  uint32_t withheld_choices = 0;
};

struct BlockedGoroutine {
  GoId id;
  GoKind kind;
  BlockKind block;
  uint32_t obj;
  std::string label;
};

struct RunStats {
  uint64_t steps = 0;
  uint64_t decisions = 0;
  uint32_t goroutines = 0;      // spawned, main included
  uint32_t max_live = 0;
  uint32_t gc_cycles = 0;
  uint64_t peak_heap = 0;
  Nanos end_time = 0;           // virtual time elapsed
};

struct RunResult {
  Outcome outcome = Outcome::Ok;
  std::string message;          // panic message, deadlock description...
  std::string panic_code;
  GoId culprit = kNoGo;         // goroutine that panicked / hit the limit
  std::vector<BlockedGoroutine> blocked;  // left blocked at quiescence (leaks, deadlock)
  uint64_t trace_hash = 0;
  RunStats stats;
};

class Runtime {
 public:
  explicit Runtime(ChoiceSource& choices, Limits limits = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runs `main` as goroutine 0 until quiescence (or abort). Not reentrant. Every run starts
  // from the same state, so one runtime can run many executions (its buffers keep their
  // capacity: a per-thread runtime allocates little in the steady state).
  RunResult run(std::function<void()> main);
  // For the next run: another choice source and limits, and no hooks (the step hook, the
  // state hasher, the heap's collect observer) left from whoever used it before.
  void rebind(ChoiceSource& choices, Limits limits);

  // The runtime executing on this thread (valid inside run()).
  static Runtime& current();

  // ---- goroutines (called from inside goroutines) ----
  // `captures` (heap objects the go statement's closure captures, each with its edge label)
  // are referenced by the new goroutine's frame from the moment it exists: the spawn is a
  // scheduling point, and the new goroutine may run, exit and be collected before the
  // spawner runs again, so nothing may be linked to its frame afterwards.
  GoId go(GoKind kind, std::string label, std::function<void()> fn, std::span<const Edge> captures = {});
  GoId self() const { return current_; }
  const Goroutine& goroutine(GoId id) const { return gs_.at(id); }
  const std::vector<Goroutine>& goroutines() const { return gs_; }
  // Live goroutines as runtime.NumGoroutine counts them (the finalizer goroutine excluded).
  uint32_t num_goroutines() const;

  // ---- scheduling points ----
  // Records the event, counts a step, and lets the ChoiceSource preempt.
  void point(Ev kind, uint32_t a = 0, uint32_t b = 0);
  void yield() { point(Ev::Yield); }
  // Record without a scheduling point (facts inside an already-scheduled step).
  void note(Ev kind, uint32_t a = 0, uint32_t b = 0) { trace_.add(kind, current_, a, b); }
  // A nondeterministic choice that is not a goroutine switch (map order...).
  uint32_t choose(ChoiceKind kind, std::span<const uint32_t> options, bool preemptive = false);

  // ---- blocking, for primitives ----
  WaitToken wait_token() const { return {current_, gs_[current_].epoch + 1}; }
  // Blocks the current goroutine until woken. Throws Aborted if the execution aborts.
  void block(BlockKind kind, uint32_t obj);
  void wake(WaitToken t);
  uint32_t new_sync_id() {
    touch(Touched::Ids, 0, true);
    return next_sync_id_++;
  }
  // ---- footprints (partial-order reduction; Touched in choice.h) ----
  // The current step touched an object. Recorded only when the source asked for it.
  void touch(Touched t, uint32_t id, bool write) {
    if (footprints_) footprint_.push_back(access(t, id, write));
  }
  // The current goroutine's recursion depth counter (the driver has its own).
  int& call_depth() { return current_ == kNoGo ? driver_call_depth_ : gs_[current_].call_depth; }

  // ---- virtual time ----
  Nanos now() const { return now_; }
  // time.AfterFunc: after d, run fn in a new goroutine. `closure` (optional) is the heap
  // object the timer references (its func value); the timer is a GC root while pending.
  TimerId after_func(Nanos d, GoKind kind, std::string label, std::function<void()> fn,
                     ObjId closure = kNoObj);
  // Timer.Stop: true iff it prevented the call. A scheduling point.
  bool stop_timer(TimerId t);
  bool timer_pending(TimerId t) const { return t < timers_.size() && timers_[t].pending; }
  ObjId timer_object(TimerId t) const { return t < timers_.size() ? timers_[t].obj : kNoObj; }
  void sleep(Nanos d);
  // Blocks until every other goroutine is blocked or done and no timer is pending (time
  // advances meanwhile), like testing/synctest.Wait after the clock ran out. Returns
  // immediately-after-others when it is already so. Used by the harness to reach
  // quiescence before checking invariants and before GC phases.
  void settle();
  // Like settle, but returns as soon as nothing else is runnable, before any timer fires:
  // the clock stands still (GC phases check what the timer heap retains).
  void settle_now();
  // Internal: a timer that wakes the current goroutine's next block (select timeouts).
  TimerId add_wake_timer(Nanos d);
  void cancel_wake_timer(TimerId t);
  size_t pending_timers() const;

  // ---- heap and GC ----
  Heap& heap() { return heap_; }
  const Heap& heap() const { return heap_; }
  // runtime.GC(): a scheduling point, a full cycle, and wakes the finalizer goroutine.
  GcStats gc();
  // Hook run after every scheduling point's event is recorded (invariant checks). It must
  // not block or schedule.
  void set_step_hook(std::function<void()> hook) { step_hook_ = std::move(hook); }

  // ---- state hashing (explorers with state caching) ----
  // The harness supplies the digest of what the runtime cannot see (the model and the
  // interpreter). state_hash() combines it with the clock, goroutines (state, wait,
  // digest), pending timers and the heap. Only active when the ChoiceSource asked for it
  // when the execution began; it then reaches the source as ChoicePoint::state_hash.
  void set_state_hasher(std::function<uint64_t()> h) {
    state_hasher_ = std::move(h);
    hashing_ = state_hasher_ && needs_.state_hash;
  }
  // Checked at every scheduling point: a flag, not a virtual call.
  bool hashing() const { return hashing_; }
  uint64_t state_hash();
  // The current goroutine starts a new op; `locals` digests everything it carries across
  // ops (its handles, its defers). Its digest restarts from here.
  void mark_op_boundary(uint64_t locals);

  // ---- results ----
  const Trace& trace() const { return trace_; }
  const std::vector<Decision>& decisions() const { return decisions_; }
  uint64_t steps() const { return steps_; }
  bool aborting() const { return aborting_; }
  // Abort the execution from inside a goroutine with an outcome (e.g. an invariant hook).
  [[noreturn]] void fail(Outcome o, std::string message);

 private:
  struct Timer {
    Nanos when = 0;
    bool pending = false;
    bool wake = false;       // wakes `token` instead of spawning
    WaitToken token{};
    GoKind kind = GoKind::TimerFunc;
    std::string label;
    std::function<void()> fn;
    ObjId obj = kNoObj;      // heap object of the timer (AfterFunc timers)
  };

  void fiber_main(GoId id, std::function<void()>& fn);
  void spawn_fiber(GoId id, std::function<void()> fn);
  void set_runnable(GoId id);
  void set_not_runnable(GoId id);
  // The current goroutine can no longer run (blocked, or exiting): pick the next one,
  // advancing the clock if needed, or hand control back to main at quiescence. An exiting
  // goroutine only designates (its fiber ends right after); a blocked one switches.
  bool dispatch_next(bool exiting);  // true: the execution is aborting
  GoId spawn(GoKind kind, std::string label, std::function<void()> fn);
  // One decision of the ChoiceSource, recorded; `pruned` is set when it answered kPrune.
  uint32_t decide(ChoiceKind kind, std::span<const uint32_t> options, bool preemptive, bool& pruned);
  void switch_to(GoId next);
  void switch_to_main();
  void on_resume();  // the current goroutine runs again: fold what it now sees into its digest
  uint64_t shared_hash();
  bool fire_next_timers();
  bool wake_settler(BlockKind kind);  // wake the lowest-id goroutine settling this way
  void fire_timer(TimerId t);
  void abort_all();
  void finalizer_loop();
  void record_failure(Outcome o, std::string message, GoId g, std::string code = {});

  ChoiceSource* choices_;  // never null
  ExecutionNeeds needs_;  // what the source asked of the running execution
  Limits limits_;
  detail::GoAlgorithm* algo_;

  std::vector<Goroutine> gs_;
  std::vector<GoId> runnable_;  // invariant: sorted ascending, exactly the Runnable goroutines
  std::vector<uint32_t> options_;  // scratch for choice option lists
  GoId current_ = kNoGo;           // invariant: kNoGo exactly when main (the driver) runs
  uint32_t live_ = 0;              // goroutines not Done
  std::vector<Timer> timers_;
  // invariant: exactly the pending timers, in (when, id) order. A sorted vector: a handful
  // of timers at a time, and clearing it between executions keeps its capacity.
  boost::container::flat_set<std::pair<Nanos, TimerId>> pending_;
  std::vector<uint32_t> due_;  // fire_next_timers' scratch: the timers due now
  Nanos now_ = kEpoch;
  Heap heap_;
  Trace trace_;
  std::vector<Decision> decisions_;
  uint64_t steps_ = 0;
  uint32_t next_sync_id_ = 0;
  bool aborting_ = false;
  bool running_ = false;
  GoId finalizer_g_ = kNoGo;
  uint32_t max_live_ = 0;
  std::function<void()> step_hook_;
  std::function<uint64_t()> state_hasher_;
  bool hashing_ = false;  // invariant: state_hasher_ set and the source wants state hashes
  bool footprints_ = false;        // the source wants footprints
  std::vector<Access> footprint_;  // what the running step touched since the last decision
  void touch_event(Ev kind, uint32_t a, uint32_t b, bool after_decision);
  int driver_call_depth_ = 0;
  RunResult result_;
  Runtime* prev_current_ = nullptr;
};

}  // namespace ctxcheck::rt
