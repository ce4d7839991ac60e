#include "harness/invariants/checks.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace ctxcheck::harness {

namespace {

Violation make(Invariant id, std::string msg, std::vector<uint32_t> involved) {
  return Violation{id, std::move(msg), std::move(involved)};
}

// The per-step checks build a violation (its message, its contexts) out of line, in here:
// their passing path, run for every changed context at every step, then needs no frame for
// the formatting and is inlined into the loop that runs it.
template <class Build>
[[gnu::cold, gnu::noinline]] std::optional<Violation> violation(Build&& build) {
  return build();
}

// For every context, the nearest non-transparent context above it, as parentCancelCtx
// would find it through Value(&cancelCtxKey) (-1: none, or a cycle of transparent ones).
const std::vector<int64_t>& nearest_cancelable_ancestors(const ModelView& v, ChainScratch& s) {
  return resolve_up(v, s, [&](const CtxView& x) -> int64_t {
    const CtxView* p = v.get(x.parent);
    if (!p) return -1;
    return p->transparent ? kAsParent : x.parent;
  });
}

// For every context, the first canceled context above it that a cancel passes down from
// (-1: none before a context that stops cancellation, a root, or a cycle).
const std::vector<int64_t>& canceled_ancestors(const ModelView& v, ChainScratch& s) {
  return resolve_up(v, s, [&](const CtxView& x) -> int64_t {
    if (!x.passes_cancel) return -1;
    const CtxView* p = v.get(x.parent);
    if (!p) return -1;
    return p->err != kNil ? x.parent : kAsParent;
  });
}

std::string err_name(ErrVal e) {
  switch (e) {
    case kNil: return "nil";
    case kCanceled: return "context canceled";
    case kDeadlineExceeded: return "context deadline exceeded";
    default: return fmt::format("cause{}", e);
  }
}

}  // namespace

namespace {

// residue at one cancelCtx c: its own state and each entry of its children map. `owner_of(e)`:
// e's nearest cancelable ancestor.
template <class OwnerOf>
std::optional<Violation> residue_at(const ModelView& v, const CtxView& c, OwnerOf&& owner_of) {
  if (c.family != CtxFamily::Cancel) return std::nullopt;
  if (c.err != kNil && !c.mu_locked && !c.children.empty()) {
    return violation([&] {
      std::vector<uint32_t> inv{c.id};
      inv.insert(inv.end(), c.children.begin(), c.children.end());
      return make(Invariant::Residue,
                  fmt::format("{} is canceled but its children map still holds {} entr{}", v.name(c.id),
                              c.children.size(), c.children.size() == 1 ? "y" : "ies"),
                  inv);
    });
  }
  for (uint32_t e : c.children) {
    const CtxView* ev = v.get(e);
    if (!ev) continue;
    if (ev->removing_cancels_returned > 0 && !c.mu_locked)
      return violation([&] {
        return make(Invariant::Residue,
                    fmt::format("{} was canceled (its cancel returned) but is still in {}'s "
                                "children map",
                                v.name(e), v.name(c.id)),
                    {c.id, e});
      });
    int64_t owner = ev->parent;  // the usual case: registered in its own parent
    const CtxView* p = v.get(owner);
    if (!p || p->transparent) owner = owner_of(e);
    if (owner != static_cast<int64_t>(c.id))
      return violation([&] {
        return make(Invariant::Residue,
                    fmt::format("{} is registered in {}'s children map but its nearest "
                                "cancelable ancestor is {}",
                                v.name(e), v.name(c.id), owner < 0 ? "none" : v.name(owner)),
                    {c.id, e});
      });
  }
  return std::nullopt;
}

// The nearest non-transparent context above e, walking its chain (a view without cycles).
int64_t nearest_cancelable_ancestor(const ModelView& v, uint32_t e) {
  const CtxView* x = v.get(e);
  for (size_t i = 0; x && i <= v.contexts.size(); ++i) {
    const CtxView* p = v.get(x->parent);
    if (!p) return -1;
    if (!p->transparent) return x->parent;
    x = p;
  }
  return -1;
}

// `anc` is on x's parent chain (x excluded), walking it (a view without cycles).
bool strict_ancestor_walk(const ModelView& v, int64_t anc, int64_t x) {
  const CtxView* a = v.get(anc);
  const CtxView* c = v.get(x);
  if (!a || !c || anc == x) return false;
  for (size_t i = 0; c && i <= v.contexts.size(); ++i) {
    if (c->parent == anc) return true;
    c = v.get(c->parent);
  }
  return false;
}

// acyclic at one context's children map: each entry has c among its ancestors.
template <class IsAncestor>
std::optional<Violation> registrations_at(const ModelView& v, const CtxView& c, IsAncestor&& is_ancestor) {
  for (uint32_t e : c.children) {
    const CtxView* ev = v.get(e);
    if (ev && ev->parent == static_cast<int64_t>(c.id) && e != c.id) continue;  // its parent: no walk needed
    if (!is_ancestor(c.id, e))
      return violation([&] {
        return make(Invariant::Acyclic,
                    fmt::format("{} is registered in {}'s children map but {} is not "
                                "among its ancestors",
                                v.name(e), v.name(c.id), v.name(c.id)),
                    {c.id, e});
      });
  }
  return std::nullopt;
}

std::optional<Violation> deadline_order_at(const ModelView& v, const CtxView& c) {
  if (!c.deadline) return std::nullopt;
  const CtxView* p = v.get(c.parent);
  if (!p || !p->deadline || *c.deadline <= *p->deadline) return std::nullopt;
  return violation([&] {
    return make(Invariant::Deadline,
                fmt::format("{} has deadline +{}ns, later than its parent {}'s +{}ns", v.name(c.id),
                            *c.deadline - rt::kEpoch, v.name(p->id), *p->deadline - rt::kEpoch),
                {c.id, p->id});
  });
}

std::optional<Violation> afterfunc_once_at(const ModelView& v, const CtxView& c) {
  if (c.afterfunc_runs <= 1) return std::nullopt;
  return violation([&] {
    return make(Invariant::AfterFunc, fmt::format("AfterFunc of {} ran {} times", v.name(c.id), c.afterfunc_runs),
                {c.id});
  });
}

}  // namespace

