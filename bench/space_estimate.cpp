// What a program space too big to explore would cost: the exact number of programs of one
// size (the enumerator counts them), and the executions and CPU time per program measured on
// a uniform systematic sample of them, the programs `explore --ops N --min-ops N --shard I/M`
// would explore; so the space's executions and CPU time, with their sampling error.
//   ctxcheck_space_estimate --ops 5 --kinds lifecycle --shard 0/20000
//   ... --part 0/2 and --part 1/2      the sample split over two processes (add their figures)
//   ... --each                         one line per sampled program (index, executions, CPU-s)
// The standard errors treat the sample as a simple random one (for a systematic sample of an
// ordered list that overstates them, if anything). A program stopped at --executions counts
// with its executions so far, and the summary says how many were: the estimate is then a
// lower bound.
#include <cmath>
#include <cstdio>
#include <tuple>
#include <ctime>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/explore/explore.h"
#include "harness/util/user_input.h"

namespace ctxcheck::harness {
namespace {

// Mean and standard error of the mean of a sample (Welford's running sums).
struct MeanAndError {
  uint64_t n = 0;
  double mean = 0, m2 = 0;
  void add(double x) {
    ++n;
    double d = x - mean;
    mean += d / static_cast<double>(n);
    m2 += d * (x - mean);
  }
  double standard_error() const {
    return n < 2 ? 0.0 : std::sqrt(m2 / static_cast<double>(n - 1) / static_cast<double>(n));
  }
};

struct Estimate {
  uint64_t space = 0, capped = 0, nondeterminism = 0;
  MeanAndError executions, cpu;
  uint64_t max_executions = 0, max_index = 0;
};

double process_cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

}  // namespace
}  // namespace ctxcheck::harness

int main(int argc, char** argv) {
  using namespace ctxcheck::harness;
  CLI::App app{"Estimate a program space's executions and CPU time from a sampled shard"};
  uint32_t ops = 5, part = 0, parts = 1;
  std::string kinds = "lifecycle", shard = "0/20000", part_text = "0/1", reduction{reduction_name(kDefaultReduction)};
  ExploreOptions o;
  bool each = false;
  app.add_option("--ops", ops, "Program size (exactly this many ops)")->capture_default_str()->check(CLI::Range(1, 12));
  app.add_option("--kinds", kinds, "Op alphabet, as explore's --kinds")->capture_default_str();
  app.add_option("--shard", shard, "The sample: the programs whose index % M == I, as explore's --shard")->capture_default_str();
  app.add_option("--part", part_text, "Explore part J of P of the sample (its k-th program if k % P == J)")->capture_default_str();
  app.add_option("--bound", o.bound, "Preemption bound")->capture_default_str()->check(CLI::Range(0, 1000));
  app.add_option("--reduction", reduction, "none, sleep or dpor")
      ->capture_default_str()
      ->check(CLI::IsMember(reduction_names()));
  app.add_option("--executions", o.executions, "Cap per program (0: exhaust it)")->capture_default_str();
  app.add_flag("--each", each, "Print one line per sampled program: index, executions, CPU-s");
  CLI11_PARSE(app, argc, argv);
  uint32_t shard_i = 0, shard_m = 1;
  for (auto [flag, text, i, m] : {std::tuple{"--shard", &shard, &shard_i, &shard_m}, std::tuple{"--part", &part_text, &part, &parts}}) {
    auto fraction = parse_fraction(*text);
    if (!fraction) {
      fmt::print(stderr, "{} {}: expected I/M with 0 <= I < M\n", flag, quoted_excerpt(*text));
      return 2;
    }
    std::tie(*i, *m) = *fraction;
  }
  Alphabet alphabet;
  try {
    alphabet = parse_alphabet(kinds);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "--kinds: {}\n", e.what());
    return 2;
  }
  o.reduction = *reduction_by_name(reduction);  // CLI11 checked the name
  o.stop_at_failure = false;
  o.exec.limits.keep_events = false;

  Estimate e;
  uint64_t sampled = 0;
  e.space = enumerate_programs(ops, alphabet, 0, [&](uint64_t i, const Program& p) {
    if (i % shard_m != shard_i || sampled++ % parts != part) return true;
    double cpu0 = process_cpu_seconds();
    ExploreCounts c = explore_program(p, o, [](const Failure&) { return true; });
    double cpu = process_cpu_seconds() - cpu0;
    e.executions.add(static_cast<double>(c.executions));
    e.cpu.add(cpu);
    e.capped += c.incomplete;
    e.nondeterminism += c.nondeterminism;
    if (c.executions > e.max_executions) e.max_executions = c.executions, e.max_index = i;
    if (each) fmt::print("program {}: {} executions, {:.3f} CPU-s\n", i, c.executions, cpu);
    std::fflush(stdout);
    return true;
  });
  auto n = static_cast<double>(e.space);
  fmt::print("{} programs of {} ops over [{}]; sample: shard {}/{}, part {}/{}: {} programs, bound {}, reduction {}\n",
             e.space, ops, alphabet_to_string(alphabet), shard_i, shard_m, part, parts, e.executions.n, o.bound,
             reduction_name(o.reduction));
  fmt::print("executions per program {:.1f} +- {:.1f} (standard error; largest {} at program {}); "
             "the space: {:.4g} +- {:.2g} executions\n",
             e.executions.mean, e.executions.standard_error(), e.max_executions, e.max_index, n * e.executions.mean,
             n * e.executions.standard_error());
  fmt::print("CPU-s per program {:.4f} +- {:.4f}; the space: {:.4g} +- {:.2g} CPU-s, {:.3g} h on 2 cores\n", e.cpu.mean,
             e.cpu.standard_error(), n * e.cpu.mean, n * e.cpu.standard_error(), n * e.cpu.mean / 2 / 3600);
  fmt::print("{} programs stopped at --executions (then a lower bound), {} nondeterminism events\n", e.capped,
             e.nondeterminism);
  return e.nondeterminism == 0 ? 0 : 1;
}
