// Executor figures: executions/s of generated programs (what the fuzzers, the explorer and
// the property runs pay per execution), with and without the end phase (GC-based checks).
//   build/g++/bench/executor_bench
#include <benchmark/benchmark.h>

#include <vector>

#include "harness/executor/executor.h"
#include "harness/program/generate.h"

namespace ctxcheck::harness {
namespace {

// 64 generated programs of ~16 ops over 3 goroutines (the fuzzers' typical input), each
// under a seeded random schedule; events off (as in fuzzing). Arg: end phase on/off.
void BM_ExecuteGenerated(benchmark::State& state) {
  std::vector<Program> programs;
  for (uint64_t s = 1; s <= 64; ++s) programs.push_back(generate(s, GenOptions{}));
  ExecOptions o;
  o.limits.keep_events = false;
  o.end_phase = state.range(0) != 0;
  uint64_t n = 0, steps = 0;
  for (auto _ : state) {
    const Program& p = programs[n % programs.size()];
    rt::PrngChoices c(n);
    ExecResult r = execute(p, c, o);
    steps += r.stats.steps;
    benchmark::DoNotOptimize(r.verdict);
    ++n;
  }
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  state.counters["steps/exec"] = benchmark::Counter(static_cast<double>(steps) / static_cast<double>(n ? n : 1));
  state.SetLabel(o.end_phase ? "with end phase" : "no end phase");
}
BENCHMARK(BM_ExecuteGenerated)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ctxcheck::harness
