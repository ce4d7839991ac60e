// The abstract oracle: a pure, sequential specification of Go's context package (Go 1.21+
// semantics: WithCancelCause, Cause, AfterFunc, WithoutCancel, WithDeadlineCause), written
// from the Go documentation and source, independently of model/ (no goroutines, no locks,
// no heap: a vector of nodes and an integer clock).
//
// What "sequential" means here: one program goroutine performs one operation at a time,
// and after each operation every goroutine the operation started (AfterFunc's f) has run
// to completion before the next one (the command layer puts a `sleep 0` barrier there).
// Time is virtual: `sleep(d)` moves `now` to now + d, firing every deadline due up to and
// including that instant, in deadline order, each followed by the AfterFuncs it started.
//
// The one place where Go itself is not sequential even so: an AfterFunc f started by a
// cancellation may run concurrently with the rest of that cancellation. If f cancels a
// context Y that the same cancellation reaches through propagation with another
// (err, cause), Y's subtree legitimately ends with either value. The oracle records that
// as `maybe_cc` ("or (Canceled, Canceled)") instead of guessing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ctxcheck::reference {

using Err = int32_t;  // 0 nil, 1 Canceled, 2 DeadlineExceeded, >= 3 a program error (causeN)
inline constexpr Err kNil = 0, kCanceled = 1, kDeadlineExceeded = 2;
std::string err_text(Err e);  // Go's Error() strings; "<nil>" for nil

enum class NodeKind : uint8_t { Background, Todo, Cancel, Timer, Value, WithoutCancel, AfterFunc };
enum class AfState : uint8_t { Waiting, Started, Ran, Stopped };
enum class DoneState : uint8_t { Nil, Open, Closed };

struct Key {
  uint8_t type = 0;   // the key's type: keyA..keyZ, int, string (distinct types never collide)
  int64_t value = 0;
  friend bool operator==(const Key&, const Key&) = default;
};

struct Node {
  NodeKind kind = NodeKind::Background;
  int parent = -1;  // the Context it wraps
  // Cancelable nodes (Cancel, Timer, AfterFunc).
  Err err = kNil, cause = kNil;
  bool maybe_cc = false;        // err/cause may also be (Canceled, Canceled): see above
  bool cause_variant = false;   // WithCancelCause: cancel(cause) records the cause
  std::vector<int> children;    // registered children (the children map), in order
  int registered_in = -1;       // the node whose children hold this one
  // Timer.
  int64_t deadline = 0;
  Err deadline_cause = kNil;
  bool timer_live = false;      // a pending time.AfterFunc
  bool removable = true;        // false: the cancel func of a deadline already past at creation
  // Value.
  Key key;
  int64_t val = 0;
  // AfterFunc.
  AfState af = AfState::Waiting;
  int af_cancels = -1;          // the node whose cancel func f calls, or -1 (nop)
  // Bookkeeping for the concurrent-AfterFunc ambiguity.
  uint64_t round = 0;           // the top-level operation that canceled this node
  int cascade_from = -1;        // the node whose cancellation reached this one (-1: a root)
};

// An error observation: `value`, or `alt` too when set.
struct ErrObs {
  Err value = kNil;
  std::optional<Err> alt;
};

class Oracle {
 public:
  Oracle();
  // As new (Background and TODO alone, the clock at 0), keeping the nodes' capacity.
  void reset();

  int64_t now() const { return now_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  void reserve(size_t nodes) { nodes_.reserve(nodes); }  // room for this many nodes, Background and TODO included

  // Constructors return the new node (Background and TODO are singletons: 0 and 1).
  int background() const { return 0; }
  int todo() const { return 1; }
  int with_cancel(int parent, bool cause_variant);
  // WithDeadline(Cause); with_timeout is with_deadline(parent, now() + d, cause).
  int with_deadline(int parent, int64_t deadline, Err cause);
  int with_value(int parent, Key key, int64_t val);
  int without_cancel(int parent);
  // AfterFunc(ctx, f): f does nothing (cancels = -1) or calls the cancel func of `cancels`
  // with a nil cause. Returns the afterFuncCtx node (the stop func's handle).
  int after_func(int ctx, int cancels);

  // The cancel func returned with `node` (cause ignored unless WithCancelCause).
  void cancel(int node, Err cause);
  // AfterFunc's stop: true iff it stopped f from being started.
  bool stop(int af);
  void sleep(int64_t d);

  // Would creating this deadline arm a timer due at the same instant as one already armed?
  // (Same-instant timers fire in a scheduler-chosen order: not a sequential question.)
  bool timer_tie(int parent, int64_t deadline) const;

  // Observations.
  ErrObs err(int n) const;
  ErrObs cause(int n) const;
  std::optional<int64_t> deadline(int n) const;  // absolute, since the epoch
  DoneState done(int n) const;
  std::optional<size_t> children(int n) const;  // nullopt: no children map (no cancelCtx)
  std::optional<int64_t> value(int n, Key key) const;
  AfState after_func_state(int af) const { return nodes_[static_cast<size_t>(af)].af; }

 private:
  bool cancelable(int n) const;
  int cancel_ancestor(int n) const;  // parentCancelCtx: the nearest *cancelCtx, or -1
  int add(Node n);
  void propagate(int parent, int child);
  void cancel_node(int n, bool remove, Err err, Err cause, int from);
  void settle();
  void mark_maybe(int y);

  std::vector<Node> nodes_;
  std::vector<int> queue_;  // started AfterFuncs not yet run (FIFO)
  int64_t now_ = 0;
  uint64_t round_ = 0;
};

}  // namespace ctxcheck::reference
