// Heap: the model's view of Go's heap, for GC, finalizers and retention paths.
//
// Model objects (contexts, timers, closures, goroutine frames, map entries) are registered
// here with explicit, labelled reference edges. The C++ objects themselves live elsewhere;
// this is bookkeeping that sees exactly the references Go's GC would see, so questions like
// "is this context finalized?" and "what keeps it alive?" get Go's answers.
//
// Object identity is a dense index assigned in allocation order (never an address), so
// traces, hashes and reports are stable across runs and compilers.
//
// Roots, enumerated in this fixed order: globals (slot order), goroutine frames
// (goroutine id order), pending timers (timer id order), the finalizer queue (FIFO order).
//
// GC is a full mark + sweep with Go's finalizer semantics:
//   * every object with a finalizer marks what it references, but not itself;
//   * unmarked objects with a finalizer are queued (which resurrects them: the queue is a
//     root) and their finalizer is cleared;
//   * after the finalizer goroutine ran it, the object is freed by a later cycle if nothing
//     else references it.
// Consequences: in a chain A→B with finalizers on both only A is queued first; an object
// reachable from itself with a finalizer is never finalized.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "model/runtime/choice.h"

namespace ctxcheck::rt {

using ObjId = uint32_t;
inline constexpr ObjId kNoObj = UINT32_MAX;

// A static descriptor of an object type (name for reports, size for gctrace figures).
struct ObjType {
  const char* name;
  uint32_t size;
};

struct Edge {
  ObjId to;
  const char* label;  // static string: "parent", "children[]", "timer", ...
};
// Labels are static strings, mostly the same literal: compare the pointers, then the first
// letters (different labels mostly differ there), before the text.
inline bool same_label(const char* a, const char* b) { return a == b || (a[0] == b[0] && std::strcmp(a, b) == 0); }

enum class RootKind : uint8_t { Global, Goroutine, Timer, FinalizerQueue };
const char* root_kind_name(RootKind k);

struct Root {
  RootKind kind;
  uint32_t index;  // global slot, goroutine id, timer id, queue position (informational)
  ObjId obj;
};

struct HeapObject {
  const ObjType* type = nullptr;
  uint32_t aux = 0;        // small display number chosen by the owner (e.g. a handle)
  bool alive = false;
  bool queued = false;      // finalizer queued (resurrected) and not yet run
  bool finalized = false;   // its finalizer has run
  int32_t finalizer = -1;   // index into the finalizer table, -1 = none
  uint32_t mark = 0;        // == heap cycle id when marked
  // Invariant: every edge of a live object points to a live object. Most objects have a
  // few edges (a context: parent, done, a child or two): inline, no allocation per object.
  boost::container::small_vector<Edge, 4> edges;
};

// gctrace-style statistics of one cycle.
struct GcStats {
  uint32_t cycle = 0;
  uint64_t heap_before = 0, heap_after = 0;  // bytes of live objects
  uint32_t objects_before = 0, objects_after = 0;
  uint32_t freed = 0;
  uint32_t finalizers_queued = 0;  // queued by this cycle
  uint32_t finalizers_run = 0;     // run since the previous cycle
  std::string to_string() const;   // "gc 3: 1040->980 B, 14->13 objects, 1 freed, 1 queued, 0 run"
};

struct PathStep {
  ObjId obj;
  const char* label;  // edge label that led here ("" for the root itself)
};
struct RetentionPath {
  bool found = false;
  Root root{};
  std::vector<PathStep> steps;  // root object first, target last
};

class Heap {
 public:
  using Finalizer = std::function<void(ObjId)>;

  void reset();
  // Footprints (partial-order reduction): edge changes and allocations are appended here
  // (nullptr: not recorded). The runtime points it at its footprint.
  void record_touches(std::vector<Access>* sink) { touches_ = sink; }

  ObjId alloc(const ObjType& type, uint32_t aux = 0);
  // Add a reference from -> to. Both must be alive (a dangling edge is a model bug).
  void link(ObjId from, ObjId to, const char* label);
  // Remove one edge from -> to with this label; returns whether one existed.
  bool unlink(ObjId from, ObjId to, const char* label);
  // Remove every edge of `from` with this label, the others keeping their order: the same
  // as unlinking them one by one, front first (each a mutation), in one pass. Returns how
  // many there were.
  size_t unlink_label(ObjId from, const char* label);
  // Remove every edge of `from`: the same as unlinking them one by one, front first (each
  // counts as a mutation and a touch), without searching and shifting the rest each time.
  void unlink_all(ObjId from);
  bool has_edge(ObjId from, ObjId to) const;

