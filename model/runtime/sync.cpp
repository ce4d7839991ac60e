#include "model/runtime/sync.h"

namespace ctxcheck::rt {

Mutex::Mutex() : id_(Runtime::current().new_sync_id()) {}

void Mutex::lock() {
  Runtime& rt = Runtime::current();
  rt.point(Ev::Lock, id_, 0);
  while (owner_ != kNoGo) {
    rt.note(Ev::LockWait, id_, owner_);
    waiters_.push_back(rt.wait_token());
    rt.block(BlockKind::Mutex, id_);
    rt.touch(Touched::Sync, id_, true);  // the retry runs in the step after the wake-up
  }
  owner_ = rt.self();
}

void Mutex::unlock() {
  Runtime& rt = Runtime::current();
  if (owner_ == kNoGo) throw Panic("unlock-of-unlocked-mutex", "sync: unlock of unlocked mutex");
  owner_ = kNoGo;
  rt.touch(Touched::Sync, id_, true);  // before the point: the release is this step's
  for (const WaitToken& w : waiters_) rt.wake(w);
  waiters_.clear();
  rt.point(Ev::Unlock, id_, 0);
}

Chan::Chan() : id_(Runtime::current().new_sync_id()) {}

void Chan::close() {
  Runtime& rt = Runtime::current();
  rt.point(Ev::Close, id_, 0);
  if (closed_) throw Panic("close-of-closed-channel", "close of closed channel");
  closed_ = true;
  for (const WaitToken& w : waiters_) rt.wake(w);
  waiters_.clear();
}

bool Chan::poll() {
  Runtime& rt = Runtime::current();
  rt.point(Ev::Poll, id_, closed_ ? 1 : 0);
  return closed_;
}

void Chan::recv() {
  Runtime& rt = Runtime::current();
  rt.point(Ev::Recv, id_, 0);
  while (!closed_) {
    waiters_.push_back(rt.wait_token());
    rt.block(BlockKind::Chan, id_);
    rt.touch(Touched::Sync, id_, false);
  }
}

int select(std::span<Chan* const> chans, Nanos timeout) {
  Runtime& rt = Runtime::current();
  rt.point(Ev::Select, static_cast<uint32_t>(chans.size()), timeout < 0 ? 0 : 1);
  TimerId timer = kNoTimer;
  std::vector<uint32_t> ready;
  for (;;) {
    ready.clear();
    for (uint32_t i = 0; i < chans.size(); ++i) {
      if (chans[i] == nullptr) continue;
      rt.touch(Touched::Sync, chans[i]->id_, false);
      if (chans[i]->closed_) ready.push_back(i);
    }
    bool timed_out = timer != kNoTimer && rt.goroutine(rt.self()).timer_fired;
    if (timed_out) ready.push_back(UINT32_MAX);  // the timeout case competes fairly
    if (!ready.empty()) {
      uint32_t pick = ready[rt.choose(ChoiceKind::SelectCase, ready)];
      if (timer != kNoTimer) rt.cancel_wake_timer(timer);
      rt.note(Ev::SelectWin, pick, 0);
      return pick == UINT32_MAX ? -1 : static_cast<int>(pick);
    }
    if (timeout == 0) {
      rt.note(Ev::SelectWin, UINT32_MAX, 0);
      return -1;
    }
    WaitToken tok = rt.wait_token();
    for (Chan* c : chans)
      if (c != nullptr) c->waiters_.push_back(tok);
    if (timeout > 0 && timer == kNoTimer) timer = rt.add_wake_timer(timeout);
    else if (timer != kNoTimer) {
      // Re-arm the same deadline for the next block's epoch (spurious wake-up).
      rt.cancel_wake_timer(timer);
      timer = kNoTimer;
      rt.fail(Outcome::InternalError, "select woken without a ready case");
    }
    rt.block(BlockKind::Select, static_cast<uint32_t>(chans.size()));
  }
}

}  // namespace ctxcheck::rt
