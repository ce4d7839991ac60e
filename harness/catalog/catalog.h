// The two catalogs of what ctxcheck can report, one table each (libFuzzer-style X-macros).
//
// Invariants are properties of the *model* (Go's context implementation): a violation is a
// bug in the implementation under test (or an injected fault). Findings are properties of
// the *program* run on a faithful model: a cancel never called, a finalizer that can never
// run, a goroutine parked forever. The ids are stable: reports, tests, trace headers and
// the docs use them.
//
// Each row ends with when its check runs (the `when` column, printed by `ctxcheck invariants`):
//   step           after a scheduling point that changed the model (or the op that ran)
//   cancel-return  when a cancel the program called returns
//   observe        when the program reads the model: an `observe`, a `wait` or `select` on Done
//   quiescence     when every goroutine is blocked or done and no timer is left
//   gc             at a `gc` op of the program
//   end            the end phase (handles dropped, GC rounds) or the run's own outcome
#pragma once

#include <optional>
#include <string_view>

namespace ctxcheck::harness {

#define CTXCHECK_INVARIANTS(X)                                                                 \
  X(Residue, "residue",                                                                        \
    "no canceled context is left in any children map once its cancel returned; a canceled "    \
    "cancelCtx has no children; every entry's nearest cancelable ancestor is the map's owner", "step") \
  X(Acyclic, "acyclic",                                                                        \
    "every parent chain reaches a root; registrations agree with parent chains", "step")        \
  X(Propagation, "propagation",                                                                \
    "when cancel returns, registered descendants are canceled with the same err and cause; "   \
    "at quiescence every descendant is", "cancel-return, quiescence")                           \
  X(DoneErr, "done-err",                                                                       \
    "Done closed <=> Err set; Err only nil/Canceled/DeadlineExceeded; err and cause never "    \
    "change once set; Done is the same channel every call", "step, observe")                    \
  X(Deadline, "deadline",                                                                      \
    "child deadline <= parent's; past its deadline (at quiescence) a context is done with "    \
    "DeadlineExceeded unless canceled first", "step, quiescence")                               \
  X(Value, "value",                                                                            \
    "Value returns the nearest binding; WithoutCancel keeps values, drops cancellation", "observe") \
  X(AfterFunc, "afterfunc",                                                                    \
    "f runs at most once, in its own goroutine, iff the context was done before stop; stop "   \
    "reports truthfully", "step, quiescence")                                                   \
  X(GoroutineLeak, "goroutine-leak",                                                           \
    "at the end no watcher / AfterFunc / timer goroutine of the model is still blocked", "quiescence") \
  X(FinalizerDelay, "finalizer-delay",                                                         \
    "a context that is canceled and unreferenced by the program is finalized within a bound "  \
    "of GC cycles (chain depth aware)", "end")                                                  \
  X(HeapLeak, "heap-leak",                                                                     \
    "after the program ends and drops everything, GC returns the heap to its baseline", "end")  \
  X(Termination, "termination", "bounded steps; no deadlock on model locks; no model panic", "step, end") \
  X(Oracle, "oracle",                                                                          \
    "what the goroutines observe (err, cause, value, deadline, done, children, select and stop " \
    "results) agrees with an independent sequential reference of Go's context package, for " \
    "every op it can judge: main's, and each goroutine's while the goroutines that run at once " \
    "touch disjoint context trees (harness/reference/judge.h)", "end")                         \
  X(GcReference, "gc-reference",                                                               \
    "every GC cycle marks, queues and frees exactly the objects a reference collector of Go's " \
    "finalizer rules does on the same heap (harness/reference/collector.h)", "step, end")

#define CTXCHECK_FINDINGS(X)                                                                   \
  X(LostCancel, "lost-cancel",                                                                 \
    "a cancel func becomes unreachable (its handle dropped, its goroutine ended) while never "  \
    "called and its context not done (vet's lostcancel); a context stored in a global or "     \
    "marked `keep` is long-lived on purpose (retention path shown)", "step, end")               \
  X(FinalizerCycle, "finalizer-cycle",                                                         \
    "a finalizer is set on a context in a live parent<->child cycle: it can never run", "end")  \
  X(ParkedForever, "parked-forever",                                                           \
    "a program goroutine waits on a Done that can never close (the goroutine, its op and the " \
    "context are named)", "quiescence, end")                                                    \
  X(ShadowedKey, "shadowed-key",                                                               \
    "a with_value rebinds a key the chain already binds (same key type and value) with a "     \
    "value of another type (readers' type assertions fail); different key types never "      \
    "conflict", "step")                                                                         \
  X(ProgramPanic, "program-panic",                                                             \
    "the program made the context package panic (nil parent, nil key...)", "step")              \
  X(RetainedByParent, "retained-by-parent",                                                    \
    "a context the program can no longer reach, never canceled, is held by a live parent's "   \
    "children map (per parent: how many and their bytes, path through the map)", "gc, quiescence") \
  X(BuiltinKey, "builtin-key",                                                                 \
    "a value key of a built-in type (int, string): independent code using the same key "       \
    "collides (staticcheck SA1029)", "step")

enum class Invariant : unsigned char {
#define CTXCHECK_X(id, name, desc, when) id,
  CTXCHECK_INVARIANTS(CTXCHECK_X)
#undef CTXCHECK_X
};
enum class Finding : unsigned char {
#define CTXCHECK_X(id, name, desc, when) id,
  CTXCHECK_FINDINGS(CTXCHECK_X)
#undef CTXCHECK_X
};

struct CatalogEntry {
  std::string_view name;
  std::string_view when;  // the check points it runs at (see the top of this file)
  std::string_view description;
};

inline constexpr CatalogEntry kInvariants[] = {
#define CTXCHECK_X(id, name, desc, when) {name, when, desc},
    CTXCHECK_INVARIANTS(CTXCHECK_X)
#undef CTXCHECK_X
};
inline constexpr CatalogEntry kFindings[] = {
#define CTXCHECK_X(id, name, desc, when) {name, when, desc},
    CTXCHECK_FINDINGS(CTXCHECK_X)
#undef CTXCHECK_X
};

constexpr std::string_view name_of(Invariant i) { return kInvariants[static_cast<int>(i)].name; }
constexpr std::string_view name_of(Finding f) { return kFindings[static_cast<int>(f)].name; }

inline std::optional<Invariant> invariant_by_name(std::string_view s) {
  for (unsigned i = 0; i < std::size(kInvariants); ++i)
    if (kInvariants[i].name == s) return static_cast<Invariant>(i);
  return std::nullopt;
}
inline std::optional<Finding> finding_by_name(std::string_view s) {
  for (unsigned i = 0; i < std::size(kFindings); ++i)
    if (kFindings[i].name == s) return static_cast<Finding>(i);
  return std::nullopt;
}

}  // namespace ctxcheck::harness
