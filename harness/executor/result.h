// What one execution of a program returns: the verdict, the violation or findings with
// their pictures, what the program observed, and the statistics. Plain data: reports
// (text, JSON, DOT) and the CLI read it; nothing here points into the model.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/catalog/catalog.h"
#include "harness/catalog/finding_detail.h"
#include "harness/catalog/verdict.h"
#include "model/runtime/choice.h"
#include "model/runtime/runtime.h"

namespace ctxcheck::harness {

// A neutral picture of the context tree at one moment, taken from the model by the
// executor; harness/report renders it (ASCII, DOT).
struct TreeNode {
  uint32_t id = 0;               // stable context id (creation order)
  int64_t parent = -1;           // id of the embedded parent Context, -1 for roots
  std::string kind;              // "cancelCtx", "timerCtx", "valueCtx", ...
  std::string handle;            // program handle naming it ("h3"), may be empty
  std::string state;             // "active", "canceled: context canceled (cause ...)"
  bool canceled = false;         // Err() != nil
  std::vector<uint32_t> children;  // ids registered in its children map, map order
  bool highlight = false;        // involved in the violation
  bool finalized = false;
  bool freed = false;
  std::string name;              // what reports call it: the handle, else a model name ("ctx7")
};

// Where in the program something happened.
struct ProgramPoint {
  int32_t script = -1;  // -1: the harness (epilogue, GC phases)
  int32_t op = -1;      // op index within the script
  uint64_t step = 0;    // runtime scheduling step
  uint32_t goroutine = rt::kNoGo;
};

struct ViolationReport {
  Invariant id{};
  std::string message;
  ProgramPoint at;
  std::vector<TreeNode> tree;       // the context tree at that moment
  std::string path;                 // retention path (leaks) or cycle (acyclic), if any
};

struct FindingReport {
  Finding id{};
  std::string message;
  ProgramPoint at;
  std::string path;                 // retention path / cycle, if any (text)
  FindingDetail detail;             // the path node by node, the contexts it is about
  std::vector<TreeNode> tree = {};  // the tree when it was found (ExecOptions::record_pictures)
};

// One `observe` op's result, in program order of execution.
struct Observation {
  int32_t script = 0;
  int32_t op = 0;
  std::string what;   // "err h3"
  std::string value;  // "context canceled"
  // The model settled a race one way that Go can settle either way: a select whose timeout
  // falls on the instant its context's deadline expires is always "timeout" here (the
  // select's timer wakes it before the context's timer goroutine closes Done); Go can
  // answer "done" too. `alternative` is the other answer.
  std::string alternative;
};

// One step of a script as the program sees it, in the order they ran: an op starts, a
// blocking op (wait, select, sleep) returns, or a deferred cancel runs at the script's end.
// The sequence is the interleaving at op granularity (what export-go forces in real Go).
enum class OpPhase : uint8_t { Begin, Resume, Deferred };
struct OpEvent {
  int32_t script = 0;
  int32_t op = 0;         // for Deferred: the index of the `defer cancel` op
  OpPhase phase = OpPhase::Begin;
  int64_t vtime = 0;      // virtual ns since the epoch when it ran
  bool operator==(const OpEvent&) const = default;
};
// "", " returns", " runs (deferred)": how a step's phase reads after its op.
const char* phase_suffix(OpPhase ph);
// "go 1, op 3 returns at 10ms" for messages.
std::string describe_event(const OpEvent& e);

// What a timeline draws (ExecOptions::record_timeline; empty otherwise): the runtime's
// events with the virtual time each happened at, the goroutines, the GC cycles, and when
// each context was canceled and by which goroutine.
struct TimelineGoroutine {
  uint32_t id = 0;
  rt::GoKind kind = rt::GoKind::Program;
  std::string label;
  int32_t script = -1;  // the script a program goroutine runs
};
struct TimedEvent {
  rt::Event ev;
  int64_t vtime = 0;  // virtual ns since the epoch
};
struct Cancellation {
  uint32_t ctx = 0;
  std::string name;   // the context's name in reports
  uint32_t goroutine = rt::kNoGo;
  size_t event = 0;   // index in TimelineLog::events it came after
  int64_t vtime = 0;
};
struct TimelineLog {
  std::vector<TimelineGoroutine> goroutines;
  std::vector<TimedEvent> events;
  std::vector<rt::GcStats> gc;        // cycle i + 1
  std::vector<int64_t> gc_vtime;      // when cycle i + 1 ran
  std::vector<Cancellation> cancels;  // in the order they happened
  std::vector<int64_t> parent_of;     // by context id, when it was canceled (-1: a root)
};

struct ExecStats {
  uint64_t steps = 0, decisions = 0;
  uint32_t goroutines = 0, max_live = 0, gc_cycles = 0, contexts = 0;
  uint64_t peak_heap = 0;
  int64_t virtual_ns = 0;
};

struct ExecResult {
  Verdict verdict = Verdict::Pass;
  std::optional<ViolationReport> violation;
  std::vector<FindingReport> findings;
  std::vector<Observation> observations;
  std::vector<OpEvent> op_events;       // the op-level interleaving (see OpEvent)
  std::vector<rt::Decision> decisions;  // the schedule, replayable
  uint64_t trace_hash = 0;
  rt::Outcome outcome = rt::Outcome::Ok;
  std::string outcome_message;
  // The GC cycles of the gc ops and the end phase; gc_trace() formats them as gctrace
  // lines only when a report asks (most executions are never reported).
  std::vector<rt::GcStats> gc_cycles;
  std::vector<std::string> gc_trace() const;
  std::optional<TimelineLog> timeline;  // only with ExecOptions::record_timeline
  std::map<uint32_t, uint32_t> afterfunc_runs;  // after_func handle -> how often its f ran
  ExecStats stats;

  // The verdict and what it names: the violation, else the first finding, else pass.
  Expect expect() const;
  // Every verdict it came to: the violation; else each finding (distinct, in order); else pass.
  std::vector<Expect> verdicts() const;
  // Whether a trace expecting `e` reproduced: e == expect(), or e is one of the findings.
  bool reproduces(const Expect& e) const;
};

}  // namespace ctxcheck::harness
