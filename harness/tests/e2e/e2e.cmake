# The end-to-end suite (ctest label `e2e`): each script drives the real CLI and the ci/
# scripts in a scratch directory, exactly as the README's recipes do. Every script gets
#   $1 = the ctxcheck binary, $2 = the source tree, $3 = the build directory
# and exits 0 (pass), 1 (fail) or 77 (a tool it needs is missing and CI did not ask for it).
# Add a workflow: write harness/tests/e2e/<workflow>.sh and one ctxcheck_e2e() line below.
function(ctxcheck_e2e name)
  add_test(NAME e2e.${name}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/${name}.sh $<TARGET_FILE:ctxcheck> ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  set_tests_properties(e2e.${name} PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 300 ${ARGN})
endfunction()

# one line per workflow script (keep sorted)
if(CTXCHECK_FUZZERS)
  # needs the libFuzzer targets: ci/fuzz-smoke runs it in build/fuzz
  ctxcheck_e2e(overnight)
else()
  # these need the g++/clang test builds (replay drivers, property_tests)
  ctxcheck_e2e(bad_input)
  set_property(TEST e2e.bad_input APPEND PROPERTY LABELS badinput)  # ctest -L badinput
  ctxcheck_e2e(choice_warning)
  ctxcheck_e2e(convert)
  ctxcheck_e2e(crash_signature)
  ctxcheck_e2e(export_go RESOURCE_LOCK go_toolchain ENVIRONMENT "${CTXCHECK_TEST_GOCACHE}")  # one `go test` at a time (export.cmake)
  ctxcheck_e2e(file_safety)
  ctxcheck_e2e(findings)
  ctxcheck_e2e(injection)
  ctxcheck_e2e(jobs)
  ctxcheck_e2e(pictures)
  ctxcheck_e2e(kill_matrix)
  ctxcheck_e2e(properties)
  ctxcheck_e2e(replay)
  ctxcheck_e2e(reproduce)
  ctxcheck_e2e(shrink)
  ctxcheck_e2e(writers)
endif()
