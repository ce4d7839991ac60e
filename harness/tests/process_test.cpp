// run_process: a program runs by argv (no shell sees the arguments), in a directory, with
// extra environment, its output captured or passed through, its exit status decoded, and
// a timeout that kills the whole process group.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "harness/util/process.h"

namespace fs = std::filesystem;
using namespace ctxcheck::harness;

namespace {

ProcessSpec captured(std::string program, std::vector<std::string> args) {
  ProcessSpec s;
  s.program = std::move(program);
  s.args = std::move(args);
  s.stdout_to = s.stderr_to = ChildOutput::Capture;
  return s;
}

class Process : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ctxcheck-process-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(Process, ArgumentsReachTheProgramVerbatim) {
  std::vector<std::string> args = {"%s|", "it's", "\"quoted\"", "a b", "$(touch PWNED)", ";touch PWNED;", "`touch PWNED`"};
  ProcessSpec s = captured("printf", args);
  s.working_dir = dir_.string();
  ProcessResult r = run_process(s);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "it's|\"quoted\"|a b|$(touch PWNED)|;touch PWNED;|`touch PWNED`|");
  EXPECT_TRUE(fs::is_empty(dir_)) << "something ran a shell";
}

TEST_F(Process, ExitStatusIsDecoded) {
  EXPECT_EQ(run_process(captured("true", {})).status, 0);
  EXPECT_EQ(run_process(captured("false", {})).status, 1);
  ProcessResult r = run_process(captured("ls", {(dir_ / "no such file").string()}));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no such file"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(Process, AProgramThatCannotRunIsAClearError) {
  try {
    run_process(captured("ctxcheck-no-such-program", {}));
    FAIL() << "no error";
  } catch (const ProcessError& e) {
    EXPECT_STREQ(e.what(), "cannot run ctxcheck-no-such-program: not found in PATH");
  }
  std::string not_executable = (dir_ / "plain file").string();
  ASSERT_EQ(::close(::creat(not_executable.c_str(), 0644)), 0);
  try {
    run_process(captured(not_executable, {}));
    FAIL() << "no error";
  } catch (const ProcessError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot run " + not_executable + ": no such executable file");
  }
  EXPECT_FALSE(find_program("ctxcheck-no-such-program"));
  EXPECT_EQ(find_program("ls").value_or("").front(), '/');
}

TEST_F(Process, RunsInItsDirectoryWithTheExtraEnvironment) {
  ProcessSpec s = captured("env", {});
  s.working_dir = dir_.string();
  s.env = {{"CTXCHECK_PROCESS_TEST", "a b 'c'"}, {"CTXCHECK_EMPTY", ""}};
  ProcessResult r = run_process(s);
  EXPECT_NE(r.out.find("\nCTXCHECK_PROCESS_TEST=a b 'c'\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nCTXCHECK_EMPTY=\n"), std::string::npos);
  EXPECT_NE(r.out.find("\nPATH="), std::string::npos) << "our environment is inherited";
  s = captured("pwd", {"-P"});
  s.working_dir = dir_.string();
  EXPECT_EQ(run_process(s).out, fs::canonical(dir_).string() + "\n");
}

TEST_F(Process, StderrCanJoinStdoutAndLargeOutputIsCapturedWhole) {
  // Both streams at once, more than a pipe buffer each: reading one must not stall the other.
  ProcessSpec s = captured("sh", {"-c", "head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2; echo end >&2"});
  ProcessResult r = run_process(s);
  EXPECT_EQ(r.out.size(), 300000u);
  EXPECT_EQ(r.err.size(), 200004u);
  s.stderr_to = ChildOutput::WithStdout;
  r = run_process(s);
  EXPECT_EQ(r.out.size(), 500004u);
  EXPECT_EQ(r.out.substr(r.out.size() - 4), "end\n");
  EXPECT_TRUE(r.err.empty());
}

TEST_F(Process, TimeoutKillsTheWholeProcessGroup) {
  // The grandchild holds the output pipe open: unless it is killed too, this takes 30 s.
  ProcessSpec s = captured("sh", {"-c", "sleep 30 & sleep 30; echo not killed"});
  s.timeout = std::chrono::milliseconds(200);
  auto t0 = std::chrono::steady_clock::now();
  ProcessResult r = run_process(s);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.status, 128 + 9);
  EXPECT_TRUE(r.out.empty());
  EXPECT_LT(took, std::chrono::seconds(10));
  // A program that ends in time is not marked.
  s = captured("true", {});
  s.timeout = std::chrono::seconds(30);
  r = run_process(s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.status, 0);
}

TEST_F(Process, KilledBySignalIs128PlusIt) {
  EXPECT_EQ(run_process(captured("sh", {"-c", "kill -TERM $$"})).status, 128 + 15);
}

TEST_F(Process, PassThroughWritesToOurStreams) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  ProcessSpec s;
  s.program = "sh";
  s.args = {"-c", "echo to-stdout; echo to-stderr >&2"};
  EXPECT_EQ(run_process(s).status, 0);
  s.stdout_to = ChildOutput::ToStderr;  // as `go test ... 1>&2`
  s.args = {"-c", "echo moved"};
  EXPECT_EQ(run_process(s).status, 0);
  std::string out = ::testing::internal::GetCapturedStdout();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "to-stdout\n");
  EXPECT_EQ(err, "to-stderr\nmoved\n");
}

}  // namespace
