// The executor: runs one program on the context model under one choice source and a
// fault set, checking invariants as it goes, and returns an ExecResult.
//
// When the checks run (each invariant and finding lives in harness/invariants, and its
// catalog row says when: step, cancel-return, observe, quiescence, end):
//   * after every scheduling point whose step changed the model: residue, acyclic,
//     done-err, deadline order, afterfunc at-most-once (cheap, over a ModelView);
//   * when a program cancel returns: propagation to what was registered below it;
//   * after `wait`: Err is set once Done is closed (done-err, reader's view);
//   * at `observe value`/`observe err` on WithoutCancel: value;
//   * at quiescence (every goroutine blocked or done, no timer left): propagation,
//     deadline expiry, afterfunc, goroutine-leak, and the program findings;
//   * at the end (program references dropped, GC cycles with the finalizer goroutine, the
//     clock stopped): finalizer-delay and heap-leak.
//
// Where the code is: executor.cpp runs an execution and records what checks report;
// interp.{h,cpp} is the interpreter (scripts, ops, handles); forced_order.{h,cpp} the
// op-level order export-go forces; the model view and its digest are
// harness/invariants/view.{h,cpp}, the end phase harness/invariants/end_phase.{h,cpp}.
// A violation stops the execution at once; findings are collected.
#pragma once

#include <stdexcept>

#include "harness/executor/result.h"
#include "harness/invariants/checks.h"
#include "harness/executor/fuzz_input.h"
#include "harness/program/program.h"
#include "model/faults/faults.h"
#include "model/runtime/choice.h"
#include "model/runtime/runtime.h"

namespace ctxcheck::harness {

struct ExecOptions {
  model::FaultSet faults;
  InvariantSet invariants = all_invariants();
  rt::Limits limits;
  bool end_phase = true;  // GC-based checks (finalizer-delay, heap-leak)
  // The per-step checks look only at the contexts each step changed (InvariantChecker's
  // incremental after_step); false: at the whole view after every step, as the incremental
  // ones are tested against (ctxcheck_incremental_check). Verdicts are the same.
  bool incremental_checks = true;
  // Run the scripts' steps in exactly this op-level order (ExecResult::op_events of another
  // run), as export-go's Go test does: each step waits for its turn, an op runs without any
  // other script's op in between, and when the clock has moved the step first lets every
  // timer callback due finish (the Go test waits for due timers the same way). Internal
  // goroutines (timer callbacks, watchers) still run whenever the choice source says. A
  // step that never gets its turn stays blocked (BlockKind::Turn); compare op_events.
  const std::vector<OpEvent>* forced_order = nullptr;
  // Reports that draw (replay --dot, --timeline, --gctrace): a tree with every finding,
  // and the execution's event log. Off by default: no cost per step without them.
  bool record_pictures = false;
  bool record_timeline = false;
};

// A program the model cannot run to a verdict: its context tree is deeper than the model's
// goroutines can follow (model::kMaxForwardDepth nested context calls; Go's stacks grow,
// the fibers' do not). It is neither a violation of the model nor a finding about the
// program, so execute throws this instead of returning a verdict (the CLI: exit 2 with the
// message). A nest that deep because a parent chain or a children map closes a cycle is
// the model's bug and stays a `termination` violation (or an `acyclic` one before it).
struct ModelLimit : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws ModelLimit (above).
ExecResult execute(const Program& program, rt::ChoiceSource& choices, const ExecOptions& opts);

// A decoded fuzz input with default options: its faults, its schedule bytes through
// rt::ByteChoices (what `ctxcheck convert` and the seed writer check inputs with).
ExecResult execute_input(const DecodedInput& in);

// Convenience: the faults named in the program header (throws std::invalid_argument
// naming an unknown fault).
model::FaultSet faults_of(const Program& program);

// What a trace records about how it ran, and so what replays it: the header's faults and
// its step limit (`max-steps:`). recorded_options throws as faults_of does;
// record_options writes `opts`'s into the header (every writer of a case calls it).
ExecOptions recorded_options(const Program& program);
void record_options(Program& program, const ExecOptions& opts);

}  // namespace ctxcheck::harness
