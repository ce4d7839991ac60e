// ctxcheck_incremental_check: the incremental per-step checks (ExecOptions::incremental_checks,
// the default) against the full ones (every invariant over the whole view after every step)
// on generated programs, under the faithful model and every fault: each case runs both ways
// and must come to the same verdict, the same violation (invariant, message, step) and
// findings, the same outcome and trace hash. The first difference is printed and the exit
// code is 1.
//
//   ctxcheck_incremental_check --count 100000     # the figure in issue 18's note
//
// Case i: program kind by i (well-formed 6 in 8, any programs 1 in 8, unsafe with reparents 1
// in 8), fault by i (none, or one of the catalog's, in turn), seeded random schedule.
#include <cstdio>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "harness/catalog/verdict.h"
#include "harness/executor/executor.h"
#include "harness/program/generate.h"
#include "harness/program/text.h"
#include "harness/util/user_input.h"
#include "model/faults/faults.h"
#include "model/runtime/prng.h"

using namespace ctxcheck;
using namespace ctxcheck::harness;

namespace {

// Everything a verdict is made of, as one comparable line.
std::string outcome_line(const ExecResult& r) {
  std::string s = fmt::format("{} {} {:016x} steps={}", verdict_name(r.verdict), rt::outcome_name(r.outcome),
                              r.trace_hash, r.stats.steps);
  if (r.violation)
    s += fmt::format(" violation {} at step {}: {}", name_of(r.violation->id), r.violation->at.step,
                     r.violation->message);
  for (const auto& f : r.findings) s += fmt::format(" | finding {}: {}", name_of(f.id), f.message);
  return s;
}

struct Case {
  Program program;
  ExecOptions opts;
  uint64_t seed = 0;
};

Case make_case(uint64_t i) {
  uint64_t x = i * 0x9e3779b97f4a7c15ULL + 18;
  Case c;
  c.seed = rt::splitmix64(x);
  GenOptions gen;
  gen.ops = 4 + static_cast<uint32_t>(c.seed % 29);
  gen.goroutines = 1 + static_cast<uint32_t>((c.seed >> 8) % 4);
  if (i % 8 == 6) gen.well_formed = false;
  if (i % 8 == 7) gen.well_formed = false, gen.unsafe = true;
  c.program = generate(c.seed, gen);
  size_t fault = i % (model::kNumFaults + 1);  // 0: the faithful model
  if (fault > 0) c.opts.faults = model::FaultSet::of(static_cast<model::Fault>(fault - 1));
  c.program.faults = c.opts.faults.to_string();
  c.opts.limits.keep_events = false;
  return c;
}

std::string run_once(const Case& c, bool incremental) {
  ExecOptions o = c.opts;
  o.incremental_checks = incremental;
  rt::PrngChoices choices(c.seed);
  try {
    return outcome_line(execute(c.program, choices, o));
  } catch (const ModelLimit& e) {
    return fmt::format("model limit: {}", e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t count = 1000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
      auto n = parse_whole_number(argv[++i], 1, 100'000'000);
      if (!n) {
        std::fprintf(stderr, "ctxcheck_incremental_check: --count %s: expected a whole number in [1 - 100000000]\n",
                     argv[i]);
        return 2;
      }
      count = *n;
    } else {
      std::fprintf(stderr, "usage: ctxcheck_incremental_check [--count N]\n");
      return 2;
    }
  }
  uint64_t violations = 0, findings = 0;
  for (uint64_t i = 0; i < count; ++i) {
    Case c = make_case(i);
    std::string full = run_once(c, false), incremental = run_once(c, true);
    if (full != incremental) {
      fmt::print("case {} differs (faults [{}]):\n  full:        {}\n  incremental: {}\n{}", i, c.opts.faults.to_string(),
                 full, incremental, print_program(c.program));
      return 1;
    }
    violations += full.starts_with("violation") ? 1 : 0;
    findings += full.starts_with("finding") ? 1 : 0;
  }
  fmt::print("incremental and full checks agree on {} executions ({} violations, {} with findings)\n", count,
             violations, findings);
  return 0;
}
