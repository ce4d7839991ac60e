// property_tests' main: gtest, then the budgeted properties (properties/budget.h)
// registered after every other test, so the fixed-size tests run first and the budgeted
// ones share whatever time is left.
#include <gtest/gtest.h>

#include "properties/budget.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!ctxcheck::properties::register_budgeted_properties()) return 2;
  return RUN_ALL_TESTS();
}
