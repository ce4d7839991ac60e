# The harness core: executor, invariants, reports, and the ctxcheck CLI.
add_library(ctxcheck_harness
  ${CMAKE_CURRENT_SOURCE_DIR}/program/program.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/program/text.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/program/generate.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/program/decode.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/program/fuzz_input.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/shrink/shrink.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/sink/failure_sink.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explore/enumerate.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explore/explore.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explore/strategies.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explore/dfs.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explore/pct.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explore/checkpoint.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/util/atomic_file.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/report/tree.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/report/text.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/invariants/checks.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/invariants/view.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/invariants/program_checks.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/invariants/quiescence.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/invariants/end_phase.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/invariants/verdict.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/campaign/campaign.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/executor/result.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/executor/executor.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/executor/interp.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/executor/forced_order.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/report/json.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/export/go_export.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/export/go_toolchain.cpp
  ${CMAKE_CURRENT_BINARY_DIR}/go_helpers.cpp)
# The Go helpers of every exported test live in a Go file of their own (gofmt, go vet) and
# are embedded as a string; configure_file re-runs when the .go file changes.
file(READ ${CMAKE_CURRENT_SOURCE_DIR}/export/go_helpers.go CTXCHECK_GO_HELPERS)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/export/go_helpers.cpp.in ${CMAKE_CURRENT_BINARY_DIR}/go_helpers.cpp @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/export/go_helpers.go)
target_include_directories(ctxcheck_harness PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(ctxcheck_harness PUBLIC ctxcheck_context ctxcheck_runtime fmt::fmt nlohmann_json::nlohmann_json
  PRIVATE ctxcheck_warnings)

add_executable(ctxcheck
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/main.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/demo.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/catalogs.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/run.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/replay.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/shrink.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/convert.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/trace_file.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/explore.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/export_go.cpp)
target_link_libraries(ctxcheck PRIVATE ctxcheck_harness CLI11::CLI11 ctxcheck_warnings)
set_target_properties(ctxcheck PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})

add_executable(harness_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/program_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/executor_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/invariants_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/report_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/explore_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/checkpoint_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/failure_sink_test.cpp)
target_link_libraries(harness_tests PRIVATE ctxcheck_harness rapidcheck_gtest rapidcheck GTest::gtest_main ctxcheck_warnings)
target_compile_definitions(harness_tests PRIVATE CTXCHECK_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
gtest_discover_tests(harness_tests DISCOVERY_TIMEOUT 60)

# Every minimized case ever found replays to the outcome and trace hash its header records.
file(GLOB CTXCHECK_REGRESSIONS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/corpus/regressions/*.trace)
foreach(trace ${CTXCHECK_REGRESSIONS})
  get_filename_component(name ${trace} NAME_WE)
  add_test(NAME regression.${name} COMMAND ctxcheck replay ${trace})
endforeach()

# The CLI end to end: exit codes, bad input, run -> trace -> replay.
add_test(NAME cli.end_to_end COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/cli_test.sh $<TARGET_FILE:ctxcheck>)

# Go export: unit tests, and the conformance of the model with real Go (needs `go`).
include(${CMAKE_CURRENT_SOURCE_DIR}/export/export.cmake)
