// rc::state commands over the abstract oracle. The model state is the oracle plus the
// program's handles; the system under test is "the program built so far": each command
// appends its op(s) to script 0 of a harness::Program, and the whole program is executed
// on the model (harness::execute) under a ByteChoices schedule that RapidCheck generates
// alongside the commands, so it shrinks both the ops and the schedule. Every `observe`
// and `stop` result the model printed is compared with the oracle's prediction.
//
// Barriers: after an op that may start AfterFunc goroutines (cancel, after_func, sleep) the
// program sleeps 0, which returns only once every other goroutine blocked or finished,
// without moving the clock: the sequential reading the oracle specifies.
#pragma once

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "harness/program/program.h"
#include "model/faults/faults.h"
#include "properties/oracle/oracle.h"

namespace ctxcheck::properties::oracle {

using HKind = harness::HandleKind;

struct HandleInfo {
  HKind kind = HKind::None;
  int node = -1;
};

// The rc::state Model.
struct State {
  Oracle oracle;
  std::vector<HandleInfo> handles;  // [0] unused; h1 = background (the program's first op)
  std::vector<uint32_t> of_kind(bool (*pred)(HKind)) const;
  uint32_t next_handle() const { return static_cast<uint32_t>(handles.size()); }
};
State initial_state();

// One expected observation: the op that prints it, its label, the values the oracle allows.
struct Expected {
  size_t op = 0;
  std::string what;
  std::vector<std::string> allowed;
};

// The rc::state system under test.
class Sut {
 public:
  // `save`: write a mismatch's trace to CTXCHECK_PROPERTY_OUT (off for runs that are
  // expected to fail, such as a fault that must be found).
  Sut(model::FaultSet faults, std::vector<uint8_t> schedule, bool save = true);
  // Appends ops (and what they must print), then executes and compares if `check`.
  void append(std::vector<harness::Op> ops, std::vector<Expected> expect, bool check);
  // Executes the program built so far and compares every observation; RC_FAILs on a
  // mismatch (printing the program as a text trace `ctxcheck replay` reproduces).
  void check();
  // The same program and schedule with every invariant on (the executor's defaults):
  // RC_FAILs on a violation.
  void check_invariants();
  const harness::Program& program() const { return program_; }
  size_t executions() const { return executions_; }

 private:
  harness::Program program_;
  std::vector<uint8_t> schedule_;
  model::FaultSet faults_;
  std::vector<Expected> expected_;
  size_t executions_ = 0;
  bool save_ = true;
};

using Command = rc::state::Command<State, Sut>;

// The property: random command sequences (and schedule bytes) agree with the oracle.
// Call inside an RC property; `save` as for Sut.
void oracle_property(const model::FaultSet& faults, bool save = true);

}  // namespace ctxcheck::properties::oracle
