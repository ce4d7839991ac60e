// Where each op's value key is in program bytes, for the fuzzers' structure-aware mutator:
// copying one op's key byte into another makes a lookup find a binding, or a with_value
// rebind (shadow) a key its chain already binds. (Beside decode.h, not in its OpBytes, so
// that the many files including decode.h do not depend on it.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "harness/program/decode.h"

namespace ctxcheck::harness {

// split_op_bytes(prog), and in key_byte[i] the absolute offset of op i's key byte
// (with_value, observe value), or 0 when it has none (offset 0 is the flag byte).
std::vector<OpBytes> split_op_bytes(std::span<const uint8_t> prog, std::vector<size_t>& key_byte);

}  // namespace ctxcheck::harness
