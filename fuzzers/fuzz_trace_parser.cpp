// fuzz_trace_parser: the text parser never crashes or hangs on any input, and whatever it
// accepts prints back to text that parses to the same program, whose printing is stable
// (print(parse(print(p))) == print(p)).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "harness/program/text.h"

using namespace ctxcheck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  harness::Program p;
  try {
    p = harness::parse_program(text);
  } catch (const harness::ParseError&) {
    return 0;  // rejected with line:column: fine
  }
  std::string printed = harness::print_program(p);
  harness::Program again;
  try {
    again = harness::parse_program(printed);
  } catch (const harness::ParseError& e) {
    std::fprintf(stderr, "printed program does not parse: %s\n--- printed:\n%s\n", e.what(), printed.c_str());
    std::abort();
  }
  if (!(again == p)) {
    std::fprintf(stderr, "parse(print(p)) != p\n--- printed:\n%s\n", printed.c_str());
    std::abort();
  }
  std::string twice = harness::print_program(again);
  if (twice != printed) {
    std::fprintf(stderr, "print is not stable\n--- first:\n%s\n--- second:\n%s\n", printed.c_str(), twice.c_str());
    std::abort();
  }
  return 0;
}
