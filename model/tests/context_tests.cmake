add_executable(context_tests
  ${CMAKE_CURRENT_LIST_DIR}/context_conformance_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/faults_test.cpp)
target_link_libraries(context_tests PRIVATE ctxcheck_context GTest::gtest_main ctxcheck_warnings)
gtest_discover_tests(context_tests DISCOVERY_TIMEOUT 60)
