// The two catalogs of what ctxcheck can report, one table each (libFuzzer-style X-macros).
//
// Invariants are properties of the *model* (Go's context implementation): a violation is a
// bug in the implementation under test (or an injected fault). Findings are properties of
// the *program* run on a faithful model: a cancel never called, a finalizer that can never
// run, a goroutine parked forever. The ids are stable: reports, tests, trace headers and
// the docs use them.
#pragma once

#include <optional>
#include <string_view>

namespace ctxcheck::harness {

#define CTXCHECK_INVARIANTS(X)                                                                 \
  X(Residue, "residue",                                                                        \
    "no canceled context is left in any children map once its cancel returned; a canceled "    \
    "cancelCtx has no children; every entry's nearest cancelable ancestor is the map's owner") \
  X(Acyclic, "acyclic",                                                                        \
    "every parent chain reaches a root; registrations agree with parent chains")               \
  X(Propagation, "propagation",                                                                \
    "when cancel returns, registered descendants are canceled with the same err and cause; "   \
    "at quiescence every descendant is")                                                       \
  X(DoneErr, "done-err",                                                                       \
    "Done closed <=> Err set; Err only nil/Canceled/DeadlineExceeded; err and cause never "    \
    "change once set; Done is the same channel every call")                                   \
  X(Deadline, "deadline",                                                                      \
    "child deadline <= parent's; past its deadline (at quiescence) a context is done with "    \
    "DeadlineExceeded unless canceled first")                                                  \
  X(Value, "value",                                                                            \
    "Value returns the nearest binding; WithoutCancel keeps values, drops cancellation")       \
  X(AfterFunc, "afterfunc",                                                                    \
    "f runs at most once, in its own goroutine, iff the context was done before stop; stop "   \
    "reports truthfully")                                                                      \
  X(GoroutineLeak, "goroutine-leak",                                                           \
    "at the end no watcher / AfterFunc / timer goroutine of the model is still blocked")       \
  X(FinalizerDelay, "finalizer-delay",                                                         \
    "a context that is canceled and unreferenced by the program is finalized within a bound "  \
    "of GC cycles (chain depth aware)")                                                        \
  X(HeapLeak, "heap-leak",                                                                     \
    "after the program ends and drops everything, GC returns the heap to its baseline")        \
  X(Termination, "termination", "bounded steps; no deadlock on model locks; no model panic")

#define CTXCHECK_FINDINGS(X)                                                                   \
  X(LostCancel, "lost-cancel",                                                                 \
    "a cancel func is never called: the context stays registered in a live parent (retention " \
    "path shown)")                                                                             \
  X(FinalizerCycle, "finalizer-cycle",                                                         \
    "a finalizer is set on a context in a live parent<->child cycle: it can never run")        \
  X(ParkedForever, "parked-forever",                                                           \
    "a program goroutine waits on a Done that can never close")                                \
  X(ShadowedKey, "shadowed-key",                                                               \
    "a value key is shadowed by a key of another type with the same value")                    \
  X(ProgramPanic, "program-panic",                                                             \
    "the program made the context package panic (nil parent, nil key...)")

enum class Invariant : unsigned char {
#define CTXCHECK_X(id, name, desc) id,
  CTXCHECK_INVARIANTS(CTXCHECK_X)
#undef CTXCHECK_X
};
enum class Finding : unsigned char {
#define CTXCHECK_X(id, name, desc) id,
  CTXCHECK_FINDINGS(CTXCHECK_X)
#undef CTXCHECK_X
};

struct CatalogEntry {
  std::string_view name;
  std::string_view description;
};

inline constexpr CatalogEntry kInvariants[] = {
#define CTXCHECK_X(id, name, desc) {name, desc},
    CTXCHECK_INVARIANTS(CTXCHECK_X)
#undef CTXCHECK_X
};
inline constexpr CatalogEntry kFindings[] = {
#define CTXCHECK_X(id, name, desc) {name, desc},
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
