#include "harness/invariants/view.h"

#include <algorithm>

#include <fmt/format.h>

namespace ctxcheck::harness {

using model::Context;
using model::Kind;

namespace {

bool transparent(Kind k) {
  return k == Kind::Value || k == Kind::Wrapper || k == Kind::BrokenErr || k == Kind::OwnDone;
}
bool passes_cancel(Kind k) {
  return k != Kind::WithoutCancel && k != Kind::OwnDone && k != Kind::AfterFuncer;
}

// Err and Deadline of these kinds are their parent's (err_of, deadline_of), so the view can
// take them from the parent's entry instead of walking the chain again for every context.
bool inherits_err(Kind k) { return k == Kind::Value || k == Kind::Wrapper; }
bool inherits_deadline(Kind k) {
  return k != Kind::Timer && k != Kind::Background && k != Kind::TODO && k != Kind::WithoutCancel;
}

}  // namespace

CtxFamily family_of(Kind k) {
  switch (k) {
    case Kind::Background: case Kind::TODO: return CtxFamily::Empty;
    case Kind::Cancel: case Kind::Timer: case Kind::AfterFunc: return CtxFamily::Cancel;
    case Kind::Value: return CtxFamily::Value;
    case Kind::WithoutCancel: return CtxFamily::WithoutCancel;
    default: return CtxFamily::Foreign;
  }
}

model::Error err_of(const model::Package& pkg, Context* c) {
  for (size_t i = 0; c != nullptr && i <= pkg.contexts().size(); ++i) {
    switch (c->kind()) {
      case Kind::Value: case Kind::Wrapper: c = c->parent(); break;
      case Kind::Background: case Kind::TODO: case Kind::WithoutCancel: case Kind::BrokenErr:
        return model::kNilError;
      default: return c->peek_err();  // its own state
    }
  }
  return model::kNilError;
}

std::optional<rt::Nanos> deadline_of(const model::Package& pkg, Context* c) {
  for (size_t i = 0; c != nullptr && i <= pkg.contexts().size(); ++i) {
    switch (c->kind()) {
      case Kind::Timer: return static_cast<model::TimerCtx*>(c)->deadline();
      case Kind::Background: case Kind::TODO: case Kind::WithoutCancel: return std::nullopt;
      default: c = c->parent();
    }
  }
  return std::nullopt;
}

std::string ModelView::name(int64_t id) const {
  auto i = static_cast<size_t>(id);
  if (id >= 0 && i < handle_of.size() && handle_of[i] != 0) return fmt::format("h{}", handle_of[i]);
  bool todo_implicit = todo_id >= 0 && (static_cast<size_t>(todo_id) >= handle_of.size() ||
                                        handle_of[static_cast<size_t>(todo_id)] == 0);
  if (todo_implicit && id == todo_id) return "context.TODO()";
  return fmt::format("ctx{}", todo_implicit && id > todo_id ? id - 1 : id);
}

void ModelViewer::record_handle(uint32_t ctx, uint32_t h) {
  if (view_.handle_of.size() <= ctx) view_.handle_of.resize(ctx + 1, 0);
  if (view_.handle_of[ctx] == 0) view_.handle_of[ctx] = h;
}

void ModelViewer::record_stop(uint32_t ctx, int first_stop) {
  if (stops_.size() <= ctx) stops_.resize(ctx + 1, -1);
  stops_[ctx] = first_stop;
  pkg_->mark(ctx);
}

// What never changes after creation (unless an unsafe reparent).
void ModelViewer::fill_static(size_t i) {
  Context* c = pkg_->contexts()[i].get();
  CtxView& cv = view_.contexts[i];
  cv.id = c->id();
  cv.kind = model::kind_name(c->kind());
  cv.family = family_of(c->kind());
  cv.transparent = transparent(c->kind());
  cv.passes_cancel = passes_cancel(c->kind());
  cv.parent = c->parent() ? static_cast<int64_t>(c->parent()->id()) : -1;
  bool parent_above = cv.parent >= 0 && static_cast<size_t>(cv.parent) < i;
  cv.deadline = inherits_deadline(c->kind()) && parent_above
                    ? view_.contexts[static_cast<size_t>(cv.parent)].deadline  // filled above: O(1), not O(depth)
                    : deadline_of(*pkg_, c);
  cv.own_deadline = c->kind() == Kind::Timer;
  cv.obj = c->obj();
  if (c->kind() == Kind::TODO) view_.todo_id = c->id();
  if (inherits_err(c->kind()) && parent_above)
    inheriting_kids_[static_cast<size_t>(cv.parent)].push_back(static_cast<uint32_t>(i));
}

void ModelViewer::set_children(size_t i, const model::CancelCtx& cc) {
  CtxView& cv = view_.contexts[i];
  const auto self = static_cast<int64_t>(i);
  for (uint32_t x : cv.children)
    if (holder_[x] == self) holder_[x] = -1;
  cv.children.clear();
  for (const auto& e : cc.children()) {
    uint32_t x = e.child->id();
    cv.children.push_back(x);
    if (holder_[x] >= 0 && holder_[x] != self) held_twice_ = true;
    holder_[x] = self;
  }
}

// What a step can change: the entry's own state, and Err for the kinds that inherit it.
void ModelViewer::refill(size_t i) {
  Context* c = pkg_->contexts()[i].get();
  CtxView& cv = view_.contexts[i];
  cv.err = cv.family == CtxFamily::Cancel ? c->peek_err()
           : inherits_err(c->kind()) && cv.parent >= 0 && static_cast<size_t>(cv.parent) < i
               ? view_.contexts[static_cast<size_t>(cv.parent)].err  // filled above: O(1), not O(depth)
               : err_of(*pkg_, c);
  if (cv.family != CtxFamily::Cancel) return;
  auto* cc = static_cast<model::CancelCtx*>(c);
  set_children(i, *cc);
  cv.children_nil = cc->children_nil();
  cv.cause = cc->peek_cause();
  cv.done_created = cc->done_created();
  cv.done_closed = cc->done_closed();
  cv.mu_locked = cc->mu_locked();
  cv.removing_cancels_returned = cc->removing_cancels_returned();
  if (c->kind() == Kind::AfterFunc) {
    cv.afterfunc_runs = static_cast<model::AfterFuncCtx*>(c)->runs();
    cv.afterfunc_stop = i < stops_.size() ? stops_[i] : -1;
  }
}

// An Err that changed reaches the valueCtx/myCtx below (transitively), which take it over.
void ModelViewer::refill_inheriting_below(size_t i) {
  work_.assign(1, static_cast<uint32_t>(i));
  while (!work_.empty()) {
    uint32_t p = work_.back();
    work_.pop_back();
    for (uint32_t k : inheriting_kids_[p]) {
      CtxView& kv = view_.contexts[k];
      note_changed(k);
      if (kv.err == view_.contexts[p].err) continue;
      kv.err = view_.contexts[p].err;
      work_.push_back(k);
    }
  }
}

void ModelViewer::note_changed(size_t i) {
  if (changed_flag_.size() <= i) changed_flag_.resize(i + 1, 0);
  if (changed_flag_[i]) return;
  changed_flag_[i] = 1;
  changes_.contexts.push_back(static_cast<uint32_t>(i));
  changes_sorted_ = false;
}

void ModelViewer::rebind(model::Package& pkg, const rt::Runtime& runtime) {
  pkg_ = &pkg;
  rt_ = &runtime;
  // The children lists and the inheriting lists keep their capacity for the next package
  // (this viewer belongs to the thread): emptied, not freed.
  for (CtxView& c : view_.contexts) {
    c.children.clear();
    spare_children_.push_back(std::move(c.children));
  }
  view_.contexts.clear();
  view_.now = 0;
  view_.handle_of.clear();
  view_.todo_id = -1;
  incremental_ = true;
  stops_.clear();
  digest_version_ = ~0ULL;
  view_digest_ = 0;
  static_filled_ = 0;
  reparents_seen_ = 0;
  for (auto& kids : inheriting_kids_) kids.clear();  // entries past the package's contexts stay empty
  holder_.clear();
  held_twice_ = false;
  changes_.everything = true;
  changes_.contexts.clear();
  changed_flag_.clear();
  changes_sorted_ = true;
  work_.clear();
}

void ModelViewer::reserve(size_t contexts) {
  view_.contexts.reserve(contexts);
  view_.handle_of.reserve(contexts);
  holder_.reserve(contexts);
  inheriting_kids_.reserve(contexts);
  changed_flag_.reserve(contexts);
  changes_.contexts.reserve(contexts);
  stops_.reserve(contexts);
}

const ModelView& ModelViewer::fill() {
  ModelView& v = view_;
  const size_t old = v.contexts.size(), n = pkg_->contexts().size();
  v.contexts.resize(n);
  for (size_t i = old; i < n && !spare_children_.empty(); ++i) {
    v.contexts[i].children = std::move(spare_children_.back());
    spare_children_.pop_back();
  }
  holder_.resize(n, -1);
  if (inheriting_kids_.size() < n) inheriting_kids_.resize(n);
  v.now = rt_->now();
  // After an unsafe reparent a parent may come after its child (and close a cycle): the
  // id-ordered refill and the per-context checks assume parents come first, so such a
  // package is refilled and checked whole from then on.
  bool everything = !incremental_ || pkg_->everything_marked() || pkg_->reparents() > 0;
  if (pkg_->reparents() != reparents_seen_) {
    static_filled_ = 0, reparents_seen_ = pkg_->reparents();
    for (auto& kids : inheriting_kids_) kids.clear();
  }
  for (size_t i = static_filled_; i < n; ++i) fill_static(i);
  static_filled_ = n;
  if (everything) {
    changes_.everything = true;
    for (size_t i = 0; i < n; ++i) refill(i);  // in id order: parents first
  } else {
    auto refresh = [&](size_t i) {
      ErrVal before = v.contexts[i].err;
      refill(i);
      note_changed(i);
      if (v.contexts[i].err != before) refill_inheriting_below(i);
    };
    for (uint32_t id : pkg_->marked())
      if (id < n) refresh(id);
    for (size_t i = old; i < n; ++i)
      if (i >= changed_flag_.size() || !changed_flag_[i]) refresh(i);
  }
  pkg_->clear_marked();
  return v;
}

const ViewChanges& ModelViewer::changes() {
  if (held_twice_) changes_.everything = true;
  if (changes_.everything) return changes_;
  const size_t refilled = changes_.contexts.size();
  for (size_t j = 0; j < refilled; ++j)  // residue reads a map entry's own state
    if (int64_t h = holder_[changes_.contexts[j]]; h >= 0) note_changed(static_cast<size_t>(h));
  if (!changes_sorted_) std::sort(changes_.contexts.begin(), changes_.contexts.end());
  changes_sorted_ = true;
  return changes_;
}

void ModelViewer::clear_changes() {
  for (uint32_t id : changes_.contexts) changed_flag_[id] = 0;
  changes_.contexts.clear();
  changes_.everything = false;
  changes_sorted_ = true;
}

void ModelViewer::add_digest(rt::StateHasher& s) {
  s.add(view_digest());
  for (const auto& c : pkg_->contexts())  // a lock is not a model version change
    if (family_of(c->kind()) == CtxFamily::Cancel) s.add(static_cast<model::CancelCtx*>(c.get())->mu_locked());
}

// Every field of CtxView that the program or an invariant can tell apart goes in here.
uint64_t ModelViewer::view_digest() {
  if (digest_version_ == pkg_->version()) return view_digest_;
  fill();
  rt::StateHasher s;
  for (const CtxView& c : view_.contexts) {
    s.add(c.kind).add(static_cast<uint64_t>(c.parent)).add(c.children.size());
    for (uint32_t ch : c.children) s.add(ch);
    s.add(static_cast<uint64_t>(c.children_nil) | static_cast<uint64_t>(c.done_created) << 1 |
          static_cast<uint64_t>(c.done_closed) << 2);
    s.add(static_cast<uint64_t>(static_cast<uint32_t>(c.err)) << 32 | static_cast<uint32_t>(c.cause));
    s.add(c.removing_cancels_returned).add(c.afterfunc_runs).add(static_cast<uint64_t>(c.afterfunc_stop));
    s.add(c.deadline ? static_cast<uint64_t>(*c.deadline) : ~0ULL);
  }
  digest_version_ = pkg_->version();
  view_digest_ = s.value();
  return view_digest_;
}

}  // namespace ctxcheck::harness
