// Go's context package (newest internals: atomic err, Cause, AfterFunc, WithoutCancel,
// stopCtx) ported onto the ctxcheck runtime. Read side by side with
// src/context/context.go: the same types, the same algorithms, the same order of
// operations. Every Go mutex/atomic/channel operation is a runtime scheduling point, the
// children map's iteration order is a runtime choice, and every object lives in the
// runtime heap with the references Go's GC would see.
//
// Go values are small integers here (never pointers or strings), so traces are stable:
//   Error: 0 = nil, 1 = Canceled, 2 = DeadlineExceeded, >= 3 = program-defined errors.
//   Key:   a type tag plus a value (keys of different types never compare equal).
//
// One Package per execution owns every context. Create it inside Runtime::run (it
// allocates heap objects) and destroy it only after run() returned: goroutines of the
// model (watchers, timers, AfterFunc) may run until the execution ends.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/faults/faults.h"
#include "model/runtime/runtime.h"
#include "model/runtime/sync.h"

namespace ctxcheck::model {

using rt::Nanos;
using Error = int32_t;
inline constexpr Error kNilError = 0, kCanceled = 1, kDeadlineExceeded = 2;
std::string error_string(Error e);  // "context canceled", "cause3", "<nil>"

struct Key {
  uint8_t type = 0;  // 0 is reserved for the package's private cancelCtxKey
  int32_t value = 0;
  friend bool operator==(const Key&, const Key&) = default;
};
inline constexpr uint8_t kCancelCtxKeyType = 0;

class Context;
class CancelCtx;
class ValueCtx;

// What Go's reflection prints for the program's own types, which the context package does
// not know: the name of a user-defined Context type (reflectlite.TypeOf(c).String()) and
// stringify of a value context's key and value. The caller of String() supplies them.
struct GoNames {
  std::function<std::string(const Context&)> type_of;
  std::function<std::string(const ValueCtx&)> key_of;
  std::function<std::string(const ValueCtx&)> val_of;
};
// A timerCtx's String prints its deadline as a wall-clock time and the time until it; the
// model prints these tokens in their place (and the Go export replaces Go's with them).
inline constexpr std::string_view kDeadlineTimeToken = "<time>", kUntilDeadlineToken = "<duration>";
// Go's contextName(c): c.String() if c is a fmt.Stringer (every type of the context
// package but stopCtx), else the name of c's type.
std::string context_name(const Context* c, const GoNames& names);

// What Value returns: nil, a program value, or (for &cancelCtxKey) a *cancelCtx.
struct Any {
  bool present = false;
  int64_t value = 0;
  CancelCtx* cancel_ctx = nullptr;
  static Any nil() { return {}; }
  static Any of(int64_t v) { return {true, v, nullptr}; }
  static Any ctx(CancelCtx* c) { return {c != nullptr, 0, c}; }
};

// Panics of the context package, as rt::Panic codes.
inline constexpr const char* kPanicNilParent = "nil-parent";
inline constexpr const char* kPanicNilKey = "nil-key";
inline constexpr const char* kPanicMissingCancelError = "missing-cancel-error";
bool is_context_package_panic(const std::string& code);

enum class Kind : uint8_t {
  Background, TODO, Cancel, Timer, Value, AfterFunc, WithoutCancel,
  // Foreign (user-defined) Context types, as in Go's tests:
  Wrapper,     // myCtx{Context}: keeps its parent's Done
  OwnDone,     // a type with its own Done channel: forces the watcher goroutine
  AfterFuncer, // a root-like type with AfterFunc(f) (x_test.go's afterFuncContext): forces stopCtx
  BrokenErr,   // Done from its parent but Err always nil (the class of pion/transport#397)
};
std::string_view kind_name(Kind k);  // Go type names: "cancelCtx", "timerCtx", "myCtx", ...

class Package;

// Every call that forwards to the parent, and every cancel of a child, goes through a
// ForwardGuard: a chain deeper than the limit (an unsafe reparent closed a cycle, or a
// tree deeper than the model's goroutine stacks hold) panics as Go's stack overflow
// would, instead of looping forever or overflowing the fiber's stack. The depth is
// counted per goroutine (a recursion may yield at a lock).
inline constexpr int kMaxForwardDepth = 600;
inline constexpr const char* kPanicStackOverflow = "stack-overflow";
struct ForwardGuard {
  ForwardGuard();
  ~ForwardGuard();
  ForwardGuard(const ForwardGuard&) = delete;
  ForwardGuard& operator=(const ForwardGuard&) = delete;
};
template <class F>
auto forward(F&& f) {
  ForwardGuard g;
  return f();
}

// The Context interface. `parent()` is the embedded parent Context (for a cancelCtx whose
// parent is an afterFuncer that is the stopCtx's underlying parent).
class Context {
 public:
  Context(Package& pkg, Kind kind, Context* parent);
  virtual ~Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  virtual std::optional<Nanos> Deadline() = 0;
  virtual rt::Chan* Done() = 0;  // nullptr: a nil channel (never closes)
  virtual Error Err() = 0;
  virtual Any Value(const Key& key) = 0;

