#include <algorithm>

#include <boost/container/small_vector.hpp>
#include <fmt/format.h>

#include "harness/executor/interp.h"
#include "harness/invariants/retention.h"
#include "harness/program/text.h"
#include "model/runtime/state_hash.h"

namespace ctxcheck::harness::detail {

using model::Context;
using model::Kind;

void Interp::enter(uint32_t h) {
  Handle& hd = handles_[h];
  rt::ObjId frame = rt_.goroutine(rt_.self()).frame;
  if (hd.obj != rt::kNoObj) rt_.heap().link(frame, hd.obj, "local");
  if (hd.cancel_obj != rt::kNoObj) rt_.heap().link(frame, hd.cancel_obj, "local");
}
void Interp::leave(uint32_t h) {
  Handle& hd = handles_[h];
  rt::ObjId frame = rt_.goroutine(rt_.self()).frame;
  if (hd.obj != rt::kNoObj) rt_.heap().unlink(frame, hd.obj, "local");
  if (hd.cancel_obj != rt::kNoObj) rt_.heap().unlink(frame, hd.cancel_obj, "local");
}

void Interp::set_where(int script, int op) {
  rt::GoId g = rt_.self();
  if (g >= where_.size()) where_.resize(g + 1, {-1, -1});
  where_[g] = {script, op};
}

// `visible`: handles inherited from the spawner, already referenced by this
// goroutine's frame (the go statement captured them).
void Interp::run_script(size_t s, std::vector<uint32_t> visible) {
  std::vector<const Op*> defers;
  const auto& ops = p_.scripts[s].ops;
  visible.reserve(visible.size() + ops.size());  // an op makes one handle at most: no regrowth
  for (size_t i = 0; i < ops.size(); ++i) {
    set_where(static_cast<int>(s), static_cast<int>(i));
    rt_.note(rt::Ev::Op, static_cast<uint32_t>(s << 16 | i), 0);
    if (rt_.hashing()) {
      // Everything this goroutine carries from op to op; the rest of its past is moot.
      rt::StateHasher locals;
      locals.add(s).add(i);
      for (uint32_t h : visible) locals.add(h);
      for (const Op* d : defers) locals.add(d->a);
      rt_.mark_op_boundary(locals.value());
    }
    int32_t si = static_cast<int32_t>(s), ii = static_cast<int32_t>(i);
    take_turn({si, ii, OpPhase::Begin});
    if (blocking(ops[i].kind)) {
      // The op's start is one step, its return another: other scripts run in between.
      end_turn();
      run_op(s, i, ops[i], visible, defers, [&] { take_turn({si, ii, OpPhase::Resume}); });
    } else {
      run_op(s, i, ops[i], visible, defers, [] {});
    }
    end_turn();
  }
  for (auto it = defers.rbegin(); it != defers.rend(); ++it) {
    take_turn({static_cast<int32_t>(s), static_cast<int32_t>(*it - ops.data()), OpPhase::Deferred});
    do_cancel(**it);
    end_turn();
  }
  set_where(static_cast<int>(s), static_cast<int>(ops.size()));
  find_lost_cancels(rt_.self());  // what only this goroutine held is now out of reach
}

void Interp::find_lost_cancels(rt::GoId ending) {
  rt_.touch(rt::Touched::Everything, 0, false);  // a harness read of the whole model (footprints)
  fill_view();
  for (uint32_t h : check_lost_cancels(env(), ending)) handles_[h].lost_reported = true;
}

void Interp::created(const Op& op, std::vector<uint32_t>& visible, Context* c, rt::ObjId obj) {
  Handle& hd = handles_[op.result];
  hd.op = &op;
  hd.ctx = c;
  hd.obj = obj;
  hd.parent = op.a;
  visible.push_back(op.result);
  enter(op.result);
  viewer_->record_handle(c->id(), op.result);
  if (pkg->reparents() > 0) checker_.note_own_cancel(c->id());  // see the reparent op
  pkg->release_new();
  // A constructor may change the tree after its last scheduling point (the reparent-cycle
  // fault closes a cycle there): check before the program walks it.
  after_step();
}

// One op of script s at index i; each family of ops has its switch below.
// `returned`: called by a blocking op once it returns, before it reports anything.
template <class Returned>
void Interp::run_op(size_t s, size_t i, const Op& op, std::vector<uint32_t>& visible,
                    std::vector<const Op*>& defers, Returned&& returned) {
  if (creates_handle(op.kind)) construct(op, visible);
  else if (blocking(op.kind)) run_blocking(s, i, op, returned);
  else run_step(s, i, op, visible, defers);
}

// The ops that create a handle: a context (and its cancel func) or an AfterFunc stop.
void Interp::construct(const Op& op, std::vector<uint32_t>& visible) {
  model::Package& P = *pkg;
  auto with_cancel = [&](model::WithCancelResult r) {
    Handle& hd = handles_[op.result];
    hd.cancel = std::move(r.cancel);
    hd.cancel_obj = r.cancel_obj;
    created(op, visible, r.ctx, r.ctx->obj());
  };
  switch (op.kind) {
    case OpKind::Background: created(op, visible, P.Background(), P.Background()->obj()); break;
    case OpKind::Todo: created(op, visible, P.TODO(), P.TODO()->obj()); break;
    case OpKind::WithCancel: with_cancel(P.WithCancel(ctx(op.a))); break;
    case OpKind::WithCancelCause: with_cancel(P.WithCancelCause(ctx(op.a))); break;
    case OpKind::WithTimeout: with_cancel(P.WithTimeout(ctx(op.a), op.duration)); break;
    case OpKind::WithTimeoutCause: with_cancel(P.WithTimeoutCause(ctx(op.a), op.duration, op.cause)); break;
    case OpKind::WithDeadline: with_cancel(P.WithDeadline(ctx(op.a), rt::kEpoch + op.deadline)); break;
    case OpKind::WithDeadlineCause:
      with_cancel(P.WithDeadlineCause(ctx(op.a), rt::kEpoch + op.deadline, op.cause));
      break;
    case OpKind::WithValue: {
      check_shadowing(op);
      Context* c = P.WithValue(ctx(op.a), model_key(op.key), op.value);
      created(op, visible, c, c->obj());
      break;
    }
    case OpKind::WithoutCancel: {
      Context* c = P.WithoutCancel(ctx(op.a));
      created(op, visible, c, c->obj());
      break;
    }
    case OpKind::Custom: {
      static constexpr Kind kinds[] = {Kind::Wrapper, Kind::OwnDone, Kind::AfterFuncer, Kind::BrokenErr};
      auto r = P.Foreign(kinds[static_cast<size_t>(op.custom)], ctx(op.a));
      if (r.cancel) with_cancel(std::move(r));
      else created(op, visible, r.ctx, r.ctx->obj());
      break;
    }
    case OpKind::AfterFunc: {
      uint32_t self = op.result, target = op.action == Action::Cancel ? op.b : 0;
      out_.afterfunc_runs[self] = 0;
      std::function<void()> f = [this, self, target] {
        ++out_.afterfunc_runs[self];  // export-go asserts the count
        if (target == 0) return;
        checker_.note_own_cancel(handles_[target].ctx->id());
        handles_[target].cancel(model::kNilError);
      };
      if (target) handles_[target].afterfunc_cancels = true;
      auto r = P.AfterFunc(ctx(op.a), std::move(f));
      Handle& hd = handles_[op.result];
      hd.stop = std::move(r.stop);
      hd.af = r.ctx;
      hd.op = &op;
      hd.obj = r.stop_obj;
      hd.parent = op.a;
      visible.push_back(op.result);
      enter(op.result);
      pkg->release_new();
      break;
    }
    default: break;
  }
}

// The ops that block: their start and their return are separate steps.
template <class Returned>
void Interp::run_blocking(size_t s, size_t i, const Op& op, Returned&& returned) {
  switch (op.kind) {
    case OpKind::Wait: {
      Context* c = ctx(op.a);
      rt::Chan* d = c->Done();
      if (d == nullptr) {
        rt::Chan* none[] = {nullptr};
        rt::select(none, rt::kNoTimeout);  // <-nil blocks forever
      } else {
        d->recv();
      }
      returned();
      check_err_after_done(c, op.a);
      break;
    }
    case OpKind::Select: {
      Context* c = ctx(op.a);
      rt::Chan* cases[] = {c->Done()};
      int got = rt::select(cases, op.duration);
      returned();
      if (got == 0) check_err_after_done(c, op.a);
      observe(s, i, fmt::format("select h{}", op.a), got == 0 ? "done" : "timeout");
      if (got != 0 && deadline_of(c) == rt_.now()) out_.observations.back().alternative = "done";
      break;
    }
    case OpKind::Sleep:
      rt_.sleep(op.duration);
      returned();
      break;
    default: break;
  }
}

// The other ops: one step each.
void Interp::run_step(size_t s, size_t i, const Op& op, std::vector<uint32_t>& visible,
                      std::vector<const Op*>& defers) {
  model::Package& P = *pkg;
  switch (op.kind) {
    case OpKind::Cancel: do_cancel(op); break;
    case OpKind::DeferCancel:
      handles_[op.a].cancel_deferred = true;
      defers.push_back(&op);
      break;
    case OpKind::Stop: {
      checker_.note_own_cancel(handles_[op.a].af->id());  // a stop that wins cancels the afterFuncCtx
      bool stopped = handles_[op.a].stop();
      // Concurrent stops: one wins (true) and the others return false, possibly first.
      // What the afterfunc invariant needs is whether any stop returned true.
      int now = stopped ? 1 : std::max(handles_[op.a].first_stop, 0);
      if (now != handles_[op.a].first_stop) {
        handles_[op.a].first_stop = now;
        viewer_->record_stop(handles_[op.a].af->id(), now);
        pkg->touch(*handles_[op.a].af);
      }
      observe(s, i, fmt::format("stop h{}", op.a), stopped ? "true" : "false");
      break;
    }
    case OpKind::Go: {
      size_t target = static_cast<size_t>(op.script);
      // The child's visible list, with room for what its script makes (run_script's reserve
      // then keeps it), handed over to the goroutine, which runs once.
      std::vector<uint32_t> snapshot;
      snapshot.reserve(visible.size() + p_.scripts[target].ops.size());
      snapshot.assign(visible.begin(), visible.end());
      boost::container::small_vector<rt::Edge, 16> captures;
      for (uint32_t h : snapshot) {
        if (handles_[h].obj != rt::kNoObj) captures.push_back({handles_[h].obj, "local"});
        if (handles_[h].cancel_obj != rt::kNoObj) captures.push_back({handles_[h].cancel_obj, "local"});
      }
      rt_.go(rt::GoKind::Program, fmt::format("go {}", target),
             [this, target, snapshot = std::move(snapshot)]() mutable { run_script(target, std::move(snapshot)); },
             std::span<const rt::Edge>(captures.data(), captures.size()));
      break;
    }
    case OpKind::Yield: rt_.yield(); break;
    case OpKind::Observe: do_observe(s, i, op); break;
    case OpKind::Drop: {
      leave(op.a);
      visible.erase(std::find(visible.begin(), visible.end(), op.a));
      find_lost_cancels(rt::kNoGo);
      break;
    }
    case OpKind::Keep: handles_[op.a].kept = true; break;
    case OpKind::Store: {
      uint32_t slot = kFirstProgramGlobal + static_cast<uint32_t>(op.slot);
      rt_.point(rt::Ev::Model, 1, slot);
      rt_.heap().store_global(slot, handles_[op.a].obj);
      handles_[op.a].kept = true;
      max_global_ = std::max(max_global_, slot);
      break;
    }
    case OpKind::SetFinalizer: {
      rt::ObjId o = ctx(op.a)->obj();
      rt_.point(rt::Ev::Model, 2, o);
      program_finalizers_.push_back({op.a, o});
      rt_.heap().set_finalizer(o, [](rt::ObjId) {});
      break;
    }
    case OpKind::Gc:
      out_.gc_cycles.push_back(rt_.gc());
      find_retained();
      break;
    case OpKind::Reparent: {
      rt_.point(rt::Ev::Model, 3, op.a);
      // After an unsafe reparent, parents no longer say where a cancel came from: every
      // context counts as canceled directly, which stops the propagation cause comparison.
      for (const auto& c : P.contexts()) checker_.note_own_cancel(c->id());
      P.Reparent(ctx(op.a), ctx(op.b));
      after_step();  // a cycle must be reported before anything walks it
      break;
    }
    default: break;
  }
}

void Interp::do_cancel(const Op& op) {
  Handle& hd = handles_[op.a];
  hd.cancel_called = true;
  checker_.note_own_cancel(hd.ctx->id());
  std::vector<uint32_t> registered;
  bool check = checker_.enabled(Invariant::Propagation);
  if (check) {
    rt_.touch(rt::Touched::Everything, 0, false);  // a harness read of the whole model (footprints)
    registered = registered_below(fill_view(), hd.ctx->id());
  }
  hd.cancel(op.cause);
  if (check && family_of(hd.ctx->kind()) == CtxFamily::Cancel) {
    if (auto v = check_propagation_after_cancel(fill_view(), hd.ctx->id(), registered, checker_.own_cancels())) violate(*v);
  }
}

// The model's keys: a type (0 is the package's own) and an int32; a string key's word is
// numbered in the order the execution first uses it.
model::Key Interp::model_key(const ValueKey& k) {
  if (k.type != kStringKeyType) return {static_cast<uint8_t>(k.type + 1), static_cast<int32_t>(k.value)};
  auto it = std::find(string_keys_.begin(), string_keys_.end(), k.value);
  if (it == string_keys_.end()) it = string_keys_.insert(string_keys_.end(), k.value);
  return {static_cast<uint8_t>(k.type + 1), static_cast<int32_t>(it - string_keys_.begin())};
}

void Interp::observe(size_t s, size_t i, std::string what, std::string value) {
  out_.observations.push_back({static_cast<int32_t>(s), static_cast<int32_t>(i), std::move(what), std::move(value), {}});
}

// The program's own Go types, as `observe string` prints them: a context's creating op
// says which custom type it is, and which key and value (of which type) it binds.
model::GoNames Interp::go_names() const {
  auto creator = [this](const model::Context& c) -> const Op* {
    for (const Handle& hd : handles_)
      if (hd.ctx == &c && hd.op) return hd.op;
    return nullptr;
  };
  return {[creator](const model::Context& c) {
            const Op* op = creator(c);
            return op && op->kind == OpKind::Custom ? go_type_name(op->custom) : std::string(model::kind_name(c.kind()));
          },
          [creator](const model::ValueCtx& c) {
            const Op* op = creator(c);
            return op ? go_stringify(op->key) : std::string("?");
          },
          [creator](const model::ValueCtx& c) {
            const Op* op = creator(c);
            return op ? go_stringify(op->value_type, op->value) : std::string("?");
          }};
}

void Interp::do_observe(size_t s, size_t i, const Op& op) {
  Observe what = op.observe;
  std::string label = fmt::format("{} h{}", name_of(op.observe), op.a);
  if (what == Observe::Goroutines) {
    rt_.point(rt::Ev::Model, 4, 0);
    observe(s, i, "goroutines", std::to_string(rt_.num_goroutines()));
    return;
  }
  Context* c = ctx(op.a);
  bool without = handles_[op.a].op && handles_[op.a].op->kind == OpKind::WithoutCancel;
  switch (what) {
    case Observe::Err: {
      model::Error e = c->Err();
      if (without) check_without_cancel_err(env(), op.a, c, e);
      observe(s, i, label, model::error_string(e));
      break;
    }
    case Observe::Cause: observe(s, i, label, model::error_string(pkg->Cause(c))); break;
    case Observe::Deadline: {
      auto d = c->Deadline();
      observe(s, i, label, d ? format_duration(*d - rt::kEpoch) : "none");
      break;
    }
    case Observe::Done: {
      rt::Chan* d = c->Done();
      if (without) check_without_cancel_done(env(), op.a, c, d);
      observe(s, i, label, d == nullptr ? "nil" : d->poll() ? "closed" : "open");
      break;
    }
    case Observe::Children: {
      rt_.point(rt::Ev::Model, 5, c->id());
      std::optional<size_t> n;
      if (family_of(c->kind()) == CtxFamily::Cancel) n = static_cast<model::CancelCtx*>(c)->children().size();
      observe(s, i, label, children_text(n));
      break;
    }
    case Observe::String: observe(s, i, label, model::context_name(c, go_names())); break;
    case Observe::Value: {
      model::Any v = c->Value(model_key(op.key));
      std::optional<int64_t> got = v.present ? std::optional<int64_t>(v.value) : std::nullopt;
      if (!p_.unsafe) check_value(env(), op.a, op.key, got, c);
      const Op* nearest = nearest_binding(handles_, op.a, op.key);
      ValueType type = nearest && got == nearest->value ? nearest->value_type : ValueType::Int;
      observe(s, i, fmt::format("value h{} {}", op.a, key_text(op.key)), got ? value_text(type, *got) : "nil");
      break;
    }
    case Observe::Goroutines: break;
  }
}

}  // namespace ctxcheck::harness::detail
