// Cost of the context model's common pairs, scheduling points included (target <= 2 us per
// pair). Each iteration runs N pairs inside one execution so run() overhead is amortized.
//   build/g++/bench/context_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <optional>

#include "model/context/context.h"

namespace ctxcheck::model {
namespace {

constexpr int kPairs = 1000;

template <class Body>
void run_pairs(benchmark::State& state, Body body) {
  rt::PrngChoices src(1);
  rt::Limits lim;
  lim.keep_events = false;
  lim.max_steps = 1u << 30;
  rt::Runtime runtime(src, lim);
  for (auto _ : state) {
    std::optional<Package> pkg;
    runtime.run([&] {
      pkg.emplace();
      Context* root = pkg->WithCancel(pkg->Background()).ctx;
      for (int i = 0; i < kPairs; ++i) body(*pkg, root);
      rt::Runtime::current().settle();
    });
    pkg.reset();
  }
  state.SetItemsProcessed(state.iterations() * kPairs);
}

void BM_WithCancelThenCancel(benchmark::State& state) {
  run_pairs(state, [](Package& pkg, Context* root) { pkg.WithCancel(root).cancel(kNilError); });
}
BENCHMARK(BM_WithCancelThenCancel);

void BM_WithTimeoutThatFires(benchmark::State& state) {
  run_pairs(state, [](Package& pkg, Context* root) {
    auto c = pkg.WithTimeout(root, 1000);
    c.ctx->Done()->recv();  // the clock jumps to the deadline; the timer goroutine cancels
  });
}
BENCHMARK(BM_WithTimeoutThatFires);

}  // namespace
}  // namespace ctxcheck::model
