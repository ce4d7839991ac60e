// Which goroutines of a program may run at once on the same context tree: the condition
// under which the judge (judge.h) can predict a program with goroutines by running each
// goroutine's ops one after the other.
//
// A tree is a connected part of the derivation forest below Background and TODO (which
// hold no state: deriving from them touches nothing): a context is in its parent's tree
// (canceling a parent reaches its children; a value lookup and Deadline walk the
// ancestors), an AfterFunc's stop func in its context's tree, and the context an
// AfterFunc's f cancels in that tree too. An op touches the trees of the handles it names
// or creates; a deferred cancel touches its tree when its script ends.
//
// Two goroutines run at once when neither `go` happens before the other's op: script k,
// started at op i of its spawner s, runs beside s's ops after i (and s's deferred cancels)
// and beside every goroutine s starts after i, with everything k starts. If none of those
// pairs share a tree, no goroutine reads or writes what another can change (their timers
// included), so every schedule gives the same observations as running them one by one.
#pragma once

#include <optional>
#include <string>

#include "harness/program/program.h"

namespace ctxcheck::reference {

// nullopt when the goroutines that run at once touch disjoint trees; otherwise why not
// ("go 1 at op 3 of main: ... both touch the tree of h2").
std::optional<std::string> shared_tree(const harness::Program& p);

}  // namespace ctxcheck::reference
