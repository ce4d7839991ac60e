// The fault catalog: named, runtime-selectable bug variants of the context package. Each
// is off by default and costs one bit test at its site when off. The catalog is the
// harness's measuring stick: every fault must be *killed* (found) by the invariants.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ctxcheck::model {

// X-macro: id, name, one-line description.
#define CTXCHECK_FAULTS(X)                                                                       \
  X(SkipRemoval, "skip-removal",                                                                 \
    "cancel(removeFromParent=true) never calls removeChild: the child stays in the parent map")  \
  X(EarlyReturn, "early-return",                                                                 \
    "cancel returns right after storing closedchan when done was never created, skipping "       \
    "children and removal (the seed's bug)")                                                     \
  X(ChildrenNotCanceled, "children-not-canceled",                                                \
    "cancel drops the children map without canceling the children")                              \
  X(RegisterIntoCanceled, "register-into-canceled",                                              \
    "propagateCancel registers the child even if the parent was canceled meanwhile")             \
  X(WrongRemovalIdentity, "wrong-removal-identity",                                              \
    "timerCtx.cancel removes the embedded *cancelCtx key instead of the *timerCtx key")          \
  X(TimerNotStopped, "timer-not-stopped",                                                        \
    "timerCtx.cancel does not stop its timer: the timer heap keeps the context alive")           \
  X(AfterFuncTwice, "afterfunc-twice",                                                           \
    "afterFuncCtx.cancel starts f without the once: f can run twice and stop lies")              \
  X(StopWrongValue, "stop-wrong-value", "AfterFunc's stop returns the negation of the truth")    \
  X(WatcherNeverExits, "watcher-never-exits",                                                    \
    "the propagateCancel watcher goroutine ignores child.Done and waits for the parent forever") \
  X(ErrDoneSwapped, "err-done-swapped",                                                          \
    "cancel closes done before storing err: a reader can see Done closed and Err nil")           \
  X(ValueOuterWins, "value-outer-wins",                                                         \
    "valueCtx.Value asks its parent first: an outer binding of the same key hides the nearest") \
  X(ReparentCycle, "reparent-cycle",                                                             \
    "WithCancel under a chain of 3 cancelCtx reparents the oldest under the new child, closing " \
    "a cycle (the seed's ctx4 -> ctx1 loop)")                                                    \
  X(WrongChildCause, "wrong-child-cause",                                                        \
    "cancel passes its err, not its cause, down to the children: a child canceled through a "   \
    "WithCancelCause or deadline-cause parent loses the parent's cause")                          \
  X(TimerCancelsChild, "timer-cancels-child",                                                    \
    "a timerCtx's timer cancels its first registered child instead of the timerCtx itself: it "  \
    "stays undone past its deadline")

enum class Fault : unsigned char {
#define CTXCHECK_X(id, name, desc) id,
  CTXCHECK_FAULTS(CTXCHECK_X)
#undef CTXCHECK_X
};

struct FaultInfo {
  std::string_view name;
  std::string_view description;
};
inline constexpr FaultInfo kFaults[] = {
#define CTXCHECK_X(id, name, desc) {name, desc},
    CTXCHECK_FAULTS(CTXCHECK_X)
#undef CTXCHECK_X
};
inline constexpr size_t kNumFaults = std::size(kFaults);

class FaultSet {
 public:
  FaultSet() = default;
  static FaultSet of(Fault f) { return FaultSet().with(f); }
  FaultSet with(Fault f) const {
    FaultSet s = *this;
    s.bits_.set(static_cast<size_t>(f));
    return s;
  }
  bool has(Fault f) const { return bits_.test(static_cast<size_t>(f)); }
  bool empty() const { return bits_.none(); }
  // "skip-removal,early-return"; "" for none.
  std::string to_string() const;
  // Parses a comma-separated list; nullopt names the first unknown fault in `error`.
  static std::optional<FaultSet> parse(std::string_view list, std::string* error = nullptr);
  friend bool operator==(const FaultSet&, const FaultSet&) = default;

 private:
  std::bitset<kNumFaults> bits_;
};

inline constexpr std::string_view name_of(Fault f) { return kFaults[static_cast<int>(f)].name; }
std::optional<Fault> fault_by_name(std::string_view name);
std::vector<Fault> all_faults();

}  // namespace ctxcheck::model
