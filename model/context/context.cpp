// Read against Go's src/context/context.go (newest): each function keeps Go's order of
// operations, and each Go mutex/atomic/channel operation is a runtime scheduling point.
#include "model/context/context.h"

#include <algorithm>

#include <fmt/format.h>

namespace ctxcheck::model {

namespace {

// Heap type descriptors (sizes as Go's structs on amd64, roughly).
constexpr rt::ObjType kHeapType[] = {
    {"backgroundCtx", 16}, {"todoCtx", 16},     {"cancelCtx", 80},  {"timerCtx", 112},
    {"valueCtx", 48},      {"afterFuncCtx", 112}, {"withoutCancelCtx", 16}, {"myCtx", 16},
    {"myDoneCtx", 24},     {"afterFuncContext", 64}, {"brokenErrCtx", 16}};
constexpr rt::ObjType kClosureType{"func", 16};

thread_local Package* t_package = nullptr;

rt::Runtime& R() { return rt::Runtime::current(); }

}  // namespace

std::string error_string(Error e) {
  switch (e) {
    case kNilError: return "<nil>";
    case kCanceled: return "context canceled";
    case kDeadlineExceeded: return "context deadline exceeded";
    default: return fmt::format("cause{}", e);
  }
}

ForwardGuard::~ForwardGuard() { --rt::Runtime::current().call_depth(); }

ForwardGuard::ForwardGuard() {
  int& depth = rt::Runtime::current().call_depth();
  if (++depth > kMaxForwardDepth) {
    --depth;
    throw rt::Panic(kPanicStackOverflow,
                    "runtime: goroutine stack exceeds limit (contexts nested deeper than the model's limit of 600: a parent-chain cycle, or a tree too deep to model)");
  }
}

bool is_context_package_panic(const std::string& code) {
  return code == kPanicNilParent || code == kPanicNilKey || code == kPanicMissingCancelError;
}

std::string_view kind_name(Kind k) {
  static constexpr std::string_view kNames[] = {
      "backgroundCtx", "todoCtx", "cancelCtx", "timerCtx", "valueCtx", "afterFuncCtx",
      "withoutCancelCtx", "myCtx", "myDoneCtx", "afterFuncContext", "brokenErrCtx"};
  static_assert(std::size(kNames) == std::size(kHeapType));
  return kNames[static_cast<int>(k)];
}

// ---------------------------------------------------------------------------------------
// Context

std::string context_name(const Context* c, const GoNames& names) {
  if (std::optional<std::string> s = c->String(names)) return *s;
  return names.type_of(*c);
}

Context::Context(Package& pkg, Kind kind, Context* parent)
    : pkg_(pkg), kind_(kind), id_(pkg.next_id()), parent_(parent) {
  rt::Heap& h = pkg.rt().heap();
  obj_ = h.alloc(kHeapType[static_cast<int>(kind)], id_);
  pkg.hold(obj_);
  if (parent) h.link(obj_, parent->obj(), "Context");
  pkg.touch(*this);
}

// ---------------------------------------------------------------------------------------
// cancelCtx

CancelCtx::CancelCtx(Package& pkg, Kind kind, Context* parent) : Context(pkg, kind, parent) {}

std::optional<Nanos> CancelCtx::Deadline() { return forward([&] { return parent_->Deadline(); }); }

Any CancelCtx::Value(const Key& key) {
  if (key.type == kCancelCtxKeyType) return Any::ctx(this);
  return forward([&] { return parent_->Value(key); });  // Go: value(c.Context, key)
}

rt::Chan* CancelCtx::Done() {
  uint32_t d = done_.load();
  if (d != 0) return pkg_.chan(d);
  lock_mu();
  d = done_.load();
  if (d == 0) {
    d = pkg_.new_chan_index();
    done_.store(d);
    pkg_.touch(*this);
  }
  unlock_mu();
  return pkg_.chan(d);
}

Error CancelCtx::Err() {
  // Go (the newest context.go):
  //   // An atomic load is ~5x faster than a mutex, which can matter in tight loops.
  //   if err := c.err.Load(); err != nil {
  //     // Ensure the done channel has been closed before returning a non-nil error.
  //     <-c.Done()
  //     return err.(error)
  //   }
  //   return nil
  // cancel stores err before it closes done (both under c.mu), so a concurrent Err that
  // sees the error waits here until the close: Err never reports an error while Done is
  // still open. Go 1.23 gets the same from reading err under c.mu (README: Go 1.23 beside
  // the newest context.go).
  if (Error err = static_cast<Error>(err_.load()); err != kNilError) {
    Done()->recv();
    return err;
  }
  return kNilError;
}

bool CancelCtx::done_closed() const {
  uint32_t d = done_.peek();
  return d != 0 && pkg_.chan(d)->is_closed();
}

void CancelCtx::lock_mu() {
  mu_.lock();
  pkg_.mark(id_);
}

void CancelCtx::unlock_mu() {
  pkg_.mark(id_);  // before the release: its scheduling point may run the checks
  mu_.unlock();
}

void CancelCtx::add_child(CancelCtx* child) {
  if (children_nil_) children_nil_ = false;  // p.children = make(map[canceler]struct{})
  children_.push_back({child, child->kind()});
  R().heap().link(obj_, child->obj(), "children[]");
  pkg_.touch(*this);
}

void CancelCtx::delete_child(CancelCtx* child, Kind key_type) {
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if (it->child == child && it->key_type == key_type) {
      children_.erase(it);
      R().heap().unlink(obj_, child->obj(), "children[]");
      pkg_.touch(*this);
      return;
    }
  }
}

