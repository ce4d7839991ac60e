// An execution as a timeline (ExecResult::timeline, recorded with
// ExecOptions::record_timeline): Chrome/Perfetto trace-event JSON, a small self-contained
// HTML viewer of the same events, and Go's gctrace lines.
//
// The JSON (schema: harness/report/timeline.schema.json): one process; a track (tid) per
// goroutine, named by thread_name metadata (tid 0: the runtime itself, where the clock and
// timers live); on it the goroutine's life, each op and each blocking wait as complete
// slices (ph X), nested; timer fires and GC cycles as instants (ph i) with their numbers;
// each cancellation as a short slice, and a flow (ph s -> f) from a parent's cancellation
// to each cancellation it caused. ts is virtual time in µs; steps that ran at the same
// virtual instant are spread 1 ns apart in their order, so every slice has a width and
// slices on a track never overlap except by nesting. args.vtime_ns is the exact time.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/executor/result.h"
#include "harness/program/program.h"

namespace ctxcheck::harness {

// Throws std::logic_error when `r` has no timeline recorded.
nlohmann::json timeline_json(const Program& program, const ExecResult& r, const std::string& title);

// One HTML file that draws `timeline` (timeline_json's) without any network access.
std::string timeline_html(const nlohmann::json& timeline);

// Go's GODEBUG=gctrace=1 lines, one per GC cycle, at virtual time:
// "gc 1 @0.010s: 1040->1040->980 B, 14->13 objects, 1 freed, 0 finalizers queued, 0 run (forced)".
std::vector<std::string> gctrace_lines(const ExecResult& r);

}  // namespace ctxcheck::harness
