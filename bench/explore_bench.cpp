// Explorer figures: explored executions/s and distinct states/s over a program space, and
// the time to shrink each fault's first case (target: <= 1 s each), and plain DFS vs sleep
// sets vs source-set DPOR in one run (executions, wall time, ratios).
//   build/g++/bench/explore_bench --benchmark_filter=Shrink
//   build/g++/bench/explore_bench --benchmark_filter=ReductionRatio
#include <chrono>
#include <ctime>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "harness/explore/explore.h"
#include "harness/program/generate.h"
#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/shrink/shrink.h"

namespace ctxcheck::harness {
namespace {

// The workloads of issue 17, at bound 2: its timer-tie program (three same-instant
// deadlines and an AfterFunc: 185,856 schedules with plain DFS before the timer-tie rule),
// every program of 1..3 ops over the lifecycle alphabet (2,495 programs), and a fixed
// slice of the whole language's 1..3-op space: every 20th program (`explore --ops 3
// --shard 0/20`, 2,273 of its 45,424; the whole space is too long for one run).
enum Workload : int64_t { kTimerTie = 0, kLifecycleUpTo3 = 1, kLanguageUpTo3Slice = 2 };

ExploreCounts explore_workload(int64_t workload, const ExploreOptions& o) {
  if (workload == kTimerTie) {
    Program p = parse_program(R"(ctxcheck-trace 1
go 0:
  h1 = background
  h2 = with_timeout h1 1s
  h3 = with_timeout h2 1s
  h4 = with_timeout h2 1s
  h5 = after_func h1 cancel h2
)");
    return explore_program(p, o, [](const Failure&) { return true; });
  }
  SpaceOptions sp;
  sp.min_ops = 1;
  sp.max_ops = 3;
  if (workload == kLifecycleUpTo3) {
    sp.alphabet = lifecycle_alphabet();  // the default before the whole language (issue 19)
  } else {
    sp.alphabet = default_alphabet();
    sp.shards = 20;
  }
  return explore_space(
      sp, o, [](const Failure&, SpacePosition) { return true; },
      [](SpacePosition, const ExploreCounts&) { return true; });
}

const char* workload_name(int64_t workload) {
  switch (workload) {
    case kTimerTie: return "timer-tie program";
    case kLifecycleUpTo3: return "<= 3-op lifecycle space";
    default: return "<= 3-op whole-language space, shard 0/20";
  }
}

// One workload per search (0: plain, 1: state caching, 2: sleep sets): rates per search.
void BM_ExploreSpace(benchmark::State& state) {
  ExploreOptions o;
  o.state_caching = state.range(1) == 1;
  o.reduction = state.range(1) == 2 ? Reduction::Sleep : Reduction::None;
  o.exec.limits.keep_events = false;
  ExploreCounts total;
  for (auto _ : state) total += explore_workload(state.range(0), o);
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(total.executions), benchmark::Counter::kIsRate);
  state.counters["states/s"] = benchmark::Counter(static_cast<double>(total.distinct_states), benchmark::Counter::kIsRate);
  state.counters["programs/s"] = benchmark::Counter(static_cast<double>(total.programs), benchmark::Counter::kIsRate);
  state.counters["executions"] = static_cast<double>(total.executions);
  state.SetLabel(fmt::format("{}, {}", workload_name(state.range(0)),
                             o.state_caching ? "state caching" : o.reduction == Reduction::Sleep ? "sleep sets" : "plain dfs"));
}
BENCHMARK(BM_ExploreSpace)->ArgsProduct({{kTimerTie, kLifecycleUpTo3}, {0, 1, 2}})->Unit(benchmark::kMillisecond)->Iterations(1);

// Plain DFS vs sleep sets vs source-set DPOR on one workload in one run: programs,
// executions, wall and CPU time of each, and the ratios plain / sleep and plain / dpor (the
// issue's one-run ratio; on a shared machine the CPU ratio is the one to quote).
void BM_ExploreReductionRatio(benchmark::State& state) {
  ExploreOptions o;
  o.exec.limits.keep_events = false;
  constexpr Reduction kSearches[] = {Reduction::None, Reduction::Sleep, Reduction::Dpor};
  constexpr const char* kNames[] = {"plain", "sleep", "dpor"};
  double secs[3] = {0, 0, 0}, cpu[3] = {0, 0, 0};  // wall and process CPU seconds (the machine may be shared)
  uint64_t programs[3] = {0, 0, 0}, executions[3] = {0, 0, 0}, pruned[3] = {0, 0, 0};
  for (auto _ : state) {
    for (int i = 0; i < 3; ++i) {
      o.reduction = kSearches[i];
      auto t0 = std::chrono::steady_clock::now();
      std::clock_t c0 = std::clock();
      ExploreCounts c = explore_workload(state.range(0), o);
      cpu[i] += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
      secs[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      programs[i] += c.programs;
      executions[i] += c.executions;
      pruned[i] += c.pruned;
    }
  }
  state.counters["programs"] = static_cast<double>(programs[0]);
  for (int i = 0; i < 3; ++i) {
    std::string name = kNames[i];
    if (programs[i] != programs[0]) state.SkipWithError(fmt::format("{} explored {} programs, plain {}", name, programs[i], programs[0]).c_str());
    state.counters[name + "_executions"] = static_cast<double>(executions[i]);
    state.counters[name + "_s"] = secs[i];
    state.counters[name + "_cpu_s"] = cpu[i];
    if (i == 0) continue;
    state.counters[name + "_pruned"] = static_cast<double>(pruned[i]);
    state.counters[name + "_executions_ratio"] = static_cast<double>(executions[0]) / static_cast<double>(executions[i]);
    state.counters[name + "_time_ratio"] = secs[0] / secs[i];
    state.counters[name + "_cpu_ratio"] = cpu[0] / cpu[i];
  }
  state.SetLabel(workload_name(state.range(0)));
}
BENCHMARK(BM_ExploreReductionRatio)->DenseRange(kTimerTie, kLanguageUpTo3Slice)->Unit(benchmark::kMillisecond)->Iterations(1);

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
