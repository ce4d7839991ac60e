// write_file_atomically: what a path points at is never replaced by something else (a
// symlink stays a link, a device or FIFO is written through, `-` is stdout), an input is
// never overwritten, and every failure names the user's path and leaves no temporary.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "harness/util/atomic_file.h"

namespace fs = std::filesystem;
using ctxcheck::harness::OutputIsInputError;
using ctxcheck::harness::read_file;
using ctxcheck::harness::write_file_atomically;

namespace {

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ctxcheck-atomic-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Every name in the directory, sorted: a leftover temporary shows up here.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  // The message write_file_atomically throws for `p`, or "" when it does not throw.
  static std::string error_of(const std::string& p, const std::string& contents,
                              const std::vector<std::string>& inputs = {}) {
    try {
      write_file_atomically(p, contents, inputs);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(AtomicFile, NewFileHasTheContentsAndNoTemporaryIsLeft) {
  write_file_atomically(path("out.txt"), "hello\n");
  EXPECT_EQ(read_file(path("out.txt")), "hello\n");
  EXPECT_EQ(names(), std::vector<std::string>{"out.txt"});
  struct stat st {};
  ASSERT_EQ(::stat(path("out.txt").c_str(), &st), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask);
}

TEST_F(AtomicFile, ReplacingAFileKeepsItsPermissions) {
  write_file_atomically(path("out.txt"), "old");
  ASSERT_EQ(::chmod(path("out.txt").c_str(), 0600), 0);
  write_file_atomically(path("out.txt"), "new");
  EXPECT_EQ(read_file(path("out.txt")), "new");
  EXPECT_EQ(fs::status(path("out.txt")).permissions(), fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(AtomicFile, SymlinkStaysASymlinkAndItsTargetGetsTheContents) {
  fs::create_directory(dir_ / "real");
  write_file_atomically(path("real/target.txt"), "old");
  fs::create_symlink("real/target.txt", dir_ / "link.txt");  // relative to the link's directory
  fs::create_symlink("link.txt", dir_ / "link2.txt");        // a chain of links
  write_file_atomically(path("link2.txt"), "new");
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.txt"));
  EXPECT_TRUE(fs::is_symlink(dir_ / "link2.txt"));
  EXPECT_EQ(read_file(path("real/target.txt")), "new");
  EXPECT_EQ(names(), (std::vector<std::string>{"link.txt", "link2.txt", "real"}));
  EXPECT_EQ(fs::directory_iterator(dir_ / "real")->path().filename(), "target.txt");
}

TEST_F(AtomicFile, DanglingSymlinkCreatesItsTarget) {
  fs::create_symlink("made.txt", dir_ / "link.txt");
  write_file_atomically(path("link.txt"), "made");
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.txt"));
  EXPECT_EQ(read_file(path("made.txt")), "made");
}

TEST_F(AtomicFile, DevNullIsWrittenThroughNotReplaced) {
  write_file_atomically("/dev/null", "discarded");
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  fs::create_symlink("/dev/null", dir_ / "null-link");  // through a symlink too
  write_file_atomically(path("null-link"), "discarded");
  EXPECT_TRUE(fs::is_symlink(dir_ / "null-link"));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST_F(AtomicFile, DevFullFailsNamingItAndStaysADevice) {
  std::string err = error_of("/dev/full", "x");
  EXPECT_NE(err.find("/dev/full"), std::string::npos) << err;
  EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

TEST_F(AtomicFile, FifoIsWrittenThrough) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] {  // read_file refuses a FIFO as input, so read it as a stream
    std::ifstream in(path("fifo"), std::ios::binary);
    got.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  });
  write_file_atomically(path("fifo"), "through the pipe");
  reader.join();
  EXPECT_EQ(got, "through the pipe");
  EXPECT_TRUE(fs::is_fifo(dir_ / "fifo"));
  EXPECT_EQ(names(), std::vector<std::string>{"fifo"});
}

TEST_F(AtomicFile, DashIsStdout) {
  ::testing::internal::CaptureStdout();
  std::printf("printed first; ");  // buffered stdio output comes before the file's contents
  write_file_atomically("-", "the contents\n");
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "printed first; the contents\n");
  EXPECT_FALSE(fs::exists(dir_ / "-"));
}

TEST_F(AtomicFile, OutputEqualToAnInputIsRefusedAndTheInputKept) {
  write_file_atomically(path("in.trace"), "the user's trace");
  fs::create_symlink("in.trace", dir_ / "alias.trace");
  fs::create_hard_link(dir_ / "in.trace", dir_ / "hard.trace");
  for (const std::string& out : {path("in.trace"), path("alias.trace"), path("hard.trace"), dir_.string() + "/./in.trace"}) {
    EXPECT_THROW(write_file_atomically(out, "clobbered", {path("in.trace")}), OutputIsInputError) << out;
    std::string err = error_of(out, "clobbered", {path("in.trace")});
    EXPECT_NE(err.find(out), std::string::npos) << err;
    EXPECT_EQ(read_file(path("in.trace")), "the user's trace");
  }
  // The input named through the symlink is the same file as well.
  EXPECT_THROW(write_file_atomically(path("in.trace"), "x", {path("alias.trace")}), OutputIsInputError);
  EXPECT_EQ(names(), (std::vector<std::string>{"alias.trace", "hard.trace", "in.trace"}));
  // A different file is written, and inputs that do not exist are no obstacle.
  write_file_atomically(path("out.trace"), "ok", {path("in.trace"), path("missing.trace"), "-"});
  EXPECT_EQ(read_file(path("out.trace")), "ok");
}

TEST_F(AtomicFile, UnwritableDirectoryErrorNamesTheUsersPath) {
  write_file_atomically(path("file"), "a file, not a directory");
  for (const std::string& out : {path("missing/out.txt"), path("file/out.txt"), std::string("/proc/ctxcheck-out.txt")}) {
    std::string err = error_of(out, "x");
    EXPECT_NE(err.find(out), std::string::npos) << err;
    EXPECT_EQ(err.find(".tmp."), std::string::npos) << err;
  }
  std::string err = error_of(dir_.string(), "x");
  EXPECT_NE(err.find("is a directory"), std::string::npos) << err;
  EXPECT_EQ(names(), std::vector<std::string>{"file"});
}

// A write that fails half-way (here: the file size limit, EFBIG) leaves the old file as
// it was and no temporary.
TEST_F(AtomicFile, FailedWriteLeavesTheOldFileAndNoTemporary) {
  write_file_atomically(path("out.txt"), "old contents");
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string err = error_of(path("out.txt"), std::string(100000, 'x'));
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_NE(err.find(path("out.txt")), std::string::npos) << err;
  EXPECT_EQ(err.find(".tmp."), std::string::npos) << err;
  EXPECT_EQ(read_file(path("out.txt")), "old contents");
  EXPECT_EQ(names(), std::vector<std::string>{"out.txt"});
}

TEST_F(AtomicFile, ALongNameStillGetsATemporary) {
  std::string name(250, 'n');
  write_file_atomically(path(name), "long");
  EXPECT_EQ(read_file(path(name)), "long");
  EXPECT_EQ(names(), std::vector<std::string>{name});
}

}  // namespace
