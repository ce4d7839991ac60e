// The failure sink: a violation is shrunk and named <id>-<hash16>, a second case of the
// same stem is a duplicate, an existing file is never overwritten, findings are written
// only when asked, and the written trace replays to what the case says.
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include <fmt/format.h>

#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/sink/failure_sink.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {
namespace {

const char* kRace = R"(ctxcheck-trace 1
faults: skip-removal
go 0:
  h1 = background
  h2 = with_cancel h1
  h3 = with_cancel h2
  observe err h3
  cancel h3
  cancel h2
)";

TEST(FailureSink, ShrinksNamesDedupesAndNeverOverwrites) {
  Program p = parse_program(kRace);
  ExecOptions o;
  o.faults = faults_of(p);
  rt::ReplayChoices none(p.schedule);
  ExecResult r = execute(p, none, o);
  ASSERT_EQ(r.expect(), Expect(Invariant::Residue)) << r.expect().to_string();
  std::string dir = (std::filesystem::temp_directory_path() / fmt::format("ctxcheck-sink-{}", ::getpid())).string();
  std::filesystem::remove_all(dir);
  FailureSink sink({.exec = o, .shrink = true, .out_dir = dir, .write_findings = false});
  FailureCase c = sink.prepare(annotate(p, r, ""), r, "found by a test");
  EXPECT_TRUE(c.shrunk);
  EXPECT_EQ(c.verdict, Expect(Invariant::Residue));
  EXPECT_LT(c.program.op_count(), p.op_count());
  EXPECT_EQ(c.stem, fmt::format("residue-{:016x}", c.result.trace_hash));
  EXPECT_EQ(c.text.rfind("ctxcheck-trace 1\n# found by a test\n", 0), 0u) << c.text;

  FailureSink::Kept first = sink.keep(c);
  EXPECT_TRUE(first.first && first.written);
  EXPECT_EQ(first.path, (std::filesystem::path(dir) / (c.stem + ".trace")).string());
  EXPECT_EQ(read_file(first.path), c.text);
  Program back = parse_program(read_file(first.path));
  EXPECT_EQ(back.expect, Expect(Invariant::Residue));
  EXPECT_EQ(back.hash, c.result.trace_hash);

  FailureSink::Kept again = sink.keep(c);
  EXPECT_FALSE(again.first || again.written);
  EXPECT_EQ(again.path, first.path);
  // A new sink (a later run) finds the file there and leaves it alone.
  write_file_atomically(first.path, "kept");
  FailureSink later({.exec = o, .shrink = false, .out_dir = dir, .write_findings = false});
  FailureSink::Kept old = later.keep(c);
  EXPECT_TRUE(old.first);
  EXPECT_FALSE(old.written);
  EXPECT_EQ(read_file(first.path), "kept");
  // Unshrunk: the case as found, annotated.
  FailureCase raw = later.prepare(annotate(p, r, ""), r, "raw");
  EXPECT_FALSE(raw.shrunk);
  EXPECT_EQ(raw.stem, fmt::format("residue-{:016x}", r.trace_hash));
  EXPECT_EQ(raw.text, print_program(annotate(p, r, "raw")));
  // Findings are written only when asked.
  FailureCase finding = raw;
  finding.verdict = Finding::LostCancel;
  finding.stem = "lost-cancel-0000000000000001";
  EXPECT_TRUE(later.keep(finding).path.empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ctxcheck::harness
