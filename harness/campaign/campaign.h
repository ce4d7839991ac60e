// The loop behind `ctxcheck run`: execute cases 0, 1, 2, ... until a count or a time budget
// is spent, print a progress line every second on a TTY, count what each case came to
// (the case itself hands its failure to a FailureSink), and end with a summary.
//
// Real time is read only here, for the budget and the progress line; it never reaches an
// execution. Case i is a pure function of (seed, i), so a campaign is reproducible up to the
// point the budget cut it.
//
// Both cores (`run --jobs N`): a case is two halves. `evaluate(i)` is the pure part (generate,
// execute, shrink) and may run on any of N worker threads, each with its own runtime; the
// `commit` it hands back (keep the case in the sink, write its file, print it) runs on the
// calling thread in case-index order. Workers claim chunks of kChunk consecutive indices in
// order, and a claimed chunk is finished, so the cases run are always a prefix 0..K-1 of the
// index space and the first violation is the one of smallest index: the same cases, files
// and summary as one job, whatever the threads' timing (only the time budget's K varies, as
// it does with one job).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "harness/catalog/verdict.h"

namespace ctxcheck::harness {

struct CaseOutcome {
  Expect verdict;          // pass, violation <invariant>, finding <finding>
  std::string file;        // the case's trace file, if it has one
  bool written = false;    // ... written by this case (not a duplicate)
};

// What evaluate hands back: the verdict, and for a failing case what to do with it, in
// index order on the calling thread (it returns the case's outcome).
struct EvaluatedCase {
  Expect verdict;
  std::function<CaseOutcome()> commit;  // empty when the case passes
  // For every case, passing too, in index order on the calling thread (counts of what was
  // generated: only committed cases count, so they do not depend on --jobs); may be empty.
  std::function<void()> tally = {};
};

struct CampaignOptions {
  uint64_t max_cases = 0;   // 0 = no limit
  double max_seconds = 0;   // 0 = no limit
  bool progress = false;    // print a progress line every second (stderr)
  bool stop_on_violation = false;
  unsigned jobs = 1;        // worker threads evaluating cases (1 = all on the calling thread)
};

struct CampaignSummary {
  uint64_t cases = 0, violations = 0, findings = 0, written = 0;
  double seconds = 0;
  std::map<std::string, uint64_t> by_id;  // ordered: deterministic summary
  std::string first_violation_file;
  std::string to_string() const;
};

// Cases are claimed in chunks of this many consecutive indices (and the time budget is
// checked once per chunk).
inline constexpr uint64_t kChunk = 64;

CampaignSummary run_campaign(const CampaignOptions& opts,
                             const std::function<EvaluatedCase(uint64_t index)>& evaluate);

}  // namespace ctxcheck::harness
