// Program enumeration: every program of exactly n ops over an op alphabet, in one fixed
// order, each with its index in that order (so an exploration can be split into shards
// and resumed from an index).
//
// Canonical form, so that each program appears once:
//   * main starts with an implicit `h1 = background` that n does not count;
//   * scripts are filled in order: main's ops first, then script 1's (started by the
//     first `go`), ...; a script is closed before the next one gets ops;
//   * handles are numbered in order of appearance; operands range over the handles the
//     script can see (its own and those its `go` captured), of the kind the op needs;
//   * constants are fixed: durations 1s (timeouts, deadlines, select), sleep 2s, values
//     keyA:<handle>, causes cause3; observe reads err, value keyA, or children.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/program/program.h"

namespace ctxcheck::harness {

struct Alphabet {
  std::vector<OpKind> kinds;
  uint32_t max_scripts = 3;  // main included
  bool unsafe = false;       // reparent allowed (only if listed in kinds)
};

// The whole language: every op of the table but the implicit root (background, todo),
// keep (a marker the generator never writes either) and the unsafe reparent.
Alphabet default_alphabet();
// with_cancel, cancel, defer, with_timeout, with_value, after_func, stop, go, wait,
// observe, gc: the lifecycle ops every fault in the catalog is about (the default before
// the whole language was affordable; `--kinds lifecycle`).
Alphabet lifecycle_alphabet();
// "with_cancel,cancel,go" (op names as in traces); "default" or "" = default_alphabet(),
// "lifecycle" = lifecycle_alphabet().
// Throws std::invalid_argument naming an unknown op.
Alphabet parse_alphabet(const std::string& spec);
std::string alphabet_to_string(const Alphabet& a);

// Calls visit(index, program) for programs skip, skip+1, ... of exactly n ops, until visit
// returns false or they run out. Returns the number of programs of n ops enumerated
// (including skipped ones; all of them if visit never stopped).
uint64_t enumerate_programs(uint32_t n, const Alphabet& alphabet, uint64_t skip,
                            const std::function<bool(uint64_t index, const Program&)>& visit);

// Number of programs of exactly n ops (enumerates without visiting).
uint64_t count_programs(uint32_t n, const Alphabet& alphabet);

}  // namespace ctxcheck::harness
