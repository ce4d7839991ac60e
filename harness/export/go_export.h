// Go export: a program as a runnable Go test over the real `context` package.
//
// What the test asserts comes from the model: the program is executed on the model (with
// its recorded schedule and faults), and every `observe`/`select` result the model
// reported becomes an assertion on the same call in Go. The program is also executed
// under a number of sampled schedules; an observation whose value differs between
// schedules (a timer firing at the same instant as a sleep ends, say) is racy in the
// model and in real Go alike, so it is logged by the Go test but not asserted.
//
// Time: the model runs on a virtual clock; the Go test maps it onto real time in order
// (GoClock): the distinct virtual instants the model's runs reach (op times, deadlines,
// ends of sleeps and selects) become real instants, consecutive ones their virtual gap ×
// `scale` apart but never less than kGoSpacingNs nor more than kGoCapNs, so a 1h timeout
// takes 200ms and two instants 1us apart are still 20ms apart. The test sleeps to absolute
// points of that mapped clock (no drift accumulates), and after every clock advance waits
// until every context timer due on the virtual clock has fired and its callback finished
// (what testing/synctest does in the model). Every real-time limit is the mapped time of
// the awaited event plus a margin. See README "From a failing case to a Go reproduction".
//
// Findings: what the model finds about the program is asserted in Go too: a lost cancel
// (the context is still uncanceled and in its parent's children map at the end), a
// goroutine parked forever (Done still open when the program is over), a finalizer in a
// cycle (it has not run after GC).
//
// Goroutines: the model's run is recorded at op granularity (ExecResult::op_events: which
// script's op started or returned, in which order, at which virtual time). The Go test
// forces that order with turns (a step waits until every earlier step ran; a blocking op's
// start and return are two steps, so other goroutines run while it blocks). What the test
// asserts is what the model observes when it is run with that same order forced
// (ExecOptions::forced_order) under sampled schedules of the remaining nondeterminism
// (timer callbacks, watchers); an interleaving inside an op cannot be forced in real Go, so
// observations the recorded schedule shows differently are listed (GoExpectations::
// not_reproduced), and a program whose order the forced model cannot follow is refused.
//
// Target: Go 1.23 (Debian's golang-1.23-go from bookworm-backports), the whole API; or
// Go 1.19 (golang-1.19-go, `--go 1.19`). Programs that need a newer API than the target or
// an op with no Go equivalent (the unsafe reparent) are rejected by go_export_unsupported
// with the reason.
//
// Unmasked: the model run the test asserts runs with every invariant recording, not
// stopping (GoExpectations::violations): a violation at op k does not hide the observations
// after it. A run that still stops early (a panic, the step limit) is never exported.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harness/executor/result.h"
#include "harness/program/generate.h"
#include "harness/program/program.h"
#include "model/faults/faults.h"

