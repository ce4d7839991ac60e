add_executable(explore_bench ${CMAKE_CURRENT_LIST_DIR}/explore_bench.cpp)
target_link_libraries(explore_bench PRIVATE ctxcheck_harness benchmark::benchmark_main ctxcheck_warnings)

add_executable(executor_bench ${CMAKE_CURRENT_LIST_DIR}/executor_bench.cpp)
target_link_libraries(executor_bench PRIVATE ctxcheck_harness benchmark::benchmark_main ctxcheck_warnings)