std::optional<Violation> check_residue(const ModelView& v, ChainScratch& s) {
  const std::vector<int64_t>* owners = nullptr;  // computed once, for the first entry under a transparent parent
  auto owner_of = [&](uint32_t e) {
    if (!owners) owners = &nearest_cancelable_ancestors(v, s);
    return (*owners)[e];
  };
  for (const CtxView& c : v.contexts)
    if (auto r = residue_at(v, c, owner_of)) return r;
  return std::nullopt;
}

std::optional<Violation> check_acyclic(const ModelView& v, ChainScratch& s) {
  if (int64_t lowest = lowest_on_cycle(v, s); lowest >= 0) {
    const CtxView& c = v.contexts[static_cast<size_t>(lowest)];
    std::vector<uint32_t> chain{c.id};
    std::string text = v.name(c.id);
    for (int64_t x = c.parent; x != static_cast<int64_t>(c.id) && x >= 0; x = v.get(x)->parent) {
      chain.push_back(static_cast<uint32_t>(x));
      text += " -> " + v.name(x);
    }
    return make(Invariant::Acyclic,
                fmt::format("parent chain of {} never reaches a root: {} -> {}", v.name(c.id), text, v.name(c.id)),
                chain);
  }
  bool numbered = false;  // the forest is numbered once, for the first indirect registration
  auto is_ancestor = [&](int64_t anc, int64_t x) {
    if (!numbered) number_forest(v, s), numbered = true;
    return strict_ancestor(s, anc, x);
  };
  for (const CtxView& c : v.contexts)
    if (auto r = registrations_at(v, c, is_ancestor)) return r;
  return std::nullopt;
}

std::optional<Violation> check_deadline_order(const ModelView& v) {
  for (const CtxView& c : v.contexts)
    if (auto r = deadline_order_at(v, c)) return r;
  return std::nullopt;
}

