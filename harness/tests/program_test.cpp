// The program language: round trips, parse errors with line:column, validation, and the
// generator's well-formedness.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness/program/generate.h"
#include "harness/program/text.h"

namespace ctxcheck::harness {
namespace {

constexpr const char* kCanonical = R"(ctxcheck-trace 1
# a note
faults: skip-removal
unsafe: on
expect: violation residue
hash: 00000000deadbeef
go 0:
  h1 = background
  h2 = with_cancel h1
  h3 = with_cancel_cause h2
  h4 = with_timeout h2 5ms
  h5 = with_timeout_cause h2 1500us cause3
  h6 = with_deadline h1 @2s
  h7 = with_deadline_cause h1 @7ns cause4
  h8 = with_value h2 keyA:3 7
  h9 = without_cancel h8
  h10 = custom own_done h2
  h11 = after_func h2 cancel h3
  h12 = after_func h9 nop
  defer cancel h3 cause5
  go 1
  cancel h2
  stop h11
  observe err h3
  observe value h9 keyA:3
  observe goroutines
  store g1 h9
  set_finalizer h8
  gc
  reparent h10 h1
  drop h8
go 1:
  wait h2
  select h3 0s
  sleep 1ms
  yield
  observe children h2
schedule: 0 1 2
)";

TEST(Text, CanonicalTextRoundTrips) {
  Program p = parse_program(kCanonical);
  EXPECT_EQ(print_program(p), kCanonical);
  EXPECT_EQ(p.scripts.size(), 2u);
  EXPECT_EQ(p.faults, "skip-removal");
  EXPECT_EQ(p.hash, 0xdeadbeefULL);
  EXPECT_EQ(p.schedule, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(p.scripts[0].ops[4].duration, 1500000);
}

TEST(Text, CommentsAndBlankLinesAreIgnored) {
  Program p = parse_program("ctxcheck-trace 1\n\ngo 0:\n  h1 = background   # the root\n\n  # nothing\n  yield\n");
  EXPECT_EQ(p.op_count(), 2u);
}

struct BadCase {
  const char* text;
  int line, column;
  const char* fragment;
};

TEST(Text, ErrorsNameLineColumnAndWhatWasExpected) {
  const BadCase cases[] = {
      {"", 1, 1, "ctxcheck-trace 1"},
      {"ctxcheck-trace 2\n", 1, 16, "unsupported trace version 2"},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = backgrund\n", 3, 8, "unknown op \"backgrund\""},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel x\n", 4, 20, "expected a handle like h2"},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_timeout h1 5parsecs\n", 4, 24, "a duration like 5ms"},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  cancel h1 extra\n", 4, 13, "a cause like cause3"},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  reparent h1 h1\n", 4, 3, "unsafe op"},
      {"ctxcheck-trace 1\ngo 1:\n", 2, 4, "expected \"go 0:\""},
      {"ctxcheck-trace 1\nbogus: 1\n", 2, 1, "faults:, unsafe:, max-steps:, expect:, hash: or go 0:"},
      {"ctxcheck-trace 1\nmax-steps: 0\n", 2, 12, "a step limit (1..100000000)"},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  cancel h1\n", 4, 10, "needs a context with a cancel func"},
      {"ctxcheck-trace 1\ngo 0:\n  h2 = with_cancel h1\n", 3, 20, "h1, which is not visible"},
      {"ctxcheck-trace 1\ngo 0:\n  yield\ngo 1:\n  yield\n", 4, 1, "script 1 is never started"},
      {"ctxcheck-trace 1\ngo 0:\n  background\n", 3, 3, "creates a handle"},
      {"ctxcheck-trace 1\ngo 0:\n  yield\nschedule: 1 x\n", 4, 13, "a schedule choice"},
      {"ctxcheck-trace 1\ngo 0:\n  yi\x01ld\n", 3, 5, "control character 0x01"},
      // Semantic errors (found once the whole program is read) point at the op and the
      // argument or result they are about, not at the last op.
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h9\n  yield\n  yield\n", 4, 20, "h9"},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h1 = todo\n  yield\n", 4, 3, "h1 is defined twice"},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  go 5\n  yield\n", 4, 6, "no such script"},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  go 1\n  go 1\ngo 1:\n  yield\n", 5, 6, "already started"},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  go 1\ngo 1:\n  h2 = with_cancel h1\n  stop h2\n  yield\n", 7, 8,
       "needs an after_func stop"},
      {"ctxcheck-trace 1\ngo 0:\n\th1 = background\n\th2 = after_func h1 cancel h1\n", 4, 28, "with a cancel func"},
      // An op that returns nothing given a result says so.
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n  h3 = cancel h2\n", 5, 8,
       "cancel returns nothing: write it without \"h3 =\""},
      // Limits are stated.
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  sleep 1000000h\n", 4, 9, "up to 3600000s, i.e. 1000 hours"},
      {"ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h100001\n", 4, 20, "h1 to h100000"},
  };
  for (const auto& c : cases) {
    try {
      parse_program(c.text);
      ADD_FAILURE() << "parsed: " << c.text;
    } catch (const ParseError& e) {
      EXPECT_EQ(e.line, c.line) << e.what();
      EXPECT_EQ(e.column, c.column) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.fragment), std::string::npos) << e.what();
    }
  }
}

