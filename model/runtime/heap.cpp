#include "model/runtime/heap.h"
#include "model/runtime/state_hash.h"

#include <algorithm>
#include <deque>

#include <fmt/format.h>

#include "model/runtime/errors.h"

namespace ctxcheck::rt {

const char* root_kind_name(RootKind k) {
  switch (k) {
    case RootKind::Global: return "global";
    case RootKind::Goroutine: return "goroutine";
    case RootKind::Timer: return "timer";
    case RootKind::FinalizerQueue: return "finalizer-queue";
  }
  return "?";
}

std::string GcStats::to_string() const {
  return fmt::format("gc {}: {}->{} B, {}->{} objects, {} freed, {} finalizers queued, {} run",
                     cycle, heap_before, heap_after, objects_before, objects_after, freed,
                     finalizers_queued, finalizers_run);
}

void Heap::reset() {
  ++version_;
  if (spare_edges_.size() < objs_.size()) spare_edges_.resize(objs_.size());
  for (ObjId id = 0; id < objs_.size(); ++id) {
    auto& edges = objs_[id].edges;
    if (edges.capacity() <= spare_edges_[id].capacity()) continue;  // keep the larger buffer
    edges.clear();
    spare_edges_[id] = std::move(edges);
  }
  objs_.clear();
  roots_.clear();
  globals_.clear();
  finalizers_.clear();
  fin_queue_.clear();
  history_.clear();
  cycle_ = 0;
  run_since_last_ = 0;
  live_bytes_ = peak_bytes_ = 0;
  live_objects_ = 0;
}

ObjId Heap::alloc(const ObjType& type, uint32_t aux) {
  ++version_;
  touched(Touched::Ids, 0);
  ObjId id = static_cast<ObjId>(objs_.size());
  HeapObject& o = objs_.emplace_back();
  if (id < spare_edges_.size() && spare_edges_[id].capacity() > o.edges.capacity())
    o.edges = std::move(spare_edges_[id]);  // the buffer this id outgrew in the last execution
  o.type = &type;
  o.aux = aux;
  o.alive = true;
  live_bytes_ += type.size;
  ++live_objects_;
  peak_bytes_ = std::max(peak_bytes_, live_bytes_);
  return id;
}

std::string Heap::describe(ObjId id) const {
  if (id >= objs_.size()) return fmt::format("obj#{}?", id);
  return fmt::format("{}#{}", objs_[id].type->name, id);
}

void Heap::link(ObjId from, ObjId to, const char* label) {
  ++version_;
  touched(Touched::HeapObject, from);
  if (!alive(from) || !alive(to))
    throw InternalError(fmt::format("heap: link {} -> {} ({}) touches a freed object",
                                    describe(from), describe(to), label));
  objs_[from].edges.push_back({to, label});
}

bool Heap::unlink(ObjId from, ObjId to, const char* label) {
  ++version_;
  touched(Touched::HeapObject, from);
  if (from >= objs_.size()) return false;
  auto& e = objs_[from].edges;
  for (auto it = e.begin(); it != e.end(); ++it) {
    if (it->to == to && same_label(it->label, label)) {
      e.erase(it);
      return true;
    }
  }
  return false;
}

size_t Heap::unlink_label(ObjId from, const char* label) {
  if (from >= objs_.size()) return 0;
  auto& e = objs_[from].edges;
  auto kept_end = std::remove_if(e.begin(), e.end(), [&](const Edge& x) { return same_label(x.label, label); });
  const auto removed = static_cast<size_t>(e.end() - kept_end);
  e.erase(kept_end, e.end());
  unlinked(from, removed);
  return removed;
}

void Heap::unlink_all(ObjId from) {
  if (from >= objs_.size()) return;
  auto& e = objs_[from].edges;
  unlinked(from, e.size());
  e.clear();
}

void Heap::unlinked(ObjId from, size_t edges) {
  for (size_t i = 0; i < edges; ++i) {
    ++version_;
    touched(Touched::HeapObject, from);
  }
}

bool Heap::has_edge(ObjId from, ObjId to) const {
  if (touches_) touches_->push_back(access(Touched::HeapObject, from, false));
  if (from >= objs_.size()) return false;
  for (const auto& e : objs_[from].edges)
    if (e.to == to) return true;
  return false;
}

void Heap::add_root(RootKind kind, uint32_t index, ObjId obj) {
  ++version_;
  if (!alive(obj))
    throw InternalError(fmt::format("heap: root {} is not alive", describe(obj)));
  roots_.push_back({kind, index, obj});
}

bool Heap::remove_root(RootKind kind, uint32_t index, ObjId obj) {
  ++version_;
  for (auto it = roots_.begin(); it != roots_.end(); ++it) {
    if (it->kind == kind && it->index == index && it->obj == obj) {
      roots_.erase(it);
      return true;
    }
  }
  return false;
}

void Heap::store_global(uint32_t slot, ObjId obj) {
  ++version_;
  touched(Touched::Everything, 0);
  if (slot >= globals_.size()) globals_.resize(slot + 1, kNoObj);
  if (globals_[slot] != kNoObj) remove_root(RootKind::Global, slot, globals_[slot]);
  globals_[slot] = obj;
  if (obj != kNoObj) add_root(RootKind::Global, slot, obj);
}

ObjId Heap::global(uint32_t slot) const {
  return slot < globals_.size() ? globals_[slot] : kNoObj;
}

void Heap::set_finalizer(ObjId obj, Finalizer f) {
  ++version_;
  touched(Touched::HeapObject, obj);
  if (!alive(obj)) throw InternalError("heap: set_finalizer on a freed object");
  auto& o = objs_[obj];
  if (o.finalizer >= 0) {
    finalizers_[o.finalizer] = std::move(f);
  } else {
    o.finalizer = static_cast<int32_t>(finalizers_.size());
    finalizers_.push_back(std::move(f));
  }
}

void Heap::clear_finalizer(ObjId obj) {
  ++version_;
  touched(Touched::HeapObject, obj);
  if (obj < objs_.size()) objs_[obj].finalizer = -1;
}

bool Heap::has_finalizer(ObjId obj) const {
  return obj < objs_.size() && objs_[obj].finalizer >= 0;
}

void Heap::push_if_unmarked(std::vector<ObjId>& work, ObjId id) {
  HeapObject& o = objs_[id];
  if (o.mark != cycle_) {
    o.mark = cycle_;
    work.push_back(id);
  }
}

GcStats Heap::collect() {
  const bool unchanged = unchanged_since_collect();
  if (collect_observer_) collect_observer_(*this, false);
  ++version_;
  GcStats st;
  st.cycle = ++cycle_;
  st.heap_before = live_bytes_;
  st.objects_before = live_objects_;
  st.finalizers_run = run_since_last_;
  run_since_last_ = 0;
  // Unchanged since the last cycle: it would free and queue nothing (see the header). The
  // marks are this cycle's only while it runs: the next one compares them to its own id.
  if (!unchanged) mark_queue_and_sweep(st);
  st.heap_after = live_bytes_;
  st.objects_after = live_objects_;
  history_.push_back(st);
  collected_version_ = version_;
  if (collect_observer_) collect_observer_(*this, true);
  return st;
}

void Heap::mark_queue_and_sweep(GcStats& st) {
  auto& work = scratch_;
  work.clear();
  // Roots (the finalizer queue is among them: queued objects are resurrected).
  for (const Root& r : roots_) push_if_unmarked(work, r.obj);
  // Objects with a finalizer keep what they reference alive, but not themselves.
  for (ObjId id = 0; id < objs_.size(); ++id) {
    const HeapObject& o = objs_[id];
    if (o.alive && o.finalizer >= 0)
      for (const Edge& e : o.edges) push_if_unmarked(work, e.to);
  }
  while (!work.empty()) {
    ObjId id = work.back();
    work.pop_back();
    for (const Edge& e : objs_[id].edges) push_if_unmarked(work, e.to);
  }
  // Unmarked objects: those with a finalizer are queued (in id order) and resurrected, the
  // rest swept. One pass: each object's fate reads only its own fields.
  for (ObjId id = 0; id < objs_.size(); ++id) {
    HeapObject& o = objs_[id];
    if (!o.alive || o.mark == cycle_) continue;
    if (o.finalizer >= 0) {
      o.queued = true;
      fin_queue_.push_back(id);
      roots_.push_back({RootKind::FinalizerQueue, static_cast<uint32_t>(id), id});
      o.mark = cycle_;  // resurrected; its referents are already marked
      ++st.finalizers_queued;
      continue;
    }
    o.alive = false;
    o.edges.clear();
    o.edges.shrink_to_fit();
    live_bytes_ -= o.type->size;
    --live_objects_;
    ++st.freed;
  }
}

bool Heap::take_finalizer(ObjId& obj, Finalizer& f) {
  ++version_;
  if (fin_queue_.empty()) return false;
  obj = fin_queue_.front();
  fin_queue_.erase(fin_queue_.begin());
  HeapObject& o = objs_[obj];
  f = std::move(finalizers_[o.finalizer]);
  finalizers_[o.finalizer] = nullptr;
  o.finalizer = -1;  // Go clears the finalizer when it is queued
  return true;
}

void Heap::finalizer_done(ObjId obj) {
  ++version_;
  remove_root(RootKind::FinalizerQueue, obj, obj);
  if (obj < objs_.size()) {
    objs_[obj].queued = false;
    objs_[obj].finalized = true;
  }
  ++run_since_last_;
}

RetentionPath Heap::retention_path(ObjId target) const {
  RetentionPath out;
  if (!alive(target)) return out;
  std::vector<Root> roots = roots_;
  std::stable_sort(roots.begin(), roots.end(), [](const Root& a, const Root& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.index < b.index;
  });
  // BFS; parent[i] = (predecessor, label, root index) for reconstruction.
  struct From { ObjId prev; const char* label; int32_t root; };
  std::vector<From> from(objs_.size(), {kNoObj, nullptr, -2});
  std::deque<ObjId> q;
  for (size_t r = 0; r < roots.size(); ++r) {
    ObjId o = roots[r].obj;
    if (from[o].root != -2) continue;
    from[o] = {kNoObj, "", static_cast<int32_t>(r)};
    q.push_back(o);
  }
  while (!q.empty()) {
    ObjId id = q.front();
    q.pop_front();
    if (id == target) {
      std::vector<PathStep> rev;
      for (ObjId cur = id; cur != kNoObj; cur = from[cur].prev) rev.push_back({cur, from[cur].label});
      out.found = true;
      out.root = roots[from[rev.back().obj].root];
      out.steps.assign(rev.rbegin(), rev.rend());
      return out;
    }
    for (const Edge& e : objs_[id].edges) {
      if (from[e.to].root != -2) continue;
      from[e.to] = {id, e.label, from[id].root};
      q.push_back(e.to);
    }
  }
  return out;
}

bool Heap::reachable_from(ObjId from, ObjId target) const {
  if (!alive(from)) return false;
  std::vector<uint8_t> seen(objs_.size(), 0);
  std::vector<ObjId> work;
  for (const Edge& e : objs_[from].edges) work.push_back(e.to);
  while (!work.empty()) {
    ObjId id = work.back();
    work.pop_back();
    if (id == target) return true;
    if (seen[id]) continue;
    seen[id] = 1;
    for (const Edge& e : objs_[id].edges) work.push_back(e.to);
  }
  return false;
}

uint64_t Heap::digest() const {
  if (digest_version_ == version_) return digest_;
  StateHasher s;
  for (const HeapObject& o : objs_) {
    s.add(static_cast<uint64_t>(o.alive) | static_cast<uint64_t>(o.queued) << 1 |
          static_cast<uint64_t>(o.finalized) << 2 | static_cast<uint64_t>(o.finalizer >= 0) << 3);
    if (!o.alive) continue;
    s.add(o.type->name).add(o.edges.size());
    for (const Edge& e : o.edges) s.add(e.to).add(e.label);
  }
  for (const Root& r : roots_) s.add(static_cast<uint64_t>(r.kind) << 32 | r.index).add(r.obj);
  for (ObjId g : globals_) s.add(g);
  for (ObjId q : fin_queue_) s.add(q);
  digest_version_ = version_;
  digest_ = s.value();
  return digest_;
}

}  // namespace ctxcheck::rt
