// Human-readable reports, and the trace file a failing case is saved as.
#pragma once

#include <string>
#include <vector>

#include "harness/executor/result.h"
#include "harness/program/program.h"

namespace ctxcheck::harness {

// Multi-line report: verdict, message, where, the context tree, the path, findings.
std::string text_report(const Program& program, const ExecResult& r);

// `program` annotated to replay `r`: expect, hash, schedule, and the report as header
// comments. Parses back to the same program.
Program annotate(const Program& program, const ExecResult& r, const std::string& headline);

// A trace's header comments without what annotate generated from an execution (each
// report: from its VIOLATION/FINDING/PASS line to its "outcome" line, and the "shrunk
// from" note): the provenance lines and a person's own comments, which outlive a re-run.
std::vector<std::string> notes_without_reports(const std::vector<std::string>& notes);

}  // namespace ctxcheck::harness
