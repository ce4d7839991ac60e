// Writing result files so that a crash, a kill or a full disk never leaves a half-written
// file behind: write to a unique temporary in the same directory, fsync, rename.
#pragma once

#include <string>
#include <string_view>

namespace ctxcheck::harness {

// Throws std::runtime_error naming the path and the OS error on failure.
void write_file_atomically(const std::string& path, std::string_view contents);

// Reads a whole file; throws std::runtime_error naming the path if it cannot.
std::string read_file(const std::string& path, size_t max_bytes = 16u << 20);

}  // namespace ctxcheck::harness
