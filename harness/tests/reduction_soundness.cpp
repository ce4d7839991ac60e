// The soundness check of DFS's partial-order reduction: on every program of a space (or a
// fixed sample of larger programs with goroutines), with no fault and under every fault of
// the catalog, DFS with and without reduction reach the same verdicts — the same set of
// violation ids and finding ids over all of the program's schedules — and the reduced
// search has no nondeterminism event. Prints the figures; exit 1 on any difference.
//   ctxcheck_reduction_check --max 3                         every program of <= 3 ops
//   ctxcheck_reduction_check --min 4 --max 5 --sample 2000   a fixed sample (seeded)
#include <chrono>
#include <cstdio>
#include <set>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/explore/explore.h"
#include "harness/program/text.h"
#include "model/faults/faults.h"
#include "model/runtime/prng.h"

namespace ctxcheck::harness {
namespace {

struct Totals {
  uint64_t programs = 0, runs = 0, plain = 0, reduced = 0, differ = 0, nondeterminism = 0;
};

std::set<std::string> ids_of(const ExploreCounts& c) {
  std::set<std::string> out;
  for (const auto& [id, n] : c.by_id) out.insert(id);
  return out;
}

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "pass" : out;
}

// Every fault of the catalog, and none: the same verdicts with and without reduction.
void check_program(const Program& p, uint32_t bound, Totals& t) {
  ++t.programs;
  std::vector<model::FaultSet> fault_sets{model::FaultSet{}};
  for (model::Fault f : model::all_faults()) fault_sets.push_back(model::FaultSet::of(f));
  for (const model::FaultSet& faults : fault_sets) {
    ExploreOptions o;
    o.bound = bound;
    o.stop_at_failure = false;
    o.exec.faults = faults;
    o.exec.limits.keep_events = false;
    auto run = [&](Reduction r) {
      o.reduction = r;
      return explore_program(p, o, [](const Failure&) { return true; });
    };
    ExploreCounts plain = run(Reduction::None), reduced = run(Reduction::Sleep);
    ++t.runs;
    t.plain += plain.executions;
    t.reduced += reduced.executions;
    t.nondeterminism += plain.nondeterminism + reduced.nondeterminism;
    if (ids_of(plain) != ids_of(reduced)) {
      ++t.differ;
      fmt::print("DIFFERENT VERDICTS under faults [{}]: plain {{{}}}, reduced {{{}}}\n{}", faults.to_string(),
                 joined(ids_of(plain)), joined(ids_of(reduced)), print_program(p));
    }
  }
}

bool has_goroutines(const Program& p) { return p.scripts.size() > 1; }

}  // namespace
}  // namespace ctxcheck::harness

int main(int argc, char** argv) {
  using namespace ctxcheck::harness;
  CLI::App app{"Partial-order reduction soundness: the same verdicts with and without it"};
  uint32_t min_ops = 1, max_ops = 3, bound = kDefaultBound;
  uint64_t sample = 0, seed = 1;
  app.add_option("--min", min_ops, "Smallest program size")->capture_default_str();
  app.add_option("--max", max_ops, "Largest program size")->capture_default_str();
  app.add_option("--bound", bound, "Preemption bound")->capture_default_str();
  app.add_option("--sample", sample, "Check this many programs with goroutines (0: every program)");
  app.add_option("--seed", seed, "Seed of the sample")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto t0 = std::chrono::steady_clock::now();
  Totals t;
  Alphabet a = lifecycle_alphabet();  // its measured figures (README) are of this alphabet
  for (uint32_t n = min_ops; n <= max_ops; ++n) {
    // A sample: the first `quota` programs with goroutines that a seeded hash keeps (1 in 8).
    uint64_t quota = sample == 0 ? 0 : sample / (max_ops - min_ops + 1);
    uint64_t taken = 0;
    enumerate_programs(n, a, 0, [&](uint64_t i, const Program& p) {
      if (sample != 0) {
        if (!has_goroutines(p) || ctxcheck::rt::splitmix64_mix(seed * 0x9e3779b97f4a7c15ULL + i) % 8 != 0)
          return true;
        if (++taken > quota) return false;
      }
      check_program(p, bound, t);
      return true;
    });
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("{} programs x {} fault sets = {} explorations: {} executions plain, {} reduced ({:.2f}x); "
             "{} with different verdicts, {} nondeterminism events; {:.1f}s\n",
             t.programs, t.programs ? t.runs / t.programs : 0, t.runs, t.plain, t.reduced,
             t.reduced ? static_cast<double>(t.plain) / static_cast<double>(t.reduced) : 0.0, t.differ,
             t.nondeterminism, secs);
  return t.differ == 0 && t.nondeterminism == 0 ? 0 : 1;
}
