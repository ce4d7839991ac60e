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

#include "harness/catalog/verdict.h"
#include "harness/program/op_table.h"

namespace ctxcheck::harness {

struct Script {
  std::vector<Op> ops;
  friend bool operator==(const Script&, const Script&) = default;
};

struct Program {
  std::vector<Script> scripts;          // [0] is main
  std::string faults;                   // "skip-removal,..." (names checked by the executor)
  bool unsafe = false;                  // allows reparent
  std::optional<uint64_t> max_steps;    // the `max-steps:` line: the step limit it ran under
                                        // (absent: the executor's default)
  std::optional<Expect> expect;         // the `expect:` line: pass, violation residue, ...
  std::optional<uint64_t> hash;         // recorded trace hash
  std::vector<uint32_t> schedule;       // recorded decisions (chosen indices)
  std::vector<std::string> notes;       // header comment lines (without "# ")
  friend bool operator==(const Program&, const Program&) = default;

  size_t op_count() const;
  uint32_t max_handle() const;
};

// Validates visibility, handle kinds, script spawning, unsafe ops. Returns an error
// message naming the script and op, or nullopt when valid.
std::optional<std::string> validate(const Program& p);

// validate()'s first error, with where it is, so a reader of a text trace can point at the
// line and column: the script, the op in it (none: the script as a whole, e.g. one never
// started, or the program's size), and the part of the op that is wrong: an argument
// (`field`), the handle it names as its result (`result`), or the op itself (neither).
struct ProgramError {
  size_t script = 0;
  std::optional<size_t> op;
  Field field = Field::None;
  bool result = false;
  std::string message;
};
std::optional<ProgramError> find_program_error(const Program& p);

// For each script, the script that spawns it (-1 for main / never spawned).
std::vector<int> spawners(const Program& p);

}  // namespace ctxcheck::harness
