// Programs more than one test suite runs.
#pragma once

namespace ctxcheck::harness::test_programs {

// Two goroutines: main cancels h2 after 5ms; go 1 waits on a child of it. 9 ops, 12 steps
// (the sleep and the wait return, the deferred cancel runs).
inline constexpr const char* kTwoGoroutines = R"(ctxcheck-trace 1
go 0:
  h1 = background
  h2 = with_cancel h1
  defer cancel h2
  go 1
  sleep 5ms
  cancel h2
go 1:
  h3 = with_cancel h2
  wait h3
  observe err h3
)";

}  // namespace ctxcheck::harness::test_programs