std::optional<Violation> check_deadline_expiry(const ModelView& v) {
  for (const CtxView& c : v.contexts) {
    if (!c.own_deadline || !c.deadline || *c.deadline > v.now) continue;
    if (c.err == kNil)
      return make(Invariant::Deadline,
                  fmt::format("{} is past its deadline (+{}ns, now +{}ns) but not done", v.name(c.id),
                              *c.deadline - rt::kEpoch, v.now - rt::kEpoch),
                  {c.id});
    if (c.err != kDeadlineExceeded && c.err != kCanceled)
      return make(Invariant::Deadline,
                  fmt::format("{} expired with err {}", v.name(c.id), err_name(c.err)), {c.id});
  }
  return std::nullopt;
}

std::optional<Violation> check_afterfunc_once(const ModelView& v) {
  for (const CtxView& c : v.contexts)
    if (auto r = afterfunc_once_at(v, c)) return r;
  return std::nullopt;
}

std::optional<Violation> check_afterfunc_final(const ModelView& v) {
  for (const CtxView& c : v.contexts) {
    if (c.kind != "afterFuncCtx") continue;
    if (c.afterfunc_stop == 1 && c.afterfunc_runs != 0)
      return make(Invariant::AfterFunc,
                  fmt::format("stop of {} returned true but f ran", v.name(c.id)), {c.id});
    if (c.afterfunc_stop == 0 && c.afterfunc_runs != 1)
      return make(Invariant::AfterFunc,
                  fmt::format("stop of {} returned false but f never ran", v.name(c.id)), {c.id});
    if (c.afterfunc_stop == -1 && c.afterfunc_runs != (c.err != kNil ? 1u : 0u))
      return make(Invariant::AfterFunc,
                  fmt::format("{} is {} but its AfterFunc ran {} times", v.name(c.id),
                              c.err != kNil ? "done" : "not done", c.afterfunc_runs),
                  {c.id});
  }
  return std::nullopt;
}

std::optional<Violation> check_propagation_quiescent(const ModelView& v, ChainScratch& s) {
  const std::vector<int64_t>& canceled_above = canceled_ancestors(v, s);
  for (const CtxView& d : v.contexts) {
    if (d.family != CtxFamily::Cancel || d.err != kNil) continue;
    int64_t p = canceled_above[d.id];
    if (p >= 0)
      return make(Invariant::Propagation,
                  fmt::format("{} is not canceled at quiescence although its ancestor {} "
                              "is ({})",
                              v.name(d.id), v.name(p), err_name(v.get(p)->err)),
                  {d.id, static_cast<uint32_t>(p)});
  }
  return std::nullopt;
}

std::optional<Violation> check_residue(const ModelView& v) {
  ChainScratch s;
  return check_residue(v, s);
}
std::optional<Violation> check_acyclic(const ModelView& v) {
  ChainScratch s;
  return check_acyclic(v, s);
}
std::optional<Violation> check_propagation_quiescent(const ModelView& v) {
  ChainScratch s;
  return check_propagation_quiescent(v, s);
}

std::vector<uint32_t> registered_below(const ModelView& v, uint32_t id) {
  // The search's stack and marks are the thread's (nothing in here yields to another
  // goroutine, which could search too): an execution's cancels reuse them.
  thread_local std::vector<uint32_t> work;
  thread_local std::vector<uint8_t> seen;
  std::vector<uint32_t> out;
  work.assign(1, id);
  seen.assign(v.contexts.size(), 0);
  if (id < seen.size()) seen[id] = 1;
  while (!work.empty()) {
    const CtxView* c = v.get(work.back());
    work.pop_back();
    if (!c) continue;
    for (uint32_t e : c->children) {
      if (e >= seen.size() || seen[e]) continue;
      seen[e] = 1;
      out.push_back(e);
      work.push_back(e);
    }
  }
  return out;
}

