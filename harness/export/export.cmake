# Go export (included from harness/core.cmake): the exporter's unit tests, and two tests
# against real Go's context package. Both find `go` at run time ($CTXCHECK_GO,
# /usr/lib/go-1.19/bin/go, then PATH). Without it they are SKIPPED (exit 77), loudly —
# unless CTXCHECK_WITH_GO=1 (what ci/test sets), where a missing `go` fails them.
add_executable(go_export_tests ${CMAKE_CURRENT_SOURCE_DIR}/tests/go_export_test.cpp)
target_link_libraries(go_export_tests PRIVATE ctxcheck_harness GTest::gtest_main ctxcheck_warnings)
gtest_discover_tests(go_export_tests DISCOVERY_TIMEOUT 60)

add_executable(ctxcheck_go_conformance ${CMAKE_CURRENT_SOURCE_DIR}/export/conformance.cpp)
target_link_libraries(ctxcheck_go_conformance PRIVATE ctxcheck_harness CLI11::CLI11 ctxcheck_warnings)

# >= 1000 generated sequential programs over the Go 1.19 subset: model vs one batched go test.
add_test(NAME go.conformance
  COMMAND ctxcheck_go_conformance --count 1000 --seed 1 --work ${PROJECT_BINARY_DIR}/go-conformance)
# 300 generated programs with goroutines, set_finalizer and gc, each under a random
# recorded schedule that the Go test forces at op granularity.
add_test(NAME go.conformance.goroutines
  COMMAND ctxcheck_go_conformance --goroutines 3 --gc --count 300 --seed 1
          --work ${PROJECT_BINARY_DIR}/go-conformance-goroutines)
# Every regression trace that uses only Go 1.19 APIs exports and passes under go test.
add_test(NAME go.regressions
  COMMAND ctxcheck_go_conformance --traces ${PROJECT_SOURCE_DIR}/corpus/regressions
          --work ${PROJECT_BINARY_DIR}/go-regressions)
# The Go helpers every exported test carries are gofmt-clean and pass go vet.
add_test(NAME go.helpers COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/go_helpers_vet.sh
         ${CMAKE_CURRENT_SOURCE_DIR}/export/go_helpers.go)
set_tests_properties(go.conformance go.conformance.goroutines go.regressions go.helpers PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 600 RUN_SERIAL TRUE LABELS go)
