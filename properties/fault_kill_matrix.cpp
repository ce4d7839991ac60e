// The fault-kill matrix: for every fault in the catalog, the invariant property run with
// that fault on must fail within a fixed budget. A fault added to the catalog is covered
// automatically; one that no property kills fails this suite (and CI).
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <fmt/format.h>

#include "harness/shrink/shrink.h"
#include "properties/property_support.h"

namespace ctxcheck::properties {
namespace {

constexpr int kBudget = 20000;

class FaultKillMatrix : public ::testing::TestWithParam<model::Fault> {};

TEST_P(FaultKillMatrix, PropertyFailsWithinBudget) {
  model::Fault f = GetParam();
  harness::ExecOptions o;
  o.faults = model::FaultSet::of(f);
  o.limits.max_steps = 50000;
  std::string counterexample;
  // The budget: 20000 cases from a fixed seed, so CI is reproducible (RC_PARAMS
  // max_success and seed do not apply to the matrix; they do to the other properties).
  auto failure = run_until_failure(fmt::format("FaultKillMatrix/{}", model::name_of(f)), 0x5eed, kBudget, true, [&] {
    Case c = *gen_case(false);
    rt::ByteChoices choices(c.schedule);
    harness::ExecResult r = harness::execute(c.program, choices, o);
    if (r.violation) counterexample = trace_of(c.program, r, o.faults.to_string());
    RC_ASSERT(!r.violation.has_value());
  });
  ASSERT_TRUE(failure) << model::name_of(f) << " survived " << kBudget << " cases";
  // RapidCheck shrank the bytes; ctxcheck's shrinker finishes the job on the program.
  harness::Program found = harness::parse_program(counterexample);
  harness::ShrinkResult small = harness::shrink(found, o, found.expect.value());
  std::string text = harness::print_program(harness::annotate(small.program, small.result, "fault-kill matrix"));
  ASSERT_TRUE(small.result.violation) << text;
  // Quiet on a pass: the figures go to the JUnit XML, the minimal counterexample (which
  // `ctxcheck replay` reproduces) to $CTXCHECK_PROPERTY_OUT.
  RecordProperty("killed_after_cases", failure->numSuccess + 1);
  RecordProperty("minimal_ops", static_cast<int>(small.program.op_count()));
  save_named(fmt::format("kill-{}.trace", model::name_of(f)), text);
}

INSTANTIATE_TEST_SUITE_P(EveryFault, FaultKillMatrix, ::testing::ValuesIn(model::all_faults()),
                         fault_param_name);

}  // namespace
}  // namespace ctxcheck::properties
