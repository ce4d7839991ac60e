// Heap, GC and finalizer semantics (Go's rules), and retention paths.
#include <gtest/gtest.h>

#include "model/runtime/heap.h"
#include "model/runtime/runtime.h"

namespace ctxcheck::rt {
namespace {

constexpr ObjType kNode{"node", 16};

TEST(Gc, FreesUnreachableKeepsReachable) {
  Heap h;
  ObjId g = h.alloc(kNode), a = h.alloc(kNode), b = h.alloc(kNode), lost = h.alloc(kNode);
  h.store_global(0, g);
  h.link(g, a, "a");
  h.link(a, b, "b");
  h.link(lost, a, "a");  // points into the live graph, but nothing points to it
  GcStats st = h.collect();
  EXPECT_TRUE(h.alive(g) && h.alive(a) && h.alive(b));
  EXPECT_FALSE(h.alive(lost));
  EXPECT_EQ(st.freed, 1u);
  EXPECT_EQ(st.heap_before, 64u);
  EXPECT_EQ(st.heap_after, 48u);
  EXPECT_EQ(st.objects_after, 3u);
  h.unlink(g, a, "a");
  h.collect();
  EXPECT_FALSE(h.alive(a));
  EXPECT_FALSE(h.alive(b));
  EXPECT_TRUE(h.alive(g));
}

// Two heaps built alike, recording footprints from then on: one unlinks edge by edge, the
// other at once, and they must end up the same.
struct TwinHeaps {
  Heap one, all;
  std::vector<Access> one_touches, all_touches;
  // Objects 0 (f), 1 (a) and 2 (b) in each, linked by `build(heap, f, a, b)`.
  template <class Build>
  explicit TwinHeaps(Build&& build) {
    one.record_touches(&one_touches);
    all.record_touches(&all_touches);
    for (Heap* h : {&one, &all}) {
      ObjId f = h->alloc(kNode), a = h->alloc(kNode), b = h->alloc(kNode);
      build(*h, f, a, b);
    }
    one_touches.clear();
    all_touches.clear();
  }
};

TEST(Heap, UnlinkAllIsUnlinkingEachEdgeFrontFirst) {
  TwinHeaps t([](Heap& h, ObjId f, ObjId a, ObjId b) {
    h.link(f, a, "x");
    h.link(f, b, "y");
    h.link(f, a, "x");
    h.link(a, b, "z");
  });
  auto& [one, all, one_touches, all_touches] = t;
  while (!one.object(0).edges.empty()) one.unlink(0, one.object(0).edges.front().to, one.object(0).edges.front().label);
  all.unlink_all(0);
  EXPECT_TRUE(all.object(0).edges.empty());
  EXPECT_EQ(all.object(1).edges.size(), 1u);
  EXPECT_EQ(one.digest(), all.digest());
  EXPECT_EQ(one_touches.size(), all_touches.size());
  EXPECT_EQ(all_touches.size(), 3u);
}

// Package::release_new drops a frame's "new" edges with one unlink_label: it must be what
// unlinking the first such edge again and again was (the same edges left, in order, the
// same mutations and footprints).
TEST(Heap, UnlinkLabelIsUnlinkingEachSuchEdgeFrontFirst) {
  TwinHeaps t([](Heap& h, ObjId f, ObjId a, ObjId b) {
    h.link(f, a, "new");
    h.link(f, b, "local");
    h.link(f, a, "new");
    h.link(f, b, "new");
    h.link(f, a, "local");
  });
  auto& [one, all, one_touches, all_touches] = t;
  auto first_new = [](const Heap& h) {
    for (const Edge& e : h.object(0).edges)
      if (same_label(e.label, "new")) return e.to;
    return kNoObj;
  };
  for (ObjId to; (to = first_new(one)) != kNoObj;) one.unlink(0, to, "new");
  EXPECT_EQ(all.unlink_label(0, "new"), 3u);
  ASSERT_EQ(all.object(0).edges.size(), 2u);
  EXPECT_EQ(all.object(0).edges[0].to, 2u);
  EXPECT_EQ(all.object(0).edges[1].to, 1u);
  EXPECT_EQ(one.digest(), all.digest());
  EXPECT_EQ(one_touches.size(), all_touches.size());
  EXPECT_EQ(all_touches.size(), 3u);
  EXPECT_EQ(all.unlink_label(0, "new"), 0u);
}

TEST(Gc, UnreachableCycleIsFreed) {
  Heap h;
  ObjId a = h.alloc(kNode), b = h.alloc(kNode);
  h.link(a, b, "x");
  h.link(b, a, "y");
  h.collect();
  EXPECT_FALSE(h.alive(a));
  EXPECT_FALSE(h.alive(b));
}

TEST(Finalizers, ChainFinalizesTheHeadFirst) {
  Heap h;
  ObjId a = h.alloc(kNode), b = h.alloc(kNode);
  h.link(a, b, "next");
  std::vector<ObjId> ran;
  h.set_finalizer(a, [&](ObjId o) { ran.push_back(o); });
  h.set_finalizer(b, [&](ObjId o) { ran.push_back(o); });
  auto run_queue = [&] {
    ObjId o;
    Heap::Finalizer f;
    while (h.take_finalizer(o, f)) {
      f(o);
      h.finalizer_done(o);
    }
  };
  GcStats s1 = h.collect();
  EXPECT_EQ(s1.finalizers_queued, 1u);  // only A: B is kept by A's finalizer-marking
  run_queue();
  EXPECT_EQ(ran, std::vector<ObjId>{a});
  EXPECT_TRUE(h.alive(a));  // resurrected until the next cycle
  GcStats s2 = h.collect();
  EXPECT_EQ(s2.finalizers_run, 1u);
  EXPECT_FALSE(h.alive(a));  // freed by the cycle after its finalizer ran
  EXPECT_EQ(s2.finalizers_queued, 1u);  // now B
  run_queue();
  EXPECT_EQ(ran, (std::vector<ObjId>{a, b}));
  h.collect();
  EXPECT_FALSE(h.alive(b));
  EXPECT_TRUE(h.object(a).finalized);
}

TEST(Finalizers, SelfReachableObjectIsNeverFinalized) {
  Heap h;
  ObjId parent = h.alloc(kNode), child = h.alloc(kNode);
  h.link(parent, child, "children[]");  // parent.children -> child -> parent
  h.link(child, parent, "Context");
  int ran = 0;
  h.set_finalizer(child, [&](ObjId) { ++ran; });
  for (int i = 0; i < 10; ++i) {
    GcStats st = h.collect();
    EXPECT_EQ(st.finalizers_queued, 0u);
  }
  EXPECT_EQ(ran, 0);
  EXPECT_TRUE(h.alive(child));
  EXPECT_TRUE(h.reachable_from(child, child));
  // Breaking the cycle (the child's cancel removes it from the map) lets it go.
  h.unlink(parent, child, "children[]");
  EXPECT_EQ(h.collect().finalizers_queued, 1u);
}

TEST(Finalizers, RunOnTheFinalizerGoroutine) {
  PrngChoices src(0);
  Runtime rt(src);
  std::vector<std::string> seen;
  auto r = rt.run([&] {
    Runtime& R = Runtime::current();
    ObjId o = R.heap().alloc(kNode);
    R.heap().set_finalizer(o, [&](ObjId) {
      seen.push_back(go_kind_name(Runtime::current().goroutine(Runtime::current().self()).kind));
    });
    R.gc();
    R.settle();
    EXPECT_FALSE(R.heap().alive(o) && !R.heap().object(o).finalized);
    R.gc();
    EXPECT_FALSE(R.heap().alive(o));
  });
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
  EXPECT_EQ(seen, std::vector<std::string>{"finalizer"});
  EXPECT_TRUE(r.blocked.empty());  // an idle finalizer goroutine is not a leak
}

TEST(Roots, GoroutineFramesAndTimersKeepObjectsAlive) {
  PrngChoices src(0);
  Runtime rt(src);
  auto r = rt.run([&] {
    Runtime& R = Runtime::current();
    Heap& h = R.heap();
    ObjId local = h.alloc(kNode), closure = h.alloc(kNode), garbage = h.alloc(kNode);
    h.link(R.goroutine(0).frame, local, "x");
    R.after_func(100, GoKind::TimerFunc, "t", [] {}, closure);
    R.gc();
    EXPECT_TRUE(h.alive(local));
    EXPECT_TRUE(h.alive(closure));
    EXPECT_FALSE(h.alive(garbage));
    R.sleep(200);  // the timer fired: its func value is no longer rooted by the timer heap
    R.gc();
    EXPECT_FALSE(h.alive(closure));
  });
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.message;
}

TEST(RetentionPath, ShortestPathFromTheFirstRoot) {
  Heap h;
  ObjId g = h.alloc(kNode), p = h.alloc(kNode), mid = h.alloc(kNode), c = h.alloc(kNode);
  h.store_global(3, g);
  h.link(g, mid, "long");
  h.link(mid, p, "via");
  h.link(g, p, "parent");
  h.link(p, c, "children[]");
  RetentionPath path = h.retention_path(c);
  ASSERT_TRUE(path.found);
  EXPECT_EQ(path.root.kind, RootKind::Global);
  EXPECT_EQ(path.root.index, 3u);
  ASSERT_EQ(path.steps.size(), 3u);
  EXPECT_EQ(path.steps[0].obj, g);
  EXPECT_EQ(path.steps[1].obj, p);
  EXPECT_STREQ(path.steps[1].label, "parent");
  EXPECT_EQ(path.steps[2].obj, c);
  EXPECT_STREQ(path.steps[2].label, "children[]");
  h.store_global(3, kNoObj);
  EXPECT_FALSE(h.retention_path(c).found);
}

TEST(Heap, DanglingEdgeIsAnInternalError) {
  Heap h;
  ObjId a = h.alloc(kNode), b = h.alloc(kNode);
  h.store_global(0, a);
  h.collect();  // b freed
  EXPECT_THROW(h.link(a, b, "x"), InternalError);
}

}  // namespace
}  // namespace ctxcheck::rt
