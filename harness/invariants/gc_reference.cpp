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
  // In place: every object's refs keep their capacity from the previous collection. The
  // image never shrinks (a shorter heap would destroy the tail's refs, and the next longer
  // one allocate them again): objects past the heap's end stay in it as dead, with no refs,
  // which the reference collector and after() skip like any freed object.
  if (image_.objs.size() < heap.allocated()) image_.objs.resize(heap.allocated());
  for (rt::ObjId o = heap.allocated(); o < used_; ++o) {  // beyond used_ they are dead already
    image_.objs[o].alive = image_.objs[o].finalizer = image_.objs[o].queued = false;
    image_.objs[o].refs.clear();
  }
  used_ = heap.allocated();
  for (rt::ObjId o = 0; o < heap.allocated(); ++o) {
    const rt::HeapObject& ho = heap.object(o);
    reference::HeapObj& r = image_.objs[o];
    r.alive = ho.alive;
    r.finalizer = r.alive && heap.has_finalizer(o);
    r.queued = r.alive && ho.queued;
    r.refs.clear();
    if (!r.alive) continue;
    for (const rt::Edge& e : ho.edges) r.refs.push_back(e.to);
  }
  image_.roots.clear();
  for (const rt::Root& root : heap.roots()) image_.roots.push_back(root.obj);
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
