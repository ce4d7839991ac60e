// Abortable synchronization primitives with Go semantics, built on the runtime. Every
// operation is a scheduling point recorded in the trace; blocking goes through
// Runtime::block, so a deadlock is detected and every waiter can be aborted — Boost's own
// mutex/condition variable would hang instead.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/runtime/runtime.h"

namespace ctxcheck::rt {

// sync.Mutex: not reentrant, unlock of an unlocked mutex panics, unlock may come from any
// goroutine. Waiters are all woken on unlock and race again (Go's normal, barging mode).
class Mutex {
 public:
  Mutex();
  void lock();
  void unlock();
  bool locked() const { return owner_ != kNoGo; }
  uint32_t id() const { return id_; }

 private:
  uint32_t id_;
  GoId owner_ = kNoGo;  // invariant: kNoGo iff unlocked
  std::vector<WaitToken> waiters_;
};

// An atomic word whose load and store are scheduling points.
template <class T>
class Atomic {
 public:
  explicit Atomic(T v = T{}) : id_(Runtime::current().new_sync_id()), v_(v) {}
  T load() {
    Runtime::current().point(Ev::Load, id_, static_cast<uint32_t>(v_));
    return v_;
  }
  void store(T v) {
    Runtime::current().point(Ev::Store, id_, static_cast<uint32_t>(v));
    v_ = v;
  }
  // For invariant checkers: read without a scheduling point.
  T peek() const { return v_; }
  uint32_t id() const { return id_; }

 private:
  uint32_t id_;
  T v_;
};

// sync.Once.
class Once {
 public:
  Once() : done_(0) {}
  template <class F>
  void Do(F&& f) {
    if (done_.load() == 0) do_slow(std::forward<F>(f));
  }
  bool done() const { return done_.peek() != 0; }

 private:
  template <class F>
  void do_slow(F&& f) {
    m_.lock();
    if (done_.peek() == 0) {
      try {
        f();
      } catch (...) {
        done_.store(1);
        m_.unlock();
        throw;
      }
      done_.store(1);
    }
    m_.unlock();
  }
  Mutex m_;
  Atomic<uint32_t> done_;
};

// A channel used only for closing (chan struct{} as Done() returns): close, receive
// (returns once closed), and a non-blocking poll.
class Chan {
 public:
  Chan();
  void close();              // panics if already closed
  bool poll();               // select { case <-c: true; default: false }
  void recv();               // <-c
  bool is_closed() const { return closed_; }  // no scheduling point: for checkers
  uint32_t id() const { return id_; }

 private:
  friend int select(std::span<Chan* const> chans, Nanos timeout);
  uint32_t id_;
  bool closed_ = false;
  std::vector<WaitToken> waiters_;
};

// select over receive cases plus an optional timeout.
//   timeout < 0: no timeout case; 0: a default case; > 0: time.After(timeout).
// Returns the index of the chosen case, or -1 for the timeout/default case. When several
// cases are ready the choice is the ChoiceSource's, as Go picks uniformly at random.
// A null entry is a nil channel (never ready), as in Go.
inline constexpr Nanos kNoTimeout = -1;
int select(std::span<Chan* const> chans, Nanos timeout);

}  // namespace ctxcheck::rt
