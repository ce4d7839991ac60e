// ModelView: what the invariant checkers and reports read of the model, as plain data, and
// ModelViewer, which fills it and hashes it.
//
// The viewer fills it from the context package's inspection API without scheduling
// points (peeks only), so checking never perturbs an execution. Keeping the checkers on
// this view (and not on model internals) lets each invariant be unit-tested on a
// hand-built bad state. A new view field is filled in view.cpp's fill and hashed in its
// digest, side by side.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/context/context.h"
#include "model/runtime/heap.h"
#include "model/runtime/runtime.h"
#include "model/runtime/state_hash.h"

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
  // For names in messages (not part of the state): the first handle the program gave each
  // context (by id, 0: none), and the id of the package's TODO (-1: none in this view).
  std::vector<uint32_t> handle_of;
  int64_t todo_id = -1;
  // The one naming policy: a context is named by the handle the program gave it (`h4`);
  // only a context the program has no handle for gets a model name (`ctx7`), numbered as if
  // the package's implicit TODO did not exist unless the program holds it.
  std::string name(int64_t id) const;
  const CtxView* get(int64_t id) const {
    return id >= 0 && static_cast<size_t>(id) < contexts.size() ? &contexts[static_cast<size_t>(id)]
                                                                 : nullptr;
  }
};

CtxFamily family_of(model::Kind k);

// Err() and Deadline() without scheduling points, bounded by the number of contexts (an
// unsafe reparent may close a cycle).
model::Error err_of(const model::Package& pkg, model::Context* c);
std::optional<rt::Nanos> deadline_of(const model::Package& pkg, model::Context* c);

// The contexts whose view entries a fill refilled since the checks last took them
// (ModelViewer::changes), for checks that look only at what a step touched. Every context
// outside `contexts` has the entry it had when they were last checked.
struct ViewChanges {
  bool everything = true;          // the first fill, a reparent: check the whole view
  std::vector<uint32_t> contexts;  // ascending ids: the refilled ones and the cancelCtxs holding them
};

// Fills one ModelView from a package, refilling only what can have changed, and digests it
// for explorers that cache states.
//
// Incrementally (the default), a fill refills the entries of the contexts the package
// marked since the last fill (Package::mark: every state change and every cancelCtx lock
// or unlock marks its context), the new ones, and the valueCtx/myCtx below a context whose
// Err changed (they inherit it); once an unsafe reparent ran, every fill refills everything. With
// set_incremental(false) every fill refills every entry (what the checks compare against).
class ModelViewer {
 public:
  ModelViewer() = default;  // views nothing until rebind
  ModelViewer(model::Package& pkg, const rt::Runtime& runtime) : pkg_(&pkg), rt_(&runtime) {}
  // A viewer of another package (the next execution's), as if constructed for it: every
  // table empty, its capacity kept (the executor keeps one viewer per thread).
  void rebind(model::Package& pkg, const rt::Runtime& runtime);
  void set_incremental(bool on) { incremental_ = on; }
  // Room for about `contexts` contexts, so that the by-id tables do not grow one context at
  // a time (each growth an allocation); more still fit.
  void reserve(size_t contexts);
  const ModelView& fill();
  const ModelView& view() const { return view_; }
  // What changed since clear_changes (as of the last fill).
  const ViewChanges& changes();
  void clear_changes();
  // What the program's stop calls on AfterFunc context `ctx` returned (CtxView::afterfunc_stop):
  // the model does not keep it, the interpreter tells the view.
  void record_stop(uint32_t ctx, int first_stop);
  // The program gave context `ctx` handle `h` (the first handle names it, ModelView::name).
  void record_handle(uint32_t ctx, uint32_t h);
  // The model's part of a state digest: the view (recomputed only when the package's
  // version changed) and the cancelCtx locks (taking a lock is not a version change).
  void add_digest(rt::StateHasher& s);

 private:
  uint64_t view_digest();
  void fill_static(size_t i);
  void refill(size_t i);
  void refill_inheriting_below(size_t i);
  void note_changed(size_t i);
  void set_children(size_t i, const model::CancelCtx& cc);

  // Every member below is reset by rebind() (spare_children_ keeps only empty buffers).
  model::Package* pkg_ = nullptr;
  const rt::Runtime* rt_ = nullptr;
  ModelView view_;
  bool incremental_ = true;
  std::vector<int> stops_;  // by context id: CtxView::afterfunc_stop
  uint64_t digest_version_ = ~0ULL, view_digest_ = 0;  // view_digest() cache
  size_t static_filled_ = 0;  // contexts whose static view fields are filled
  uint64_t reparents_seen_ = 0;  // a reparent changed parents: refill them all
  // By context id: the valueCtx/myCtx whose parent it is (their Err is its Err), and the
  // cancelCtx whose children map holds it (-1: none; a context is registered at most once).
  std::vector<std::vector<uint32_t>> inheriting_kids_;
  std::vector<int64_t> holder_;
  bool held_twice_ = false;  // a context in two maps: holder_ cannot say, changes() says everything
  ViewChanges changes_;
  std::vector<uint8_t> changed_flag_;  // by id: in changes_.contexts
  bool changes_sorted_ = true;
  std::vector<uint32_t> work_;  // refill_inheriting_below's stack
  std::vector<std::vector<uint32_t>> spare_children_;  // empty CtxView::children buffers, kept by rebind()
};

}  // namespace ctxcheck::harness