TEST(Text, HandlesMustBeVisibleAcrossGoroutines) {
  // h2 is created by go 1 after the spawn: main cannot see it.
  EXPECT_THROW(parse_program("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  go 1\n  wait h2\ngo 1:\n  h2 = with_cancel h1\n"),
               ParseError);
  // Inherited handles are visible to the child; dropped ones are not.
  EXPECT_NO_THROW(parse_program("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  go 1\ngo 1:\n  h2 = with_cancel h1\n  cancel h2\n"));
  EXPECT_THROW(parse_program("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  drop h1\n  go 1\ngo 1:\n  h2 = with_cancel h1\n"),
               ParseError);
}

// A huge token is echoed cut short, with its size.
TEST(Text, AHugeTokenIsEchoedTruncated) {
  std::string token(900'000, 'x');
  try {
    parse_program("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  " + token + "\n");
    ADD_FAILURE() << "parsed";
  } catch (const ParseError& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.line, 4);
    EXPECT_LT(msg.size(), 200u) << msg.substr(0, 300);
    EXPECT_NE(msg.find("(900000 bytes)"), std::string::npos) << msg.substr(0, 300);
  }
}

// A CRLF trace is the same trace: every regression file, and the canonical text.
TEST(Text, CrlfLinesReadAsLf) {
  auto crlf = [](const std::string& text) {
    std::string out;
    for (char c : text) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return out;
  };
  EXPECT_EQ(parse_program(crlf(kCanonical)), parse_program(kCanonical));
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(CTXCHECK_SOURCE_DIR "/corpus/regressions")) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(parse_program(crlf(text)), parse_program(text)) << e.path();
    ++files;
  }
  EXPECT_GT(files, 0u);
  // Where a CRLF line ends: after its last character, not after the CR.
  try {
    parse_program("ctxcheck-trace 1\r\ngo 0:\r\n  h1 = background\r\n  h2 = with_cancel\r\n");
    ADD_FAILURE() << "parsed";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line, 4);
    EXPECT_EQ(e.column, 19) << e.what();
  }
}

TEST(Text, HugeInputIsRejectedNotParsed) {
  std::string big = "ctxcheck-trace 1\ngo 0:\n" + std::string(kMaxTraceBytes, ' ');
  EXPECT_THROW(parse_program(big), ParseError);
}

RC_GTEST_PROP(Text, PrintThenParseIsIdentity, (uint64_t seed, bool well_formed)) {
  GenOptions o;
  o.ops = *rc::gen::inRange<uint32_t>(1, 40);
  o.goroutines = *rc::gen::inRange<uint32_t>(1, 5);
  o.well_formed = well_formed;
  o.unsafe = !well_formed;
  Program p = generate(seed, o);
  RC_ASSERT(!validate(p).has_value());
  std::string text = print_program(p);
  Program q = parse_program(text);
  RC_ASSERT(q == p);
  RC_ASSERT(print_program(q) == text);
}

