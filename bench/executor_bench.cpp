// Executor figures: executions/s of generated programs (what the fuzzers, the explorer and
// the property runs pay per execution), with and without the end phase (GC-based checks),
// the cost of a deep context tree (a with_cancel chain), and what decoding a fuzz input
// costs before its execution (fuzz_programs decodes every input; its mutator tokenizes).
//   build/g++/bench/executor_bench [--benchmark_filter=DeepChain]
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/campaign/campaign.h"
#include "harness/executor/executor.h"
#include "harness/program/decode.h"
#include "harness/program/generate.h"
#include "harness/program/text.h"
#include "harness/util/atomic_file.h"

// Every operator new of this binary is counted (the nothrow and array forms of libstdc++
// call this one), so a benchmark can report its allocations per execution: the steady
// state of the execution loop is meant to allocate (almost) nothing.
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
// g++ sees free() of what a new expression returned once these are inlined: that is the point.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace ctxcheck::harness {
namespace {

// 64 generated programs of ~16 ops over 3 goroutines (the fuzzers' typical input), each
// under a seeded random schedule; events off (as in fuzzing). Arg: end phase on/off.
// Runs the 64 programs generate(1..64, g) round-robin, execution n under PrngChoices(n),
// and calls per_execution(program, result) after each; returns the number of executions.
template <class PerExecution>
uint64_t execute_generated(benchmark::State& state, const GenOptions& g, const ExecOptions& o, PerExecution per_execution) {
  std::vector<Program> programs;
  for (uint64_t s = 1; s <= 64; ++s) programs.push_back(generate(s, g));
  uint64_t n = 0;
  uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    const Program& p = programs[n % programs.size()];
    rt::PrngChoices c(n);
    ExecResult r = execute(p, c, o);
    benchmark::DoNotOptimize(r.verdict);
    per_execution(p, r);
    ++n;
  }
  uint64_t allocations = g_allocations.load(std::memory_order_relaxed) - allocations_before;
  state.counters["allocs/exec"] = benchmark::Counter(static_cast<double>(allocations) / static_cast<double>(n ? n : 1));
  return n;
}

// What a benchmark's first arg checks. 1: every invariant and the end phase (what `run` and
// the fuzzers pay); 0: no end phase; 2: no invariant and no end phase, the model and runtime
// alone: the floor under every check, which no faster checking can go below.
void set_checks(ExecOptions& o, int64_t arg) {
  o.end_phase = arg == 1;
  if (arg == 2) o.invariants.reset();
}
const char* checks_label(const ExecOptions& o) {
  return o.end_phase ? "every invariant, end phase" : o.invariants.any() ? "every invariant, no end phase" : "no invariants, no end phase";
}

void BM_ExecuteGenerated(benchmark::State& state) {
  ExecOptions o;
  o.limits.keep_events = false;
  set_checks(o, state.range(0));
  uint64_t steps = 0;
  uint64_t n = execute_generated(state, GenOptions{}, o, [&](const Program&, const ExecResult& r) { steps += r.stats.steps; });
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  state.counters["steps/exec"] = benchmark::Counter(static_cast<double>(steps) / static_cast<double>(n ? n : 1));
  state.SetLabel(checks_label(o));
}
BENCHMARK(BM_ExecuteGenerated)->Arg(1)->Arg(0)->Arg(2)->Unit(benchmark::kMicrosecond);

// Decoding (Arg 0: decode_program, what fuzz_programs runs per input) or tokenizing (Arg 1:
// split_op_bytes, what the structural mutator runs per mutation) the byte encodings of the
// 64 generated programs above.
void BM_DecodeFuzzInput(benchmark::State& state) {
  std::vector<std::vector<uint8_t>> inputs;
  for (uint64_t s = 1; s <= 64; ++s) inputs.push_back(encode_program(generate(s, GenOptions{})));
  uint64_t n = 0, bytes = 0;
  uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    const std::vector<uint8_t>& b = inputs[n % inputs.size()];
    if (state.range(0) == 0) benchmark::DoNotOptimize(decode_program(b).scripts.size());
    else benchmark::DoNotOptimize(split_op_bytes(b).size());
    bytes += b.size();
    ++n;
  }
  uint64_t allocations = g_allocations.load(std::memory_order_relaxed) - allocations_before;
  state.counters["allocs/input"] = benchmark::Counter(static_cast<double>(allocations) / static_cast<double>(n ? n : 1));
  state.counters["bytes/input"] = benchmark::Counter(static_cast<double>(bytes) / static_cast<double>(n ? n : 1));
  state.SetLabel(state.range(0) == 0 ? "decode_program" : "split_op_bytes");
}
BENCHMARK(BM_DecodeFuzzInput)->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);

