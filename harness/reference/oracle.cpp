#include "harness/reference/oracle.h"

#include <algorithm>

namespace ctxcheck::reference {

std::string err_text(Err e) {
  switch (e) {
    case kNil: return "<nil>";
    case kCanceled: return "context canceled";
    case kDeadlineExceeded: return "context deadline exceeded";
    default: return "cause" + std::to_string(e);
  }
}

Oracle::Oracle() { reset(); }

void Oracle::reset() {
  nodes_.clear();
  queue_.clear();
  now_ = 0;
  round_ = 0;
  Node bg;
  bg.kind = NodeKind::Background;
  add(bg);
  Node todo;
  todo.kind = NodeKind::Todo;
  add(todo);
}

int Oracle::add(Node n) {
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size()) - 1;
}

bool Oracle::cancelable(int n) const {
  NodeKind k = nodes_[static_cast<size_t>(n)].kind;
  return k == NodeKind::Cancel || k == NodeKind::Timer || k == NodeKind::AfterFunc;
}

// Value(&cancelCtxKey) walks up through valueCtx; a cancelCtx answers itself;
// WithoutCancel, Background and TODO answer nil (and their Done is nil).
int Oracle::cancel_ancestor(int n) const {
  while (n >= 0) {
    const Node& x = nodes_[static_cast<size_t>(n)];
    if (cancelable(n)) return n;
    if (x.kind != NodeKind::Value) return -1;
    n = x.parent;
  }
  return -1;
}

// propagateCancel: a parent that can never be canceled registers nothing; a canceled one
// cancels the child at once with its err and Cause; otherwise the child joins the nearest
// cancelCtx's children.
void Oracle::propagate(int parent, int child) {
  int anc = cancel_ancestor(parent);
  if (anc < 0) return;
  const Node& a = nodes_[static_cast<size_t>(anc)];
  if (a.err != kNil) {
    Err err = a.err, cause = a.cause;
    bool maybe = a.maybe_cc;
    cancel_node(child, false, err, cause, -1);
    nodes_[static_cast<size_t>(child)].maybe_cc = maybe;
    return;
  }
  nodes_[static_cast<size_t>(anc)].children.push_back(child);
  nodes_[static_cast<size_t>(child)].registered_in = anc;
}

// cancelCtx.cancel (and the timerCtx / afterFuncCtx variants): the first cancel wins err
// and cause (cause defaults to err); children are canceled with the same err and cause and
// the map is dropped; with `remove`, the node leaves its parent's map; a timer stops; an
// AfterFunc whose f was neither started nor stopped starts f.
void Oracle::cancel_node(int n, bool remove, Err err, Err cause, int from) {
  Node& x = nodes_[static_cast<size_t>(n)];
  if (x.err != kNil) return;
  if (cause == kNil) cause = err;
  x.err = err;
  x.cause = cause;
  x.round = round_;
  x.cascade_from = from;
  x.maybe_cc = from >= 0 && nodes_[static_cast<size_t>(from)].maybe_cc;
  std::vector<int> kids;
  kids.swap(x.children);
  for (int k : kids) {
    nodes_[static_cast<size_t>(k)].registered_in = -1;
    cancel_node(k, false, err, cause, n);
  }
  Node& y = nodes_[static_cast<size_t>(n)];
  if (remove && y.registered_in >= 0) {
    auto& siblings = nodes_[static_cast<size_t>(y.registered_in)].children;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), n), siblings.end());
  }
  y.registered_in = -1;
  y.timer_live = false;
  if (y.kind == NodeKind::AfterFunc && y.af == AfState::Waiting) {
    y.af = AfState::Started;
    queue_.push_back(n);
  }
}

// Every node this round's cancellation reached through y (y included) may instead hold
// (Canceled, Canceled): a concurrently running f canceled y first.
void Oracle::mark_maybe(int y) {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].err == kNil || nodes_[i].round != round_) continue;
    for (int j = static_cast<int>(i); j >= 0; j = nodes_[static_cast<size_t>(j)].cascade_from) {
      if (j == y) {
        nodes_[i].maybe_cc = true;
        break;
      }
    }
  }
}

// Runs every started f, in the order they were started (each f's only effect is a cancel
// with (Canceled, Canceled), so the order does not change the outcome).
void Oracle::settle() {
  while (!queue_.empty()) {
    int a = queue_.front();
    queue_.erase(queue_.begin());
    Node& x = nodes_[static_cast<size_t>(a)];
    x.af = AfState::Ran;
    int y = x.af_cancels;
    if (y < 0) continue;
    const Node& t = nodes_[static_cast<size_t>(y)];
    if (t.err != kNil && t.round == round_ && t.cascade_from >= 0 &&
        !(t.err == kCanceled && t.cause == kCanceled))
      mark_maybe(y);
    // f calls y's cancel func with a nil cause.
    const Node& target = nodes_[static_cast<size_t>(y)];
    cancel_node(y, target.removable, kCanceled, kNil, -1);
  }
}

int Oracle::with_cancel(int parent, bool cause_variant) {
  ++round_;
  Node c;
  c.kind = NodeKind::Cancel;
  c.parent = parent;
  c.cause_variant = cause_variant;
  int id = add(c);
  propagate(parent, id);
  return id;
}