void CancelCtx::clear_children() {
  for (const Entry& e : children_) R().heap().unlink(obj_, e.child->obj(), "children[]");
  children_.clear();
  children_nil_ = true;
  pkg_.touch(*this);
}

// propagateCancel arranges for child to be canceled when parent is.
void CancelCtx::propagate_cancel(Context* parent, CancelCtx* child) {
  parent_ = parent;  // c.Context = parent (linked in the constructor)

  rt::Chan* done = parent->Done();
  if (done == nullptr) return;  // parent is never canceled

  if (done->poll()) {
    // parent is already canceled
    // Go evaluates the operands left to right; C++ leaves the order to the compiler, and
    // Err and Cause are both scheduling points: sequence them as Go does.
    Error err = parent->Err();
    Error cause = pkg_.Cause(parent);
    child->cancel(false, err, cause);
    return;
  }

  if (CancelCtx* p = parent_cancel_ctx(parent)) {
    // parent is a *cancelCtx, or derives from one.
    p->lock_mu();
    if (Error err = static_cast<Error>(p->err_.load());
        err != kNilError && !pkg_.fault(Fault::RegisterIntoCanceled)) {
      // parent has already been canceled
      Error cause = p->cause_;
      p->unlock_mu();
      child->cancel(false, err, pkg_.fault(Fault::WrongChildCause) ? err : cause);
    } else {
      p->add_child(child);
      p->unlock_mu();
    }
    return;
  }

  if (auto* a = dynamic_cast<ForeignCtx*>(parent); a && a->is_afterfuncer()) {
    // parent implements an AfterFunc method.
    lock_mu();
    rt::ObjId f_obj = pkg_.closure("propagateCancel.func1", child->obj());
    std::function<bool()> stop = a->AfterFunc(
        [this, parent, child] {
          Error err = parent->Err();  // then Cause: Go's operand order
          Error cause = pkg_.Cause(parent);
          child->cancel(false, err, cause);
        },
        f_obj);
    stop_ = std::move(stop);  // c.Context = stopCtx{Context: parent, stop: stop}
    stop_obj_ = pkg_.closure("stopCtx.stop", a->obj());
    R().heap().link(obj_, stop_obj_, "stopCtx.stop");
    pkg_.touch(*this);
    unlock_mu();
    return;
  }

  // goroutines.Add(1)
  bool ignore_child = pkg_.fault(Fault::WatcherNeverExits);
  const rt::Edge captures[] = {{parent->obj(), "parent"}, {child->obj(), "child"}};
  watcher_ = R().go(
      rt::GoKind::Watcher, "ctx" + std::to_string(child->id()) + " watcher",
      [this, parent, child, ignore_child] {
        rt::Chan* cases[] = {parent->Done(), ignore_child ? nullptr : child->Done()};
        int got = rt::select(cases, rt::kNoTimeout);
        if (got == 0) {
          Error err = parent->Err();  // then Cause: Go's operand order
          Error cause = pkg_.Cause(parent);
          child->cancel(false, err, cause);
        }
      },
      captures);
  pkg_.touch(*this);
}

