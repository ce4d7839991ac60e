// Entry points of the ctxcheck subcommands (one file each); main.cpp only parses flags.
#pragma once

#include <cstdint>

namespace ctxcheck::harness {

// Exit codes shared by every subcommand.
inline constexpr int kExitPass = 0;
inline constexpr int kExitViolation = 1;
inline constexpr int kExitUsage = 2;

int run_demo(uint64_t seed, bool show_trace);
int list_invariants();

}  // namespace ctxcheck::harness
