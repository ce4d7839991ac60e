// The end phase: after quiescence, main drops every handle and the globals, the phase sets
// probe finalizers on the canceled contexts, runs GC rounds with the finalizer goroutine to a
// fixpoint, and then reads the heap: lost-cancel (with the retention path of what still
// holds the context), finalizer-cycle (with the cycle), finalizer-delay and heap-leak (with
// the retention path). What the program still holds (parked program goroutines, watchers
// that legitimately wait, finalizer cycles) is not garbage.
#pragma once

#include <string>
#include <vector>

#include "harness/invariants/program_checks.h"

namespace ctxcheck::harness {

// Runs on main's goroutine; `gc_cycles` gets the statistics of every round.
void run_end_phase(const CheckEnv& env, std::vector<rt::GcStats>& gc_cycles);

}  // namespace ctxcheck::harness
