// Explorer figures: explored executions/s and distinct states/s over a program space, and
// the time to shrink each fault's first case (target: <= 1 s each).
//   build/g++/bench/explore_bench --benchmark_filter=Shrink
#include <benchmark/benchmark.h>

#include "harness/explore/explore.h"
#include "harness/program/generate.h"
#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/shrink/shrink.h"

namespace ctxcheck::harness {
namespace {

// Every program of exactly 3 ops over the lifecycle alphabet (the default before the whole
// language), DFS bound 2: plain (0), state caching (1), sleep sets (2). The executions
// counter is the one-run ratio plain/reduced.
void BM_ExploreSpace(benchmark::State& state) {
  SpaceOptions sp;
  sp.alphabet = lifecycle_alphabet();
  sp.min_ops = sp.max_ops = 3;
  ExploreOptions o;
  o.state_caching = state.range(0) == 1;
  o.reduction = state.range(0) == 2 ? Reduction::Sleep : Reduction::None;
  o.exec.limits.keep_events = false;
  ExploreCounts total;
  for (auto _ : state) {
    total += explore_space(
        sp, o, [](const Failure&, SpacePosition) { return true; },
        [](SpacePosition, const ExploreCounts&) { return true; });
  }
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(total.executions), benchmark::Counter::kIsRate);
  state.counters["states/s"] = benchmark::Counter(static_cast<double>(total.distinct_states), benchmark::Counter::kIsRate);
  state.counters["programs/s"] = benchmark::Counter(static_cast<double>(total.programs), benchmark::Counter::kIsRate);
  state.counters["executions"] = static_cast<double>(total.executions);
  state.SetLabel(o.state_caching ? "state caching" : o.reduction == Reduction::Sleep ? "sleep sets" : "plain dfs");
}
BENCHMARK(BM_ExploreSpace)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->Iterations(1);

// Issue 17's program: two same-instant deadlines whose callbacks and an AfterFunc start
// together (185,856 schedules at bound 2 with plain DFS). 0: plain, 2: sleep sets.
void BM_ExploreTimerTies(benchmark::State& state) {
  Program p = parse_program(R"(ctxcheck-trace 1
go 0:
  h1 = background
  h2 = with_timeout h1 1s
  h3 = with_timeout h2 1s
  h4 = with_timeout h2 1s
  h5 = after_func h1 cancel h2
)");
  ExploreOptions o;
  o.reduction = state.range(0) == 2 ? Reduction::Sleep : Reduction::None;
  o.exec.limits.keep_events = false;
  ExploreCounts total;
  for (auto _ : state) total += explore_program(p, o, [](const Failure&) { return true; });
  state.counters["executions"] = static_cast<double>(total.executions);
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(total.executions), benchmark::Counter::kIsRate);
  state.SetLabel(o.reduction == Reduction::Sleep ? "sleep sets" : "plain dfs");
}
BENCHMARK(BM_ExploreTimerTies)->Arg(0)->Arg(2)->Unit(benchmark::kMillisecond)->Iterations(1);

// The first case a random campaign (`ctxcheck run --seed 1 --faults F`) finds for a
// fault: a generated program of ~16 ops over 3 goroutines, and its random schedule.
void BM_ShrinkFirstCase(benchmark::State& state) {
  model::Fault f = model::all_faults().at(static_cast<size_t>(state.range(0)));
  ExecOptions eo;
  eo.faults = model::FaultSet::of(f);
  eo.limits.keep_events = false;
  GenOptions g;
  g.unsafe = false;
  std::optional<Failure> found;
  for (uint64_t i = 0; i < 200000 && !found; ++i) {
    Program p = generate(i, g);
    p.faults = eo.faults.to_string();
    rt::PrngChoices c(i);
    ExecResult r = execute(p, c, eo);
    if (r.verdict == Verdict::Violation) found = Failure{annotate(p, r, ""), r};
  }
  if (!found) {
    state.SkipWithError("fault not found");
    return;
  }
  size_t ops = 0;
  for (auto _ : state) {
    ShrinkResult s = shrink(found->program, eo, found->result.expect());
    ops = s.program.op_count();
  }
  state.SetLabel(std::string(model::name_of(f)) + ": " + std::to_string(found->program.op_count()) + " -> " +
                 std::to_string(ops) + " ops");
}
BENCHMARK(BM_ShrinkFirstCase)->DenseRange(0, static_cast<int64_t>(model::kNumFaults) - 1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ctxcheck::harness