  uint32_t id() const { return id_; }
  Kind kind() const { return kind_; }
  rt::ObjId obj() const { return obj_; }
  Context* parent() const { return parent_; }
  // Inspection without scheduling points: the error Err() would return right now.
  virtual Error peek_err() const { return kNilError; }
  // Go's String method, for the types that have one (nullopt: not a fmt.Stringer). It reads
  // only fields that never change (Go takes no lock), so it has no scheduling points.
  virtual std::optional<std::string> String(const GoNames&) const { return std::nullopt; }

 protected:
  friend class Package;
  Package& pkg_;
  Kind kind_;
  uint32_t id_;
  rt::ObjId obj_;
  Context* parent_;  // Go: the embedded Context. Set at creation (or by unsafe reparent).
};

// cancelCtx. Also the base of timerCtx and afterFuncCtx, whose cancel differs: the
// children map stores the canceler with its dynamic type, as Go's map[canceler]struct{}.
class CancelCtx : public Context {
 public:
  CancelCtx(Package& pkg, Kind kind, Context* parent);

  std::optional<Nanos> Deadline() override;
  rt::Chan* Done() override;
  Error Err() override;
  Any Value(const Key& key) override;
  // canceler.cancel: closes done, cancels each child, and removes c from its parent's
  // children if removeFromParent is true.
  virtual void cancel(bool remove_from_parent, Error err, Error cause);
  // contextName(c.Context) + ".WithCancel" (also afterFuncCtx's, which embeds a cancelCtx).
  std::optional<std::string> String(const GoNames& names) const override;

  // ---- inspection (no scheduling points) ----
  struct Entry {
    CancelCtx* child;
    Kind key_type;  // dynamic type of the canceler used as the map key
  };
  const std::vector<Entry>& children() const { return children_; }
  bool children_nil() const { return children_nil_; }
  Error peek_err() const override { return static_cast<Error>(err_.peek()); }
  Error peek_cause() const { return cause_; }
  bool done_created() const { return done_.peek() != 0; }
  bool done_closed() const;
  bool mu_locked() const { return mu_.locked(); }
  uint32_t removing_cancels_returned() const { return removing_cancels_returned_; }
  bool uses_stop_ctx() const { return stop_ != nullptr; }
  uint32_t watcher() const { return watcher_; }  // goroutine id, or kNoGo

 protected:
  friend class Package;
  friend CancelCtx* parent_cancel_ctx(Context* parent);
  friend void remove_child(Context* parent, CancelCtx* child, Kind key_type);
  void propagate_cancel(Context* parent, CancelCtx* child);
  // contextName(c.Context): the stopCtx (no String method) when propagateCancel made one.
  std::string parent_name(const GoNames& names) const;
  // cancelCtx.cancel; true if this call canceled c (false: it already was).
  bool cancel_base(bool remove_from_parent, Error err, Error cause);
  void add_child(CancelCtx* child);                                   // under mu
  // mu.Lock and mu.Unlock, marking c for incremental views (Package::mark): a lock held
  // or released changes what the invariants read (CtxView::mu_locked), not the version.
  void lock_mu();
  void unlock_mu();
  void delete_child(CancelCtx* child, Kind key_type);                 // under mu
  void clear_children();                                              // under mu
  void note_cancel_returned(bool remove_from_parent);

  rt::Mutex mu_;                   // protects following fields
  rt::Atomic<uint32_t> done_;      // chan index + 1 (0 = nil), created lazily, closed by first cancel
  std::vector<Entry> children_;    // set to nil by the first cancel call
  bool children_nil_ = true;
  rt::Atomic<uint32_t> err_;       // set to non-nil by the first cancel call
  Error cause_ = kNilError;        // set to non-nil by the first cancel call
  // stopCtx: when the parent is an afterFuncer, c.Context = stopCtx{parent, stop}.
  std::function<bool()> stop_;
  rt::ObjId stop_obj_ = rt::kNoObj;
  uint32_t watcher_ = rt::kNoGo;
  uint32_t removing_cancels_returned_ = 0;  // harness bookkeeping, not Go state
};

class TimerCtx final : public CancelCtx {
 public:
  TimerCtx(Package& pkg, Context* parent, Nanos deadline);
  std::optional<Nanos> Deadline() override { return deadline_; }
  void cancel(bool remove_from_parent, Error err, Error cause) override;
  std::optional<std::string> String(const GoNames& names) const override;
  Nanos deadline() const { return deadline_; }
  rt::TimerId timer() const { return timer_; }  // under mu; kNoTimer once stopped

