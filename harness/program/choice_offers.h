// Which choice kinds a program could offer with two or more options, judged from its text
// alone, so that a campaign can notice a kind it never branched on (a model that stopped
// offering map-order still passes every check; only the missing branching shows it).
//
// The rules are sufficient conditions, read off main's ops up to its first blocking op
// (while main runs unpreempted, which every search and most samples do, nothing else
// moves the clock or cancels): each marks a kind only where the model must offer it. A kind
// no rule covers (select, model) is never marked, so it is never warned about.
#pragma once

#include <array>

#include "harness/program/generate.h"

namespace ctxcheck::harness {

// schedule: main starts a goroutine and has another op after it.
// map-order: main's first cancel cancels a context with two registered children
//   (created by main, under it or a value context of it).
// timer-tie: before any cancel or go, main creates a deadline and then blocks with a wake
//   timer due at the instant of its earliest deadline (a sleep, or a select's timeout on a
//   context not yet done); same-instant callback timers alone are no choice.
std::array<bool, kNumChoiceKinds> offerable_choices(const Program& p);

}  // namespace ctxcheck::harness
