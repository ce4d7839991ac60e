add_executable(explore_bench ${CMAKE_CURRENT_LIST_DIR}/explore_bench.cpp)
target_link_libraries(explore_bench PRIVATE ctxcheck_harness benchmark::benchmark_main ctxcheck_warnings)

add_executable(executor_bench ${CMAKE_CURRENT_LIST_DIR}/executor_bench.cpp)
target_link_libraries(executor_bench PRIVATE ctxcheck_harness benchmark::benchmark_main ctxcheck_warnings)
target_compile_definitions(executor_bench PRIVATE CTXCHECK_SEQ16_TRACE="${CMAKE_CURRENT_LIST_DIR}/go_vs_model/seq16.trace")

# What a space too big to explore would cost, from a sampled shard (README, model checking).
add_executable(ctxcheck_space_estimate ${CMAKE_CURRENT_LIST_DIR}/space_estimate.cpp)
target_link_libraries(ctxcheck_space_estimate PRIVATE ctxcheck_harness CLI11::CLI11 ctxcheck_warnings)

# The benchmarks the README quotes for issue 18's floor run to the end (seq16.trace is read
# from the source tree): a smoke run, not a figure.
add_test(NAME bench.executor_smoke
  COMMAND executor_bench --benchmark_filter=ExecuteGenerated|Seq16 --benchmark_min_time=0.01)
set_tests_properties(bench.executor_smoke PROPERTIES TIMEOUT 120)
