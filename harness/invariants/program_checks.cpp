#include "harness/invariants/program_checks.h"

#include <fmt/format.h>

namespace ctxcheck::harness {

using model::Context;
using model::Kind;

void check_err_after_done(const CheckEnv& env, Context* c, uint32_t h) {
  if (!env.checker.enabled(Invariant::DoneErr)) return;
  // Only where Err comes from one of the package's own cancelCtx (through valueCtx):
  // a foreign Context's Err is the program's business.
  Context* src = c;
  for (size_t i = 0; src && src->kind() == Kind::Value && i <= env.pkg.contexts().size(); ++i) src = src->parent();
  if (!src || family_of(src->kind()) != CtxFamily::Cancel) return;
  model::Error e = c->Err();
  if (e == model::kNilError)
    env.out.violate({Invariant::DoneErr, fmt::format("h{}: Done is closed but Err returned nil", h),
                     {c->id()}});
}

void check_without_cancel_err(const CheckEnv& env, uint32_t h, Context* c, model::Error err) {
  if (err != model::kNilError && env.checker.enabled(Invariant::Value))
    env.out.violate({Invariant::Value, fmt::format("WithoutCancel h{} reports Err {}", h, model::error_string(err)), {c->id()}});
}

void check_without_cancel_done(const CheckEnv& env, uint32_t h, Context* c, const rt::Chan* done) {
  if (done != nullptr && env.checker.enabled(Invariant::Value))
    env.out.violate({Invariant::Value, fmt::format("WithoutCancel h{} has a non-nil Done", h), {c->id()}});
}

namespace {

// What Value must return, from the program's own record of the chain.
std::optional<int64_t> value_oracle(const std::vector<Handle>& handles, uint32_t h, ValueKey key) {
  for (size_t i = 0; h != 0 && i <= handles.size(); ++i) {
    const Op* op = handles[h].op;
    if (!op) return std::nullopt;
    if (op->kind == OpKind::WithValue && op->key == key) return op->value;
    if (op->kind == OpKind::Background || op->kind == OpKind::Todo) return std::nullopt;
    h = handles[h].parent;
  }
  return std::nullopt;
}

}  // namespace

void check_value(const CheckEnv& env, uint32_t h, ValueKey key, std::optional<int64_t> got, Context* c) {
  std::optional<int64_t> want = value_oracle(env.program.handles, h, key);
  if (got != want && env.checker.enabled(Invariant::Value))
    env.out.violate({Invariant::Value,
                     fmt::format("Value(key{}:{}) on h{} returned {}, the nearest binding is {}",
                                 static_cast<char>('A' + key.type), key.value, h,
                                 got ? std::to_string(*got) : "nil", want ? std::to_string(*want) : "nil"),
                     {c->id()}});
}

void check_shadowing(const CheckEnv& env, const Op& op) {
  const std::vector<Handle>& handles = env.program.handles;
  for (uint32_t h = op.a, i = 0; h != 0 && i <= handles.size(); h = handles[h].parent, ++i) {
    const Op* o = handles[h].op;
    if (!o) return;
    if (o->kind == OpKind::WithValue && o->key.value == op.key.value && o->key.type != op.key.type) {
      env.out.find(Finding::ShadowedKey,
                   fmt::format("h{} binds key{}:{} under h{}, which binds key{}:{}: same value, another type, "
                               "so lookups of either never see the other",
                               op.result, static_cast<char>('A' + op.key.type), op.key.value, h,
                               static_cast<char>('A' + o->key.type), o->key.value));
      return;
    }
  }
}

OutcomeCheck check_outcome(const rt::RunResult& run) {
  OutcomeCheck r;
  switch (run.outcome) {
    case rt::Outcome::Ok: case rt::Outcome::Stopped: case rt::Outcome::Pruned:
      break;
    case rt::Outcome::ProgramDeadlock:
      r.finding = Finding::ParkedForever;
      r.finding_message = "main waits on a Done that can never close: " + run.message;
      break;
    case rt::Outcome::Panic:
      if (model::is_context_package_panic(run.panic_code)) {
        r.finding = Finding::ProgramPanic;
        r.finding_message = fmt::format("panic: {}", run.message);
        break;
      }
      [[fallthrough]];
    default:
      r.violation = Violation{Invariant::Termination,
                              fmt::format("{}: {}", rt::outcome_name(run.outcome), run.message), {}};
  }
  return r;
}

}  // namespace ctxcheck::harness
