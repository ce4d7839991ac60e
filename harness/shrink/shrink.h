// The shrinker: reduces a failing program and its schedule while the same verdict (the
// same invariant, or the same finding among the execution's findings) keeps failing, until it
// is 1-minimal: removing any single op, any single goroutine script, or any single preemption
// (a non-zero decision) makes it pass or changes the verdict.
//
// Ops and schedule are shrunk together, to a fixpoint: each pass searches for a schedule with
// fewer preemptions, removes scripts and ops, simplifies arguments and moves handle operands
// up to older handles, and passes repeat until none changes anything. Candidates replay their
// recorded schedule leniently (rt::ReplayChoices: past the end, or out of range, means "no
// preemption"), so removing ops does not need the schedule to be rewritten by hand; but a
// removal shifts the decisions the schedule names, so when an interleaving failure no longer
// reproduces that way, schedules with as few preemptions as the best one has are searched
// for anew (fewest non-zero decisions first, then the earliest: the shortest schedule that
// keeps the failure). The final schedule is the one the minimal execution recorded.
#pragma once

#include <cstddef>

#include "harness/executor/executor.h"
#include "harness/program/program.h"

namespace ctxcheck::harness {

struct ShrinkStats {
  size_t attempts = 0;            // executions tried
  size_t ops_before = 0, ops_after = 0;
  size_t preemptions_before = 0, preemptions_after = 0;  // non-zero decisions
};

struct ShrinkResult {
  Program program;   // with expect, hash and schedule of `result`
  ExecResult result;
  ShrinkStats stats;
};

// `target` is the failure to keep (violation residue, finding lost-cancel): one of
// ExecResult::verdicts() of `failing`.
ShrinkResult shrink(const Program& failing, const ExecOptions& opts, const Expect& target,
                    size_t max_attempts = 50000);

}  // namespace ctxcheck::harness