 private:
  friend class Package;
  rt::TimerId timer_ = rt::kNoTimer;  // under cancelCtx.mu
  Nanos deadline_;
};

class AfterFuncCtx final : public CancelCtx {
 public:
  AfterFuncCtx(Package& pkg, Context* parent, std::function<void()> f);
  void cancel(bool remove_from_parent, Error err, Error cause) override;
  uint32_t runs() const { return runs_; }

 private:
  friend class Package;
  rt::Once once_;  // either starts running f or stops f from running
  std::function<void()> f_;
  rt::ObjId f_obj_ = rt::kNoObj;
  uint32_t runs_ = 0;
};

class ValueCtx final : public Context {
 public:
  ValueCtx(Package& pkg, Context* parent, Key key, int64_t val);
  std::optional<Nanos> Deadline() override { return forward([&] { return parent_->Deadline(); }); }
  rt::Chan* Done() override { return forward([&] { return parent_->Done(); }); }
  Error Err() override { return forward([&] { return parent_->Err(); }); }
  Any Value(const Key& key) override;
  Error peek_err() const override { return forward([&] { return parent_->peek_err(); }); }
  std::optional<std::string> String(const GoNames& names) const override;
  Key key() const { return key_; }
  int64_t val() const { return val_; }

 private:
  Key key_;
  int64_t val_;
};

class EmptyCtx final : public Context {
 public:
  EmptyCtx(Package& pkg, Kind kind) : Context(pkg, kind, nullptr) {}
  std::optional<Nanos> Deadline() override { return std::nullopt; }
  rt::Chan* Done() override { return nullptr; }
  Error Err() override { return kNilError; }
  Any Value(const Key&) override { return Any::nil(); }
  std::optional<std::string> String(const GoNames&) const override {
    return kind_ == Kind::Background ? "context.Background" : "context.TODO";
  }
};

class WithoutCancelCtx final : public Context {
 public:
  WithoutCancelCtx(Package& pkg, Context* parent) : Context(pkg, Kind::WithoutCancel, parent) {}
  std::optional<Nanos> Deadline() override { return std::nullopt; }
  rt::Chan* Done() override { return nullptr; }
  Error Err() override { return kNilError; }
  Any Value(const Key& key) override;
  std::optional<std::string> String(const GoNames& names) const override {
    return forward([&] { return context_name(parent_, names); }) + ".WithoutCancel";
  }
};

// A user-defined Context type (see Kind). Behaviour is chosen by kind.
class ForeignCtx final : public Context {
 public:
  ForeignCtx(Package& pkg, Kind kind, Context* parent);
  std::optional<Nanos> Deadline() override { return forward([&] { return parent_->Deadline(); }); }
  rt::Chan* Done() override;
  Error Err() override;
  Any Value(const Key& key) override;
  Error peek_err() const override;
  // AfterFuncer: its own cancellation, and the AfterFunc method propagateCancel detects.
  bool is_afterfuncer() const { return kind_ == Kind::AfterFuncer; }
  std::function<bool()> AfterFunc(std::function<void()> f, rt::ObjId f_obj);
  void cancel_self(Error err);
  size_t registered_funcs() const;

 private:
  rt::Chan* own_done_ = nullptr;  // OwnDone, AfterFuncer
  std::unique_ptr<rt::Mutex> mu_;  // AfterFuncer: protects err_ and funcs_
  Error err_ = kNilError;
  struct Registered {
    std::function<void()> f;
    rt::ObjId obj;
    bool live;
  };
  std::vector<Registered> funcs_;
};

using CancelFunc = std::function<void(Error cause)>;  // cause ignored unless a *Cause variant

struct WithCancelResult {
  Context* ctx;
  CancelFunc cancel;
  rt::ObjId cancel_obj;  // the closure object (references ctx)
};

struct AfterFuncResult {
  AfterFuncCtx* ctx;
  std::function<bool()> stop;
  rt::ObjId stop_obj;
};

// The package state of one execution, and its API.
class Package {
 public:
  // `capacity`: room for this many contexts (and as many channels and marks) before they
  // grow, from the package's own two on: a hint from a caller that knows the program,
  // nothing else.
  explicit Package(FaultSet faults = {}, size_t capacity = 0);
  ~Package();