// parentCancelCtx returns the underlying *cancelCtx for parent. It does this by looking
// up parent.Value(&cancelCtxKey) to find the innermost enclosing *cancelCtx and then
// checking whether parent.Done() matches that *cancelCtx.
CancelCtx* parent_cancel_ctx(Context* parent) {
  rt::Chan* done = parent->Done();
  Package& pkg = *t_package;
  if (done == pkg.chan(pkg.closedchan_index()) || done == nullptr) return nullptr;
  Any v = parent->Value(Key{kCancelCtxKeyType, 0});
  CancelCtx* p = v.cancel_ctx;
  if (p == nullptr) return nullptr;
  rt::Chan* pdone = pkg.chan(p->done_.load());
  if (pdone != done) return nullptr;
  return p;
}

// removeChild removes a context from its parent (c.Context; a stopCtx calls its stop).
void remove_child(Context* parent, CancelCtx* child, Kind key_type) {
  if (child->stop_) {
    child->stop_();
    return;
  }
  CancelCtx* p = parent_cancel_ctx(parent);
  if (p == nullptr) return;
  p->lock_mu();
  if (!p->children_nil_) p->delete_child(child, key_type);
  p->unlock_mu();
}

// cancel closes c.done, cancels each of c's children, and, if removeFromParent is true,
// removes c from its parent's children.
bool CancelCtx::cancel_base(bool remove_from_parent, Error err, Error cause) {
  if (err == kNilError)
    throw rt::Panic(kPanicMissingCancelError, "context: internal error: missing cancel error");
  if (cause == kNilError) cause = err;
  lock_mu();
  if (err_.load() != 0) {
    unlock_mu();
    return false;  // already canceled
  }
  bool swapped = pkg_.fault(Fault::ErrDoneSwapped);
  if (!swapped) {
    err_.store(static_cast<uint32_t>(err));
    cause_ = cause;
    pkg_.touch(*this);
  }
  uint32_t d = done_.load();
  if (d == 0) {
    done_.store(pkg_.closedchan_index());
    pkg_.touch(*this);
    if (pkg_.fault(Fault::EarlyReturn)) {
      if (swapped) {
        err_.store(static_cast<uint32_t>(err));
        cause_ = cause;
      }
      unlock_mu();
      return true;
    }
  } else {
    pkg_.chan(d)->close();
    pkg_.touch(*this);
  }
  if (swapped) {
    err_.store(static_cast<uint32_t>(err));
    cause_ = cause;
    pkg_.touch(*this);
  }
  if (!pkg_.fault(Fault::ChildrenNotCanceled)) {
    // Go ranges over a map: the order is a scheduler choice (option 0 = insertion order).
    // NOTE: acquiring the child's lock while holding parent's lock.
    std::vector<Entry> pending = children_;
    std::vector<uint32_t> ids;
    while (!pending.empty()) {
      ids.clear();
      for (const Entry& e : pending) ids.push_back(e.child->id());
      uint32_t i = R().choose(rt::ChoiceKind::MapOrder, ids);
      CancelCtx* child = pending[i].child;
      pending.erase(pending.begin() + i);
      ForwardGuard g;  // the recursion down the tree
      child->cancel(false, err, pkg_.fault(Fault::WrongChildCause) ? err : cause);
    }
  }
  clear_children();  // c.children = nil
  unlock_mu();

  if (remove_from_parent && !pkg_.fault(Fault::SkipRemoval)) remove_child(parent_, this, kind_);
  return true;
}