namespace ctxcheck::harness {

inline constexpr int kGoDefaultMinor = 23;  // Go 1.23: export-go's default target
inline constexpr int kGoOldestMinor = 19;   // Go 1.19: the oldest target (`--go 1.19`)

// Why `p` cannot be exported to Go 1.<target_minor>, naming the op and the Go version it
// needs ("go 0, op 3 (h3 = after_func h1 nop) needs Go 1.21 (context.AfterFunc); --go 1.19
// given"), or nullopt when it can.
std::optional<std::string> go_export_unsupported(const Program& p, int target_minor = kGoDefaultMinor);

// The smallest Go minor version (1.x) the program's API needs (19 for the 1.19 subset).
int go_minor_needed(const Program& p);

// What the model reported, as the Go test will assert it.
struct GoExpectations {
  struct Obs {
    std::string what;    // "err h3"
    std::string value;   // the model's value under the recorded schedule
    bool stable = true;  // same value under every sampled schedule
    std::vector<std::string> others;  // other values seen when not stable
  };
  std::map<std::pair<int, int>, Obs> obs;  // (script, op) -> observation
  std::vector<uint32_t> finalizer_runs;    // set_finalizer handles whose finalizer runs
  std::vector<uint32_t> finalizer_never;   // ... whose finalizer never runs (a cycle)
  std::vector<Expect> verdicts;            // ExecResult::verdicts() under the recorded schedule
  std::string verdict;                     // as text: "pass", "violation residue", "finding a, b"
  uint32_t samples = 0;                    // schedules sampled besides the recorded one
  // Programs with goroutines only:
  std::vector<OpEvent> order;              // the op-level order the Go test forces
  std::vector<std::string> not_reproduced; // observations the forced order shows otherwise
                                           // than the recorded schedule ("go 1, op 3 ...")
  std::optional<std::string> not_forceable;  // why the order cannot be forced (then no export)
  // Every program:
  std::vector<int64_t> instants;            // distinct virtual instants (ns) the runs reach, from 0
  std::vector<uint32_t> lost_cancel;        // handles whose cancel is never called (finding lost-cancel)
  std::set<std::pair<int, int>> parked;     // (script, op) of waits the model never returns from
  struct AfterFuncRuns {
    uint32_t handle = 0;
    uint32_t runs = 0;     // how often the AfterFunc's f ran by the end
    bool stable = true;    // the same under every sampled schedule
  };
  std::vector<AfterFuncRuns> afterfunc_runs;  // every after_func handle
  // Unmasked comparison: what the invariants recorded on the run the test asserts (the run
  // went on past them: every observation is compared), and why it stopped before the
  // program's end if it did (then it is not exported: the Go would assert a partial run).
  std::vector<std::string> violations;      // "propagation at go 0, op 4: ..."
  std::optional<std::string> stopped_early;
};

// Runs `p` on the model (recorded schedule) and under `samples` other schedules; for a
// program with goroutines, the samples run with the recorded op order forced. The model is
// the faithful one unless `faults` plants bugs in it (a test that the comparison catches
// them). The verdict comes from a run with every invariant stopping at its violation; the
// observations from runs where the invariants only record (see `violations`).
GoExpectations model_expectations(const Program& p, uint32_t samples = 16, const model::FaultSet& faults = {});

// The mapping of a program's virtual instants onto real offsets from the test's start.
inline constexpr int64_t kGoSpacingNs = 20'000'000;  // the least real gap between two instants
inline constexpr int64_t kGoCapNs = 200'000'000;     // the most: a long idle stretch is cut to it
struct GoClock {
  int64_t scale = 0;          // real ns per virtual ns for gaps between the two bounds
  std::vector<int64_t> virt;  // e.instants
  std::vector<int64_t> real;  // real[0] = 0; real[i] - real[i-1] = clamp(gap × scale, spacing, cap)
};
// The default scale, chosen from the program: its shortest gap between two instants maps to
// the spacing (1ms gaps: 20, as a fixed 1ms = 20ms mapping), within [1, 1000].
int64_t go_default_scale(const GoExpectations& e);
GoClock go_clock(const GoExpectations& e, int64_t scale /* 0: go_default_scale */);

struct GoExportOptions {
  int64_t scale = 0;          // see GoClock; 0: chosen from each program
  std::string test_name = "TestCtxcheckRepro";
  std::string source;         // shown in the header comment (the trace file name)
  std::string package_name = "ctxcheck_test";
  bool inline_helpers = true; // a self-contained file; false: the helpers are go_helpers_file's
  int go_minor = kGoDefaultMinor;  // the Go 1.x the file is for (its header says so)
};

// The helpers every exported test uses (types, reflection, the virtual-clock mapping, the
// turns): harness/export/go_helpers.go under `package_name`. Emitted once per Go file.
std::string go_preamble(const std::string& package_name = "ctxcheck_test");

// The first line of every file export-go writes: a file without it is the user's and is
// never overwritten.
inline constexpr std::string_view kGoGeneratedMarker = "// Code generated by ctxcheck export-go; DO NOT EDIT.";
inline constexpr std::string_view kGoHelpersFile = "ctxcheck_helpers_test.go";
bool is_export_go_file(const std::string& text);
// The helpers as a file of their own (kGoHelpersFile), shared by every exported test of a
// package: the same bytes for the same package, so writing it again changes nothing.
std::string go_helpers_file(const std::string& package_name);

// The package a Go source file declares ("" when it has no package clause).
std::string go_package_clause(const std::string& text);
// The package the .go files of `dir` already declare: that of its non-test files; else that
// of its _test.go files, an external `x_test` giving way to `x`; nullopt when there are none.
// Files marked `//go:build ignore` (scripts run with `go run`) do not count.
// Throws std::invalid_argument when the non-test files disagree.
std::optional<std::string> go_package_in_dir(const std::filesystem::path& dir);

// One program as `func <fname>(t *testing.T)` (no helpers). `p` must be exportable.
std::string go_program_func(const Program& p, const GoExpectations& e, const std::string& fname,
                            int64_t scale /* 0: go_default_scale */);

// Whether the program's Go function must not run in parallel with others (it observes
// runtime.NumGoroutine or sets a finalizer).
bool go_needs_isolation(const Program& p);

// A complete `_test.go` file for one program (self-contained unless !opts.inline_helpers).
// Throws std::invalid_argument with go_export_unsupported's reason (or e.not_forceable) if
// `p` cannot be exported.
std::string go_test_file(const Program& p, const GoExpectations& e, const GoExportOptions& opts);

// The table-driven form: several programs as one test function with a subtest each
// (`name` is the subtest's name, `source` its trace file).
struct GoCase {
  std::string name, source;
  Program program;
  GoExpectations expect;
};
std::string go_test_file(const std::vector<GoCase>& cases, const GoExportOptions& opts);

// Generating programs Go can run (the conformance driver, the exporter's tests): the
// generator's options over every op but reparent (Go 1.23: the cause variants,
// without_cancel, after_func and stop; Go 1.19: its subset), `go` when goroutines > 1,
// set_finalizer and gc when `gc` (finalizer timing is the GC's and a collection stalls the
// real clock, so such programs run one at a time; see README).
GenOptions go_conformance_gen(uint32_t ops, uint32_t goroutines, bool gc, int go_minor = kGoDefaultMinor);
// For an older Go: `observe cause` is Go 1.20 (context.Cause), `observe string` Go 1.21's
// format, and the generator has no switch for observe sub-kinds: take the observations the
// target lacks out before the model runs the program.
void strip_observations_beyond(Program& p, int go_minor);
// Gives `p` the schedule of one seeded random run (what a campaign would have recorded).
void record_random_schedule(Program& p, uint64_t seed);

// The duration strings the model prints ("5ms", "1500us", "0s") back to nanoseconds.
std::optional<int64_t> parse_duration_ns(const std::string& s);

}  // namespace ctxcheck::harness
