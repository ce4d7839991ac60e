#include "harness/invariants/quiescence.h"

#include <fmt/format.h>

namespace ctxcheck::harness {

namespace {

// The cancelCtx (or timerCtx, afterFuncCtx) whose watcher goroutine is g, or null.
const model::CancelCtx* watched_by(const model::Package& pkg, rt::GoId g) {
  for (const auto& c : pkg.contexts()) {
    if (family_of(c->kind()) != CtxFamily::Cancel) continue;
    auto* cc = static_cast<const model::CancelCtx*>(c.get());
    if (cc->watcher() == g) return cc;
  }
  return nullptr;
}

bool parent_done(const model::Package& pkg, const model::CancelCtx* cc) {
  return cc->parent() && err_of(pkg, cc->parent()) != model::kNilError;
}

// A model goroutine is named by its role: "h3 watcher" (the label the model gives it
// carries the model's id).
std::string watcher_name(const CheckEnv& env, const model::CancelCtx* cc) {
  return env.view.name(cc->id()) + " watcher";
}

// goroutine-leak: a watcher whose child or parent is done must have exited.
void check_watchers_exited(const CheckEnv& env) {
  for (const auto& c : env.pkg.contexts()) {
    if (family_of(c->kind()) != CtxFamily::Cancel) continue;
    auto* cc = static_cast<const model::CancelCtx*>(c.get());
    if (cc->watcher() == rt::kNoGo) continue;
    const rt::Goroutine& g = env.rt.goroutine(cc->watcher());
    if (g.state != rt::GoState::Blocked) continue;
    bool child_done = cc->peek_err() != model::kNilError;
    if (child_done || parent_done(env.pkg, cc))
      env.out.violate({Invariant::GoroutineLeak,
                       fmt::format("{} is still blocked although its {} is done", watcher_name(env, cc),
                                   child_done ? "child" : "parent"),
                       {c->id()}});
  }
}

}  // namespace

bool legit_watcher(const CheckEnv& env, const rt::Goroutine& g) {
  if (g.kind != rt::GoKind::Watcher || g.state != rt::GoState::Blocked) return false;
  const model::CancelCtx* cc = watched_by(env.pkg, g.id);
  return cc && cc->peek_err() == model::kNilError && !parent_done(env.pkg, cc);
}

void check_quiescence(const CheckEnv& env, const ModelView& view) {
  if (auto v = env.checker.at_quiescence(view)) env.out.violate(*v);
  if (env.checker.enabled(Invariant::GoroutineLeak)) check_watchers_exited(env);
  // Findings about the program.
  for (const auto& g : env.rt.goroutines())
    if (legit_watcher(env, g))
      env.out.find(Finding::ParkedForever,
                   fmt::format("{} waits forever: neither the parent's Done nor the child's can close",
                               watcher_name(env, watched_by(env.pkg, g.id))));
  for (const auto& g : env.rt.goroutines()) {
    if (g.kind != rt::GoKind::Program || g.state != rt::GoState::Blocked || g.block == rt::BlockKind::Settle) continue;
    if (std::optional<ParkedWait> w = parked_wait(env, g)) env.out.find_with(Finding::ParkedForever, w->message, w->detail);
    else env.out.find(Finding::ParkedForever,
                      fmt::format("{} waits on a {} that can never fire", g.label, rt::block_kind_name(g.block)));
  }
}

std::optional<ParkedWait> parked_wait(const CheckEnv& env, const rt::Goroutine& g) {
  const ProgramState& st = env.program;
  if (!st.source || g.id >= st.where.size()) return std::nullopt;
  auto [script, op] = st.where[g.id];
  if (script < 0 || op < 0 || static_cast<size_t>(script) >= st.source->scripts.size()) return std::nullopt;
  const auto& ops = st.source->scripts[static_cast<size_t>(script)].ops;
  if (static_cast<size_t>(op) >= ops.size()) return std::nullopt;
  const Op& o = ops[static_cast<size_t>(op)];
  if (o.kind != OpKind::Wait || o.a >= st.handles.size() || !st.handles[o.a].ctx) return std::nullopt;
  const model::Context* c = st.handles[o.a].ctx;
  ParkedWait w;
  w.message = fmt::format("go {} (goroutine {}) waits for ever at op {} (wait h{}): {}'s Done can never close, "
                          "nothing left can cancel it",
                          script, g.id, op + 1, o.a, env.view.name(c->id()));
  w.detail.at_op = std::pair<int32_t, int32_t>{script, op};
  w.detail.goroutine = g.id;
  w.detail.contexts.push_back(c->id());
  return w;
}

}  // namespace ctxcheck::harness
