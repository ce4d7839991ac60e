#include "harness/invariants/gc_reference.h"

#include <fmt/format.h>

namespace ctxcheck::harness {

GcReferenceChecker::Scratch& GcReferenceChecker::thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

void GcReferenceChecker::before(const rt::Heap& heap) {
  // A heap unchanged since the last collection: both collectors free and queue nothing
  // (rt::Heap::unchanged_since_collect), so the outcomes cannot differ.
  unchanged_ = heap.unchanged_since_collect();
  if (unchanged_) return;
  fit_image(heap.allocated());
  for (rt::ObjId o = 0; o < heap.allocated(); ++o) {
    const rt::HeapObject& ho = heap.object(o);
    reference::HeapObj& r = image_.objs[o];
    r.alive = ho.alive;
    r.finalizer = r.alive && ho.finalizer >= 0;  // heap.has_finalizer(o), without the call
    r.queued = r.alive && ho.queued;
    r.refs.clear();
    if (!r.alive) continue;
    for (const rt::Edge& e : ho.edges) r.refs.push_back(e.to);
  }
  image_.roots.clear();
  for (const rt::Root& root : heap.roots()) image_.roots.push_back(root.obj);
}

// The image holds exactly the heap's objects: the reference collector and after() walk all
// of them, so a dead tail left by a larger heap of an earlier execution would cost every
// collection. In place: every object's refs keep their capacity, and the objects a smaller
// heap does not need wait in the spare list with theirs, so the steady state allocates
// nothing here. Whatever an object held is overwritten by before().
void GcReferenceChecker::fit_image(size_t objects) {
  std::vector<reference::HeapObj>& objs = image_.objs;
  while (objs.size() > objects) {
    spare_.push_back(std::move(objs.back()));
    objs.pop_back();
  }
  while (objs.size() < objects) {
    if (spare_.empty()) {
      objs.emplace_back();
      continue;
    }
    objs.push_back(std::move(spare_.back()));
    spare_.pop_back();
  }
}

std::optional<Violation> GcReferenceChecker::after(const rt::Heap& heap) {
  if (unchanged_) return std::nullopt;
  reference::collect(image_, want_);
  const reference::GcOutcome& want = want_;
  for (rt::ObjId o = 0; o < image_.objs.size(); ++o) {
    if (!image_.objs[o].alive) continue;
    bool freed = !heap.alive(o);
    bool queued = !freed && heap.object(o).queued && !image_.objs[o].queued;
    if (freed == static_cast<bool>(want.freed[o]) && queued == static_cast<bool>(want.queued[o])) continue;
    auto fate = [](bool f, bool q) { return f ? "freed" : q ? "queued for finalization" : "kept (marked)"; };
    return Violation{Invariant::GcReference,
                     fmt::format("GC cycle {}: the model {} {}, Go's rules have it {}{}", heap.history().size(),
                                 freed ? "freed" : queued ? "queued" : "kept", heap.describe(o), fate(want.freed[o], want.queued[o]),
                                 image_.objs[o].finalizer ? " (it has a finalizer)" : ""),
                     {}};
  }
  return std::nullopt;
}

}  // namespace ctxcheck::harness
