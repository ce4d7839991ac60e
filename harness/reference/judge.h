// The sequential oracle (oracle.h) as a judge of whole programs: what main's observations
// must be, predicted from the program's text alone (never from the model), for the part of
// the program the oracle can judge. The executor compares them with what the model printed
// in every execution (run, explore, replay, shrink, the fuzzers): a disagreement is an
// `oracle` violation.
//
// What it judges: each goroutine's ops in order, while every answer is determined. A
// program with goroutines is judged when the goroutines that run at once touch disjoint
// context trees (trees.h): then the judge runs them one after another on one reference,
// with the virtual clock moving only when every goroutine waits, as the model's does, and
// each goroutine sees what it would under any schedule. Otherwise (`refused`) only main is
// judged, up to its first `go`. A goroutine's judging stops (judged_ops) at a custom
// context, a reparent or an AfterFunc whose f cancels (another goroutine then races with
// it), at a deadline tied with another timer (they fire in a scheduler-chosen order), and
// right after a sleep, select or wait that wakes it at an instant a timer fires (it may run
// before or after the timer's cancellation, or beside it); the goroutines it would start
// later are not judged. Nothing after a wait that blocks forever may print anything.
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

struct ScriptJudgement {
  std::vector<Prediction> predictions;  // in op order
  size_t judged_ops = 0;   // the script's ops [0, judged_ops) are judged: only they may print, exactly these
  std::string stopped;     // why judging stopped before the end ("" when the whole script is judged)
};

struct Judgement {
  std::vector<ScriptJudgement> scripts;  // by script, [0] main (at least one); a script not judged: judged_ops 0
  std::string refused;  // why a program with goroutines is judged only up to main's first `go` ("" if not)
  const ScriptJudgement& main() const { return scripts.front(); }
};

Judgement judge(const harness::Program& program);

// The first disagreement between a judgement and the printed observations, given in the
// order they were printed as (script, op, what, value) (the `goroutines` observation is not
// judged), if any.
struct Printed {
  size_t script = 0;
  size_t op = 0;
  const std::string* what = nullptr;
  const std::string* value = nullptr;
};
struct Disagreement {
  size_t script = 0;
  size_t op = 0;  // the script's op where it shows
  std::string message;
};
std::optional<Disagreement> first_disagreement(const Judgement& j, const std::vector<Printed>& printed);

}  // namespace ctxcheck::reference