void CancelCtx::note_cancel_returned(bool remove_from_parent) {
  if (!remove_from_parent) return;
  ++removing_cancels_returned_;
  pkg_.touch(*this);
}

std::string CancelCtx::parent_name(const GoNames& names) const {
  if (stop_) return "context.stopCtx";  // stopCtx embeds the Context interface: no String
  return forward([&] { return context_name(parent_, names); });
}

std::optional<std::string> CancelCtx::String(const GoNames& names) const { return parent_name(names) + ".WithCancel"; }

void CancelCtx::cancel(bool remove_from_parent, Error err, Error cause) {
  // Only the first cancel removes c from its parent; a later one returns at once, maybe
  // before the first finished, so only the first counts as "its cancel returned".
  if (cancel_base(remove_from_parent, err, cause)) note_cancel_returned(remove_from_parent);
}

// ---------------------------------------------------------------------------------------
// timerCtx

TimerCtx::TimerCtx(Package& pkg, Context* parent, Nanos deadline)
    : CancelCtx(pkg, Kind::Timer, parent), deadline_(deadline) {}

std::optional<std::string> TimerCtx::String(const GoNames& names) const {
  // Go: c.deadline.String() + " [" + time.Until(c.deadline).String() + "]"
  return parent_name(names) + ".WithDeadline(" + std::string(kDeadlineTimeToken) + " [" +
         std::string(kUntilDeadlineToken) + "])";
}

void TimerCtx::cancel(bool remove_from_parent, Error err, Error cause) {
  cancel_base(false, err, cause);
  if (remove_from_parent && !pkg_.fault(Fault::SkipRemoval)) {
    // Remove this timerCtx from its parent cancelCtx's children.
    Kind key = pkg_.fault(Fault::WrongRemovalIdentity) ? Kind::Cancel : Kind::Timer;
    remove_child(parent_, this, key);
  }
  lock_mu();
  if (timer_ != rt::kNoTimer) {
    if (!pkg_.fault(Fault::TimerNotStopped)) {
      R().stop_timer(timer_);
      R().heap().unlink(obj_, R().timer_object(timer_), "timer");
      timer_ = rt::kNoTimer;
      pkg_.touch(*this);
    }
  }
  unlock_mu();
  note_cancel_returned(remove_from_parent);
}

// ---------------------------------------------------------------------------------------
// afterFuncCtx

AfterFuncCtx::AfterFuncCtx(Package& pkg, Context* parent, std::function<void()> f)
    : CancelCtx(pkg, Kind::AfterFunc, parent), f_(std::move(f)) {}

void AfterFuncCtx::cancel(bool remove_from_parent, Error err, Error cause) {
  cancel_base(false, err, cause);
  if (remove_from_parent && !pkg_.fault(Fault::SkipRemoval)) remove_child(parent_, this, kind_);
  auto start_f = [this] {
    ++runs_;
    pkg_.touch(*this);
    rt::GoId g = R().go(rt::GoKind::AfterFunc, "ctx" + std::to_string(id_) + " AfterFunc", f_);
    (void)g;
  };
  if (pkg_.fault(Fault::AfterFuncTwice)) {
    start_f();  // BUG: not guarded by the once
  } else {
    once_.Do(start_f);
  }
  note_cancel_returned(remove_from_parent);
}

// ---------------------------------------------------------------------------------------
// valueCtx, withoutCancelCtx

ValueCtx::ValueCtx(Package& pkg, Context* parent, Key key, int64_t val)
    : Context(pkg, Kind::Value, parent), key_(key), val_(val) {}

