// Random program generator (deterministic in its seed; its own PRNG and reductions, so the
// same seed gives the same program on every standard library).
//
// Well-formed mode: every cancel func is called or deferred by the script that created
// it, handles are dropped only once they can no longer matter, `wait` only targets
// contexts this script already canceled (otherwise `select` with a timeout), and no
// unsafe op. The faithful model must pass every invariant on every well-formed program.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/program/program.h"

namespace ctxcheck::harness {

struct GenOptions {
  uint32_t ops = 16;         // ops in total, about
  uint32_t goroutines = 3;   // scripts, main included
  bool well_formed = true;
  bool unsafe = false;       // allow reparent (ignored when well_formed)
  std::vector<OpKind> kinds; // allowed kinds; empty = every kind (minus reparent unless unsafe)
};

Program generate(uint64_t seed, const GenOptions& opts);

}  // namespace ctxcheck::harness