RC_GTEST_PROP(Text, ParserNeverCrashesOnMutatedTraces, (uint64_t seed, std::vector<uint8_t> noise)) {
  std::string text = print_program(generate(seed, GenOptions{}));
  // Overwrite, insert and delete bytes; the parser must either parse or throw ParseError.
  for (size_t i = 0; i + 1 < noise.size(); i += 2) {
    size_t at = text.empty() ? 0 : noise[i] * 7919u % text.size();
    switch (noise[i + 1] % 3) {
      case 0: if (!text.empty()) text[at] = static_cast<char>(noise[i + 1]); break;
      case 1: text.insert(at, 1, static_cast<char>(noise[i + 1])); break;
      default: if (!text.empty()) text.erase(at, 1);
    }
  }
  try {
    Program p = parse_program(text);
    RC_ASSERT(!validate(p).has_value());
  } catch (const ParseError&) {
  }
}

TEST(Generate, DeterministicInItsSeed) {
  GenOptions o;
  EXPECT_EQ(generate(42, o), generate(42, o));
  EXPECT_NE(generate(42, o), generate(43, o));
}

TEST(Generate, WellFormedProgramsCancelEverythingTheyCreate) {
  GenOptions o;
  o.ops = 30;
  for (uint64_t seed = 0; seed < 500; ++seed) {
    Program p = generate(seed, o);
    ASSERT_FALSE(validate(p).has_value()) << *validate(p);
    std::vector<int> created(p.max_handle() + 1, 0), canceled(p.max_handle() + 1, 0);
    for (const auto& s : p.scripts)
      for (const auto& op : s.ops) {
        EXPECT_NE(op.kind, OpKind::Reparent);
        if (handle_kind_of(op) == HandleKind::CancelableContext || handle_kind_of(op) == HandleKind::CauseContext)
          created[op.result] = 1;
        if (op.kind == OpKind::Cancel || op.kind == OpKind::DeferCancel) canceled[op.a] = 1;
      }
    for (size_t h = 0; h < created.size(); ++h)
      EXPECT_TRUE(!created[h] || canceled[h]) << "seed " << seed << ": h" << h << " is never canceled";
  }
}

TEST(Generate, KnobsAreHonoured) {
  GenOptions o;
  o.ops = 50;
  o.goroutines = 1;
  o.kinds = {OpKind::WithCancel, OpKind::Yield};
  Program p = generate(7, o);
  EXPECT_EQ(p.scripts.size(), 1u);
  for (const auto& op : p.scripts[0].ops)
    EXPECT_TRUE(op.kind == OpKind::WithCancel || op.kind == OpKind::Yield || op.kind == OpKind::Background ||
                op.kind == OpKind::Cancel || op.kind == OpKind::Todo)
        << op_name(op.kind);
}

}  // namespace
}  // namespace ctxcheck::harness

#include "harness/program/decode.h"

