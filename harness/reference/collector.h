// A reference collector: Go's mark-and-finalize rules written as plain definitions over a
// picture of the heap, deliberately simple (one reachability search per root set, no cycle
// ids, no resurrection bookkeeping) and independent of the model's collector
// (model/runtime/heap.cpp). The harness runs it on the model's heap at every collection
// (gc ops and the end phase) and compares which objects the model marked, queued and freed
// (the `gc-reference` invariant, harness/invariants/gc_reference.h).
//
// Go's rules (runtime.SetFinalizer):
//   * an object reachable from a root survives (the finalizer queue is a root: a queued
//     object is resurrected until its finalizer ran);
//   * an object with a finalizer keeps everything it references alive, but not itself, so
//     in a chain A -> B with finalizers on both only A is queued in this cycle, and an object
//     with a finalizer that is reachable from itself (a cycle) is never queued nor freed;
//   * an unreachable object with a finalizer is queued (once: queuing clears the
//     finalizer) and survives this cycle; one without a finalizer is freed.
#pragma once

#include <cstdint>
#include <vector>

namespace ctxcheck::reference {

struct HeapObj {
  bool alive = false;
  bool finalizer = false;  // has a finalizer set (not yet queued)
  bool queued = false;     // its finalizer is queued and has not run yet
  std::vector<uint32_t> refs;
};

struct HeapImage {
  std::vector<HeapObj> objs;    // by object id
  std::vector<uint32_t> roots;  // globals, goroutine frames, timers, the finalizer queue
};

struct GcOutcome {
  std::vector<uint8_t> marked;  // by id: survives through a root or a finalizer's references
  std::vector<uint8_t> queued;  // by id: queued by this cycle
  std::vector<uint8_t> freed;   // by id
  std::vector<uint32_t> work;   // the reachability search's stack (scratch)
};

GcOutcome collect(const HeapImage& heap);
// The same into `out`, reusing its buffers (the harness collects several times per execution).
void collect(const HeapImage& heap, GcOutcome& out);

}  // namespace ctxcheck::reference
