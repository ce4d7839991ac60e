// Median time to kill each fault: the fault-kill matrix's invariant property and the
// oracle command property, each run from several seeds with shrinking off, until the
// first failing case. Prints one table row per fault: seeds that killed it, median cases,
// median milliseconds. Exits non-zero if a fault the matrix must kill survived a seed.
//
//   property_kill_times [--seeds N] [--budget CASES] [--oracle-budget CASES]
//                       [--only invariants|oracle]
#include <rapidcheck.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/util/user_input.h"
#include "properties/oracle/commands.h"
#include "properties/property_support.h"

namespace {

using namespace ctxcheck;

struct Run {
  bool killed = false;
  int cases = 0;
  double ms = 0;
};

template <class Body>
Run measure(const std::string& id, uint64_t seed, int budget, Body body) {
  auto t0 = std::chrono::steady_clock::now();
  auto failure = properties::run_until_failure(id, seed, budget, false, body);
  auto t1 = std::chrono::steady_clock::now();
  Run r;
  r.ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  r.killed = failure.has_value();
  r.cases = failure ? failure->numSuccess + 1 : budget;
  return r;
}

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? T{} : v[v.size() / 2];
}

std::string cell(const std::vector<Run>& runs) {
  std::vector<int> cases;
  std::vector<double> ms;
  int killed = 0;
  for (const Run& r : runs) {
    killed += r.killed;
    if (r.killed) cases.push_back(r.cases), ms.push_back(r.ms);
  }
  if (runs.empty()) return fmt::format("{:>5} {:>9} {:>10}", "n/a", "-", "-");
  if (killed == 0) return fmt::format("{:>5} {:>9} {:>10}", fmt::format("0/{}", runs.size()), "-", "-");
  return fmt::format("{:>5} {:>9} {:>10.1f}", fmt::format("{}/{}", killed, runs.size()), median(cases), median(ms));
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 5, budget = 20000, oracle_budget = 3000;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    auto number = [&] {
      const char* flag = argv[i];
      auto n = ctxcheck::harness::parse_whole_number(next(), 1, 100'000'000);
      if (!n) {
        std::fprintf(stderr, "%s needs a whole number in [1 - 100000000]\n", flag);
        std::exit(2);
      }
      return static_cast<int>(*n);
    };
    if (!std::strcmp(argv[i], "--seeds")) seeds = number();
    else if (!std::strcmp(argv[i], "--budget")) budget = number();
    else if (!std::strcmp(argv[i], "--oracle-budget")) oracle_budget = number();
    else if (!std::strcmp(argv[i], "--only")) only = next();
    else {
      std::fprintf(stderr, "usage: %s [--seeds N] [--budget CASES] [--oracle-budget CASES] [--only invariants|oracle]\n",
                   argv[0]);
      return 2;
    }
  }
  bool inv = only.empty() || only == "invariants", orc = only.empty() || only == "oracle";
  std::printf("median time to kill each fault over %d seeds (shrinking off; seeds 1..%d; budgets %d / %d cases)\n",
              seeds, seeds, budget, oracle_budget);
  std::printf("%-24s %-27s %-27s\n", "", inv ? "invariant property" : "", orc ? "oracle commands" : "");
  std::printf("%-24s %5s %9s %10s %5s %9s %10s\n", "fault", "kills", "med cases", "med ms", "kills", "med cases",
              "med ms");
  bool survived = false;
  auto t0 = std::chrono::steady_clock::now();
  for (model::Fault f : model::all_faults()) {
    std::vector<Run> a, b;
    for (int s = 1; s <= seeds; ++s) {
      if (inv) {
        harness::ExecOptions o;
        o.faults = model::FaultSet::of(f);
        o.limits.max_steps = 50000;
        a.push_back(measure(fmt::format("kill/{}/invariants", model::name_of(f)), static_cast<uint64_t>(s), budget, [&] {
          properties::Case c = *properties::gen_case(false);
          rt::ByteChoices choices(c.schedule);
          RC_ASSERT(!harness::execute(c.program, choices, o).violation.has_value());
        }));
        survived |= !a.back().killed;
      }
      // reparent-cycle closes a cycle inside WithCancel; a sequential observation then walks
      // it and overflows the fiber stack before the model's ForwardGuard limit (reported:
      // `ctxcheck replay` crashes the same way), so the oracle column skips it.
      if (orc && f != model::Fault::ReparentCycle)
        b.push_back(measure(fmt::format("kill/{}/oracle", model::name_of(f)), static_cast<uint64_t>(s), oracle_budget,
                            [&] { properties::oracle::oracle_property(model::FaultSet::of(f), false); }));
    }
    std::printf("%-24s %s %s\n", std::string(model::name_of(f)).c_str(), inv ? cell(a).c_str() : "",
                orc ? cell(b).c_str() : "");
    std::fflush(stdout);
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("total %.1f s\n", total);
  if (survived) std::printf("FAIL: a fault survived the invariant property's budget from some seed\n");
  return survived ? 1 : 0;
}
