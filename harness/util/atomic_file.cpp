#include "harness/util/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

namespace ctxcheck::harness {

namespace {
std::runtime_error os_error(std::string_view what, const std::string& path) {
  return std::runtime_error(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// All of `contents` into fd; false with errno set when a write fails.
bool write_all(int fd, std::string_view contents) {
  while (!contents.empty()) {
    ssize_t n = ::write(fd, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    contents.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void refuse_inputs(const std::string& path, const struct stat& out, const std::vector<std::string>& inputs) {
  for (const std::string& in : inputs) {
    struct stat st {};
    if (in.empty() || in == "-" || ::stat(in.c_str(), &st) != 0 || !same_file(st, out)) continue;
    std::string alias = in == path ? "" : fmt::format(" (the same file as the input {})", in);
    throw OutputIsInputError(
        fmt::format("refusing to write {}: it is the input file{}; give another output path", path, alias));
  }
}

// Our stdout or stderr when `path` is one of them: "-", /dev/stdout, or the file the shell
// redirected them to (a rename there would leave the stream writing into a deleted file).
int our_stream(const std::string& path, const struct stat* st) {
  if (path == "-") return STDOUT_FILENO;
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    struct stat s {};
    if (st && ::fstat(fd, &s) == 0 && same_file(s, *st)) return fd;
  }
  return -1;
}

void write_to_stream(int fd, const std::string& path, std::string_view contents) {
  std::fflush(fd == STDOUT_FILENO ? stdout : stderr);  // what was printed before comes first
  if (!write_all(fd, contents)) throw os_error("cannot write", path == "-" ? std::string("- (stdout)") : path);
}

}  // namespace

bool writes_through(const std::string& path) {
  struct stat st {};
  if (path == "-") return true;
  if (::stat(path.c_str(), &st) != 0) return false;
  return our_stream(path, &st) >= 0 || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode);
}

namespace {

// A device or a FIFO: opened and written, never replaced.
void write_through(const std::string& path, std::string_view contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw os_error("cannot open", path);
  bool ok = write_all(fd, contents);
  int saved = errno;
  if (::close(fd) != 0 && ok) throw os_error("cannot write", path);
  errno = saved;
  if (!ok) throw os_error("cannot write", path);
}

// The file `path` names after following symlinks in its last component (a dangling link:
// the file it would create), so a rename replaces the target and the link stays.
std::filesystem::path resolved_target(const std::string& path) {
  std::filesystem::path p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::error_code ec;
    std::filesystem::path target = std::filesystem::read_symlink(p, ec);
    if (ec) throw std::runtime_error(fmt::format("cannot read the symlink {}: {}", path, ec.message()));
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  throw std::runtime_error(fmt::format("cannot write {}: too many levels of symbolic links", path));
}

// A new file beside the target, removed unless committed by the rename.
class TempFile {
 public:
  TempFile(const std::filesystem::path& target, const std::string& user_path) : user_path_(user_path) {
    // Short enough for NAME_MAX whatever the target's name; O_EXCL never reuses a file.
    std::string base = target.filename().string().substr(0, 100);
    for (int n = 0; n < 100 && fd_ < 0; ++n) {
      name_ = (target.parent_path() / fmt::format("{}.tmp.{}.{}", base, ::getpid(), n)).string();
      fd_ = ::open(name_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ < 0 && errno != EEXIST) break;
    }
    if (fd_ < 0) throw os_error("cannot create", user_path_);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(name_.c_str());
  }
  void write(std::string_view contents, const struct stat* replaced) {
    if (replaced && ::fchmod(fd_, replaced->st_mode & 07777) != 0) throw os_error("cannot write", user_path_);
    if (!write_all(fd_, contents)) throw os_error("cannot write", user_path_);
    int fd = std::exchange(fd_, -1);
    if (::fsync(fd) != 0) {
      auto err = os_error("cannot flush", user_path_);
      ::close(fd);
      throw err;
    }
    if (::close(fd) != 0) throw os_error("cannot write", user_path_);
  }
  void rename_over(const std::filesystem::path& target) {
    if (::rename(name_.c_str(), target.c_str()) != 0) throw os_error("cannot replace", user_path_);
    committed_ = true;
  }

 private:
  std::string user_path_, name_;
  int fd_ = -1;
  bool committed_ = false;
};

// The rename itself is durable only once the directory is on disk too.
void fsync_directory(const std::filesystem::path& dir, const std::string& user_path) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw os_error("cannot flush the directory of", user_path);
  bool ok = ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  errno = saved;
  if (!ok) throw os_error("cannot flush the directory of", user_path);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view contents, const std::vector<std::string>& inputs) {
  if (path.empty()) throw std::runtime_error("cannot write a file with an empty name");
  struct stat st {};
  bool exists = path != "-" && ::stat(path.c_str(), &st) == 0;
  if (exists) refuse_inputs(path, st, inputs);
  if (int fd = our_stream(path, exists ? &st : nullptr); fd >= 0) return write_to_stream(fd, path, contents);
  if (exists && S_ISDIR(st.st_mode)) throw std::runtime_error(fmt::format("cannot write {}: it is a directory", path));
  if (exists && !S_ISREG(st.st_mode)) return write_through(path, contents);
  std::filesystem::path target = resolved_target(path);
  TempFile tmp(target, path);
  tmp.write(contents, exists ? &st : nullptr);
  tmp.rename_over(target);
  fsync_directory(target.parent_path(), path);
}

namespace {
std::string_view file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}
}  // namespace

std::string read_file(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO with no writer must not wait for one; only regular files are
  // read (a FIFO, a device or a directory is refused before reading it).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw os_error("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto err = os_error("cannot stat", path);
    ::close(fd);
    throw err;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error(fmt::format("{} is {}, not a regular file", path, file_type(st.st_mode)));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto err = os_error("cannot read", path);
      ::close(fd);
      throw err;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      throw std::runtime_error(fmt::format("{} is larger than {} bytes", path, max_bytes));
    }
  }
  ::close(fd);
  return out;
}

}  // namespace ctxcheck::harness