int Oracle::with_deadline(int parent, int64_t d, Err cause) {
  // The parent's deadline is already sooner: WithCancel(parent).
  if (auto cur = deadline(parent); cur && *cur < d) return with_cancel(parent, false);
  ++round_;
  Node t;
  t.kind = NodeKind::Timer;
  t.parent = parent;
  t.deadline = d;
  t.deadline_cause = cause;
  int id = add(t);
  propagate(parent, id);
  if (d <= now_) {
    cancel_node(id, true, kDeadlineExceeded, cause, -1);  // the deadline has already passed
    nodes_[static_cast<size_t>(id)].removable = false;     // its cancel func: cancel(false, ...)
  } else if (nodes_[static_cast<size_t>(id)].err == kNil) {
    nodes_[static_cast<size_t>(id)].timer_live = true;
  }
  return id;
}

bool Oracle::timer_tie(int parent, int64_t d) const {
  if (d <= now_) return false;
  if (auto cur = deadline(parent); cur && *cur < d) return false;
  int anc = cancel_ancestor(parent);
  if (anc >= 0 && nodes_[static_cast<size_t>(anc)].err != kNil) return false;
  for (const Node& n : nodes_)
    if (n.timer_live && n.deadline == d) return true;
  return false;
}

int Oracle::with_value(int parent, Key key, int64_t val) {
  Node v;
  v.kind = NodeKind::Value;
  v.parent = parent;
  v.key = key;
  v.val = val;
  return add(v);
}

int Oracle::without_cancel(int parent) {
  Node w;
  w.kind = NodeKind::WithoutCancel;
  w.parent = parent;
  return add(w);
}

int Oracle::after_func(int ctx, int cancels) {
  ++round_;
  Node a;
  a.kind = NodeKind::AfterFunc;
  a.parent = ctx;
  a.af_cancels = cancels;
  int id = add(a);
  propagate(ctx, id);  // ctx already done: f starts now
  settle();
  return id;
}

void Oracle::cancel(int node, Err cause) {
  ++round_;
  const Node& x = nodes_[static_cast<size_t>(node)];
  cancel_node(node, x.removable, kCanceled, x.cause_variant ? cause : kNil, -1);
  settle();
}

bool Oracle::stop(int af) {
  Node& a = nodes_[static_cast<size_t>(af)];
  if (a.af != AfState::Waiting) return false;
  a.af = AfState::Stopped;
  ++round_;
  cancel_node(af, true, kCanceled, kNil, -1);
  settle();
  return true;
}

void Oracle::sleep(int64_t d) {
  int64_t end = now_ + d;
  while (true) {
    int next = -1;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      if (n.timer_live && n.deadline <= end &&
          (next < 0 || n.deadline < nodes_[static_cast<size_t>(next)].deadline))
        next = static_cast<int>(i);
    }
    if (next < 0) break;
    Node& t = nodes_[static_cast<size_t>(next)];
    now_ = std::max(now_, t.deadline);
    t.timer_live = false;
    ++round_;
    cancel_node(next, true, kDeadlineExceeded, t.deadline_cause, -1);
    settle();
  }
  now_ = end;
}

ErrObs Oracle::err(int n) const {
  while (n >= 0) {
    const Node& x = nodes_[static_cast<size_t>(n)];
    if (cancelable(n)) {
      ErrObs o{x.err, std::nullopt};
      if (x.err != kNil && x.maybe_cc) o.alt = kCanceled;
      return o;
    }
    if (x.kind != NodeKind::Value) return {};
    n = x.parent;
  }
  return {};
}

// Cause: the cause of the nearest cancelCtx found through Value(&cancelCtxKey) (nil while
// it is not canceled); without one, Err.
ErrObs Oracle::cause(int n) const {
  int anc = cancel_ancestor(n);
  if (anc < 0) return err(n);
  const Node& x = nodes_[static_cast<size_t>(anc)];
  ErrObs o{x.cause, std::nullopt};
  if (x.err != kNil && x.maybe_cc) o.alt = kCanceled;
  return o;
}

std::optional<int64_t> Oracle::deadline(int n) const {
  while (n >= 0) {
    const Node& x = nodes_[static_cast<size_t>(n)];
    switch (x.kind) {
      case NodeKind::Timer: return x.deadline;
      case NodeKind::Cancel: case NodeKind::Value: case NodeKind::AfterFunc: n = x.parent; break;
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

DoneState Oracle::done(int n) const {
  int anc = cancel_ancestor(n);
  if (anc < 0) return DoneState::Nil;
  return nodes_[static_cast<size_t>(anc)].err != kNil ? DoneState::Closed : DoneState::Open;
}

std::optional<size_t> Oracle::children(int n) const {
  if (!cancelable(n)) return std::nullopt;
  return nodes_[static_cast<size_t>(n)].children.size();
}

std::optional<int64_t> Oracle::value(int n, Key key) const {
  while (n >= 0) {
    const Node& x = nodes_[static_cast<size_t>(n)];
    if (x.kind == NodeKind::Value && x.key == key) return x.val;
    if (x.kind == NodeKind::Background || x.kind == NodeKind::Todo) return std::nullopt;
    n = x.parent;
  }
  return std::nullopt;
}

}  // namespace ctxcheck::reference