namespace {

bool own_cancel(const OwnCancels& own, uint32_t id) { return id < own.size() && own[id]; }
bool own_timer_expired(const ModelView& v, const CtxView& c) {
  return c.own_deadline && c.deadline && *c.deadline <= v.now;
}

// The context a cancel reaches `d` through: its nearest cancelable ancestor across valueCtx
// (-1: none, d sits under WithoutCancel or a root; -2: a foreign context decides, or a cycle).
int64_t cancel_source(const ModelView& v, const CtxView& d) {
  const CtxView* x = v.get(d.parent);
  for (size_t i = 0; x && i < v.contexts.size(); ++i, x = v.get(x->parent)) {
    if (x->family == CtxFamily::Cancel) return x->id;
    if (x->family == CtxFamily::Empty || x->family == CtxFamily::WithoutCancel) return -1;
    if (x->family != CtxFamily::Value) return -2;
  }
  return x ? -2 : -1;
}

// A canceled cancelCtx that nobody canceled directly must carry its source's err and cause.
std::optional<Violation> cause_mismatch(const ModelView& v, const CtxView& d, const OwnCancels& own) {
  if (d.family != CtxFamily::Cancel || d.err == kNil || own_cancel(own, d.id) || own_timer_expired(v, d))
    return std::nullopt;
  int64_t src = cancel_source(v, d);
  if (src == -2) return std::nullopt;
  if (src == -1)
    return make(Invariant::Propagation,
                fmt::format("{} is canceled ({}) but nothing canceled it: no cancel func of its own was "
                            "called, its deadline has not passed and no ancestor can cancel it",
                            v.name(d.id), err_name(d.err)),
                {d.id});
  const CtxView& s = *v.get(src);
  if (s.err == d.err && s.cause == d.cause) return std::nullopt;
  return make(Invariant::Propagation,
              fmt::format("{} was canceled through {} but has err/cause {}/{}, not its parent's {}/{}",
                          v.name(d.id), v.name(s.id), err_name(d.err), err_name(d.cause), err_name(s.err),
                          err_name(s.cause)),
              {d.id, s.id});
}

}  // namespace

std::optional<Violation> check_propagation_causes(const ModelView& v, const OwnCancels& own) {
  for (const CtxView& d : v.contexts)
    if (auto r = cause_mismatch(v, d, own)) return r;
  return std::nullopt;
}

std::optional<Violation> check_propagation_after_cancel(const ModelView& v, uint32_t canceled,
                                                        const std::vector<uint32_t>& registered,
                                                        const OwnCancels& own) {
  const CtxView* c = v.get(canceled);
  if (!c || c->err == kNil)
    return make(Invariant::Propagation,
                fmt::format("cancel of {} returned but {} is not canceled", v.name(canceled),
                            v.name(canceled)),
                {canceled});
  for (uint32_t d : registered) {
    const CtxView* dv = v.get(d);
    if (!dv) continue;
    if (dv->err == kNil)
      return make(Invariant::Propagation,
                  fmt::format("cancel of {} returned but its registered descendant {} is "
                              "not canceled",
                              v.name(canceled), v.name(d)),
                  {canceled, d});
    if (auto r = cause_mismatch(v, *dv, own)) return r;
  }
  return std::nullopt;
}

namespace {

// Some context on c's chain (itself or an ancestor, up to what stops a cancel) has a deadline
// that has passed; a foreign context in the chain may report anything.
bool expired_deadline_on_chain(const ModelView& v, const CtxView& c) {
  const CtxView* x = &c;
  for (size_t i = 0; x && i <= v.contexts.size(); ++i, x = v.get(x->parent)) {
    if (own_timer_expired(v, *x) || x->family == CtxFamily::Foreign) return true;
    if (x->family == CtxFamily::Empty || x->family == CtxFamily::WithoutCancel) return false;
  }
  return x != nullptr;  // a cycle: acyclic reports it
}

}  // namespace

// Contexts appear a few a step: appended one by one (a resize costs more for one), into
// the capacity reset() kept.
inline void DeadlineChecker::grow(const ModelView& v) {
  while (created_.size() < v.contexts.size()) created_.push_back(v.now), canceled_.push_back(kNever);
}

std::optional<Violation> DeadlineChecker::check(const ModelView& v) {
  grow(v);
  for (const CtxView& c : v.contexts)
    if (auto r = check_one(v, c)) return r;
  return std::nullopt;
}

