// The program language: goroutine scripts over numbered handles.
//
// A program is a list of scripts; script 0 is main. Every op that creates something names
// a handle (h1, h2, ...), unique in the program: a context (with its cancel func, if it
// has one) or an AfterFunc stop func. A script may use a handle it created earlier, or one
// visible to its spawner at the `go` op that started it (go captures a snapshot, like a Go
// closure). Each non-main script is started by exactly one `go`.
//
// The same Program is printed as a readable, versioned text trace (text.h), decoded from
// fuzzer bytes (decode.h), and generated at random (generate.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/invariants/verdict.h"

namespace ctxcheck::harness {

// X-macro: id, text name, shape. Shapes: R = creates a handle, a/b = handle operands,
// n = number/duration, c = cause, k = key, s = sub-kind.
#define CTXCHECK_OPS(X)                                    \
  X(Background, "background")                             \
  X(Todo, "todo")                                         \
  X(WithCancel, "with_cancel")                            \
  X(WithCancelCause, "with_cancel_cause")                 \
  X(WithTimeout, "with_timeout")                          \
  X(WithTimeoutCause, "with_timeout_cause")               \
  X(WithDeadline, "with_deadline")                        \
  X(WithDeadlineCause, "with_deadline_cause")             \
  X(WithValue, "with_value")                              \
  X(WithoutCancel, "without_cancel")                      \
  X(Custom, "custom")                                     \
  X(AfterFunc, "after_func")                              \
  X(Cancel, "cancel")                                     \
  X(DeferCancel, "defer")                                 \
  X(Stop, "stop")                                         \
  X(Go, "go")                                             \
  X(Wait, "wait")                                         \
  X(Select, "select")                                     \
  X(Sleep, "sleep")                                       \
  X(Yield, "yield")                                       \
  X(Observe, "observe")                                   \
  X(Drop, "drop")                                         \
  X(Store, "store")                                       \
  X(SetFinalizer, "set_finalizer")                        \
  X(Gc, "gc")                                             \
  X(Reparent, "reparent")

enum class OpKind : uint8_t {
#define CTXCHECK_X(id, name) id,
  CTXCHECK_OPS(CTXCHECK_X)
#undef CTXCHECK_X
};
inline constexpr size_t kNumOpKinds = 0
#define CTXCHECK_X(id, name) +1
    CTXCHECK_OPS(CTXCHECK_X)
#undef CTXCHECK_X
    ;
std::string_view op_name(OpKind k);
std::optional<OpKind> op_by_name(std::string_view s);

enum class Observe : uint8_t { Err, Cause, Deadline, Done, Children, Value, Goroutines };
inline constexpr std::string_view kObserveNames[] = {"err",      "cause", "deadline",  "done",
                                                     "children", "value", "goroutines"};
enum class CustomKind : uint8_t { Wrapper, OwnDone, AfterFuncer, BrokenErr };
inline constexpr std::string_view kCustomNames[] = {"wrapper", "own_done", "afterfuncer",
                                                    "broken_err"};
enum class Action : uint8_t { Nop, Cancel };  // what an AfterFunc's f does

struct ValueKey {
  uint8_t type = 0;  // 0..25 printed as keyA..keyZ
  int32_t value = 0;
  friend bool operator==(const ValueKey&, const ValueKey&) = default;
};

struct Op {
  OpKind kind = OpKind::Yield;
  uint32_t result = 0;  // handle created (0 = none)
  uint32_t a = 0;       // first handle operand (parent, target)
  uint32_t b = 0;       // second handle operand (after_func's cancel target, reparent's parent)
  int64_t n = 0;        // duration / deadline (ns), value, script index, global slot
  int32_t cause = 0;    // cause error number (0 = none; printed causeN, N >= 3)
  ValueKey key{};
  uint8_t sub = 0;      // Observe / CustomKind / Action
  friend bool operator==(const Op&, const Op&) = default;
};

struct Script {
  std::vector<Op> ops;
  friend bool operator==(const Script&, const Script&) = default;
};

struct Program {
  std::vector<Script> scripts;          // [0] is main
  std::string faults;                   // "skip-removal,..." (names checked by the executor)
  bool unsafe = false;                  // allows reparent
  std::optional<Expect> expect;         // the `expect:` line: pass, violation residue, ...
  std::optional<uint64_t> hash;         // recorded trace hash
  std::vector<uint32_t> schedule;       // recorded decisions (chosen indices)
  std::vector<std::string> notes;       // header comment lines (without "# ")
  friend bool operator==(const Program&, const Program&) = default;

  size_t op_count() const;
  uint32_t max_handle() const;
};

// What a handle names, derived from the op that creates it.
enum class HandleKind : uint8_t { None, Context, CancelableContext, CauseContext, StopFunc };
HandleKind handle_kind_of(const Op& op);
bool creates_handle(OpKind k);

// Validates visibility, handle kinds, script spawning, unsafe ops. Returns an error
// message naming the script and op, or nullopt when valid.
std::optional<std::string> validate(const Program& p);

// For each script, the script that spawns it (-1 for main / never spawned).
std::vector<int> spawners(const Program& p);

}  // namespace ctxcheck::harness
