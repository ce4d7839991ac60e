// Invariant properties: on the faithful model every invariant holds for every program
// the decoder can produce and every schedule; with unsafe ops only `acyclic` may fire.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "properties/budget.h"

#include "properties/property_support.h"

namespace ctxcheck::properties {
namespace {

using harness::Invariant;

CTXCHECK_PROPERTY(Invariants, HoldOnTheFaithfulModelForEveryProgramAndSchedule) {
  Case c = *gen_case(false);
  rt::ByteChoices choices(c.schedule);
  harness::ExecOptions o;
  o.limits.max_steps = 50000;
  harness::ExecResult r = harness::execute(c.program, choices, o);
  if (r.violation) {
    std::string trace = trace_of(c.program, r, "");
    save_failure(trace, r);
    RC_LOG() << trace;
  }
  RC_ASSERT(!r.violation.has_value());
}

// An unsafe reparent legitimately breaks other invariants (a child moved under a parent
// with an earlier deadline, a registration left in the old parent). What must hold: the
// harness never crashes or hangs, and a reparent that closes a cycle is reported as
// `acyclic`, never as a hang or a stack overflow.
CTXCHECK_PROPERTY(Invariants, UnsafeProgramsNeverCrashOrHang) {
  Case c = *gen_case(true);
  rt::ByteChoices choices(c.schedule);
  harness::ExecOptions o;
  o.limits.max_steps = 50000;
  harness::ExecResult r = harness::execute(c.program, choices, o);
  bool bad = r.outcome == rt::Outcome::InternalError || (r.violation && r.violation->id == Invariant::Termination);
  if (bad) {
    std::string trace = trace_of(c.program, r, "");
    save_failure(trace, r);
    RC_LOG() << trace;
  }
  RC_ASSERT(!bad);
}

CTXCHECK_PROPERTY(Invariants, SameInputSameTrace) {
  Case c = *gen_case(false);
  harness::ExecOptions o;
  rt::ByteChoices a(c.schedule), b(c.schedule);
  RC_ASSERT(harness::execute(c.program, a, o).trace_hash == harness::execute(c.program, b, o).trace_hash);
}

}  // namespace
}  // namespace ctxcheck::properties
