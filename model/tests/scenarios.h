// Small runtime scenarios shared by the determinism tests and the benchmarks. Each one
// exercises a different part of the scheduler: lock contention, channels, select with a
// timeout, same-instant timers, GC with finalizers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/runtime/runtime.h"
#include "model/runtime/sync.h"

namespace ctxcheck::rt::testing {

// Three workers increment a counter under a Mutex, the last one to finish (by a racy
// load/store countdown) closes `done`; main selects on done with a timeout.
inline void contention(std::vector<int>* order) {
  Runtime& r = Runtime::current();
  Mutex mu;
  Chan done;
  Atomic<int> left(3);
  for (int w = 1; w <= 3; ++w) {
    r.go(GoKind::Program, "worker", [&, w] {
      for (int i = 0; i < 2; ++i) {
        mu.lock();
        if (order) order->push_back(w);
        mu.unlock();
      }
      int n = left.load() - 1;
      left.store(n);
      if (n == 0) done.close();
    });
  }
  Chan* cases[] = {&done};
  select(cases, 1000);
  r.sleep(2000);
}

// Timers due at the same instant plus a sleeping goroutine.
inline void timers(std::vector<int>* order) {
  Runtime& r = Runtime::current();
  for (int i = 0; i < 3; ++i)
    r.after_func(100, GoKind::TimerFunc, "t", [order, i] {
      if (order) order->push_back(i);
    });
  r.go(GoKind::Program, "sleeper", [order] {
    Runtime::current().sleep(100);
    if (order) order->push_back(9);
  });
  r.settle();
}

// A small object graph, two GC cycles and the finalizer goroutine.
inline void garbage(std::vector<int>* order) {
  static constexpr ObjType kNode{"node", 32};
  Runtime& r = Runtime::current();
  Heap& h = r.heap();
  ObjId a = h.alloc(kNode), b = h.alloc(kNode), c = h.alloc(kNode);
  h.link(a, b, "next");
  h.link(b, c, "next");
  h.set_finalizer(a, [order](ObjId) { if (order) order->push_back(1); });
  h.set_finalizer(b, [order](ObjId) { if (order) order->push_back(2); });
  r.go(GoKind::Program, "mutator", [&] { r.yield(); });
  r.gc();
  r.settle();
  r.gc();
  r.settle();
}

using Scenario = void (*)(std::vector<int>*);
struct NamedScenario {
  const char* name;
  Scenario fn;
};
inline constexpr NamedScenario kScenarios[] = {
    {"contention", contention}, {"timers", timers}, {"garbage", garbage}};

}  // namespace ctxcheck::rt::testing
