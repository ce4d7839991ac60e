// Random program generator (deterministic in its seed; its own PRNG and reductions, so the
// same seed gives the same program on every standard library).
//
// Well-formed mode: every cancel func is called or deferred by the script that created
// it, handles are dropped only once they can no longer matter, `wait` only targets
// contexts this script already canceled (otherwise `select` with a timeout), and no
// unsafe op. The faithful model must pass every invariant on every well-formed program.
//
// Swarm mode (Groce et al., "Swarm testing", ISSTA 2012): each program first draws its own
// configuration -- a random subset of the allowed op kinds (the op table's rows), a random
// weight for each, and how often time moves forward before a cancel -- so that most
// programs leave most features out. A program without cancels reaches deep trees and long
// observation runs; one that sleeps before its cancels lets deadlines expire and timers
// fire even though every cancel is still called (well-formed programs stay well-formed).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/program/program.h"
#include "model/runtime/choice.h"

namespace ctxcheck::harness {

struct GenOptions {
  uint32_t ops = 16;         // ops in total, about
  uint32_t goroutines = 3;   // scripts, main included
  bool well_formed = true;
  bool unsafe = false;       // allow reparent (ignored when well_formed)
  std::vector<OpKind> kinds; // allowed kinds; empty = every kind (minus reparent unless unsafe)
  bool swarm = false;        // a random configuration per program (above); off: the fixed weights
};

Program generate(uint64_t seed, const GenOptions& opts);

// How often each op kind occurred in the generated programs and each choice kind in their
// executions (what `run` reports, so a kind the campaign never reaches is visible).
inline constexpr size_t kNumChoiceKinds = 0
#define CTXCHECK_X(id, name) +1
    CTXCHECK_CHOICE_KINDS(CTXCHECK_X)
#undef CTXCHECK_X
    ;
struct GenerationCounts {
  std::array<uint64_t, kNumOpKinds> ops{};
  std::array<uint64_t, kNumChoiceKinds> choices{};  // decisions (each with >= 2 options)
  // Per choice kind: programs that could offer it (offerable_choices, choice_offers.h) and
  // executions that branched on it at least once; and the executions counted.
  std::array<uint64_t, kNumChoiceKinds> offerable{}, branched{};
  uint64_t executions = 0;
  void add(const Program& p);
  void add(const std::vector<rt::Decision>& decisions);  // one execution's
  void merge(const GenerationCounts& other);
  // "generated ops: background 10, ...\nchoices: schedule 1234, ...\n" (every kind, zeros
  // too), then the warnings.
  std::string to_text() const;
  std::string choices_text() const;  // the choices line and the warnings (explore's summary)
  // One line per kind some program could offer but no execution branched on: "warning:
  // choice kind map-order was never branched on (0 of 20 executions; 3 programs would offer it)".
  std::vector<std::string> warnings() const;
};

}  // namespace ctxcheck::harness
