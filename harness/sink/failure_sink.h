// Where every failure goes, from found to written: shrink (violations, unless turned off)
// -> annotate (expect, hash, schedule, the report as header comments, a headline) -> name
// (<id>-<trace hash>) -> dedupe -> atomic write into an output directory.
//
// `ctxcheck run` and `ctxcheck explore` hand it each failing execution. The fuzz crash path
// (a fuzz target's crash handler, then `ctxcheck convert` and `ctxcheck shrink` as
// ci/overnight runs them) uses its steps on one case with a path of its own.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/executor/executor.h"
#include "harness/catalog/verdict.h"
#include "harness/program/program.h"
#include "harness/shrink/shrink.h"

namespace ctxcheck::harness {


// A failing case, ready to be written.
struct FailureCase {
  Expect verdict;
  bool shrunk = false;
  Program program;    // the (shrunk) program with its failing schedule
  ExecResult result;  // what it came to
  std::string stem;   // file name without ".trace": "residue-4f2a19c0d1e2f3a4"
  std::string signature;  // case_signature: equal signatures are the same failure
  std::string text;   // the trace file: annotated, headline first
  ShrinkStats stats;  // when shrunk
};

// The steps, each usable alone.
// "<id>-<hash as 16 hex digits>": equal stems are the same failure.
std::string case_stem(const Expect& verdict, uint64_t trace_hash);
// `p`'s scripts with handles and scripts renumbered in the order they first appear, depth
// first through each `go` (as the byte decoder numbers them): `h5 = with_cancel h2` reads as
// `h2 = with_cancel h1` when those are the first two handles.
Program canonical_program(const Program& p);
// What makes two cases the same failure: the verdict, the faults, the canonical program and
// the schedule.
std::string case_signature(const Expect& verdict, const Program& p);
// As found: `program` annotated to replay `r`.
FailureCase annotated_case(const Program& program, const ExecResult& r, const std::string& headline);
// Shrunk to a 1-minimal case that keeps failing with `target`.
FailureCase shrunk_case(const Program& failing, const ExecOptions& opts, const Expect& target,
                        const std::string& headline);
// The program of a shrink result, annotated: `target` as its expect: line, trailing
// no-preemption choices dropped, and a note on how much shrinking removed.
Program shrunk_program(const ShrinkResult& s, const Expect& target, const std::string& headline);
// Writes c.text to `path` atomically (a crash never leaves half a file); refuses to
// overwrite any of `inputs` (harness/util/atomic_file.h).
void write_case(const std::string& path, const FailureCase& c, const std::vector<std::string>& inputs = {});

struct SinkOptions {
  ExecOptions exec;            // how shrink candidates run
  bool shrink = true;          // shrink violations (and findings it writes) before naming them
  std::string out_dir;         // "" = write nothing
  bool write_findings = true;  // also write cases whose verdict is a finding
};

class FailureSink {
 public:
  explicit FailureSink(SinkOptions o) : o_(std::move(o)) {}

  // Creates the output directory now (run does, so an empty campaign leaves it behind).
  void create_out_dir() const;

  // Shrinks (a violation, or a finding it will write, when shrinking is on) or annotates,
  // and names. `failing` carries the schedule that fails (annotate(p, r, "") gives one).
  FailureCase prepare(const Program& failing, const ExecResult& r, const std::string& headline) const;

  struct Kept {
    bool first = false;    // the first case of this stem in this sink
    bool written = false;  // a new file was written
    std::string path;      // the case's file ("" when the sink writes nothing for it)
  };
  // Dedupes by signature and by stem, and writes out_dir/<stem>.trace for the first case,
  // unless such a file exists already (a case found before, maybe by an earlier run, is
  // never overwritten).
  Kept keep(const FailureCase& c);

  // Every stem kept so far, in name order: how many cases came to it and its file.
  struct KeptCase {
    Expect verdict;
    uint64_t count = 0;    // cases that came to this stem
    std::string path;      // "" when not written (no --out, or a finding not saved)
    bool written = false;  // written by this sink (not found on disk already)
  };
  const std::map<std::string, KeptCase>& kept() const { return kept_; }

 private:
  SinkOptions o_;
  std::map<std::string, KeptCase> kept_;                  // by stem
  std::map<std::string, std::string> stem_of_signature_;  // the stem a signature came to first
};

}  // namespace ctxcheck::harness
