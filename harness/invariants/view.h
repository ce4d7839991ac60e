// ModelView: what the invariant checkers and reports read of the model, as plain data.
//
// The executor fills it from the context package's inspection API without scheduling
// points (peeks only), so checking never perturbs an execution. Keeping the checkers on
// this view (and not on model internals) lets each invariant be unit-tested on a
// hand-built bad state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/runtime/heap.h"
#include "model/runtime/runtime.h"

namespace ctxcheck::harness {

// Go error values as the model represents them: 0 = nil, 1 = Canceled,
// 2 = DeadlineExceeded, >= 3 = program-defined cause errors.
using ErrVal = int32_t;
inline constexpr ErrVal kNil = 0, kCanceled = 1, kDeadlineExceeded = 2;

enum class CtxFamily : uint8_t {
  Empty,        // Background, TODO
  Cancel,       // cancelCtx, timerCtx, afterFuncCtx: has mu, done, children, err
  Value,        // valueCtx: transparent for Value(&cancelCtxKey)
  WithoutCancel,
  Foreign,      // user-defined Context types
};

struct CtxView {
  uint32_t id = 0;
  std::string_view kind;      // static name: "cancelCtx", "timerCtx", "valueCtx", ...
  CtxFamily family = CtxFamily::Empty;
  bool transparent = false;   // forwards Value(&cancelCtxKey) to its parent
  int64_t parent = -1;        // embedded parent Context (-1: none)
  std::vector<uint32_t> children;  // children map entries, map insertion order
  bool children_nil = true;
  ErrVal err = kNil;
  ErrVal cause = kNil;
  bool done_created = false;
  bool done_closed = false;
  bool mu_locked = false;     // its cancelCtx.mu is held right now
  std::optional<rt::Nanos> deadline;  // what Deadline() returns
  bool own_deadline = false;  // a timerCtx: the deadline is its own, its timer cancels it
  bool passes_cancel = true;  // cancelling its parent reaches its children (false for
                              // WithoutCancel and foreign types whose Done never closes)
  uint32_t removing_cancels_returned = 0;  // cancel(removeFromParent=true) calls returned
  rt::ObjId obj = rt::kNoObj;
  // AfterFunc contexts only.
  uint32_t afterfunc_runs = 0;   // times f was started
  int afterfunc_stop = -1;       // -1 never stopped, 1 some stop returned true, 0 all false
};

struct ModelView {
  std::vector<CtxView> contexts;  // index == id
  rt::Nanos now = 0;
  const CtxView* get(int64_t id) const {
    return id >= 0 && static_cast<size_t>(id) < contexts.size() ? &contexts[static_cast<size_t>(id)]
                                                                 : nullptr;
  }
};

}  // namespace ctxcheck::harness
