// ctxcheck_fingerprint: the behaviour of the harness as one list of lines, for refactors
// that must not change it. Every line is one execution: its mode, case index, verdict id
// (invariant or finding ids, in order), outcome and trace hash; shrink lines add the shrunk
// program's size and hash. Two builds (two commits, or g++ and clang) behave the same iff
// their fingerprints are byte-identical:
//
//   ctxcheck_fingerprint --count 2000 > a.txt   # on one build
//   ctxcheck_fingerprint --count 2000 > b.txt   # on another
//   cmp a.txt b.txt
//
// Modes: well-formed generated programs (faithful model, and under each fault), any
// programs with goroutines (findings, panics, internal errors), unsafe programs, and
// random fuzz inputs decoded from bytes with byte schedules (the fuzzers' path).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "harness/executor/executor.h"
#include "harness/program/fuzz_input.h"
#include "harness/program/generate.h"
#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/shrink/shrink.h"
#include "model/faults/faults.h"
#include "model/runtime/prng.h"

using namespace ctxcheck;
using namespace ctxcheck::harness;

namespace {

std::string ids(const ExecResult& r) {
  std::string s = r.violation ? std::string(name_of(r.violation->id)) : "-";
  for (const auto& f : r.findings) s += fmt::format(",{}", name_of(f.id));
  return s;
}

void line(const char* mode, uint64_t i, const ExecResult& r) {
  fmt::print("{} {} {} {} {} {:016x} steps={} obs={}\n", mode, i, verdict_name(r.verdict), ids(r),
             rt::outcome_name(r.outcome), r.trace_hash, r.stats.steps, r.observations.size());
}

void generated(const char* mode, uint64_t count, GenOptions gen, const model::FaultSet& faults,
               size_t* shrinks_left) {
  ExecOptions opts;
  opts.faults = faults;
  opts.limits.keep_events = false;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t x = i * 1000003 + std::strlen(mode);
    uint64_t seed = rt::splitmix64(x);
    Program p = generate(seed, gen);
    if (!faults.empty()) p.faults = faults.to_string();
    rt::PrngChoices choices(seed);
    ExecResult r = execute(p, choices, opts);
    line(mode, i, r);
    if (r.verdict == Verdict::Violation && *shrinks_left > 0) {
      --*shrinks_left;
      Program found = annotate(p, r, "");
      found.notes.clear();
      ShrinkResult s = shrink(found, opts, r.expect(), 5000);
      s.program.notes.clear();  // report text may change; the program and schedule may not
      fmt::print("  shrunk {} ops={} attempts={} {:016x} text={:016x}\n", s.result.expect().id(),
                 s.program.op_count(), s.stats.attempts, s.result.trace_hash,
                 std::hash<std::string>{}(print_program(s.program)));
    }
  }
}

void decoded(uint64_t count) {
  uint64_t x = 77;
  for (uint64_t i = 0; i < count; ++i) {
    std::vector<uint8_t> bytes(2 + rt::splitmix64(x) % 300);
    for (auto& b : bytes) b = static_cast<uint8_t>(rt::splitmix64(x));
    auto layout = i % 2 ? FuzzLayout::Faults : FuzzLayout::Programs;
    DecodedInput in = read_fuzz_input(layout, bytes);
    ExecResult r = execute_input(in);
    line(layout == FuzzLayout::Faults ? "bytes-faults" : "bytes", i, r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t count = 1000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--count") == 0 && i + 1 < argc) count = std::strtoull(argv[++i], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: ctxcheck_fingerprint [--count N]\n");
      return 2;
    }
  }
  size_t shrinks = 3;
  GenOptions wf;
  generated("well-formed", count, wf, {}, &shrinks);
  GenOptions any;
  any.well_formed = false;
  generated("any", count, any, {}, &shrinks);
  GenOptions unsafe = any;
  unsafe.unsafe = true;
  generated("unsafe", count / 4, unsafe, {}, &shrinks);
  for (model::Fault f : model::all_faults()) {
    model::FaultSet fs = model::FaultSet::of(f);
    size_t fault_shrinks = 1;
    std::string mode = fmt::format("fault:{}", model::name_of(f));
    generated(mode.c_str(), count / 10, wf, fs, &fault_shrinks);
  }
  decoded(count);
  return 0;
}
