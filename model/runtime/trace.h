// Trace: a compact record of every event and decision of one execution, plus a running
// 64-bit hash of it. The hash is the determinism check: same program + same choices must
// give the same hash on every run, on g++ and clang. Events carry only small integers
// (goroutine ids, object ids, primitive ids, virtual times) — never addresses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ctxcheck::rt {

// X-macro: id, name, meaning of (a, b).
#define CTXCHECK_EVENTS(X)                                                 \
  X(Start, "start")           /* a = goroutine kind */                      \
  X(Exit, "exit")             /* goroutine returned */                      \
  X(Go, "go")                 /* a = new goroutine id, b = kind */          \
  X(Yield, "yield")           /* explicit scheduling point */               \
  X(Lock, "lock")             /* a = mutex id (acquired) */                 \
  X(LockWait, "lock-wait")    /* a = mutex id (contended) */                \
  X(Unlock, "unlock")         /* a = mutex id */                            \
  X(Load, "load")             /* a = atomic id, b = value */                \
  X(Store, "store")           /* a = atomic id, b = value */                \
  X(Close, "close")           /* a = chan id */                             \
  X(Poll, "poll")             /* a = chan id, b = closed? */                \
  X(Recv, "recv")             /* a = chan id (blocking receive started) */  \
  X(Select, "select")         /* a = number of cases, b = timeout? */       \
  X(SelectWin, "select-win")  /* a = case index (or ~0 for timeout) */      \
  X(Block, "block")           /* a = block kind, b = object */              \
  X(Wake, "wake")             /* a = goroutine woken */                     \
  X(TimerAdd, "timer-add")    /* a = timer id, b = when (low 32 bits) */    \
  X(TimerStop, "timer-stop")  /* a = timer id, b = prevented? */            \
  X(TimerFire, "timer-fire")  /* a = timer id */                            \
  X(Clock, "clock")           /* a,b = new virtual time (hi, lo) */         \
  X(Choice, "choice")         /* a = kind, b = chosen << 16 | n */          \
  X(Gc, "gc")                 /* a = cycle, b = objects freed */            \
  X(Finalize, "finalize")     /* a = object whose finalizer runs */         \
  X(Panic, "panic")           /* a = goroutine */                           \
  X(Abort, "abort")           /* a = goroutine aborted */                   \
  X(Model, "model")           /* model-defined: a = code, b = arg */        \
  X(Op, "op")                 /* harness: a = op index, b = arg */

enum class Ev : uint8_t {
#define CTXCHECK_X(id, name) id,
  CTXCHECK_EVENTS(CTXCHECK_X)
#undef CTXCHECK_X
};

std::string_view event_name(Ev e);

struct Event {
  Ev kind;
  uint32_t g;  // goroutine that caused it (~0 = runtime/main)
  uint32_t a;
  uint32_t b;
  friend bool operator==(const Event&, const Event&) = default;
};

class Trace {
 public:
  static constexpr uint64_t kSeed = 0xcbf29ce484222325ULL;

  void reset(bool keep_events) {
    events_.clear();
    hash_ = kSeed;
    count_ = 0;
    keep_ = keep_events;
  }
  void add(Ev kind, uint32_t g, uint32_t a, uint32_t b) {
    mix(static_cast<uint64_t>(kind) | (static_cast<uint64_t>(g) << 8));
    mix(static_cast<uint64_t>(a) | (static_cast<uint64_t>(b) << 32));
    ++count_;
    if (keep_) keep({kind, g, a, b});
  }
  uint64_t hash() const { return hash_; }
  uint64_t count() const { return count_; }
  const std::vector<Event>& events() const { return events_; }
  // One line per event: "#12 g1 lock 3 0".
  std::string to_string() const;

 private:
  // Out of line, so that add() stays a few instructions that inline into every scheduling
  // point: most executions (run, explore, the fuzzers) keep only the hash.
  void keep(const Event& e);
  void mix(uint64_t v) {
    hash_ ^= v;
    hash_ *= 0x100000001b3ULL;
    hash_ ^= hash_ >> 29;
  }
  std::vector<Event> events_;
  uint64_t hash_ = kSeed;
  uint64_t count_ = 0;
  bool keep_ = true;
};

}  // namespace ctxcheck::rt
