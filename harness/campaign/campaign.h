// The loop behind `ctxcheck run`: execute cases 0, 1, 2, ... until a count or a time budget
// is spent, print a progress line every second on a TTY, count what each case came to
// (the case itself hands its failure to a FailureSink), and end with a summary.
//
// Real time is read only here, for the budget and the progress line; it never reaches an
// execution. Case i is a pure function of (seed, i), so a campaign is reproducible up to the
// point the budget cut it.
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

struct CampaignOptions {
  uint64_t max_cases = 0;   // 0 = no limit
  double max_seconds = 0;   // 0 = no limit
  bool progress = false;    // print a progress line every second (stderr)
  bool stop_on_violation = false;
};

struct CampaignSummary {
  uint64_t cases = 0, violations = 0, findings = 0, written = 0;
  double seconds = 0;
  std::map<std::string, uint64_t> by_id;  // ordered: deterministic summary
  std::string first_violation_file;
  std::string to_string() const;
};

CampaignSummary run_campaign(const CampaignOptions& opts,
                             const std::function<CaseOutcome(uint64_t index)>& run_case);

}  // namespace ctxcheck::harness
