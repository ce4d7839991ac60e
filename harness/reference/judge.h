// The sequential oracle (oracle.h) as a judge of whole programs: what main's observations
// must be, predicted from the program's text alone (never from the model), for the part of
// the program the oracle can judge. The executor compares them with what the model printed
// in every execution (run, explore, replay, shrink, the fuzzers): a disagreement is an
// `oracle` violation.
//
// What it judges: main's ops in order, while main is the only program goroutine and every
// answer is determined: it stops (judged_ops) at the first `go`, custom context, reparent
// or AfterFunc whose f cancels (another goroutine then races with main), at a deadline tied
// with another timer (they fire in a scheduler-chosen order), and right after a sleep or
// select that wakes main at the instant a timer is due (main may run before or after it).
// Nothing after a wait that blocks forever may print anything.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "harness/program/program.h"

namespace ctxcheck::reference {

// What one observing op of main (harness::Observation) must print.
struct Prediction {
  size_t op = 0;                      // index in main's script
  std::string what;                   // "err h3", "stop h4", "select h2"
  std::vector<std::string> allowed;   // the values Go allows (a select on a deadline's instant: both)
};

struct Judgement {
  std::vector<Prediction> predictions;  // in op order
  size_t judged_ops = 0;   // main's ops [0, judged_ops) are judged: only they may print, exactly these
  std::string stopped;     // why judging stopped before the end ("" when the whole of main is judged)
};

Judgement judge(const harness::Program& program);

// The first disagreement between a judgement and main's printed observations, given in op
// order as (op, what, value) (the `goroutines` observation is not judged), if any.
struct Printed {
  size_t op = 0;
  const std::string* what = nullptr;
  const std::string* value = nullptr;
};
struct Disagreement {
  size_t op = 0;  // main's op where it shows
  std::string message;
};
std::optional<Disagreement> first_disagreement(const Judgement& j, const std::vector<Printed>& printed);

}  // namespace ctxcheck::reference
