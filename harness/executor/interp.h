// The interpreter behind execute(): runs the program's scripts as goroutines of the model,
// one op at a time, over the handles the program holds. It records what the program
// observed and the op-level order, and hands the checks (harness/invariants) a CheckEnv;
// it is their Recorder. Shared by executor.cpp (the run, what is recorded) and interp.cpp
// (scripts, ops, handles).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/executor/executor.h"
#include "harness/executor/forced_order.h"
#include "harness/invariants/gc_reference.h"
#include "harness/invariants/program_checks.h"
#include "harness/invariants/program_state.h"
#include "harness/invariants/retention.h"
#include "harness/invariants/view.h"
#include "model/context/context.h"

namespace ctxcheck::harness::detail {

struct StopExecution {};  // unwinds the interpreter after a violation was recorded

// What an execution's checks keep by context id, reused by the next execution on the
// thread (the executor leases it with the thread's runtime): reset, not reconstructed, so
// the steady state does not allocate its tables again.
struct CheckBuffers {
  InvariantChecker checker;
  ModelViewer viewer;
  std::vector<uint8_t> retained_reported;  // Interp::retained_reported_'s storage
};

class Interp final : public Recorder {
 public:
  Interp(const Program& p, rt::Runtime& runtime, CheckBuffers& buffers, const ExecOptions& opts, ExecResult& out);

  std::optional<model::Package> pkg;

  // The whole execution, on main's goroutine: main's script, quiescence, the end phase.
  void main();

  // Why a run that panicked past the model's depth limit is the model's limit and not a
  // violation (ModelLimit's message); nullopt when it is not (no such panic, or a cycle).
  std::optional<std::string> model_limit(const rt::RunResult& run);

  // What reports that draw asked for (ExecOptions::record_pictures, record_timeline), at
  // the end of the run while the model still exists.
  void record_for_reports(const rt::Runtime& runtime);
  // parked-forever of main, after a run that deadlocked there: names its wait.
  void find_parked_main();

  [[noreturn]] void violate(Violation v, std::string path = {}) override;
  void find(Finding id, std::string message, std::string path = {}) override;
  void find_with(Finding id, std::string message, FindingDetail detail) override;

 private:
  // ---- executor.cpp: the model view, the state digest, what checks record ----
  void reserve_results();
  uint64_t state_digest();
  const ModelView& fill_view() { return viewer_->fill(); }
  CheckEnv env() { return {rt_, *pkg, program_, viewer_->view(), checker_, *this}; }
  std::vector<TreeNode> tree(const std::vector<uint32_t>& highlight);
  ProgramPoint here() const;
  void after_step();
  void note_cancellations(const ModelView& view);

  // ---- interp.cpp: scripts, ops, handles ----
  void enter(uint32_t h);
  void leave(uint32_t h);
  void set_where(int script, int op);
  void run_script(size_t s, std::vector<uint32_t> visible = {});
  static bool blocking(OpKind k) { return op_spec(k).blocks(); }
  void take_turn(OpEvent e) { order_.take_turn(e); }
  void end_turn() { order_.end_turn(); }
  model::Context* ctx(uint32_t h) { return handles_[h].ctx; }
  void created(const Op& op, std::vector<uint32_t>& visible, model::Context* c, rt::ObjId obj);
  template <class Returned>
  void run_op(size_t s, size_t i, const Op& op, std::vector<uint32_t>& visible,
              std::vector<const Op*>& defers, Returned&& returned);
  void construct(const Op& op, std::vector<uint32_t>& visible);
  template <class Returned>
  void run_blocking(size_t s, size_t i, const Op& op, Returned&& returned);
  void run_step(size_t s, size_t i, const Op& op, std::vector<uint32_t>& visible,
                std::vector<const Op*>& defers);
  void do_cancel(const Op& op);
  void do_observe(size_t s, size_t i, const Op& op);
  void observe(size_t s, size_t i, std::string what, std::string value);
  model::Key model_key(const ValueKey& k);
  model::GoNames go_names() const;
  void check_err_after_done(model::Context* c, uint32_t h) { harness::check_err_after_done(env(), c, h); }
  void check_shadowing(const Op& op) { harness::check_shadowing(env(), op); }
  // lost-cancel after a drop (ending: none) or at the end of goroutine `ending`'s script.
  void find_lost_cancels(rt::GoId ending);
  void find_retained() {
    fill_view();
    check_retained_by_parent(env(), retained_reported_);
  }
  std::optional<rt::Nanos> deadline_of(model::Context* c) { return harness::deadline_of(*pkg, c); }

  const Program& p_;
  rt::Runtime& rt_;
  const ExecOptions& opts_;
  ExecResult& out_;
  CheckBuffers& buffers_;
  InvariantChecker& checker_ = buffers_.checker;
  GcReferenceChecker gc_reference_;
  ProgramState program_;
  std::vector<Handle>& handles_ = program_.handles;
  std::vector<std::pair<uint32_t, rt::ObjId>>& program_finalizers_ = program_.finalizers;
  uint32_t& max_global_ = program_.max_global;
  ModelViewer* viewer_ = nullptr;  // buffers_.viewer, once main() made the package
  uint64_t seen_version_ = ~0ULL;
  std::vector<std::pair<int, int>>& where_ = program_.where;
  std::vector<uint8_t>& retained_reported_ = buffers_.retained_reported;  // by context id: retained-by-parent reported
  std::vector<int64_t> string_keys_;         // string keys' words, in first-use order
  ForcedOrder order_;
  std::vector<Cancellation> cancels_;    // record_timeline only
  std::vector<int64_t> parent_at_cancel_;
};

}  // namespace ctxcheck::harness::detail
