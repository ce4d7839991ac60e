#include "harness/util/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/process/args.hpp>
#include <boost/process/async.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/posix.hpp>
#include <boost/process/search_path.hpp>
#include <boost/process/start_dir.hpp>
#include <fmt/format.h>

namespace ctxcheck::harness {

namespace {

namespace asio = boost::asio;
namespace bp = boost::process;

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// Our own fd 1 or 2, duplicated above 2 with close-on-exec, so that binding the child's 1
// and 2 in either order never reads an fd the other binding already replaced.
Fd duplicate_of(int ours, const std::string& program) {
  int fd = ::fcntl(ours, F_DUPFD_CLOEXEC, 3);
  if (fd < 0) throw ProcessError(fmt::format("cannot run {}: our fd {}: {}", program, ours, std::strerror(errno)));
  return Fd(fd);
}

// A pipe the child writes one stream into and we read to its end. Both ends close on exec;
// the child gets the write end as its fd 1 or 2 by dup2, which clears that flag.
class Capture {
 public:
  Capture(asio::io_context& io, std::string& sink, const std::string& program) : reader_(io), sink_(sink) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      throw ProcessError(fmt::format("cannot run {}: pipe: {}", program, std::strerror(errno)));
    reader_.assign(fds[0]);
    writer_.reset(fds[1]);
  }
  int child_end() const { return writer_.get(); }
  // After the child started: drop our copy of the write end (so the read sees the end of
  // the stream when the child and its children are done) and read everything.
  void start() {
    writer_.reset();
    asio::async_read(reader_, asio::dynamic_buffer(sink_), [](const boost::system::error_code&, size_t) {});
  }

 private:
  asio::posix::stream_descriptor reader_;
  Fd writer_;
  std::string& sink_;
};

// In the child, before exec: lead a process group of its own, so a timeout can kill the
// whole group. Only with a timeout: without one the child stays in ours and a Ctrl-C at
// the terminal reaches it as it would from a shell.
struct OwnProcessGroup : bp::extend::handler {
  bool enabled;
  template <class Executor>
  void on_exec_setup(Executor&) const {
    if (enabled) ::setpgid(0, 0);
  }
};

// The fds the child's stdout and stderr are bound to, and the captures behind them.
struct Outputs {
  std::unique_ptr<Capture> out_pipe, err_pipe;
  Fd our_stdout, our_stderr;
  int out = -1, err = -1;
};

int target_fd(ChildOutput to, Outputs& o, std::unique_ptr<Capture>& pipe, asio::io_context& io, std::string& sink,
              const std::string& program) {
  switch (to) {
    case ChildOutput::Capture:
      pipe = std::make_unique<Capture>(io, sink, program);
      return pipe->child_end();
    case ChildOutput::ToStdout:
      if (o.our_stdout.get() < 0) o.our_stdout = duplicate_of(STDOUT_FILENO, program);
      return o.our_stdout.get();
    case ChildOutput::ToStderr:
      if (o.our_stderr.get() < 0) o.our_stderr = duplicate_of(STDERR_FILENO, program);
      return o.our_stderr.get();
    case ChildOutput::WithStdout:
      break;
  }
  return -1;
}

Outputs bind_outputs(const ProcessSpec& s, asio::io_context& io, ProcessResult& r) {
  if (s.stdout_to == ChildOutput::WithStdout) throw std::invalid_argument("run_process: stdout cannot go WithStdout");
  Outputs o;
  o.out = target_fd(s.stdout_to, o, o.out_pipe, io, r.out, s.program);
  o.err = s.stderr_to == ChildOutput::WithStdout ? o.out : target_fd(s.stderr_to, o, o.err_pipe, io, r.err, s.program);
  return o;
}

bp::environment child_environment(const ProcessSpec& s) {
  bp::environment env = boost::this_process::environment();
  for (const auto& [name, value] : s.env) env[name] = value;
  return env;
}

// The wait status as a shell reports it: the exit code, or 128 + the signal.
int decoded_status(int raw, const std::string& program) {
  if (raw < 0) throw ProcessError(fmt::format("{}: lost its exit status (waitpid failed)", program));
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return raw;
}

bp::child launch(const ProcessSpec& s, const std::string& path, Outputs& o, asio::io_context& io) {
  try {
    return bp::child(bp::exe(path), bp::args(s.args), bp::start_dir(s.working_dir.empty() ? "." : s.working_dir),
                     child_environment(s), bp::std_in < bp::null, bp::posix::fd.bind(STDOUT_FILENO, o.out),
                     bp::posix::fd.bind(STDERR_FILENO, o.err), OwnProcessGroup{{}, s.timeout.has_value()},
                     bp::on_exit([](int, const std::error_code&) {}), io);
  } catch (const bp::process_error& e) {
    std::string where = s.working_dir.empty() ? "" : fmt::format(" in {}", s.working_dir);
    throw ProcessError(fmt::format("cannot run {}{}: {}", s.program, where, e.code().message()));
  }
}

}  // namespace

std::optional<std::string> find_program(const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    struct stat st {};
    bool runnable = ::stat(name.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(name.c_str(), X_OK) == 0;
    // Absolute: the child may start in another directory.
    return runnable ? std::optional<std::string>(std::filesystem::absolute(name).string()) : std::nullopt;
  }
  boost::filesystem::path found = bp::search_path(name);
  if (found.empty()) return std::nullopt;
  return found.string();
}

ProcessResult run_process(const ProcessSpec& s) {
  std::optional<std::string> path = find_program(s.program);
  if (!path)
    throw ProcessError(s.program.find('/') != std::string::npos
                           ? fmt::format("cannot run {}: no such executable file", s.program)
                           : fmt::format("cannot run {}: not found in PATH", s.program));
  ProcessResult r;
  asio::io_context io;
  Outputs o = bind_outputs(s, io, r);
  bp::child c = launch(s, *path, o, io);
  // Also from here: the child may not have run its setpgid yet when a timeout fires.
  if (s.timeout) ::setpgid(c.id(), c.id());
  for (Capture* p : {o.out_pipe.get(), o.err_pipe.get()})
    if (p) p->start();
  o.our_stdout.reset();
  o.our_stderr.reset();
  if (s.timeout) {
    io.run_for(*s.timeout);
    if (!io.stopped()) {
      r.timed_out = true;
      ::kill(-c.id(), SIGKILL);
    }
  }
  io.run();
  r.status = decoded_status(c.native_exit_code(), s.program);
  return r;
}

}  // namespace ctxcheck::harness
