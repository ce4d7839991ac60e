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
// programs with goroutines (findings, panics), unsafe programs, any programs under a step
// limit low enough to be hit (termination violations), any programs with an
// internal error injected at a scheduling point (the abort path of a ctxcheck bug: the model
// has no known one left), and random fuzz inputs decoded from bytes with byte schedules
// (the fuzzers' path).
//
// --digest folds the lines into one line per mode and chunk of 1,000 cases: a hash of those
// lines and the counts of each verdict and outcome, so a short file shows what the run
// covers. --check FILE compares the digest with FILE and prints the chunks that differ.
// The ctest determinism.fingerprint checks harness/tests/vectors/fingerprint_digest.txt on
// every compiler build: g++ and clang matching one golden file means they agree. When a
// change of behaviour is intended (and said in the commit), regenerate it with
//
//   build/g++/harness/ctxcheck_fingerprint --digest --count 10000 > harness/tests/vectors/fingerprint_digest.txt
//
// and check that the clang build matches it too. To find the execution behind a differing
// chunk, diff the lines (no --digest) of the two builds for that mode.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/executor/executor.h"
#include "harness/executor/fuzz_input.h"
#include "harness/program/generate.h"
#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/shrink/shrink.h"
#include "model/faults/faults.h"
#include "model/runtime/prng.h"
#include "model/runtime/errors.h"
#include "harness/util/user_input.h"

using namespace ctxcheck;
using namespace ctxcheck::harness;

