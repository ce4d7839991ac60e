#include "model/runtime/runtime.h"
#include "model/runtime/state_hash.h"

#include <algorithm>
#include <exception>

#include <boost/fiber/operations.hpp>
#include <boost/fiber/pooled_fixedsize_stack.hpp>
#include <boost/fiber/fixedsize_stack.hpp>
#include <fmt/format.h>

#include "model/runtime/detail/go_algorithm.h"
#include "model/runtime/fiber_asan.h"

namespace ctxcheck::rt {

namespace {
thread_local Runtime* t_current = nullptr;

constexpr ObjType kFrameType{"goroutine", 64};
constexpr ObjType kTimerType{"timer", 48};

// Stacks come from a per-thread pool: malloc'd stacks make glibc trim and regrow the heap
// on every execution (TOOLCHAIN.md). Sanitizer builds need deeper stacks.
// 256 KiB holds a cancel that recurses through ~1000 nested contexts (the model's depth
// limit, kMaxForwardDepth, is below that); pages are committed only when touched.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kStackSize = 1024 * 1024;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr size_t kStackSize = 1024 * 1024;
#else
constexpr size_t kStackSize = 256 * 1024;
#endif
#else
constexpr size_t kStackSize = 256 * 1024;
#endif

#if defined(__SANITIZE_ADDRESS__)
#define CTXCHECK_RT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CTXCHECK_RT_ASAN 1
#endif
#endif
#ifdef CTXCHECK_RT_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef CTXCHECK_RT_ASAN
// ASan: a pooled stack keeps the redzone poison a finished fiber left on it (its outermost
// frames never return), which shows up as stack-buffer-overflow in the next fiber that runs
// there. Under ASan every fiber gets a fresh malloc'd stack instead (slower, correct), and
// its lowest address is kept (by goroutine id) for forget_unwound_frames.
thread_local std::vector<char*> t_stack_bottom;
thread_local char* t_allocated_bottom = nullptr;
struct TrackedStack {
  boost::context::stack_context allocate() {
    boost::context::stack_context sc = inner.allocate();
    t_allocated_bottom = static_cast<char*>(sc.sp) - sc.size;
    return sc;
  }
  void deallocate(boost::context::stack_context& sc) noexcept { inner.deallocate(sc); }
  boost::fibers::fixedsize_stack inner{kStackSize};
};
TrackedStack stack_pool() { return TrackedStack{}; }
void remember_stack(GoId id) {
  if (t_stack_bottom.size() <= id) t_stack_bottom.resize(id + 1, nullptr);
  t_stack_bottom[id] = t_allocated_bottom;
}
#else
void remember_stack(GoId) {}
boost::fibers::pooled_fixedsize_stack& stack_pool() {
  thread_local boost::fibers::pooled_fixedsize_stack pool(kStackSize, 16);
  return pool;
}
#endif
}  // namespace

__attribute__((noinline)) void forget_unwound_frames() {
#ifdef CTXCHECK_RT_ASAN
  GoId g = t_current ? t_current->self() : kNoGo;
  if (g == kNoGo || g >= t_stack_bottom.size() || t_stack_bottom[g] == nullptr) return;
  char* below_caller = static_cast<char*>(__builtin_frame_address(0));
  if (below_caller > t_stack_bottom[g])
    __asan_unpoison_memory_region(t_stack_bottom[g], static_cast<size_t>(below_caller - t_stack_bottom[g]));
#endif
}

const char* go_kind_name(GoKind k) {
  switch (k) {
#define CTXCHECK_X(id, name) \
  case GoKind::id:           \
    return name;
    CTXCHECK_GO_KINDS(CTXCHECK_X)
#undef CTXCHECK_X
  }
  return "?";
}

const char* block_kind_name(BlockKind k) {
  switch (k) {
#define CTXCHECK_X(id, name) \
  case BlockKind::id:        \
    return name;
    CTXCHECK_BLOCK_KINDS(CTXCHECK_X)
#undef CTXCHECK_X
  }
  return "?";
}

const char* outcome_name(Outcome o) {
  switch (o) {
#define CTXCHECK_X(id, name) \
  case Outcome::id:          \
    return name;
    CTXCHECK_OUTCOMES(CTXCHECK_X)
#undef CTXCHECK_X
  }
  return "?";
}

Runtime::Runtime(ChoiceSource& choices, Limits limits)
    : choices_(&choices), limits_(limits), algo_(&detail::GoAlgorithm::on_this_thread()) {}

void Runtime::rebind(ChoiceSource& choices, Limits limits) {
  if (running_) throw InternalError("Runtime::rebind while it runs");
  choices_ = &choices;
  limits_ = limits;
  set_step_hook(nullptr);
  set_state_hasher(nullptr);
  heap_.set_collect_observer(nullptr);
}

Runtime::~Runtime() = default;

Runtime& Runtime::current() {
  if (t_current == nullptr) throw InternalError("no ctxcheck runtime is running on this thread");
  return *t_current;
}

uint32_t Runtime::num_goroutines() const {
  uint32_t n = 0;
  for (const auto& g : gs_)
    if (g.state != GoState::Done && g.kind != GoKind::Finalizer) ++n;
  return n;
}

// ---------------------------------------------------------------------------------------
// run

RunResult Runtime::run(std::function<void()> main) {
  if (running_) throw InternalError("Runtime::run is not reentrant");
  running_ = true;
  prev_current_ = t_current;
  t_current = this;

  gs_.clear();
  runnable_.clear();
  timers_.clear();
  pending_.clear();
  heap_.reset();
  trace_.reset(limits_.keep_events);
  decisions_.clear();
  steps_ = 0;
  next_sync_id_ = 0;
  now_ = kEpoch;
  aborting_ = false;
  finalizer_g_ = kNoGo;
  live_ = 0;
  max_live_ = 0;
  result_ = RunResult{};
  needs_ = choices_->begin_execution();
  footprints_ = needs_.footprints;
  footprint_.clear();
  heap_.record_touches(footprints_ ? &footprint_ : nullptr);

  current_ = kNoGo;
  go(GoKind::Main, "main", std::move(main));
  current_ = 0;
  algo_->designate(gs_[0].fid);
  boost::this_fiber::yield();
  // Back on main: the execution is quiescent, or it is aborting.
  current_ = kNoGo;

  if (!aborting_ && live_ > 0) {
    // Quiescent with goroutines still blocked: classify.
    bool on_lock = false, main_blocked = false;
    for (const auto& g : gs_) {
      if (g.state != GoState::Blocked) continue;
      if (g.block == BlockKind::Mutex) on_lock = true;
      if (g.kind == GoKind::Main) main_blocked = true;
      if (g.kind == GoKind::Finalizer && g.block == BlockKind::FinalizerIdle) continue;
      result_.blocked.push_back({g.id, g.kind, g.block, g.block_obj, g.label});
    }
    if (on_lock) {
      record_failure(Outcome::ModelDeadlock,
                     "all goroutines are asleep: goroutines blocked on a runtime lock", kNoGo);
    } else if (main_blocked) {
      record_failure(Outcome::ProgramDeadlock,
                     "all goroutines are asleep: main waits on a channel that can never close",
                     0);
    }
  }
  if (footprints_) choices_->pass({ChoiceKind::Schedule, {}, false, kNoGo, {}, footprint_});  // the last step's
  abort_all();

  result_.trace_hash = trace_.hash();
  result_.stats.steps = steps_;
  result_.stats.decisions = decisions_.size();
  result_.stats.goroutines = static_cast<uint32_t>(gs_.size());
  result_.stats.max_live = max_live_;
  result_.stats.gc_cycles = static_cast<uint32_t>(heap_.history().size());
  result_.stats.peak_heap = heap_.peak_bytes();
  result_.stats.end_time = now_ - kEpoch;

  t_current = prev_current_;
  running_ = false;
  return result_;
}

void Runtime::record_failure(Outcome o, std::string message, GoId g, std::string code) {
  if (result_.outcome != Outcome::Ok) return;  // the first failure wins
  result_.outcome = o;
  result_.message = std::move(message);
  result_.culprit = g;
  result_.panic_code = std::move(code);
}

void Runtime::abort_all() {
  // Unwind every goroutine that has not finished, lowest id first; each one hands control
  // back to main when its fiber ends. Then let the dispatcher free the finished fibers.
  aborting_ = true;
  for (GoId id = 0; id < gs_.size(); ++id) {
    if (gs_[id].state == GoState::Done) continue;
    trace_.add(Ev::Abort, kNoGo, id, 0);
    current_ = id;
    algo_->designate(gs_[id].fid);
    boost::this_fiber::yield();
    current_ = kNoGo;
  }
  algo_->designate_dispatcher();
  boost::this_fiber::yield();
  timers_.clear();
  pending_.clear();
}

[[noreturn]] void Runtime::fail(Outcome o, std::string message) {
  record_failure(o, std::move(message), current_);
  aborting_ = true;
  throw Aborted{};
}

// ---------------------------------------------------------------------------------------
// goroutines

GoId Runtime::go(GoKind kind, std::string label, std::function<void()> fn, std::span<const Edge> captures) {
  GoId id = spawn(kind, std::move(label), std::move(fn));
  for (const Edge& e : captures) heap_.link(gs_[id].frame, e.to, e.label);
  // Starting a goroutine is a scheduling point in the spawner (not for main's start).
  if (current_ != kNoGo) point(Ev::Yield, 1, id);
  return id;
}

GoId Runtime::spawn(GoKind kind, std::string label, std::function<void()> fn) {
  if (gs_.size() >= limits_.max_goroutines)
    fail(Outcome::StepLimit, fmt::format("more than {} goroutines", limits_.max_goroutines));
  GoId id = static_cast<GoId>(gs_.size());
  touch(Touched::Ids, 0, true);
  touch(Touched::Goroutines, 0, true);
  Goroutine& g = gs_.emplace_back();
  g.id = id;
  g.kind = kind;
  g.label = std::move(label);
  g.frame = heap_.alloc(kFrameType, id);
  if (hashing()) g.digest = StateHasher().add(g.label).value();  // what its closure holds
  heap_.add_root(RootKind::Goroutine, id, g.frame);
  ++live_;
  max_live_ = std::max(max_live_, live_);
  set_runnable(id);
  trace_.add(Ev::Go, current_, id, static_cast<uint32_t>(kind));
  spawn_fiber(id, std::move(fn));
  return id;
}

void Runtime::spawn_fiber(GoId id, std::function<void()> fn) {
  boost::fibers::fiber f(boost::fibers::launch::post, std::allocator_arg, stack_pool(),
                         [this, id, fn = std::move(fn)]() mutable { fiber_main(id, fn); });
  gs_[id].fid = f.get_id();
  remember_stack(id);
  f.detach();
}

void Runtime::fiber_main(GoId id, std::function<void()>& fn) {
  // current_ == id: whoever switched here set it.
  if (!aborting_) {
    on_resume();
    trace_.add(Ev::Start, id, static_cast<uint32_t>(gs_[id].kind), 0);
    try {
      fn();
    } catch (const Aborted&) {
      forget_unwound_frames();
    } catch (const Panic& p) {
      forget_unwound_frames();
      trace_.add(Ev::Panic, id, id, 0);
      record_failure(Outcome::Panic, p.what(), id, p.code);
      aborting_ = true;
    } catch (const std::exception& e) {
      forget_unwound_frames();
      record_failure(Outcome::InternalError, e.what(), id);
      aborting_ = true;
    } catch (...) {
      forget_unwound_frames();
      record_failure(Outcome::InternalError, "unknown exception in goroutine", id);
      aborting_ = true;
    }
  }
  fn = nullptr;  // destroy the closure while this goroutine is still current
  Goroutine& g = gs_[id];
  if (g.state == GoState::Runnable) set_not_runnable(id);
  g.state = GoState::Done;
  touch(Touched::Goroutines, 0, true);
  --live_;
  heap_.remove_root(RootKind::Goroutine, id, g.frame);
  trace_.add(Ev::Exit, id, 0, 0);
  // Designate who runs next and return: ending the fiber makes Boost run the designated
  // one (yielding here instead would leave a finished fiber suspended forever).
  dispatch_next(/*exiting=*/true);
}

void Runtime::set_runnable(GoId id) {
  gs_[id].state = GoState::Runnable;
  runnable_.insert(std::lower_bound(runnable_.begin(), runnable_.end(), id), id);
}

void Runtime::set_not_runnable(GoId id) {
  auto it = std::lower_bound(runnable_.begin(), runnable_.end(), id);
  if (it != runnable_.end() && *it == id) runnable_.erase(it);
}

// ---------------------------------------------------------------------------------------
// scheduling

uint32_t Runtime::choose(ChoiceKind kind, std::span<const uint32_t> options, bool preemptive) {
  bool pruned = false;  // only a preemptive scheduling point acts on it (see kPrune)
  return decide(kind, options, preemptive, pruned);
}

uint32_t Runtime::decide(ChoiceKind kind, std::span<const uint32_t> options, bool preemptive, bool& pruned) {
  if (options.size() <= 1 || (limits_.withheld_choices >> static_cast<uint32_t>(kind) & 1) != 0) {
    if (footprints_ && kind == ChoiceKind::Schedule) choices_->pass({kind, options, preemptive, current_, {}, footprint_});
    return 0;
  }
  uint32_t n = static_cast<uint32_t>(options.size());
  StateHashThunk hash;
  if (hashing()) hash = {[](void* rt) { return static_cast<Runtime*>(rt)->state_hash(); }, this};
  uint32_t answer = choices_->choose({kind, options, preemptive, current_, hash, footprint_});
  footprint_.clear();
  pruned = answer == kPrune;
  uint32_t c = pruned ? 0 : answer % n;
  decisions_.push_back({kind, n, c});
  trace_.add(Ev::Choice, current_, static_cast<uint32_t>(kind), (c << 16) | n);
  return c;
}

void Runtime::point(Ev kind, uint32_t a, uint32_t b) {
  if (aborting_) {
    // Never switch or throw while unwinding (a destructor may get here).
    if (std::uncaught_exceptions() > 0) return;
    throw Aborted{};
  }
  trace_.add(kind, current_, a, b);
  if (footprints_) touch_event(kind, a, b, /*after_decision=*/false);
  if (current_ != kNoGo && hashing()) {
    // Where it is now: from its last resume it ran deterministically to this point.
    Goroutine& g = gs_[current_];
    g.digest = StateHasher().add(g.digest).add(static_cast<uint64_t>(kind)).add(a).add(b).value();
  }
  if (++steps_ > limits_.max_steps)
    fail(Outcome::StepLimit, fmt::format("exceeded {} scheduling steps", limits_.max_steps));
  if (step_hook_) step_hook_();
  if (runnable_.size() <= 1 || std::uncaught_exceptions() > 0) {
    if (footprints_) touch_event(kind, a, b, /*after_decision=*/true);
    return;
  }
  options_.clear();
  options_.push_back(current_);
  for (GoId g : runnable_)
    if (g != current_) options_.push_back(g);
  bool pruned = false;
  uint32_t c = decide(ChoiceKind::Schedule, options_, /*preemptive=*/true, pruned);
  if (pruned) fail(Outcome::Pruned, "state explored before");
  if (c != 0) {
    switch_to(options_[c]);
    if (aborting_ && std::uncaught_exceptions() == 0) throw Aborted{};
  }
  if (footprints_) touch_event(kind, a, b, /*after_decision=*/true);
}

// What a scheduling point's event touches (the primitives name the object in `a`). Most
// primitives act after their point (lock, load, store, close, poll, receive: the step that
// follows the decision does it); unlock and the timer calls act before it; the rest are
// counted on both sides.
void Runtime::touch_event(Ev kind, uint32_t a, uint32_t b, bool after_decision) {
  switch (kind) {
    case Ev::Lock: case Ev::Store: case Ev::Close:
      if (after_decision) touch(Touched::Sync, a, true);
      return;
    case Ev::Load: case Ev::Poll: case Ev::Recv:
      if (after_decision) touch(Touched::Sync, a, false);
      return;
    case Ev::Unlock:
      if (!after_decision) touch(Touched::Sync, a, true);
      return;
    case Ev::TimerAdd: case Ev::TimerStop:
      if (!after_decision) touch(Touched::Timer, a, true);
      return;
    case Ev::Select:  // select() touches each channel it reads
      return;
    case Ev::Yield:
      // 0: a plain yield; 1: go (spawn touched the goroutine set). 2 sleep, 3 gc, 4 and 5
      // settle read or move the whole state.
      if (a == 0 || a == 1) return;
      return touch(Touched::Everything, 0, true);
    default:  // finalizers, model-defined events: assume they touch anything
      (void)b;
      return touch(Touched::Everything, 0, true);
  }
}

void Runtime::switch_to(GoId next) {
  if (next == current_) return;
  current_ = next;
  algo_->designate(gs_[next].fid);
  boost::this_fiber::yield();
  // Resumed: whoever switched back set current_ to us. The caller checks aborting_.
  on_resume();
}

void Runtime::on_resume() {
  if (aborting_ || current_ == kNoGo || !hashing()) return;
  Goroutine& g = gs_[current_];
  g.digest = StateHasher().add(g.digest).add(shared_hash()).value();
}

void Runtime::mark_op_boundary(uint64_t locals) {
  if (aborting_ || current_ == kNoGo || !hashing()) return;
  gs_[current_].digest = StateHasher().add(locals).add(shared_hash()).value();
}

// What any goroutine can read: the clock, who is runnable or blocked on what, the timers,
// the heap, and (through the harness) the model. Not the goroutines' private digests: a
// goroutine's locals depend on what it read, never on another goroutine's locals.
uint64_t Runtime::shared_hash() {
  StateHasher s;
  s.add(static_cast<uint64_t>(now_ - kEpoch));
  for (const Goroutine& g : gs_)
    s.add(static_cast<uint64_t>(g.kind) | static_cast<uint64_t>(g.state) << 8 |
          static_cast<uint64_t>(g.block) << 16 | static_cast<uint64_t>(g.block_obj) << 32);
  for (const auto& [when, id] : pending_)
    s.add(static_cast<uint64_t>(when - now_)).add(id).add(timers_[id].label).add(timers_[id].wake);
  s.add(heap_.digest());
  if (state_hasher_) s.add(state_hasher_());
  return s.value();
}

uint64_t Runtime::state_hash() {
  StateHasher s;
  s.add(shared_hash()).add(current_);
  for (const Goroutine& g : gs_) {
    // A finished or idle-finalizer goroutine holds nothing: its history does not matter.
    bool empty = g.state == GoState::Done || g.block == BlockKind::FinalizerIdle;
    s.add(empty ? 0 : g.digest);
  }
  return s.value();
}

void Runtime::switch_to_main() {
  current_ = kNoGo;
  algo_->designate_main();
  boost::this_fiber::yield();
}

bool Runtime::dispatch_next(bool exiting) {
  for (;;) {
    if (aborting_) {
      if (exiting) {
        current_ = kNoGo;
        algo_->designate_main();
      }
      return true;
    }
    if (!runnable_.empty()) {
      options_.assign(runnable_.begin(), runnable_.end());
      bool pruned = false;
      GoId next = options_[decide(ChoiceKind::Schedule, options_, /*preemptive=*/false, pruned)];
      if (pruned) {  // every way on was explored before (sleep sets): end the execution here
        record_failure(Outcome::Pruned, "state explored before", kNoGo);
        aborting_ = true;
        continue;
      }
      if (exiting) {
        current_ = next;
        algo_->designate(gs_[next].fid);
        return false;
      }
      switch_to(next);
      return aborting_;
    }
    if (wake_settler(BlockKind::SettleNow)) continue;
    if (fire_next_timers()) continue;
    if (wake_settler(BlockKind::Settle)) continue;
    // Quiescent: nothing runnable, no timer pending. Main classifies what is left.
    if (exiting) {
      current_ = kNoGo;
      algo_->designate_main();
      return false;
    }
    // A blocked goroutine hands over to main, which resumes it only to abort it.
    switch_to_main();
    return true;
  }
}

void Runtime::block(BlockKind kind, uint32_t obj) {
  if (aborting_) {
    if (std::uncaught_exceptions() > 0) return;
    throw Aborted{};
  }
  Goroutine& g = gs_[current_];
  ++g.epoch;
  g.state = GoState::Blocked;
  g.block = kind;
  g.block_obj = obj;
  set_not_runnable(current_);
  trace_.add(Ev::Block, current_, static_cast<uint32_t>(kind), obj);
  GoId self = current_;
  bool aborted = dispatch_next(/*exiting=*/false);
  // Resumed after wake() (dispatch_next returns only once we run again), or to be aborted.
  gs_[self].block = BlockKind::None;
  if (aborted && std::uncaught_exceptions() == 0) {
    // The idle finalizer goroutine ends without an exception (they cost microseconds, and
    // every execution ends with it parked): finalizer_loop sees aborting() and returns.
    if (kind == BlockKind::FinalizerIdle) return;
    throw Aborted{};
  }
}

void Runtime::wake(WaitToken t) {
  if (t.g >= gs_.size()) return;
  Goroutine& g = gs_[t.g];
  if (g.state != GoState::Blocked || g.epoch != t.epoch) return;
  set_runnable(t.g);
  trace_.add(Ev::Wake, current_, t.g, 0);
}

// ---------------------------------------------------------------------------------------
// virtual time

TimerId Runtime::after_func(Nanos d, GoKind kind, std::string label, std::function<void()> fn,
                            ObjId closure) {
  TimerId id = static_cast<TimerId>(timers_.size());
  touch(Touched::Ids, 0, true);
  Timer& t = timers_.emplace_back();
  t.when = now_ + std::max<Nanos>(d, 0);
  t.pending = true;
  t.kind = kind;
  t.label = std::move(label);
  t.fn = std::move(fn);
  t.obj = heap_.alloc(kTimerType, id);
  pending_.insert({t.when, id});
  if (closure != kNoObj) heap_.link(t.obj, closure, "f");
  heap_.add_root(RootKind::Timer, id, t.obj);
  point(Ev::TimerAdd, id, static_cast<uint32_t>(t.when - kEpoch));
  return id;
}

bool Runtime::stop_timer(TimerId id) {
  if (id >= timers_.size()) return false;
  Timer& t = timers_[id];
  bool was = t.pending;
  if (was) {
    t.pending = false;
    pending_.erase({t.when, id});
    t.fn = nullptr;
    if (t.obj != kNoObj) heap_.remove_root(RootKind::Timer, id, t.obj);
  }
  point(Ev::TimerStop, id, was ? 1 : 0);
  return was;
}

TimerId Runtime::add_wake_timer(Nanos d) {
  TimerId id = static_cast<TimerId>(timers_.size());
  Timer& t = timers_.emplace_back();
  t.when = now_ + std::max<Nanos>(d, 0);
  t.pending = true;
  t.wake = true;
  t.token = wait_token();
  touch(Touched::Ids, 0, true);
  touch(Touched::Timer, id, true);
  pending_.insert({t.when, id});
  gs_[current_].timer_fired = false;
  trace_.add(Ev::TimerAdd, current_, id, static_cast<uint32_t>(t.when - kEpoch));
  return id;
}

void Runtime::cancel_wake_timer(TimerId id) {
  touch(Touched::Timer, id, true);
  if (id < timers_.size() && timers_[id].pending) {
    timers_[id].pending = false;
    pending_.erase({timers_[id].when, id});
  }
}

size_t Runtime::pending_timers() const { return pending_.size(); }

void Runtime::sleep(Nanos d) {
  point(Ev::Yield, 2, 0);
  add_wake_timer(d);
  block(BlockKind::Sleep, 0);
}

void Runtime::settle() {
  point(Ev::Yield, 4, 0);
  block(BlockKind::Settle, 0);
}

void Runtime::settle_now() {
  point(Ev::Yield, 5, 0);
  block(BlockKind::SettleNow, 0);
}

bool Runtime::wake_settler(BlockKind kind) {
  for (const Goroutine& g : gs_) {
    if (g.state == GoState::Blocked && g.block == kind) {
      touch(Touched::Everything, 0, true);
      wake({g.id, g.epoch});
      return true;
    }
  }
  return false;
}

bool Runtime::fire_next_timers() {
  if (pending_.empty()) return false;
  touch(Touched::Everything, 0, true);
  Nanos next = pending_.begin()->first;
  if (next > now_) {
    now_ = next;
    trace_.add(Ev::Clock, current_, static_cast<uint32_t>((now_ - kEpoch) >> 32),
               static_cast<uint32_t>(now_ - kEpoch));
  }
  // Every timer due now, in timer-id order (the set orders same-instant timers by id). In
  // the runtime's buffer, taken for the loop (firing a timer never fires timers again).
  std::vector<uint32_t> due = std::move(due_);
  due.clear();
  for (auto it = pending_.begin(); it != pending_.end() && it->first == now_; ++it)
    due.push_back(it->second);
  // Their firing order is a timer-tie choice only if a wake timer is among them. Firing a
  // callback timer only starts its goroutine, and no goroutine runs until all have fired:
  // the order of callbacks alone only numbers their goroutines, and which of them runs
  // first is the next schedule decision (a forced switch, free under the preemption
  // bound), explored in full.
  bool offer = std::any_of(due.begin(), due.end(), [this](uint32_t id) { return timers_[id].wake; });
  while (!due.empty()) {
    uint32_t c = offer ? choose(ChoiceKind::TimerTie, due) : 0;
    TimerId id = due[c];
    due.erase(due.begin() + c);
    fire_timer(id);
  }
  due_ = std::move(due);
  return true;
}

void Runtime::fire_timer(TimerId id) {
  Timer& t = timers_[id];
  t.pending = false;
  pending_.erase({t.when, id});
  trace_.add(Ev::TimerFire, current_, id, 0);
  if (t.wake) {
    if (t.token.g < gs_.size() && gs_[t.token.g].epoch == t.token.epoch)
      gs_[t.token.g].timer_fired = true;
    wake(t.token);
    return;
  }
  std::function<void()> fn = std::move(t.fn);
  t.fn = nullptr;
  // The callback goroutine's frame holds the func value while it runs.
  ObjId timer_obj = t.obj;
  std::string label = std::move(t.label);
  GoKind kind = t.kind;
  GoId g = spawn(kind, std::move(label), std::move(fn));
  if (timer_obj != kNoObj) {
    for (const Edge& e : heap_.object(timer_obj).edges) heap_.link(gs_[g].frame, e.to, "f");
    heap_.remove_root(RootKind::Timer, id, timer_obj);
  }
}

// ---------------------------------------------------------------------------------------
// GC and finalizers

GcStats Runtime::gc() {
  point(Ev::Yield, 3, 0);
  touch(Touched::Everything, 0, true);
  GcStats st = heap_.collect();
  st.cycle = static_cast<uint32_t>(heap_.history().size());
  trace_.add(Ev::Gc, current_, st.cycle, st.freed);
  if (heap_.queued_finalizers() > 0) {
    if (finalizer_g_ == kNoGo) {
      finalizer_g_ = go(GoKind::Finalizer, "finalizer goroutine", [this] { finalizer_loop(); });
    } else if (gs_[finalizer_g_].state == GoState::Blocked) {
      wake({finalizer_g_, gs_[finalizer_g_].epoch});
    }
  }
  return st;
}

void Runtime::finalizer_loop() {
  for (;;) {
    ObjId obj;
    Heap::Finalizer f;
    if (!heap_.take_finalizer(obj, f)) {
      block(BlockKind::FinalizerIdle, 0);
      if (aborting_) return;
      continue;
    }
    ObjId frame = gs_[current_].frame;
    heap_.link(frame, obj, "finalizer arg");
    point(Ev::Finalize, obj, 0);
    if (f) f(obj);
    heap_.unlink(frame, obj, "finalizer arg");
    heap_.finalizer_done(obj);
  }
}

}  // namespace ctxcheck::rt