  void add_root(RootKind kind, uint32_t index, ObjId obj);
  bool remove_root(RootKind kind, uint32_t index, ObjId obj);
  // Globals are named slots: store replaces what the slot held.
  void store_global(uint32_t slot, ObjId obj);
  ObjId global(uint32_t slot) const;

  void set_finalizer(ObjId obj, Finalizer f);
  void clear_finalizer(ObjId obj);
  bool has_finalizer(ObjId obj) const;

  // Full collection. Queues finalizers; the runtime runs them.
  GcStats collect();
  // No mutation since the last collection ended. Such a heap is closed under that
  // collection: every live object is a root, a queued object or marked from one (the
  // sweep freed the rest), and every object with a finalizer is marked or queued, so a
  // collection now frees and queues nothing, under the model's rules and the reference's
  // alike. collect() then skips the mark and sweep; the gc-reference check skips its picture.
  bool unchanged_since_collect() const { return version_ == collected_version_; }
  // Called at the start (after = false) and the end of every collect(), on the heap as it
  // is then: the harness checks each collection against a reference collector.
  using CollectObserver = std::function<void(const Heap&, bool after)>;
  void set_collect_observer(CollectObserver f) { collect_observer_ = std::move(f); }
  // Take the next queued finalizer (FIFO). The object stays a root until finalizer_done.
  bool take_finalizer(ObjId& obj, Finalizer& f);
  void finalizer_done(ObjId obj);
  size_t queued_finalizers() const { return fin_queue_.size(); }

  // Shortest path from any root to `target` (BFS, roots and edges in their fixed order).
  RetentionPath retention_path(ObjId target) const;
  // All objects reachable from `from` (excluding roots' view); used for cycle queries.
  bool reachable_from(ObjId from, ObjId target) const;

  bool alive(ObjId id) const { return id < objs_.size() && objs_[id].alive; }
  const HeapObject& object(ObjId id) const { return objs_.at(id); }
  size_t allocated() const { return objs_.size(); }
  uint64_t live_bytes() const { return live_bytes_; }
  uint32_t live_objects() const { return live_objects_; }
  uint64_t peak_bytes() const { return peak_bytes_; }
  const std::vector<GcStats>& history() const { return history_; }
  const std::vector<Root>& roots() const { return roots_; }
  std::string describe(ObjId id) const;  // "cancelCtx#4"
  // A digest of the object graph, roots and finalizer state (explorer state caching).
  uint64_t digest() const;

 private:
  void push_if_unmarked(std::vector<ObjId>& work, ObjId id);
  // `edges` edges of `from` were removed at once: the mutations and footprints of as many
  // unlink calls.
  void unlinked(ObjId from, size_t edges);
  void mark_queue_and_sweep(GcStats& st);
  std::vector<HeapObject> objs_;
  // Edge buffers that outgrew their inline room, kept by object id from the last execution
  // (reset) for the object of that id in the next one: the same program's objects have the
  // same ids and edge counts, so the steady state allocates no edge buffers. Capacity only.
  std::vector<decltype(HeapObject::edges)> spare_edges_;
  std::vector<Root> roots_;  // insertion order; enumeration sorts by (kind, index)
  std::vector<ObjId> globals_;
  std::vector<Finalizer> finalizers_;
  std::vector<ObjId> fin_queue_;
  std::vector<GcStats> history_;
  CollectObserver collect_observer_;
  uint32_t cycle_ = 0;
  uint32_t run_since_last_ = 0;
  uint64_t live_bytes_ = 0, peak_bytes_ = 0;
  uint32_t live_objects_ = 0;
  mutable std::vector<ObjId> scratch_;
  std::vector<Access>* touches_ = nullptr;
  void touched(Touched t, uint32_t id) {
    if (touches_) touches_->push_back(access(t, id, true));
  }
  uint64_t version_ = 0;                // bumped by every mutation
  uint64_t collected_version_ = ~0ULL;  // version_ as the last collection ended
  mutable uint64_t digest_version_ = ~0ULL, digest_ = 0;  // digest() cache
};

}  // namespace ctxcheck::rt