namespace {

constexpr uint64_t kChunk = 1000;  // cases per digest line

// FNV-1a: the same on every compiler and standard library (std::hash is not).
uint64_t fnv1a(std::string_view s, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::string ids(const ExecResult& r) {
  std::string s = r.violation ? std::string(name_of(r.violation->id)) : "-";
  for (const auto& f : r.findings) s += fmt::format(",{}", name_of(f.id));
  return s;
}

using Counts = std::map<std::string, uint64_t>;  // ordered: the digest lists them by name

std::string counts_text(const Counts& c) {
  std::string s;
  for (const auto& [name, n] : c) s += fmt::format("{}{}={}", s.empty() ? "" : " ", name, n);
  return s;
}

// Where the lines go: printed as they come, or folded into one digest line per group of
// lines (a mode) and chunk of kChunk cases.
class Sink {
 public:
  explicit Sink(bool digest) : digest_(digest) {}

  void execution(std::string_view group, std::string_view mode, uint64_t i, const ExecResult& r) {
    if (group != group_ || i / kChunk != chunk_) {
      flush();
      group_ = group;
      chunk_ = i / kChunk;
    }
    emit(fmt::format("{} {} {} {} {} {:016x} steps={} obs={}\n", mode, i, verdict_name(r.verdict), ids(r),
                     rt::outcome_name(r.outcome), r.trace_hash, r.stats.steps, r.observations.size()));
    ++cases_;
    for (Counts* c : {&verdicts_, &total_verdicts_}) ++(*c)[verdict_name(r.verdict)];
    for (Counts* c : {&outcomes_, &total_outcomes_}) ++(*c)[rt::outcome_name(r.outcome)];
  }

  // A line that belongs to the current chunk (a shrink result).
  void extra(const std::string& line) {
    emit(line);
    ++extras_;
  }

  // The digest: every chunk, then the totals over all of them.
  std::string digest() {
    flush();
    return out_ + fmt::format("total executions={} verdicts[{}] outcomes[{}]\n", total_cases_,
                              counts_text(total_verdicts_), counts_text(total_outcomes_));
  }

 private:
  void emit(const std::string& line) {
    if (digest_) hash_ = fnv1a(line, hash_);
    else fmt::print("{}", line);
  }

  void flush() {
    if (cases_ > 0 && digest_)
      out_ += fmt::format("{} {}-{} hash={:016x} verdicts[{}] outcomes[{}] shrunk={}\n", group_, chunk_ * kChunk,
                          chunk_ * kChunk + cases_ - 1, hash_, counts_text(verdicts_), counts_text(outcomes_),
                          extras_);
    total_cases_ += cases_;
    cases_ = extras_ = 0;
    hash_ = fnv1a("");
    verdicts_.clear();
    outcomes_.clear();
  }

  bool digest_;
  std::string group_;
  uint64_t chunk_ = 0, cases_ = 0, extras_ = 0, total_cases_ = 0;
  uint64_t hash_ = fnv1a("");
  Counts verdicts_, outcomes_, total_verdicts_, total_outcomes_;
  std::string out_;
};

// Answers as PrngChoices, and throws an InternalError at the k-th preemptive decision (made
// inside a goroutine, never while it unwinds), as a ctxcheck bug found mid-execution would.
class InjectedInternalError final : public rt::ChoiceSource {
 public:
  InjectedInternalError(uint64_t seed, uint32_t fail_at) : prng_(seed), fail_at_(fail_at) {}
  uint32_t choose(const rt::ChoicePoint& p) override {
    if (p.preemptive && preemptive_seen_++ == fail_at_)
      throw rt::InternalError("internal error injected by ctxcheck_fingerprint");
    return prng_.choose(p);
  }
  rt::ExecutionNeeds begin_execution() override {
    preemptive_seen_ = 0;
    return prng_.begin_execution();
  }

 private:
  rt::PrngChoices prng_;
  uint32_t fail_at_;
  uint32_t preemptive_seen_ = 0;
};

struct Mode {
  std::string name;
  uint64_t count;
  GenOptions gen;
  model::FaultSet faults;
  size_t* shrinks_left;         // violations still to shrink (shared between modes)
  bool tight_limits = false;    // a step limit low enough to be hit
  bool inject_internal = false;  // InjectedInternalError instead of PrngChoices
};

void shrink_line(Sink& sink, const Program& p, const ExecResult& r, const ExecOptions& opts) {
  Program found = annotate(p, r, "");
  found.notes.clear();
  ShrinkResult s = shrink(found, opts, r.expect(), 5000);
  s.program.notes.clear();  // report text may change; the program and schedule may not
  sink.extra(fmt::format("  shrunk {} ops={} attempts={} {:016x} text={:016x}\n", s.result.expect().id(),
                         s.program.op_count(), s.stats.attempts, s.result.trace_hash,
                         fnv1a(print_program(s.program))));
}

void generated(Sink& sink, const Mode& m) {
  ExecOptions opts;
  opts.faults = m.faults;
  opts.limits.keep_events = false;
  for (uint64_t i = 0; i < m.count; ++i) {
    uint64_t x = i * 1000003 + m.name.size();
    uint64_t seed = rt::splitmix64(x);
    Program p = generate(seed, m.gen);
    if (!m.faults.empty()) p.faults = m.faults.to_string();
    if (m.tight_limits) opts.limits.max_steps = 20 + seed % 120;
    rt::PrngChoices prng(seed);
    InjectedInternalError injected(seed, static_cast<uint32_t>(seed >> 40) % 16);
    rt::ChoiceSource& choices = m.inject_internal ? static_cast<rt::ChoiceSource&>(injected) : prng;
    ExecResult r = execute(p, choices, opts);
    sink.execution(m.name, m.name, i, r);
    if (r.verdict == Verdict::Violation && *m.shrinks_left > 0) {
      --*m.shrinks_left;
      shrink_line(sink, p, r, opts);
    }
  }
}

void decoded(Sink& sink, uint64_t count) {
  uint64_t x = 77;
  for (uint64_t i = 0; i < count; ++i) {
    std::vector<uint8_t> bytes(2 + rt::splitmix64(x) % 300);
    for (auto& b : bytes) b = static_cast<uint8_t>(rt::splitmix64(x));
    auto layout = i % 2 ? FuzzLayout::Faults : FuzzLayout::Programs;
    DecodedInput in = read_fuzz_input(layout, bytes);
    ExecResult r = execute_input(in);
    sink.execution("bytes", layout == FuzzLayout::Faults ? "bytes-faults" : "bytes", i, r);
  }
}

void run_all(Sink& sink, uint64_t count) {
  size_t shrinks = 3;
  GenOptions wf;
  GenOptions any;
  any.well_formed = false;
  GenOptions unsafe = any;
  unsafe.unsafe = true;
  generated(sink, {"well-formed", count, wf, {}, &shrinks});
  generated(sink, {"any", count, any, {}, &shrinks});
  generated(sink, {"unsafe", count / 4, unsafe, {}, &shrinks});
  for (model::Fault f : model::all_faults()) {
    size_t fault_shrinks = 1;
    generated(sink, {fmt::format("fault:{}", model::name_of(f)), count / 10, wf, model::FaultSet::of(f), &fault_shrinks});
  }
  decoded(sink, count);
  size_t limit_shrinks = 1, no_shrinks = 0;
  generated(sink, {"any-limits", count / 4, any, {}, &limit_shrinks, /*tight_limits=*/true});
  generated(sink, {"any-internal", count / 4, any, {}, &no_shrinks, false, /*inject_internal=*/true});
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// 0 when `got` equals the golden file; otherwise prints every line that differs.
int check(const std::string& got, const char* path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "ctxcheck_fingerprint: cannot read %s\n", path);
    return 2;
  }
  std::stringstream want;
  want << in.rdbuf();
  if (want.str() == got) {
    fmt::print("fingerprint digest matches {}\n", path);
    return 0;
  }
  std::vector<std::string> w = split_lines(want.str()), g = split_lines(got);
  fmt::print("fingerprint digest differs from {} (this build behaves differently):\n", path);
  for (size_t i = 0; i < std::max(w.size(), g.size()); ++i) {
    const std::string& a = i < w.size() ? w[i] : "(none)";
    const std::string& b = i < g.size() ? g[i] : "(none)";
    if (a != b) fmt::print("  want: {}\n  got:  {}\n", a, b);
  }
  fmt::print("diff the lines (no --digest) of two builds to find the execution; regenerate the file\n"
             "only for an intended change (see harness/tests/fingerprint_main.cpp)\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t count = 1000;
  bool digest = false;
  const char* golden = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
      auto n = ctxcheck::harness::parse_whole_number(argv[++i], 1, 100'000'000);
      if (!n) {
        std::fprintf(stderr, "ctxcheck_fingerprint: --count %s: expected a whole number in [1 - 100000000]\n", argv[i]);
        return 2;
      }
      count = *n;
    } else if (std::strcmp(argv[i], "--digest") == 0) digest = true;
    else if (std::strcmp(argv[i], "--check") == 0 && i + 1 < argc) digest = true, golden = argv[++i];
    else {
      std::fprintf(stderr, "usage: ctxcheck_fingerprint [--count N] [--digest | --check GOLDEN_FILE]\n");
      return 2;
    }
  }
  Sink sink(digest);
  run_all(sink, count);
  if (!digest) return 0;
  std::string d = sink.digest();
  if (golden) return check(d, golden);
  fmt::print("{}", d);
  return 0;
}
