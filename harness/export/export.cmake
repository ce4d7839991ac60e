# Go export (included from harness/core.cmake): the exporter's unit tests, and tests
# against real Go's context package. They find `go` at run time ($CTXCHECK_GO,
# /usr/lib/go-1.23/bin/go, then PATH). Without it they are SKIPPED (exit 77), loudly —
# unless CTXCHECK_WITH_GO=1 (what ci/test sets), where a missing `go` fails them.
add_executable(go_export_tests ${CMAKE_CURRENT_SOURCE_DIR}/tests/go_export_test.cpp)
target_link_libraries(go_export_tests PRIVATE ctxcheck_harness GTest::gtest_main ctxcheck_warnings)
gtest_discover_tests(go_export_tests DISCOVERY_TIMEOUT 60)

if(CTXCHECK_MEASURE)  # the comparisons with real Go (label go)
  add_executable(ctxcheck_go_conformance ${CMAKE_CURRENT_SOURCE_DIR}/export/conformance.cpp)
  target_link_libraries(ctxcheck_go_conformance PRIVATE ctxcheck_harness CLI11::CLI11 ctxcheck_warnings)

  # 2000 generated sequential programs over Go 1.23's whole API (every op but reparent):
  # model vs one batched go test; more than 1% skipped fails.
  add_test(NAME go.conformance
    COMMAND ctxcheck_go_conformance --count 2000 --seed 1 --work ${PROJECT_BINARY_DIR}/go-conformance)
  # 500 generated programs with goroutines over the whole API, set_finalizer and gc too, each
  # under a random recorded schedule that the Go test forces at op granularity.
  add_test(NAME go.conformance.goroutines
    COMMAND ctxcheck_go_conformance --goroutines 3 --gc --count 500 --seed 1
            --work ${PROJECT_BINARY_DIR}/go-conformance-goroutines)
  # Every regression trace exports to Go 1.23 (all but reparent's) and passes under go test.
  add_test(NAME go.regressions
    COMMAND ctxcheck_go_conformance --traces ${PROJECT_SOURCE_DIR}/corpus/regressions
            --work ${PROJECT_BINARY_DIR}/go-regressions)
  # Unmasked comparison: a planted fault whose violation comes first, and a divergence from
  # Go after it; the comparison must go on past the violation and report the divergence.
  add_test(NAME go.unmasked
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/go_unmasked.sh $<TARGET_FILE:ctxcheck_go_conformance>
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/go_unmasked ${PROJECT_BINARY_DIR}/go-unmasked)
  # The Go helpers every exported test carries are gofmt-clean and pass go vet.
  add_test(NAME go.helpers COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/go_helpers_vet.sh
           ${CMAKE_CURRENT_SOURCE_DIR}/export/go_helpers.go ${CMAKE_CURRENT_SOURCE_DIR}/tests/go_helpers_select_test.go)
  # One Go test at a time (each runs `go test` on both cores), but beside the other tests: as
  # RUN_SERIAL they left a core idle for ~3 min of every CI run. One more test beside them is
  # a load the exported tests bear: they space the model's instants apart in real time
  # (go_helpers.go, ctxcheckClock) and log timer ties, and they passed at load 15 here.
  set_tests_properties(go.conformance go.conformance.goroutines go.regressions go.unmasked go.helpers PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 600 RESOURCE_LOCK go_toolchain LABELS go ENVIRONMENT "${CTXCHECK_TEST_GOCACHE}")
endif()
