# Fuzzing build settings, included by the top-level CMakeLists.txt before any target is
# defined (they must reach the model and harness libraries too).
#
# CTXCHECK_FUZZERS=ON (clang only): every object is compiled with the coverage flags
# (CTXCHECK_FUZZ_INSTRUMENT, default -fsanitize=fuzzer-no-link without trace-cmp, see
# below), which instrument only the files fuzzers/coverage_allowlist.txt names
# (CTXCHECK_FUZZ_ALLOWLIST), and the fuzz_* targets link the engine (CTXCHECK_FUZZ_ENGINE,
# default -fsanitize=fuzzer). The other executables (ctxcheck, the tests) link libFuzzer's
# no-main runtime, which defines the coverage callbacks, so a plain `ninja` still builds
# everything in a fuzzing build directory.
#
# OSS-Fuzz / ClusterFuzzLite (.clusterfuzzlite/build.sh) pass their own flags: CXXFLAGS
# already instrument, so CTXCHECK_FUZZ_INSTRUMENT is set empty there and
# CTXCHECK_FUZZ_ENGINE=$LIB_FUZZING_ENGINE.
if(NOT CTXCHECK_FUZZERS)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "CTXCHECK_FUZZERS=ON needs clang (libFuzzer); try -DCMAKE_CXX_COMPILER=clang++-14")
endif()
set(CTXCHECK_FUZZ_ENGINE "-fsanitize=fuzzer" CACHE STRING "Link flags of the fuzz_* targets")
# Coverage only from the code under test (see the file); also under OSS-Fuzz's flags.
set(CTXCHECK_FUZZ_ALLOWLIST "${CMAKE_CURRENT_LIST_DIR}/coverage_allowlist.txt" CACHE STRING
    "-fsanitize-coverage-allowlist file (empty: instrument everything)")
if(CTXCHECK_FUZZ_ALLOWLIST)
  # Neither ninja nor ccache sees the list's contents, only the flag: the flag names a copy
  # whose name carries the contents' hash, so an edit reconfigures and rebuilds everything.
  file(MD5 "${CTXCHECK_FUZZ_ALLOWLIST}" _ctxcheck_list_hash)
  string(SUBSTRING "${_ctxcheck_list_hash}" 0 12 _ctxcheck_list_hash)
  set(_ctxcheck_list "${CMAKE_BINARY_DIR}/coverage_allowlist-${_ctxcheck_list_hash}.txt")
  configure_file("${CTXCHECK_FUZZ_ALLOWLIST}" "${_ctxcheck_list}" COPYONLY)
  add_compile_options(-fsanitize-coverage-allowlist=${_ctxcheck_list})
endif()
# Edge counters and indirect calls, but no comparison tracing (trace-cmp): the model's and the
# interpreter's comparisons are enum tests whose operands mean nothing as input bytes (every
# byte the decoder reads is taken modulo a count), and the hooks were a tenth of the
# fuzzer's time. Measured 2026-12-03 (README, "Fuzzing"): fuzz_programs 1.2x the executions
# per CPU second, every fault still killed with the same medians (both targets), and
# fuzz_trace_parser's coverage after 60 s the same (it has its dictionary) at 1.4x the rate.
set(CTXCHECK_FUZZ_INSTRUMENT "-fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp" CACHE STRING "Compile flags of every object")
if(CTXCHECK_FUZZ_INSTRUMENT)
  separate_arguments(_ctxcheck_instrument UNIX_COMMAND "${CTXCHECK_FUZZ_INSTRUMENT}")
  add_compile_options(${_ctxcheck_instrument})
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libclang_rt.fuzzer_no_main-${CMAKE_SYSTEM_PROCESSOR}.a
                  OUTPUT_VARIABLE _ctxcheck_no_main OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT EXISTS "${_ctxcheck_no_main}")
    message(FATAL_ERROR "libFuzzer's no-main runtime not found (${_ctxcheck_no_main}); install libclang-rt-14-dev")
  endif()
  # Executables that are not fuzz targets get the coverage callbacks from the no-main runtime.
  # (Whole archive: link options come before the objects on the command line.)
  add_link_options("$<$<NOT:$<BOOL:$<TARGET_PROPERTY:CTXCHECK_FUZZ_TARGET>>>:LINKER:--whole-archive,${_ctxcheck_no_main},--no-whole-archive>")
endif()
