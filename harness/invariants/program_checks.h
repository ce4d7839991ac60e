// The checks that read the live model and the program's own record (not only a ModelView),
// run by the interpreter at the op they are about: Err after a wait (done-err), what
// WithoutCancel and Value return (value), a key bound again with another type
// (shadowed-key), and what the run's outcome says (program-panic, parked-forever of main,
// termination). quiescence.h and end_phase.h hold the later ones.
#pragma once

#include <optional>
#include <string>

#include "harness/invariants/checks.h"
#include "harness/invariants/program_state.h"
#include "model/runtime/runtime.h"

namespace ctxcheck::harness {

// What a check inside an execution is given.
struct CheckEnv {
  rt::Runtime& rt;
  const model::Package& pkg;
  const ProgramState& program;
  const ModelView& view;  // for names in messages (ModelView::name); refilled by the caller
  InvariantChecker& checker;
  Recorder& out;
};

// done-err, reader's view: after `wait` (or a select that saw Done) on handle h, Err is set.
// Calls c->Err(), a model call with its scheduling points, at the caller's place.
void check_err_after_done(const CheckEnv& env, model::Context* c, uint32_t h);

// value: a WithoutCancel context (handle h) reports no Err and a nil Done.
void check_without_cancel_err(const CheckEnv& env, uint32_t h, model::Context* c, model::Error err);
void check_without_cancel_done(const CheckEnv& env, uint32_t h, model::Context* c, const rt::Chan* done);
// value: Value(key) on handle h returned `got`; the nearest binding in the program's chain
// of handles is what it must return.
void check_value(const CheckEnv& env, uint32_t h, ValueKey key, std::optional<int64_t> got,
                 model::Context* c);

// The with_value op whose binding Value(key) on handle h must return (the nearest on the
// program's chain of handles), or null.
const Op* nearest_binding(const std::vector<Handle>& handles, uint32_t h, ValueKey key);

// shadowed-key: `op` (a with_value) rebinds a key (same type, same value) that the chain
// already binds, with a value of another type. builtin-key: its key has a built-in type.
void check_shadowing(const CheckEnv& env, const Op& op);

// What a run's outcome says once no check stopped it: a normal or pruned end says nothing;
// main parked forever and a panic of the context package are findings about the program;
// any other end is a termination violation.
struct OutcomeCheck {
  std::optional<Finding> finding;
  std::string finding_message;
  std::optional<Violation> violation;
};
OutcomeCheck check_outcome(const rt::RunResult& run);

}  // namespace ctxcheck::harness
