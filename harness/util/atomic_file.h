// Writing result files so that a crash, a kill or a full disk never leaves a half-written
// file behind, and nothing a path points at is ever replaced by something else.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ctxcheck::harness {

// Writes `contents` to `path`:
// - "-" is our stdout, and a path that is our stdout or stderr (/dev/stdout, or the file
//   the shell redirected them to) is written into that stream;
// - a character or block device or a FIFO is written through, never replaced (/dev/full
//   stays a device and the write fails with ENOSPC);
// - otherwise a symlink is resolved first, so the link stays a link and its target gets
//   the contents: a unique temporary beside the target, fsync, rename over it, fsync of the
//   directory. A replaced file keeps its permission bits; a new one gets 0666 & ~umask.
// `inputs` are the files the command read: when `path` is one of them (the same file after
// symlinks and hard links) nothing is written and OutputIsInputError is thrown.
// Every error names `path` as the user gave it (never the temporary, which is removed) and
// is a std::runtime_error.
void write_file_atomically(const std::string& path, std::string_view contents,
                           const std::vector<std::string>& inputs = {});

// True when write_file_atomically(path) would write through rather than replace a file:
// "-", our stdout or stderr, a device or a FIFO (after symlinks). Such an output is a
// stream, not a user's file, so "refuse to overwrite an existing file" does not apply.
bool writes_through(const std::string& path);

// `-o IN`: the output would overwrite an input.
struct OutputIsInputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a whole file; throws std::runtime_error naming the path if it cannot.
std::string read_file(const std::string& path, size_t max_bytes = 16u << 20);

}  // namespace ctxcheck::harness
