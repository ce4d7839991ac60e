// A plain driver for the fuzz targets, so builds without libFuzzer (g++) can replay a
// corpus: each file (directories: every regular file in them, in name order) is passed to
// LLVMFuzzerTestOneInput once. A crash of the target is a crash of this program.
//
//   replay_fuzz_programs [--mutate N] [--seed S] FILE|DIR...
//
// --mutate N also runs N rounds of the target's LLVMFuzzerCustomMutator (when it has one)
// from each file, feeding every mutant to the target: it checks the mutator keeps inputs
// within bounds and that what it produces runs.
// Exit: 0 all inputs ran; 2 bad usage, an unreadable file, or no input at all.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "harness/util/user_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                                                 unsigned int seed);

namespace {
std::minstd_rand g_rng(1);
}

// What libFuzzer's byte-level mutator would do, simply: flip, insert or erase a byte.
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) {
  switch (g_rng() % 3) {
    case 0:
      if (size > 0) data[g_rng() % size] ^= static_cast<uint8_t>(1u << (g_rng() % 8));
      return size;
    case 1:
      if (size < max_size) {
        size_t at = size == 0 ? 0 : g_rng() % (size + 1);
        std::memmove(data + at + 1, data + at, size - at);
        data[at] = static_cast<uint8_t>(g_rng());
        return size + 1;
      }
      return size;
    default:
      if (size > 0) {
        size_t at = g_rng() % size;
        std::memmove(data + at, data + at + 1, size - at - 1);
        return size - 1;
      }
      return size;
  }
}

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  long mutate = 0;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--mutate" || a == "--seed") && i + 1 < argc) {
      auto v = ctxcheck::harness::parse_whole_number(argv[++i], 0, UINT32_MAX);
      if (!v) {
        std::fprintf(stderr, "%s: %s needs a whole number in [0 - 4294967295]\n", argv[0], a.c_str());
        return 2;
      }
      if (a == "--mutate") mutate = static_cast<long>(*v);
      else g_rng.seed(static_cast<unsigned>(*v) | 1u);
      continue;
    }
    fs::path p(a);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> in;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.is_regular_file()) in.push_back(e.path());
      std::sort(in.begin(), in.end());
      files.insert(files.end(), in.begin(), in.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "%s: %s: no such file or directory\n", argv[0], a.c_str());
      return 2;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s [--mutate N] [--seed S] FILE|DIR... (no input files given)\n", argv[0]);
    return 2;
  }
  constexpr size_t kMaxLen = 4096;
  size_t mutants = 0;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], f.c_str());
      return 2;
    }
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy of exactly the input's size, so ASan sees reads past its end.
    std::vector<uint8_t> exact(data);
    LLVMFuzzerTestOneInput(exact.data(), exact.size());
    if (mutate > 0 && LLVMFuzzerCustomMutator) {
      std::vector<uint8_t> buf(data);
      buf.resize(std::max(kMaxLen, data.size()));
      size_t size = data.size();
      for (long m = 0; m < mutate; ++m) {
        size = LLVMFuzzerCustomMutator(buf.data(), size, buf.size(), static_cast<unsigned>(g_rng()));
        if (size > buf.size()) {
          std::fprintf(stderr, "%s: the custom mutator returned %zu bytes (max %zu)\n", argv[0], size, buf.size());
          return 1;
        }
        std::vector<uint8_t> mutant(buf.begin(), buf.begin() + static_cast<long>(size));
        LLVMFuzzerTestOneInput(mutant.data(), mutant.size());
        ++mutants;
      }
    }
  }
  std::printf("%s: %zu inputs ran, %zu mutants\n", argv[0], files.size(), mutants);
  return 0;
}
