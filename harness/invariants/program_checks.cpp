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

const Op* nearest_binding(const std::vector<Handle>& handles, uint32_t h, ValueKey key) {
  for (size_t i = 0; h != 0 && i <= handles.size(); ++i) {
    const Op* op = handles[h].op;
    if (!op) return nullptr;
    if (op->kind == OpKind::WithValue && op->key == key) return op;
    if (op->kind == OpKind::Background || op->kind == OpKind::Todo) return nullptr;
    h = handles[h].parent;
  }
  return nullptr;
}

void check_value(const CheckEnv& env, uint32_t h, ValueKey key, std::optional<int64_t> got, Context* c) {
  const Op* nearest = nearest_binding(env.program.handles, h, key);
  bool differs = nearest ? !got || *got != nearest->value : got.has_value();
  if (differs && env.checker.enabled(Invariant::Value))
    env.out.violate({Invariant::Value,
                     fmt::format("Value({}) on h{} returned {}, the nearest binding is {}", key_text(key), h,
                                 got ? std::to_string(*got) : "nil", nearest ? std::to_string(nearest->value) : "nil"),
                     {c->id()}});
}

void check_shadowing(const CheckEnv& env, const Op& op) {
  if (op.key.builtin())
    env.out.find(Finding::BuiltinKey,
                 fmt::format("h{} binds a key of the built-in type {} ({}): any other code that uses the same "
                             "{} key reads or overwrites it (staticcheck SA1029); use an unexported key type",
                             op.result, op.key.type == kIntKeyType ? "int" : "string", key_text(op.key),
                             op.key.type == kIntKeyType ? "int" : "string"));
  auto a_type = [](ValueType t) { return fmt::format("{} {}", t == ValueType::Int ? "an" : "a", type_name(t)); };
  // Only the nearest binding of the same key (same type, same value) is what a reader sees.
  const std::vector<Handle>& handles = env.program.handles;
  for (uint32_t h = op.a, i = 0; h != 0 && i <= handles.size(); h = handles[h].parent, ++i) {
    const Op* o = handles[h].op;
    if (!o || o->kind == OpKind::Background || o->kind == OpKind::Todo) return;
    if (o->kind != OpKind::WithValue || o->key != op.key) continue;
    if (o->value_type != op.value_type)
      env.out.find(Finding::ShadowedKey,
                   fmt::format("h{} binds {} to {} under h{}, which binds it to {}: code that reads the key "
                               "expecting {} (v, ok := ctx.Value(k).({})) now gets ok == false",
                               op.result, key_text(op.key), a_type(op.value_type), h, a_type(o->value_type),
                               a_type(o->value_type), type_name(o->value_type)));
    return;
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
