// The checks at quiescence (every goroutine blocked or done, no timer left): the view
// invariants of InvariantChecker::at_quiescence, goroutine-leak (a watcher goroutine of the
// model still blocked although what it waits for is done) and the parked-forever findings.
#pragma once

#include "harness/invariants/program_checks.h"

namespace ctxcheck::harness {

void check_quiescence(const CheckEnv& env, const ModelView& view);

// A watcher goroutine blocked while neither its parent nor its child is done is where
// Go would be too: it legitimately holds both (the program never finishes either).
bool legit_watcher(const CheckEnv& env, const rt::Goroutine& g);

// A program goroutine parked for ever: its message names the goroutine, the op and the
// context it waits on; the detail points at that op. Nullopt when g is not at a wait.
struct ParkedWait {
  std::string message;
  FindingDetail detail;
};
std::optional<ParkedWait> parked_wait(const CheckEnv& env, const rt::Goroutine& g);

}  // namespace ctxcheck::harness
