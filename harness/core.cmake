# The harness: one static library per folder, each linking only the folders below it, so
# data flows one way (program -> executor -> model -> invariants -> report). The include
# layers are checked by harness/tests/layers_test.cpp (ctest Layers.*), which holds the same
# order as a table. ctxcheck_harness is all of them, for the CLI, the tests and the fuzzers.
function(ctxcheck_layer name)
  cmake_parse_arguments(L "" "" "SOURCES;DEPS" ${ARGN})
  add_library(ctxcheck_${name} STATIC ${L_SOURCES})
  target_include_directories(ctxcheck_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(ctxcheck_${name} PUBLIC ${L_DEPS} PRIVATE ctxcheck_warnings)
endfunction()
set(H ${CMAKE_CURRENT_SOURCE_DIR})

ctxcheck_layer(catalog SOURCES ${H}/catalog/verdict.cpp DEPS fmt::fmt)
ctxcheck_layer(util SOURCES ${H}/util/atomic_file.cpp DEPS fmt::fmt Boost::filesystem)
# Running programs by argv (Boost.Process: 35 CPU-s under ASan): only what starts `go` or
# `dot` links it (export, the CLI), so the sanitizer builds of the fuzzers skip it.
ctxcheck_layer(process SOURCES ${H}/util/process.cpp DEPS ctxcheck_util)
ctxcheck_layer(program
  SOURCES ${H}/program/program.cpp ${H}/program/text.cpp ${H}/program/generate.cpp ${H}/program/choice_offers.cpp ${H}/program/decode.cpp
  DEPS ctxcheck_catalog ctxcheck_util ctxcheck_runtime)
# The independent reference of Go's rules (never model/): the sequential oracle and its judge.
ctxcheck_layer(reference
  SOURCES ${H}/reference/oracle.cpp ${H}/reference/judge.cpp ${H}/reference/trees.cpp ${H}/reference/collector.cpp
  DEPS ctxcheck_program)
ctxcheck_layer(invariants
  SOURCES ${H}/invariants/checks.cpp ${H}/invariants/chains.cpp ${H}/invariants/view.cpp ${H}/invariants/program_checks.cpp
          ${H}/invariants/quiescence.cpp ${H}/invariants/end_phase.cpp ${H}/invariants/gc_reference.cpp
          ${H}/invariants/retention.cpp
  DEPS ctxcheck_program ctxcheck_context ctxcheck_reference)
ctxcheck_layer(executor
  SOURCES ${H}/executor/result.cpp ${H}/executor/executor.cpp ${H}/executor/interp.cpp
          ${H}/executor/forced_order.cpp ${H}/executor/fuzz_input.cpp
  DEPS ctxcheck_invariants ctxcheck_reference)
ctxcheck_layer(report
  SOURCES ${H}/report/tree.cpp ${H}/report/text.cpp ${H}/report/json.cpp ${H}/report/timeline.cpp
  DEPS ctxcheck_executor nlohmann_json::nlohmann_json)
ctxcheck_layer(shrink SOURCES ${H}/shrink/shrink.cpp DEPS ctxcheck_report)
ctxcheck_layer(sink SOURCES ${H}/sink/failure_sink.cpp DEPS ctxcheck_shrink)
ctxcheck_layer(campaign SOURCES ${H}/campaign/campaign.cpp DEPS ctxcheck_catalog)
ctxcheck_layer(explore
  SOURCES ${H}/explore/enumerate.cpp ${H}/explore/explore.cpp ${H}/explore/strategies.cpp ${H}/explore/dfs.cpp
          ${H}/explore/pct.cpp ${H}/explore/checkpoint.cpp ${H}/explore/dpor.cpp
  DEPS ctxcheck_sink)
# The Go helpers of every exported test live in a Go file of their own (gofmt, go vet) and
# are embedded as a string; configure_file re-runs when the .go file changes.
file(READ ${H}/export/go_helpers.go CTXCHECK_GO_HELPERS)
configure_file(${H}/export/go_helpers.cpp.in ${CMAKE_CURRENT_BINARY_DIR}/go_helpers.cpp @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${H}/export/go_helpers.go)
ctxcheck_layer(export
  SOURCES ${H}/export/go_export.cpp ${H}/export/go_toolchain.cpp ${CMAKE_CURRENT_BINARY_DIR}/go_helpers.cpp
  DEPS ctxcheck_report ctxcheck_process)
add_library(ctxcheck_harness INTERFACE)
target_link_libraries(ctxcheck_harness INTERFACE ctxcheck_campaign ctxcheck_explore ctxcheck_export)

add_executable(ctxcheck
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/main.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/demo.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/catalogs.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/run.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/replay.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/shrink.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/convert.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/signature.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/summary.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/flags.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/explore.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/export_go.cpp)
target_link_libraries(ctxcheck PRIVATE ctxcheck_harness ctxcheck_replay_check CLI11::CLI11 ctxcheck_warnings)
set_target_properties(ctxcheck PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
# Reading and replaying trace files (no CLI11): `ctxcheck replay`, and `ctxcheck_replay`,
# the replay-only driver ci/fuzz-smoke builds with ASan+UBSan instead of the whole CLI
# (the CLI, explore and export: ~170 of the ASan build's ~520 CPU-s).
ctxcheck_layer(replay_check SOURCES ${H}/cli/trace_file.cpp ${H}/cli/replay_check.cpp DEPS ctxcheck_report)
add_executable(ctxcheck_replay ${H}/cli/replay_main.cpp)
target_link_libraries(ctxcheck_replay PRIVATE ctxcheck_replay_check ctxcheck_warnings)
set_target_properties(ctxcheck_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
# One translation unit for the CLI: CLI11 2.1 defines its validators as namespace-scope
# objects, so every file that includes it spends ~10 s generating the same code. Built as
# one unit the 13 files take 52 s of CPU instead of ~225 s (g++ -O2 -g1); each of the four
# CI builds compiles the CLI. CTXCHECK_UNITY_CLI=OFF compiles them one by one (quicker
# rebuilds after touching one file).
if(CTXCHECK_UNITY_CLI)
  set_target_properties(ctxcheck PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
endif()

add_executable(harness_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/program_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/executor_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/findings_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/invariants_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/chains_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/report_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/explore_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/shrink_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/checkpoint_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/failure_sink_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/campaign_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/atomic_file_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/process_test.cpp)
target_link_libraries(harness_tests PRIVATE ctxcheck_harness rapidcheck_gtest rapidcheck GTest::gtest_main ctxcheck_warnings)
target_compile_definitions(harness_tests PRIVATE CTXCHECK_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
gtest_discover_tests(harness_tests DISCOVERY_TIMEOUT 60)

# harness/reference: the judge and the reference collector, alone and online in the executor.
add_executable(reference_tests ${CMAKE_CURRENT_SOURCE_DIR}/tests/reference_test.cpp)
target_link_libraries(reference_tests PRIVATE ctxcheck_harness GTest::gtest_main ctxcheck_warnings)
gtest_discover_tests(reference_tests DISCOVERY_TIMEOUT 60)

# Every minimized case ever found replays to the outcome and trace hash its header records.
file(GLOB CTXCHECK_REGRESSIONS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/corpus/regressions/*.trace)
foreach(trace ${CTXCHECK_REGRESSIONS})
  get_filename_component(name ${trace} NAME_WE)
  add_test(NAME regression.${name} COMMAND ctxcheck replay ${trace})
endforeach()
# The replay-only driver (what the ASan build replays them with) agrees: every trace
# reproduces, and anything but a trace file is bad input (exit 2).
add_test(NAME regression.replay_only COMMAND ctxcheck_replay ${CTXCHECK_REGRESSIONS})
add_test(NAME regression.replay_only.bad_input
         COMMAND bash -c "for a in --dot '' /nonexistent.trace; do \"$0\" \"$a\"; [ $? -eq 2 ] || exit 1; done"
                 $<TARGET_FILE:ctxcheck_replay>)

# One Go build cache for every test that builds Go (cli.end_to_end, e2e.export_go, label go):
# with a cache each, every test compiled the standard library again, ~30 CPU-s apiece.
set(CTXCHECK_TEST_GOCACHE "CTXCHECK_GOCACHE=${PROJECT_BINARY_DIR}/go-build-cache")

# The CLI end to end: exit codes, bad input, run -> trace -> replay.
add_test(NAME cli.end_to_end COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/cli_test.sh $<TARGET_FILE:ctxcheck>)
# A workflow like the e2e suite: ci/test runs it with the first compiler only.
set_tests_properties(cli.end_to_end PROPERTIES LABELS e2e ENVIRONMENT "${CTXCHECK_TEST_GOCACHE}")

include(${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/e2e.cmake)

# Go export: unit tests, and the conformance of the model with real Go (needs `go`).
include(${CMAKE_CURRENT_SOURCE_DIR}/export/export.cmake)

# Partial-order reduction soundness (harness/tests/reduction_soundness.cpp), under no fault and
# every fault: every program of <= 2 ops; a fixed slice (every 20th: 100 programs) of the fixed
# 2,000-program sample of 4-5 ops with goroutines (the whole sample and <= 3 ops: README); and
# the mutant (every pair of steps taken as independent), which the check must catch.
add_executable(ctxcheck_reduction_check ${CMAKE_CURRENT_SOURCE_DIR}/tests/reduction_soundness.cpp)
target_link_libraries(ctxcheck_reduction_check PRIVATE ctxcheck_harness CLI11::CLI11 ctxcheck_warnings)
add_test(NAME explore.reduction_soundness.upto2 COMMAND ctxcheck_reduction_check --max 2 --reduction sleep)
add_test(NAME explore.reduction_soundness.sample45
         COMMAND ctxcheck_reduction_check --min 4 --max 5 --sample 2000 --part 0/20 --reduction sleep)
add_test(NAME explore.reduction_soundness.mutant
         COMMAND ctxcheck_reduction_check --min 4 --max 5 --sample 2000 --part 0/40 --mutant independent --reduction sleep)
# The same for source-set DPOR (--reduction dpor, explore's default), and every 40th program of
# <= 3 ops (63 programs; the whole space, 0 differences: README).
add_test(NAME explore.reduction_soundness.dpor_upto2 COMMAND ctxcheck_reduction_check --max 2 --reduction dpor)
add_test(NAME explore.reduction_soundness.dpor_upto3_slice COMMAND ctxcheck_reduction_check --max 3 --part 0/40 --reduction dpor)
add_test(NAME explore.reduction_soundness.dpor_sample45
         COMMAND ctxcheck_reduction_check --min 4 --max 5 --sample 2000 --part 0/20 --reduction dpor)
add_test(NAME explore.reduction_soundness.dpor_mutant
         COMMAND ctxcheck_reduction_check --min 4 --max 5 --sample 2000 --part 0/40 --mutant independent --reduction dpor)
