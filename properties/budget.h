// Properties that run for a time budget (what ci/properties gives them) or, by default,
// RapidCheck's usual fixed number of cases (what ctest runs).
//
//   CTXCHECK_PROPERTY(Suite, Name) { Case c = *gen_case(false); ... RC_ASSERT(...); }
//
// defines a RapidCheck property (no arguments; generate inside with *gen) as a gtest
// `Suite.Name`. With CTXCHECK_PROPERTY_SECONDS=S the process has S seconds from its start:
// the fixed-size tests run first (they are registered first), then each budgeted property
// takes an equal share of what is left and runs RapidCheck rounds of max_success cases
// (RC_PARAMS, default 100: one sweep of sizes 0..max_size) with seeds seed, seed+1, ... until
// its share is spent; the case running then finishes (and, if it fails, is shrunk), the
// rest of the round is skipped. CTXCHECK_PROPERTY_CASES=N stops each property after N
// cases even with time left. RC_PARAMS reproduce= runs only the property it names (the
// others are skipped). Each property prints one summary line and records `cases`,
// `seconds` and `seeds` in the JUnit XML.
#pragma once

#include <string>

namespace ctxcheck::properties {

using PropertyBody = void (*)();

// Called by CTXCHECK_PROPERTY at static initialization; always true.
bool register_property(const char* suite, const char* name, const char* file, int line, PropertyBody body);

// Reads CTXCHECK_PROPERTY_SECONDS / _CASES (false, with a message on stderr, if either is
// not a positive number) and registers every CTXCHECK_PROPERTY as a gtest test, after the
// ones already registered. Call after ::testing::InitGoogleTest, before RUN_ALL_TESTS.
bool register_budgeted_properties();

}  // namespace ctxcheck::properties

#define CTXCHECK_PROPERTY(Suite, Name)                                                                    \
  static void ctxcheck_property_##Suite##_##Name();                                                      \
  [[maybe_unused]] static const bool ctxcheck_property_registered_##Suite##_##Name =                     \
      ::ctxcheck::properties::register_property(#Suite, #Name, __FILE__, __LINE__,                       \
                                                &ctxcheck_property_##Suite##_##Name);                     \
  static void ctxcheck_property_##Suite##_##Name()