namespace ctxcheck::harness {
namespace {

RC_GTEST_PROP(Decode, EveryByteStringIsAValidProgram, (std::vector<uint8_t> bytes)) {
  Program p = decode_program(bytes);
  auto err = validate(p);
  RC_ASSERT(!err.has_value());
  RC_ASSERT(p.op_count() <= kMaxDecodedOps + 0);
  // decode∘encode is stable: one round reaches a fixed point.
  RC_ASSERT(decode_program(encode_program(p)) == p);
}

RC_GTEST_PROP(Decode, EncodeInvertsDecodeOnGeneratedPrograms, (uint64_t seed, bool well_formed)) {
  GenOptions o;
  o.ops = *rc::gen::inRange<uint32_t>(1, 60);
  o.goroutines = *rc::gen::inRange<uint32_t>(1, 6);
  o.well_formed = well_formed;
  o.unsafe = !well_formed;
  Program p = generate(seed, o);
  RC_ASSERT(decode_program(encode_program(p)) == p);
}

TEST(Decode, FuzzInputSplitsIntoProgramAndSchedule) {
  Program p = generate(3, GenOptions{});
  std::vector<uint8_t> sched{1, 2, 3};
  FuzzInput in = split_fuzz_input(join_fuzz_input(p, sched));
  EXPECT_EQ(in.program, p);
  EXPECT_EQ(in.schedule, sched);
  // Short or empty inputs are still valid.
  EXPECT_FALSE(validate(split_fuzz_input({}).program).has_value());
  std::vector<uint8_t> one{0xff};
  EXPECT_FALSE(validate(split_fuzz_input(one).program).has_value());
}

// The fuzzers' rekey mutation copies key bytes: split_op_bytes says where each op's key byte
// is (0: none), and with_value's value is one of its numbers.
TEST(Decode, SplitOpBytesSaysWhereEachKeyIs) {
  Program p = parse_program(
      "ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_value h1 keyB:3 7\n  observe value h2 keyC:5\n"
      "  h3 = with_cancel h2\n  cancel h3\n");
  std::vector<uint8_t> b = encode_program(p);
  std::vector<OpBytes> ops = split_op_bytes(b);
  const std::vector<Op>& main = p.scripts[0].ops;
  ASSERT_EQ(ops.size(), main.size());
  for (size_t i = 0; i < main.size(); ++i) {
    bool keyed = main[i].kind == OpKind::WithValue || (main[i].kind == OpKind::Observe && main[i].observe == Observe::Value);
    if (!keyed) {
      EXPECT_EQ(ops[i].key_byte, 0u) << i;
      continue;
    }
    ASSERT_TRUE(ops[i].key_byte >= ops[i].begin && ops[i].key_byte < ops[i].end) << i;
    EXPECT_EQ(b[ops[i].key_byte], main[i].key.type + limits::kDecodedKeyTypes * main[i].key.value) << i;
  }
  EXPECT_EQ(ops[1].number_bytes.size(), 1u) << "with_value's value";
  b[ops[2].key_byte] = b[ops[1].key_byte];  // the lookup now asks for the key h2 binds
  EXPECT_EQ(decode_program(b).scripts[0].ops[2].key, main[1].key);
}

// Verdicts have one text form: every invariant and finding prints and parses back, and
// nothing else parses.
TEST(Program, ExpectTextRoundTrips) {
  std::vector<Expect> all = {Expect()};
  for (unsigned i = 0; i < std::size(kInvariants); ++i) all.push_back(static_cast<Invariant>(i));
  for (unsigned i = 0; i < std::size(kFindings); ++i) all.push_back(static_cast<Finding>(i));
  for (const Expect& e : all) {
    auto back = Expect::parse(e.to_string());
    ASSERT_TRUE(back) << e.to_string();
    EXPECT_EQ(*back, e) << e.to_string();
  }
  EXPECT_EQ(Expect(Invariant::Residue).to_string(), "violation residue");
  EXPECT_EQ(Expect(Finding::LostCancel).to_string(), "finding lost-cancel");
  EXPECT_EQ(Expect(Finding::LostCancel).id(), "lost-cancel");
  EXPECT_EQ(Expect().to_string(), "pass");
  EXPECT_NE(Expect(Invariant::Residue), Expect(Invariant::Acyclic));
  for (const char* bad : {"", "violation", "violation lost-cancel", "finding residue", "residue", "pass ", "Pass"})
    EXPECT_FALSE(Expect::parse(bad)) << bad;
}

TEST(Program, BadExpectLineIsAParseError) {
  try {
    parse_program("ctxcheck-trace 1\nexpect: violation nope\ngo 0:\n  h1 = background\n");
    FAIL() << "parsed";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line, 2);
    EXPECT_NE(std::string(e.what()).find("pass, violation <invariant> or finding <finding>"), std::string::npos)
        << e.what();
  }
  Program p = parse_program("ctxcheck-trace 1\nexpect: finding lost-cancel\ngo 0:\n  h1 = background\n");
  EXPECT_EQ(p.expect, Expect(Finding::LostCancel));
}

}  // namespace
}  // namespace ctxcheck::harness