std::optional<Violation> DeadlineChecker::check(const ModelView& v, std::span<const uint32_t> ids) {
  grow(v);
  for (uint32_t id : ids)
    if (auto r = check_one(v, v.contexts[id])) return r;
  return std::nullopt;
}

inline std::optional<Violation> DeadlineChecker::check_one(const ModelView& v, const CtxView& c) {
  if (c.family != CtxFamily::Cancel) return std::nullopt;
  if (c.err != kNil && canceled_[c.id] == kNever) {
    canceled_[c.id] = v.now;
    if (c.err == kDeadlineExceeded && !expired_deadline_on_chain(v, c))
      return violation([&] {
        return make(Invariant::Deadline,
                    fmt::format("{} reports {} at +{}ns but no deadline on its chain has passed", v.name(c.id),
                                err_name(c.err), v.now - rt::kEpoch),
                    {c.id});
      });
  }
  if (!c.own_deadline || !c.deadline || *c.deadline >= v.now) return std::nullopt;
  // The clock has moved past the deadline since the context was made: its timer had its
  // instant to fire (one made past its deadline is canceled by its constructor, which may
  // not have returned yet).
  if (c.err == kNil && created_[c.id] <= *c.deadline)
    return violation([&] {
      return make(Invariant::Deadline,
                  fmt::format("{} is past its deadline (+{}ns) and the clock moved on (+{}ns) but it is not done",
                              v.name(c.id), *c.deadline - rt::kEpoch, v.now - rt::kEpoch),
                  {c.id});
    });
  if (c.err == kCanceled && canceled_[c.id] > std::max(*c.deadline, created_[c.id]))
    return violation([&] {
      return make(Invariant::Deadline,
                  fmt::format("{} was canceled at +{}ns, after its deadline +{}ns passed: it should have "
                              "expired with DeadlineExceeded first",
                              v.name(c.id), canceled_[c.id] - rt::kEpoch, *c.deadline - rt::kEpoch),
                  {c.id});
    });
  return std::nullopt;
}

inline void DoneErrChecker::grow(const ModelView& v) {
  while (seen_.size() < v.contexts.size()) seen_.emplace_back();  // as DeadlineChecker::grow
}

std::optional<Violation> DoneErrChecker::check(const ModelView& v) {
  grow(v);
  for (const CtxView& c : v.contexts)
    if (auto r = check_one(v, c)) return r;
  return std::nullopt;
}

std::optional<Violation> DoneErrChecker::check(const ModelView& v, std::span<const uint32_t> ids) {
  grow(v);
  for (uint32_t id : ids)
    if (auto r = check_one(v, v.contexts[id])) return r;
  return std::nullopt;
}

inline std::optional<Violation> DoneErrChecker::check_one(const ModelView& v, const CtxView& c) {
  if (c.family != CtxFamily::Cancel) return std::nullopt;
  if (c.err != kNil && c.err != kCanceled && c.err != kDeadlineExceeded)
    return violation([&] {
      return make(Invariant::DoneErr,
                  fmt::format("{}'s Err is {}, not nil, Canceled or DeadlineExceeded", v.name(c.id),
                              err_name(c.err)),
                  {c.id});
    });
  Seen& s = seen_[c.id];
  if (s.err != kNil && (c.err != s.err || c.cause != s.cause))
    return violation([&] {
      return make(Invariant::DoneErr,
                  fmt::format("{}'s err/cause changed from {}/{} to {}/{} after being set", v.name(c.id),
                              err_name(s.err), err_name(s.cause), err_name(c.err),
                              err_name(c.cause)),
                  {c.id});
    });
  if (s.err == kNil && c.err != kNil) s = {c.err, c.cause};
  if (c.mu_locked) return std::nullopt;  // cancel is mid-way under the lock
  bool closed = c.done_created && c.done_closed;
  if (closed != (c.err != kNil))
    return violation([&] {
      return make(Invariant::DoneErr,
                  fmt::format("{}: Done {} but Err is {}", v.name(c.id), closed ? "closed" : "open",
                              err_name(c.err)),
                  {c.id});
    });
  return std::nullopt;
}

