// Program findings with Go's meaning (issue 16): each scenario of the seed article, as a
// trace in corpus/regressions, comes to exactly the findings listed here, at the op named,
// with the structured retention path the pictures draw.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/executor/executor.h"
#include "harness/program/text.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {
namespace {

ExecResult replay_file(const std::string& name) {
  Program p = parse_program(read_file(std::string(CTXCHECK_SOURCE_DIR "/corpus/regressions/") + name));
  ExecOptions o;
  o.faults = faults_of(p);
  rt::ReplayChoices c(p.schedule);
  return execute(p, c, o);
}

ExecResult run_text(const std::string& text) {
  Program p = parse_program(text);
  ExecOptions o;
  rt::PrngChoices c(0);
  return execute(p, c, o);
}

std::vector<std::string> ids(const ExecResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.emplace_back(name_of(f.id));
  return out;
}

using Ids = std::vector<std::string>;

TEST(Findings, ForgottenTimeoutCancelUnderServerIsFoundAtTheDrop) {
  ExecResult r = replay_file("server-forgotten-timeout-cancel.trace");
  ASSERT_EQ(ids(r), (Ids{"lost-cancel", "retained-by-parent"}));
  const FindingReport& f = r.findings[0];
  EXPECT_EQ(f.at.script, 0);
  EXPECT_EQ(f.at.op, 4) << "at `drop h3`, not at the end of main";
  EXPECT_NE(f.message.find("h3"), std::string::npos) << f.message;
  // global -> h2 -children[]-> h3; the server's own context (kept in a global) is no finding.
  EXPECT_EQ(f.detail.path.root, "global 2");
  ASSERT_EQ(f.detail.path.nodes.size(), 2u) << f.path;
  EXPECT_EQ(f.detail.path.nodes[0].name, "h2");
  EXPECT_EQ(f.detail.path.nodes[1].edge, "children[]");
  EXPECT_EQ(f.detail.path.nodes[1].name, "h3");
  EXPECT_EQ(f.detail.path.nodes[1].type, "timerCtx");
}

TEST(Findings, LongLivedParentRetainingDroppedChildren) {
  ExecResult r = replay_file("long-lived-parent-retains-dropped.trace");
  ASSERT_EQ(ids(r), (Ids{"retained-by-parent"})) << "kept contexts are no lost cancel";
  const FindingReport& f = r.findings[0];
  EXPECT_EQ(f.at.op, 9) << "at the gc";
  EXPECT_EQ(f.detail.retained, 2u);
  EXPECT_GT(f.detail.retained_bytes, 0u);
  EXPECT_EQ(f.detail.contexts.size(), 3u);  // the parent, then both children
  EXPECT_EQ(f.detail.path.root, "global 2");
  EXPECT_EQ(f.detail.path.nodes.back().edge, "children[]");
}

TEST(Findings, InterceptorRebindingAKeyWithAnotherValueType) {
  EXPECT_EQ(ids(replay_file("interceptor-shadowed-key.trace")), (Ids{"shadowed-key"}));
}

TEST(Findings, TwoPackagesStructKeysAreNoConflict) {
  ExecResult r = replay_file("two-packages-struct-keys.trace");
  EXPECT_EQ(ids(r), Ids{});
  EXPECT_EQ(r.verdict, Verdict::Pass);
}

TEST(Findings, RebindingAKeyWithTheSameTypesIsNoFindingAndTheNearestBindingWins) {
  ExecResult r = replay_file("nearest-binding-wins.trace");
  EXPECT_EQ(ids(r), Ids{});
  EXPECT_EQ(r.verdict, Verdict::Pass);
}

TEST(Findings, ParkedForeverNamesTheGoroutineOpAndContextAtTheWait) {
  ExecResult r = replay_file("parked-on-never-canceled.trace");
  ASSERT_EQ(ids(r), (Ids{"parked-forever"}));
  const FindingReport& f = r.findings[0];
  EXPECT_EQ(f.at.script, 1);
  EXPECT_EQ(f.at.op, 0);
  EXPECT_NE(f.message.find("go 1"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("wait h2"), std::string::npos) << f.message;
}

TEST(Findings, MainParkedForeverPointsAtItsWait) {
  ExecResult r = run_text("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n  keep h2\n  wait h2\n");
  ASSERT_EQ(ids(r), (Ids{"parked-forever"}));
  EXPECT_EQ(r.findings[0].at.script, 0);
  EXPECT_EQ(r.findings[0].at.op, 3);
  EXPECT_NE(r.findings[0].message.find("wait h2"), std::string::npos) << r.findings[0].message;
}

TEST(Findings, LostCancelAtTheEndOfTheGoroutineHoldingIt) {
  ExecResult r = run_text(
      "ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n  store g0 h2\n  go 1\n"
      "  sleep 1ms\n  cancel h2\ngo 1:\n  h3 = with_deadline h2 @3600s\n  observe err h3\n");
  ASSERT_EQ(ids(r), (Ids{"lost-cancel"}));
  EXPECT_EQ(r.findings[0].at.script, 1);
  EXPECT_EQ(r.findings[0].at.op, 2) << "the end of go 1";
}

TEST(Findings, CancelStillHeldElsewhereIsNotLost) {
  // go 1 holds h2's cancel func when main drops it, and calls it.
  ExecResult r = run_text(
      "ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n  go 1\n  drop h2\n  gc\n"
      "go 1:\n  sleep 1ms\n  cancel h2\n");
  EXPECT_EQ(ids(r), Ids{});
}

TEST(Findings, BuiltinTypedKeyIsSa1029) {
  ExecResult r = run_text(
      "ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_value h1 string:\"user\" string:\"bob\"\n"
      "  observe value h2 string:\"user\"\n  observe value h2 int:3\n");
  EXPECT_EQ(ids(r), (Ids{"builtin-key"}));
  ASSERT_EQ(r.observations.size(), 2u);
  EXPECT_EQ(r.observations[0].value, "string:\"bob\"");
  EXPECT_EQ(r.observations[1].value, "nil");
}

TEST(Findings, DifferentKeyTypesNeverConflict) {
  ExecResult r = run_text(
      "ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_value h1 keyA:0 1\n  h3 = with_value h2 keyB:0 "
      "string:\"x\"\n  h4 = with_value h3 keyA:0 2\n");
  EXPECT_EQ(ids(r), Ids{}) << "keyA:0 rebound with the same value type; keyB:0 is another key";
}

TEST(Findings, NewSyntaxRoundTripsAndBadSyntaxIsALineColumnError) {
  const std::string text =
      "ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_value h1 int:-3 string:\"a_1\"\n"
      "  h3 = with_value h2 string:\"abcdefghijkl\" 7\n  keep h3\n  observe value h3 int:-3\n";
  Program p = parse_program(text);
  EXPECT_EQ(parse_program(print_program(p)), p);
  EXPECT_NE(print_program(p).find("string:\"abcdefghijkl\""), std::string::npos);
  for (const char* bad : {"  h2 = with_value h1 string:\"abcdefghijklm\" 1\n", "  h2 = with_value h1 string:\"A\" 1\n",
                          "  h2 = with_value h1 int:x 1\n", "  h2 = with_value h1 keyA:1 string:\"\"\n", "  keep\n"}) {
    try {
      parse_program(std::string("ctxcheck-trace 1\ngo 0:\n  h1 = background\n") + bad);
      ADD_FAILURE() << "parsed: " << bad;
    } catch (const ParseError& e) {
      EXPECT_EQ(e.line, 4) << bad;
      EXPECT_GT(e.column, 2) << bad << e.what();
    }
  }
}

}  // namespace
}  // namespace ctxcheck::harness