  Context* Background() { return background_; }
  Context* TODO() { return todo_; }
  WithCancelResult WithCancel(Context* parent);
  WithCancelResult WithCancelCause(Context* parent);
  WithCancelResult WithDeadline(Context* parent, Nanos d) { return WithDeadlineCause(parent, d, kNilError); }
  WithCancelResult WithDeadlineCause(Context* parent, Nanos d, Error cause);
  WithCancelResult WithTimeout(Context* parent, Nanos dur);
  WithCancelResult WithTimeoutCause(Context* parent, Nanos dur, Error cause);
  Context* WithValue(Context* parent, std::optional<Key> key, int64_t val);
  Context* WithoutCancel(Context* parent);
  AfterFuncResult AfterFunc(Context* ctx, std::function<void()> f);
  Error Cause(Context* c);
  // Foreign types; AfterFuncer also returns its own cancel func.
  WithCancelResult Foreign(Kind kind, Context* parent);
  // Unsafe (only with unsafe ops): make `child` embed `new_parent`, as a buggy program
  // that mutates a context's parent would. Registrations are not touched.
  void Reparent(Context* child, Context* new_parent);

  // ---- inspection ----
  const std::vector<std::unique_ptr<Context>>& contexts() const { return contexts_; }
  Context* context(uint32_t id) const { return id < contexts_.size() ? contexts_[id].get() : nullptr; }
  uint32_t live_watchers() const;
  const FaultSet& faults() const { return faults_; }
  bool fault(Fault f) const { return faults_.has(f); }
  uint64_t version() const { return version_; }  // bumped by every state change
  uint64_t reparents() const { return reparents_; }  // bumped when a parent link changes
  // A state change of context `c` (a version change). touch() without a context: anything
  // may have changed (an unsafe reparent).
  void touch(const Context& c) { ++version_, mark(c.id()); }
  void touch() { ++version_, everything_marked_ = true; }
  // Bookkeeping for incremental views (harness/invariants/view.h), no semantics: which
  // contexts' inspectable state (peek_err, children, the lock, ...) may differ since the
  // last take_marked. A mark without a version change: a cancelCtx lock taken or released.
  void mark(uint32_t id) {
    if (marked_flag_.size() <= id) marked_flag_.resize(id + 1, 0);
    if (!marked_flag_[id]) marked_flag_[id] = 1, marked_.push_back(id);
  }
  bool everything_marked() const { return everything_marked_; }
  const std::vector<uint32_t>& marked() const { return marked_; }  // in marking order
  void clear_marked() {
    for (uint32_t id : marked_) marked_flag_[id] = 0;
    marked_.clear();
    everything_marked_ = false;
  }

  // ---- internals shared by the context types ----
  rt::Runtime& rt() { return rt_; }
  rt::Chan* new_chan() { return chan(new_chan_index()); }
  uint32_t new_chan_index();  // index + 1, as cancelCtx.done stores it
  rt::Chan* chan(uint32_t index_plus_one) { return index_plus_one ? chans_[index_plus_one - 1].get() : nullptr; }
  uint32_t closedchan_index() const { return 1; }
  template <class T, class... Args>
  T* make(Args&&... args) {
    auto p = std::make_unique<T>(*this, std::forward<Args>(args)...);
    T* raw = p.get();
    contexts_.push_back(std::move(p));
    return raw;
  }
  uint32_t next_id() const { return static_cast<uint32_t>(contexts_.size()); }
  rt::ObjId closure(const char* what, rt::ObjId captures);
  // Objects the package creates are held by the creating goroutine's frame (its stack in
  // Go) until the caller takes them: release_new() drops those temporary references.
  static constexpr const char* kNewLabel = "new";
  void hold(rt::ObjId o);
  void release_new();

 private:
  CancelCtx* with_cancel(Context* parent);
  WithCancelResult cancel_result(CancelCtx* c, bool cause_variant);
  void reserve(size_t contexts) {
    contexts_.reserve(contexts);
    chans_.reserve(contexts);
    marked_.reserve(contexts);
    marked_flag_.reserve(contexts);
  }

  rt::Runtime& rt_;
  FaultSet faults_;
  std::vector<std::unique_ptr<rt::Chan>> chans_;  // index 0 is closedchan
  std::vector<std::unique_ptr<Context>> contexts_;
  Context* background_ = nullptr;
  Context* todo_ = nullptr;
  uint64_t version_ = 0;
  uint64_t reparents_ = 0;
  std::vector<uint32_t> marked_;      // mark(): ids, each once
  std::vector<uint8_t> marked_flag_;  // by id: in marked_
  bool everything_marked_ = true;     // nothing taken yet
};

// Go's parentCancelCtx and removeChild (exposed for tests).
CancelCtx* parent_cancel_ctx(Context* parent);
void remove_child(Context* parent, CancelCtx* child, Kind key_type);

}  // namespace ctxcheck::model