inline void InvariantChecker::note_clock(const ModelView& v) {
  clock_moved_ = v.now != now_checked_;
  now_checked_ = v.now;
  for (; timers_known_ < v.contexts.size(); ++timers_known_)
    if (v.contexts[timers_known_].own_deadline) timers_.push_back(static_cast<uint32_t>(timers_known_));
}

// The per-step set on the contexts a step changed (ViewChanges): every other context's
// entry, and every fact about it a check reads, is what it was at the last check, when it
// passed. A check that reads another entry reads one that is there too (a map entry's
// holder is in the set with it) or one that does not change without an unsafe reparent
// (parents, deadlines), which makes the changes say everything; the clock is the one
// input outside the view's entries: when it moved, every timerCtx is checked again. In id
// order, as the full pass runs, so the first violation found is the same.
std::optional<Violation> InvariantChecker::after_step(const ModelView& v, const ViewChanges& changes) {
  if (changes.everything) return after_step(v);
  note_clock(v);
  const std::vector<uint32_t>& ids = changes.contexts;
  auto each = [&](auto&& check_at) -> std::optional<Violation> {
    for (uint32_t id : ids)
      if (auto r = check_at(v.contexts[id])) return r;
    return std::nullopt;
  };
  // Each check's result is returned where it is made (no optional<Violation> assigned
  // over at every check of every step).
  auto is_ancestor = [&](int64_t anc, int64_t x) { return strict_ancestor_walk(v, anc, x); };
  auto owner_of = [&](uint32_t e) { return nearest_cancelable_ancestor(v, e); };
  if (enabled(Invariant::Acyclic))
    if (auto r = each([&](const CtxView& c) { return registrations_at(v, c, is_ancestor); })) return r;
  if (enabled(Invariant::Residue))
    if (auto r = each([&](const CtxView& c) { return residue_at(v, c, owner_of); })) return r;
  if (enabled(Invariant::DoneErr))
    if (auto r = done_err_.check(v, ids)) return r;
  if (enabled(Invariant::Deadline)) {
    if (auto r = each([&](const CtxView& c) { return deadline_order_at(v, c); })) return r;
    std::span<const uint32_t> expiring = ids;
    if (clock_moved_ && !timers_.empty()) {
      with_timers_.clear();
      std::set_union(ids.begin(), ids.end(), timers_.begin(), timers_.end(), std::back_inserter(with_timers_));
      expiring = with_timers_;
    }
    if (auto r = deadline_.check(v, expiring)) return r;
  }
  if (enabled(Invariant::AfterFunc))
    if (auto r = each([&](const CtxView& c) { return afterfunc_once_at(v, c); })) return r;
  return std::nullopt;
}

std::optional<Violation> InvariantChecker::after_step(const ModelView& v) {
  note_clock(v);
  if (enabled(Invariant::Acyclic))
    if (auto r = check_acyclic(v, chains_)) return r;
  if (enabled(Invariant::Residue))
    if (auto r = check_residue(v, chains_)) return r;
  if (enabled(Invariant::DoneErr))
    if (auto r = done_err_.check(v)) return r;
  if (enabled(Invariant::Deadline)) {
    if (auto r = check_deadline_order(v)) return r;
    if (auto r = deadline_.check(v)) return r;
  }
  if (enabled(Invariant::AfterFunc))
    if (auto r = check_afterfunc_once(v)) return r;
  return std::nullopt;
}

std::optional<Violation> InvariantChecker::at_quiescence(const ModelView& v) {
  std::optional<Violation> r;
  if ((r = after_step(v))) return r;
  if (enabled(Invariant::Propagation) &&
      ((r = check_propagation_quiescent(v, chains_)) || (r = check_propagation_causes(v, own_cancels_))))
    return r;
  if (enabled(Invariant::Deadline) && (r = check_deadline_expiry(v))) return r;
  if (enabled(Invariant::AfterFunc) && (r = check_afterfunc_final(v))) return r;
  return std::nullopt;
}

}  // namespace ctxcheck::harness
