// Errors that cross a goroutine boundary. A goroutine body may throw these; the runtime
// catches them at the fiber boundary (an exception escaping a fiber kills the process) and
// turns them into the execution's outcome.
#pragma once

#include <stdexcept>
#include <string>

namespace ctxcheck::rt {

// A Go panic: `code` is a stable identifier ("close-of-closed-channel", "nil-parent", ...)
// used in reports and tests; `what()` is the Go-style message.
struct Panic : std::runtime_error {
  Panic(std::string code_, const std::string& message)
      : std::runtime_error(message), code(std::move(code_)) {}
  std::string code;
};

// The model broke one of the runtime's own rules (dangling heap edge, unlock from the wrong
// state...). Always a bug in ctxcheck, never in the program under test.
struct InternalError : std::logic_error {
  using std::logic_error::logic_error;
};

// Thrown into a goroutine to unwind it when the execution is aborted. Never caught by
// model code.
struct Aborted {};

}  // namespace ctxcheck::rt
