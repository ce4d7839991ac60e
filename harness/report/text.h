// Human-readable reports, and the trace file a failing case is saved as.
#pragma once

#include <string>

#include "harness/executor/result.h"
#include "harness/program/program.h"

namespace ctxcheck::harness {

// Multi-line report: verdict, message, where, the context tree, the path, findings.
std::string text_report(const Program& program, const ExecResult& r);

// `program` annotated to replay `r`: expect, hash, schedule, and the report as header
// comments. Parses back to the same program.
Program annotate(const Program& program, const ExecResult& r, const std::string& headline);

}  // namespace ctxcheck::harness
