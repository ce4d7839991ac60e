// Runtime costs against the raw Boost.Fiber figures of TOOLCHAIN.md (targets: spawn+join
// <= 520 ns, one scheduling point <= 170 ns). Run:
//   build/g++/bench/runtime_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "model/runtime/runtime.h"
#include "model/runtime/sync.h"
#include "model/tests/scenarios.h"

namespace ctxcheck::rt {
namespace {

// N goroutines that start and exit, inside one execution: cost per goroutine.
void BM_SpawnJoin(benchmark::State& state) {
  const int n = 1000;
  PrngChoices src(1);
  Limits lim;
  lim.keep_events = false;
  Runtime rt(src, lim);
  for (auto _ : state) {
    rt.run([] {
      Runtime& r = Runtime::current();
      for (int i = 0; i < n; ++i) r.go(GoKind::Program, "", [] {});
      r.settle();
    });
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SpawnJoin);

// Two goroutines yielding; the PRNG switches at about half the points.
void BM_SchedulingPointSwitching(benchmark::State& state) {
  const int n = 10000;
  PrngChoices src(1);
  Limits lim;
  lim.keep_events = false;
  lim.max_steps = 1u << 30;
  Runtime rt(src, lim);
  uint64_t switches = 0;
  for (auto _ : state) {
    rt.run([] {
      Runtime& r = Runtime::current();
      r.go(GoKind::Program, "", [&r] {
        for (int i = 0; i < n; ++i) r.yield();
      });
      for (int i = 0; i < n; ++i) r.yield();
    });
    switches += rt.decisions().size();
  }
  state.SetItemsProcessed(state.iterations() * 2 * n);
  state.counters["decisions/point"] =
      static_cast<double>(switches) / static_cast<double>(state.iterations() * 2 * n);
}
BENCHMARK(BM_SchedulingPointSwitching);

// One goroutine: a point records and returns without a decision.
void BM_SchedulingPointAlone(benchmark::State& state) {
  const int n = 10000;
  PrngChoices src(1);
  Limits lim;
  lim.keep_events = false;
  lim.max_steps = 1u << 30;
  Runtime rt(src, lim);
  for (auto _ : state) {
    rt.run([] {
      Runtime& r = Runtime::current();
      for (int i = 0; i < n; ++i) r.yield();
    });
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SchedulingPointAlone);

void BM_Gc1000Objects(benchmark::State& state) {
  static constexpr ObjType kNode{"node", 32};
  for (auto _ : state) {
    state.PauseTiming();
    Heap h;
    ObjId root = h.alloc(kNode);
    h.store_global(0, root);
    ObjId prev = root;
    for (int i = 1; i < 1000; ++i) {
      ObjId o = h.alloc(kNode);
      if (i % 2) h.link(prev, o, "next");  // half reachable, half garbage
      prev = (i % 2) ? o : prev;
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(h.collect());
  }
}
BENCHMARK(BM_Gc1000Objects);

// A whole small execution (4 goroutines, a mutex, channels, select with timeout).
void BM_SmallExecution(benchmark::State& state) {
  PrngChoices src(1);
  Limits lim;
  lim.keep_events = false;
  Runtime rt(src, lim);
  for (auto _ : state) benchmark::DoNotOptimize(rt.run([] { testing::contention(nullptr); }));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SmallExecution);

}  // namespace
}  // namespace ctxcheck::rt
