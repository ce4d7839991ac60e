// fuzz_decode: every byte string decodes to a valid program, and decode/encode agree:
// encode(decode(x)) decodes to the same program and is a fixed point of encode∘decode;
// the fuzz-input split/join round-trips; the mutator's tokenizer covers the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzzers/fuzz_support.h"
#include "harness/program/decode.h"
#include "harness/program/text.h"

using namespace ctxcheck;

namespace {
[[noreturn]] void fail(const char* what, const harness::Program& p) {
  std::fprintf(stderr, "fuzz_decode: %s\n--- program:\n%s\n", what, harness::print_program(p).c_str());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  harness::Program p = harness::decode_program(bytes);
  if (auto err = harness::validate(p)) fail(("decoded program is invalid: " + *err).c_str(), p);
  std::vector<uint8_t> enc = harness::encode_program(p);
  harness::Program q = harness::decode_program(enc);
  if (!(q == p)) fail("decode(encode(decode(x))) != decode(x)", p);
  if (harness::encode_program(q) != enc) fail("encode is not a fixed point", p);
  // The tokenizer the custom mutator uses agrees with the decoder's byte grammar.
  size_t at = enc.empty() ? 0 : 1;
  for (const auto& t : fuzz::tokenize_ops(enc)) {
    if (t.begin != at || t.end < t.begin) fail("tokenizer does not cover the encoding", p);
    at = t.end;
  }
  if (at != enc.size() || fuzz::tokenize_ops(enc).size() != p.op_count())
    fail("tokenizer disagrees with the decoder on the op count", p);
  // split/join
  harness::FuzzInput in = harness::split_fuzz_input(bytes);
  std::vector<uint8_t> joined = harness::join_fuzz_input(in.program, in.schedule);
  harness::FuzzInput back = harness::split_fuzz_input(joined);
  if (!(back.program == in.program) || back.schedule != in.schedule) fail("split(join(split(x))) != split(x)", in.program);
  return 0;
}