// Cost per op of the program: 64 generated programs of N ops over 3 goroutines (as `ctxcheck
// run --ops N`), every invariant and the end phase, seeded random schedules. Second arg:
// incremental per-step checks (1, the default) or the whole view after every step (0).
// The target is a flat ns/op from 8 to 128 ops (no superlinear term); callgrind counts
// (bench/README: valgrind --tool=callgrind) do not depend on the machine's load.
void BM_CostPerOp(benchmark::State& state) {
  GenOptions g;
  g.ops = static_cast<uint32_t>(state.range(0));
  ExecOptions o;
  o.limits.keep_events = false;
  o.incremental_checks = state.range(1) != 0;
  uint64_t ops = 0;
  uint64_t n = execute_generated(state, g, o, [&](const Program& p, const ExecResult&) { ops += p.op_count(); });
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  state.counters["time/op"] = benchmark::Counter(static_cast<double>(ops),  // printed as seconds: 1.2u = 1.2 us
                                                 benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetLabel(o.incremental_checks ? "incremental checks" : "full checks");
}
BENCHMARK(BM_CostPerOp)
    ->ArgsProduct({{8, 16, 32, 128}, {1, 0}})
    ->Unit(benchmark::kMicrosecond);

// `run --jobs N` without the CLI: 20,000 cases of generated programs (16 ops, 3 goroutines,
// every invariant and the end phase) through run_campaign on N workers, in wall time. The
// --jobs 2 target is >= 1.8x the executions/s of --jobs 1 on an idle 2-core machine.
void BM_CampaignJobs(benchmark::State& state) {
  ExecOptions o;
  o.limits.keep_events = false;
  CampaignOptions co{.max_cases = 20000, .max_seconds = 0, .progress = false, .stop_on_violation = false,
                     .jobs = static_cast<unsigned>(state.range(0))};
  uint64_t n = 0;
  for (auto _ : state) {
    CampaignSummary sum = run_campaign(co, [&](uint64_t i) {
      Program p = generate(i + 1, GenOptions{});
      rt::PrngChoices c(i);
      Expect v = execute(p, c, o).expect();
      return EvaluatedCase{.verdict = v, .commit = [v] { return CaseOutcome{.verdict = v, .file = {}, .written = false}; }};
    });
    n += sum.cases;
  }
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CampaignJobs)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// h1 = background, h2 = with_cancel h1 ... hN = with_cancel h(N-1), run with every
// invariant after every step and the end phase, as `ctxcheck replay` runs such a trace.
// Each per-step check is linear in the tree (harness/invariants/chains.h), so the time per
// op grows linearly with N (the whole run quadratically); it grew quadratically per op
// (cubic in all) before: 1.2 s at N = 1000, 61 s at 4000.
void BM_DeepChain(benchmark::State& state) {
  const auto n = static_cast<uint32_t>(state.range(0));
  std::string text = "ctxcheck-trace 1\ngo 0:\n  h1 = background\n";
  for (uint32_t h = 2; h <= n; ++h) text += fmt::format("  h{} = with_cancel h{}\n", h, h - 1);
  Program p = parse_program(text);
  ExecOptions o;
  o.limits.keep_events = false;
  for (auto _ : state) {
    rt::PrngChoices c(1);
    ExecResult r = execute(p, c, o);
    benchmark::DoNotOptimize(r.verdict);
  }
  state.counters["time/op"] = benchmark::Counter(static_cast<double>(n),  // printed as seconds: 71u = 71 us
                                                 benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DeepChain)->Arg(1000)->Arg(2000)->Arg(4000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DeepChain)->Arg(10000)->Iterations(1)->Unit(benchmark::kMillisecond);

// bench/go_vs_model.py's program (bench/go_vs_model/seq16.trace: 16 sequential ops, one
// deadline timer), as `ctxcheck explore TRACE --strategy random` runs it, checked as
// set_checks says: Arg 1 is the script's figure. Arg 2 is the
// model's floor beside Go's BenchmarkSeq16: what the context package's port, its scheduling
// points and the view cost before any check; the ratio to Go cannot go below it by checking
// faster.
void BM_Seq16(benchmark::State& state) {
  Program p = parse_program(read_file(CTXCHECK_SEQ16_TRACE));
  ExecOptions o = recorded_options(p);
  o.limits.keep_events = false;
  set_checks(o, state.range(0));
  uint64_t n = 0;
  for (auto _ : state) {
    rt::PrngChoices c(++n);
    ExecResult r = execute(p, c, o);
    benchmark::DoNotOptimize(r.verdict);
  }
  state.SetLabel(checks_label(o));
}
BENCHMARK(BM_Seq16)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ctxcheck::harness
