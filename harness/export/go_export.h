// Go export: a program as a runnable Go test over the real `context` package.
//
// What the test asserts comes from the model: the program is executed on the model (with
// its recorded schedule and faults), and every `observe`/`select` result the model
// reported becomes an assertion on the same call in Go. The program is also executed
// under a number of sampled schedules; an observation whose value differs between
// schedules (a timer firing at the same instant as a sleep ends, say) is racy in the
// model and in real Go alike, so it is logged by the Go test but not asserted.
//
// Time: the model runs on a virtual clock; the Go test maps virtual time onto real time
// scaled by `scale` (1ms virtual = scale ms real), sleeps to absolute points of that
// mapped clock (no drift accumulates), and after every clock advance waits until every
// context timer due on the virtual clock has fired and its callback has finished (what
// testing/synctest does in the model). See README "From a failing case to a Go
// reproduction" for what cannot be compared.
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
// Target: Go 1.19 (Debian's golang-1.19-go). Programs that need a newer API or an op with
// no Go equivalent are rejected by go_export_unsupported with the reason.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/executor/result.h"
#include "harness/program/generate.h"
#include "harness/program/program.h"

namespace ctxcheck::harness {

inline constexpr int kGoTargetMinor = 19;  // Go 1.19

// Why `p` cannot be exported to Go 1.19, naming the op and the Go version it needs
// ("go 0, op 3: h3 = with_cancel_cause h1 needs Go 1.20 (context.WithCancelCause) ..."),
// or nullopt when it can.
std::optional<std::string> go_export_unsupported(const Program& p);

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
};

// Runs `p` on the faithful model (recorded schedule) and under `samples` other schedules;
// for a program with goroutines, the samples run with the recorded op order forced.
GoExpectations model_expectations(const Program& p, uint32_t samples = 16);

struct GoExportOptions {
  int64_t scale = 20;         // real time per unit of virtual time
  std::string test_name = "TestCtxcheckRepro";
  std::string source;         // shown in the header comment (the trace file name)
};

// The helpers every exported test uses (types, reflection, the virtual-clock mapping, the
// turns): harness/export/go_helpers.go under `package_name`. Emitted once per Go file.
std::string go_preamble(const std::string& package_name = "ctxcheck_test");

// One program as `func <fname>(t *testing.T)` (no helpers). `p` must be exportable.
std::string go_program_func(const Program& p, const GoExpectations& e, const std::string& fname,
                            int64_t scale);

// Whether the program's Go function must not run in parallel with others (it observes
// runtime.NumGoroutine or sets a finalizer).
bool go_needs_isolation(const Program& p);

// A complete, self-contained `_test.go` file for one program. Throws std::invalid_argument
// with go_export_unsupported's reason (or e.not_forceable) if `p` cannot be exported.
std::string go_test_file(const Program& p, const GoExpectations& e, const GoExportOptions& opts);

// Generating programs Go 1.19 can run (the conformance driver, the exporter's tests):
// the generator's options over the Go 1.19 API, `go` when goroutines > 1, set_finalizer
// and gc when `gc` (finalizer timing is the GC's and a collection stalls the real clock,
// so such programs run one at a time; see README).
GenOptions go_conformance_gen(uint32_t ops, uint32_t goroutines, bool gc);
// `observe cause` is Go 1.20 (context.Cause), and the generator has no switch for observe
// sub-kinds: take those ops out before the model runs the program.
void strip_cause_observations(Program& p);
// Gives `p` the schedule of one seeded random run (what a campaign would have recorded).
void record_random_schedule(Program& p, uint64_t seed);

// The duration strings the model prints ("5ms", "1500us", "0s") back to nanoseconds.
std::optional<int64_t> parse_duration_ns(const std::string& s);

}  // namespace ctxcheck::harness
