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
  // Both kept from one collection to the next (an execution runs several): no allocation.
  reference::HeapImage image_;
  reference::GcOutcome want_;
  std::vector<std::string> names_;  // describe() of every object, while it is alive
};

}  // namespace ctxcheck::harness
