// Byte decoding, for fuzzers: every byte string is a valid program, so no execution is
// wasted on a parse error. A fuzz input is two streams:
//
//   [len lo][len hi][program bytes: len of them][schedule bytes: the rest]
//
// The schedule bytes feed rt::ByteChoices (exhausted = no preemption). Program bytes are a
// flag byte (bit 0: unsafe ops) and then ops: an opcode byte (mod the number of op kinds)
// and its arguments as the op table lists them (op_table.h), handle operands last, each
// reduced modulo what exists at that point (a handle operand is an index into the handles
// of the right kind visible there). An op that has no possible operand is skipped. `go` is
// followed by the length of the child's body, which comes inline, depth first; handles are
// numbered in that order (canonical numbering).
//
// Keys come from 4 types x 8 values, causes from cause3..cause66, globals g0..g7
// (limits:: in op_table.h).
// encode() inverts decode() for canonically numbered programs (what generate() and
// decode() produce): decode(encode(p)) == p, and encode(decode(b)) is a fixed point.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <boost/container/static_vector.hpp>

#include "harness/program/program.h"

namespace ctxcheck::harness {

using limits::kMaxDecodedOps;
using limits::kMaxDecodedScripts;

Program decode_program(std::span<const uint8_t> bytes);
std::vector<uint8_t> encode_program(const Program& p);

struct FuzzInput {
  Program program;
  std::vector<uint8_t> schedule;
};
// One op's bytes as decode_program reads them, without the scope (which handles exist
// there), for structure-aware mutators: the same grammar, so concatenating the spans of
// split_op_bytes(prog) gives prog back (after its flag byte).
struct OpBytes {
  size_t begin = 0, end = 0;           // byte range
  // Absolute offsets of its handle-operand index bytes, and of where a duration, deadline,
  // value or go body varint starts (at most one per argument of its row: inline).
  boost::container::static_vector<size_t, kMaxArgs> operand_bytes;
  boost::container::static_vector<size_t, kMaxArgs> number_bytes;
  size_t key_byte = 0;                 // absolute offset of its value key byte (with_value, observe value); 0: none (the flag byte)
};
std::vector<OpBytes> split_op_bytes(std::span<const uint8_t> prog);

FuzzInput split_fuzz_input(std::span<const uint8_t> data);
std::vector<uint8_t> join_fuzz_input(const Program& p, std::span<const uint8_t> schedule);

}  // namespace ctxcheck::harness
