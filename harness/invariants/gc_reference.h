// gc-reference: every collection of the model's heap against the reference collector
// (harness/reference/collector.h), on the same heap: the heap is pictured when a collection
// starts, the reference says which objects Go's rules mark, queue and free, and the model's
// outcome must be the same, object by object.
#pragma once

#include <optional>
#include <vector>

#include "harness/invariants/checks.h"
#include "harness/reference/collector.h"
#include "model/runtime/heap.h"

namespace ctxcheck::harness {

class GcReferenceChecker {
 public:
  // The heap as a collection starts.
  void before(const rt::Heap& heap);
  // The heap as that collection ends: the first object whose fate differs, if any.
  std::optional<Violation> after(const rt::Heap& heap);

 private:
  // The picture and the reference's outcome, rebuilt in place at every collection. They
  // belong to the thread, not to the execution, so their buffers (a refs list per object)
  // outlive it and the steady state allocates nothing here. Safe: before() and after() of
  // one collection run back to back, and collections of two executions never interleave.
  struct Scratch {
    reference::HeapImage image;
    reference::GcOutcome want;
    std::vector<reference::HeapObj> spare;  // objects (and their refs' buffers) the image does not need now
  };
  static Scratch& thread_scratch();
  void fit_image(size_t objects);
  reference::HeapImage& image_ = thread_scratch().image;
  reference::GcOutcome& want_ = thread_scratch().want;
  std::vector<reference::HeapObj>& spare_ = thread_scratch().spare;
  bool unchanged_ = false;  // this collection's heap is the last one's result: nothing to compare
};

}  // namespace ctxcheck::harness