Any ValueCtx::Value(const Key& key) {
  if (pkg_.fault(Fault::ValueOuterWins) && key == key_) {
    Any outer = forward([&] { return parent_->Value(key); });  // BUG: outer first
    return outer.present ? outer : Any::of(val_);
  }
  if (key == key_) return Any::of(val_);
  return forward([&] { return parent_->Value(key); });
}

std::optional<std::string> ValueCtx::String(const GoNames& names) const {
  return forward([&] { return context_name(parent_, names); }) + ".WithValue(" + names.key_of(*this) + ", " +
         names.val_of(*this) + ")";
}

Any WithoutCancelCtx::Value(const Key& key) {
  if (key.type == kCancelCtxKeyType) return Any::nil();
  return forward([&] { return parent_->Value(key); });
}

// ---------------------------------------------------------------------------------------
// Foreign Context types

ForeignCtx::ForeignCtx(Package& pkg, Kind kind, Context* parent) : Context(pkg, kind, parent) {
  if (kind == Kind::OwnDone || kind == Kind::AfterFuncer) own_done_ = pkg.new_chan();
  if (kind == Kind::AfterFuncer) mu_ = std::make_unique<rt::Mutex>();
}

rt::Chan* ForeignCtx::Done() {
  switch (kind_) {
    case Kind::OwnDone:
    case Kind::AfterFuncer:
      return own_done_;
    default:
      return forward([&] { return parent_->Done(); });
  }
}

Error ForeignCtx::Err() {
  switch (kind_) {
    case Kind::BrokenErr:
      return kNilError;  // BUG (by design): nil even after Done closed
    case Kind::AfterFuncer: {
      mu_->lock();
      Error e = err_;
      mu_->unlock();
      return e;
    }
    case Kind::OwnDone:
      return own_done_->is_closed() ? kCanceled : kNilError;
    default:
      return forward([&] { return parent_->Err(); });
  }
}

Error ForeignCtx::peek_err() const {
  switch (kind_) {
    case Kind::BrokenErr: return kNilError;
    case Kind::AfterFuncer: return err_;
    case Kind::OwnDone: return own_done_->is_closed() ? kCanceled : kNilError;
    default: return forward([&] { return parent_->peek_err(); });
  }
}

Any ForeignCtx::Value(const Key& key) {
  if (kind_ == Kind::AfterFuncer && key.type == kCancelCtxKeyType) return Any::nil();
  return forward([&] { return parent_->Value(key); });
}

std::function<bool()> ForeignCtx::AfterFunc(std::function<void()> f, rt::ObjId f_obj) {
  mu_->lock();
  size_t slot = funcs_.size();
  bool already = err_ != kNilError;
  funcs_.push_back({std::move(f), f_obj, !already});
  if (!already) R().heap().link(obj_, f_obj, "afterFuncs[]");
  if (already) {
    auto fn = funcs_[slot].f;
    R().go(rt::GoKind::AfterFunc, "ctx" + std::to_string(id_) + " AfterFunc", fn);
  }
  mu_->unlock();
  return [this, slot] {
    mu_->lock();
    bool stopped = funcs_[slot].live;
    if (stopped) {
      funcs_[slot].live = false;
      R().heap().unlink(obj_, funcs_[slot].obj, "afterFuncs[]");
    }
    mu_->unlock();
    return stopped;
  };
}

void ForeignCtx::cancel_self(Error err) {
  mu_->lock();
  if (err_ != kNilError) {
    mu_->unlock();
    return;
  }
  err_ = err;
  own_done_->close();
  for (size_t i = 0; i < funcs_.size(); ++i) {
    if (!funcs_[i].live) continue;
    funcs_[i].live = false;
    R().heap().unlink(obj_, funcs_[i].obj, "afterFuncs[]");
    R().go(rt::GoKind::AfterFunc, "ctx" + std::to_string(id_) + " AfterFunc", funcs_[i].f);
  }
  pkg_.touch(*this);
  mu_->unlock();
}

size_t ForeignCtx::registered_funcs() const {
  size_t n = 0;
  for (const auto& r : funcs_) n += r.live ? 1 : 0;
  return n;
}

// ---------------------------------------------------------------------------------------
// Package

Package::Package(FaultSet faults, size_t capacity) : rt_(rt::Runtime::current()), faults_(faults) {
  reserve(capacity);
  t_package = this;
  // closedchan: one closed channel reused by every cancel that finds done unset.
  rt::Chan* closed = new_chan();
  closed->close();
  background_ = make<EmptyCtx>(Kind::Background);
  todo_ = make<EmptyCtx>(Kind::TODO);
  rt::Heap& h = rt_.heap();
  // Package-level variables are globals: slots 0.. are the package's.
  h.store_global(0, background_->obj());
  h.store_global(1, todo_->obj());
}

Package::~Package() {
  if (t_package == this) t_package = nullptr;
}

uint32_t Package::new_chan_index() {
  chans_.push_back(std::make_unique<rt::Chan>());
  return static_cast<uint32_t>(chans_.size());
}

rt::ObjId Package::closure(const char*, rt::ObjId captures) {
  rt::Heap& h = rt_.heap();
  rt::ObjId o = h.alloc(kClosureType, captures);
  hold(o);
  if (captures != rt::kNoObj) h.link(o, captures, "captures");
  return o;
}

void Package::hold(rt::ObjId o) {
  rt::GoId g = rt_.self();
  if (g != rt::kNoGo) rt_.heap().link(rt_.goroutine(g).frame, o, kNewLabel);
}

void Package::release_new() {
  rt::GoId g = rt_.self();
  if (g == rt::kNoGo) return;
  rt_.heap().unlink_label(rt_.goroutine(g).frame, kNewLabel);
}

uint32_t Package::live_watchers() const {
  uint32_t n = 0;
  for (const auto& g : rt_.goroutines())
    if (g.kind == rt::GoKind::Watcher && g.state != rt::GoState::Done) ++n;
  return n;
}

CancelCtx* Package::with_cancel(Context* parent) {
  if (parent == nullptr) throw rt::Panic(kPanicNilParent, "cannot create context from nil parent");
  auto* c = make<CancelCtx>(Kind::Cancel, parent);
  c->propagate_cancel(parent, c);
  if (fault(Fault::ReparentCycle)) {
    // BUG: under a chain of three cancelCtx, the oldest is reparented under the new child.
    std::vector<Context*> chain;
    for (Context* p = parent; p != nullptr && chain.size() < 3; p = p->parent())
      if (p->kind() == Kind::Cancel) chain.push_back(p);
    if (chain.size() == 3) Reparent(chain.back(), c);
  }
  return c;
}

WithCancelResult Package::cancel_result(CancelCtx* c, bool cause_variant) {
  rt::ObjId obj = closure(cause_variant ? "WithCancelCause.func1" : "WithCancel.func1", c->obj());
  CancelFunc f = [c, cause_variant](Error cause) {
    c->cancel(true, kCanceled, cause_variant ? cause : kNilError);
  };
  return {c, std::move(f), obj};
}

WithCancelResult Package::WithCancel(Context* parent) { return cancel_result(with_cancel(parent), false); }
WithCancelResult Package::WithCancelCause(Context* parent) { return cancel_result(with_cancel(parent), true); }

WithCancelResult Package::WithDeadlineCause(Context* parent, Nanos d, Error cause) {
  if (parent == nullptr) throw rt::Panic(kPanicNilParent, "cannot create context from nil parent");
  if (auto cur = parent->Deadline(); cur && *cur < d) {
    // The current deadline is already sooner than the new one.
    return WithCancel(parent);
  }
  auto* c = make<TimerCtx>(parent, d);
  c->propagate_cancel(parent, c);
  Nanos dur = d - rt_.now();
  rt::ObjId cancel_obj = closure("WithDeadlineCause.func", c->obj());
  if (dur <= 0) {
    c->cancel(true, kDeadlineExceeded, cause);  // deadline has already passed
    return {c, [c](Error) { c->cancel(false, kCanceled, kNilError); }, cancel_obj};
  }
  c->lock_mu();
  if (c->err_.load() == 0) {
    rt::ObjId f = closure("WithDeadlineCause.func1", c->obj());
    c->timer_ = rt_.after_func(dur, rt::GoKind::TimerFunc, "ctx" + std::to_string(c->id()) + " deadline",
                               [c, cause] {
                                 CancelCtx* target = c;  // the timer-cancels-child fault picks another
                                 if (c->pkg_.fault(Fault::TimerCancelsChild) && !c->children_.empty())
                                   target = c->children_.front().child;
                                 target->cancel(true, kDeadlineExceeded, cause);
                               },
                               f);
    rt_.heap().link(c->obj(), rt_.timer_object(c->timer_), "timer");
    touch(*c);
  }
  c->unlock_mu();
  return {c, [c](Error) { c->cancel(true, kCanceled, kNilError); }, cancel_obj};
}

WithCancelResult Package::WithTimeout(Context* parent, Nanos dur) {
  return WithDeadlineCause(parent, rt_.now() + dur, kNilError);
}
WithCancelResult Package::WithTimeoutCause(Context* parent, Nanos dur, Error cause) {
  return WithDeadlineCause(parent, rt_.now() + dur, cause);
}

Context* Package::WithValue(Context* parent, std::optional<Key> key, int64_t val) {
  if (parent == nullptr) throw rt::Panic(kPanicNilParent, "cannot create context from nil parent");
  if (!key) throw rt::Panic(kPanicNilKey, "nil key");
  return make<ValueCtx>(parent, *key, val);
}

Context* Package::WithoutCancel(Context* parent) {
  if (parent == nullptr) throw rt::Panic(kPanicNilParent, "cannot create context from nil parent");
  return make<WithoutCancelCtx>(parent);
}

AfterFuncResult Package::AfterFunc(Context* ctx, std::function<void()> f) {
  auto* a = make<AfterFuncCtx>(ctx, std::move(f));
  a->f_obj_ = closure("AfterFunc.f", rt::kNoObj);
  rt_.heap().link(a->obj(), a->f_obj_, "f");
  a->propagate_cancel(ctx, a);
  rt::ObjId stop_obj = closure("AfterFunc.func1", a->obj());
  auto stop = [this, a]() -> bool {
    bool stopped = false;
    a->once_.Do([&] { stopped = true; });
    if (stopped) a->cancel(true, kCanceled, kNilError);
    return fault(Fault::StopWrongValue) ? !stopped : stopped;
  };
  return {a, std::move(stop), stop_obj};
}

Error Package::Cause(Context* c) {
  Any v = c->Value(Key{kCancelCtxKeyType, 0});
  if (CancelCtx* cc = v.cancel_ctx) {
    cc->lock_mu();
    Error cause = cc->cause_;
    cc->unlock_mu();
    return cause;
  }
  // There is no cancelCtxKey value, so we know that c is not a cancelCtx of some kind:
  // c is a custom implementation, and Err is what it reports.
  return c->Err();
}

WithCancelResult Package::Foreign(Kind kind, Context* parent) {
  if (parent == nullptr) throw rt::Panic(kPanicNilParent, "cannot create context from nil parent");
  auto* f = make<ForeignCtx>(kind, parent);
  if (kind != Kind::AfterFuncer) return {f, nullptr, rt::kNoObj};
  rt::ObjId obj = closure("afterFuncContext.cancel", f->obj());
  return {f, [f](Error) { f->cancel_self(kCanceled); }, obj};
}

void Package::Reparent(Context* child, Context* new_parent) {
  rt::Heap& h = rt_.heap();
  if (child->parent_) h.unlink(child->obj(), child->parent_->obj(), "Context");
  child->parent_ = new_parent;
  if (new_parent) h.link(child->obj(), new_parent->obj(), "Context");
  ++reparents_;
  touch();
}

}  // namespace ctxcheck::model
