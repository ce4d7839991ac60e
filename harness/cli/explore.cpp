// `ctxcheck explore`: model checking. One program (FILE): all of its schedules up to the
// preemption bound. Or a program space (--ops N): every program of up to N ops over an op
// alphabet, times all of its schedules. Prints counts and a progress line; shrinks and
// writes each violation; resumable through a checkpoint file.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <tuple>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/cli/summary.h"
#include "harness/util/flag_checks.h"
#include "harness/explore/checkpoint.h"
#include "harness/explore/explore.h"
#include "harness/explore/strategies.h"
#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/sink/failure_sink.h"
#include "harness/util/atomic_file.h"
#include "harness/util/user_input.h"

namespace ctxcheck::harness {

namespace {

using Clock = std::chrono::steady_clock;  // progress and checkpoint pacing only

// Programs of one size in the space (cached: counting enumerates them).
uint64_t programs_of_size(const SpaceOptions& sp, uint32_t ops) {
  static std::map<uint32_t, uint64_t> known;
  auto [it, fresh] = known.try_emplace(ops, 0);
  if (fresh) it->second = count_programs(ops, sp.alphabet);
  return it->second;
}

std::string counts_line(const ExploreCounts& c, double secs) {
  double s = secs > 0 ? secs : 1e-9;
  return fmt::format("{} programs, {} executions, {} distinct states, {} pruned, {} violations, "
                     "{} with findings only, {} not exhausted; {:.1f}s ({:.0f} exec/s, {:.0f} states/s)",
                     c.programs, c.executions, c.distinct_states, c.pruned, c.violations, c.findings,
                     c.incomplete, secs, static_cast<double>(c.executions) / s,
                     static_cast<double>(c.distinct_states) / s);
}

// The programs of a space with the most executions in this session (ties: the earlier one
// first), kept while the space runs; where a reduction has work left, they are where it is.
class CostliestPrograms {
 public:
  explicit CostliestPrograms(size_t keep) : keep_(keep) {}

  // Called after each program with the session's running totals; `done` is the program just
  // explored.
  void after(SpacePosition done, const ExploreCounts& session) {
    uint64_t executions = session.executions - executions_before_;
    executions_before_ = session.executions;
    if (keep_ == 0) return;
    Entry e{executions, done};
    auto at = std::find_if(top_.begin(), top_.end(), [&](const Entry& t) { return t.executions < executions; });
    top_.insert(at, e);
    if (top_.size() > keep_) top_.pop_back();
  }

  std::string text(const Alphabet& alphabet) const {
    std::string out;
    if (!top_.empty()) out += "costliest programs (this session):\n";
    for (const Entry& e : top_)
      out += fmt::format("  {} executions: program {} of size {}: {}\n", e.executions, e.at.index, e.at.ops,
                         one_line(program_at(alphabet, e.at)));
    return out;
  }

  nlohmann::json json(const Alphabet& alphabet) const {
    nlohmann::json j = nlohmann::json::array();
    for (const Entry& e : top_)
      j.push_back({{"ops", e.at.ops}, {"index", e.at.index}, {"executions", e.executions},
                   {"program", print_program(program_at(alphabet, e.at))}});
    return j;
  }

 private:
  struct Entry {
    uint64_t executions;
    SpacePosition at;
  };

  static Program program_at(const Alphabet& alphabet, SpacePosition at) {
    Program found;
    enumerate_programs(at.ops, alphabet, at.index, [&](uint64_t, const Program& p) {
      found = p;
      return false;
    });
    return found;
  }

  // The trace without its header, one line: "go 0: h1 = background; go 1; ... | go 1: ...".
  static std::string one_line(const Program& p) {
    std::istringstream text(print_program(p));
    std::string line, out;
    std::getline(text, line);  // the ctxcheck-trace header
    while (std::getline(text, line)) {
      bool opens_script = line.rfind("go ", 0) == 0 && line.back() == ':';
      size_t start = line.find_first_not_of(' ');
      if (start == std::string::npos) continue;
      if (!out.empty()) out += opens_script ? " | " : (out.back() == ':' ? " " : "; ");
      out += line.substr(start);
    }
    return out;
  }

  size_t keep_;
  uint64_t executions_before_ = 0;
  std::vector<Entry> top_;  // most executions first
};

// Hands each violation to the failure sink (shrink unless --no-shrink, name, dedupe, write),
// prints the first of each kind, counts them by id, and ends with the summary (--json: as
// JSON on stdout, every other line on stderr).
class Reporter {
 public:
  Reporter(const ExploreArgs& a, const ExecOptions& exec)
      : a_(a), sink_({.exec = exec, .shrink = a.shrink, .out_dir = a.out_dir, .write_findings = true}),
        out_(a.json ? stderr : stdout) {}

  std::FILE* out() const { return out_; }
  // --costliest: a "costliest" array in the JSON summary.
  void set_costliest(nlohmann::json j) { costliest_ = std::move(j); }

  void report(const Failure& f, const std::string& headline) {
    ++by_id_[std::string(f.result.expect().id())];
    FailureCase c = sink_.prepare(f.program, f.result, headline);
    FailureSink::Kept kept = sink_.keep(c);
    if (!kept.first) return;
    fmt::print(out_, "violation {}{}:\n{}{}", c.verdict.id(), c.shrunk ? " (shrunk)" : "", print_program(c.program),
               text_report(c.program, c.result));
    if (!kept.path.empty())
      fmt::print(out_, "written to {}\nreplay it with: ctxcheck replay {}\n", kept.path, kept.path);
  }

  // The exit code, after the summary (text, or JSON with the counts and the files).
  int finish(const ExploreCounts& c, double secs, bool complete, const ExecOptions& exec) const {
    for (const auto& [id, n] : by_id_) fmt::print(out_, "  {}: {} failing executions\n", id, n);
    fmt::print(out_, "{}", c.generated.choices_text());
    fmt::print(out_, "{}", kept_files_text(sink_));
    if (c.nondeterminism)
      fmt::print(out_, "NONDETERMINISM: {} replays decided differently (a ctxcheck bug)\n", c.nondeterminism);
    bool failed = c.violations > 0 || c.nondeterminism > 0 || (a_.fail_on_findings && c.findings > 0);
    int rc = failed ? kExitViolation : kExitPass;
    if (a_.json) {
      nlohmann::json j = {{"command", "explore"},
                          {"faults", exec.faults.to_string()},
                          {"programs", c.programs},
                          {"executions", c.executions},
                          {"violations", c.violations},
                          {"findings", c.findings},  // executions whose verdict is a finding
                          {"violations_by_id", by_id_},
                          {"executions_by_verdict", c.by_id},  // every violation and finding id
                          {"pruned", c.pruned},
                          {"not_exhausted", c.incomplete},
                          {"nondeterminism", c.nondeterminism},
                          {"reduction", a_.reduction},
                          {"bound", a_.bound},
                          {"files", kept_files_json(sink_)},
                          {"choices", choices_json(c.generated)},
                          {"warnings", c.generated.warnings()},
                          {"complete", complete},
                          {"seed", a_.seed},
                          {"seconds", secs},
                          {"exit", rc}};
      if (!costliest_.is_null()) j["costliest"] = costliest_;
      fmt::print("{}\n", j.dump(2));
    }
    return rc;
  }

 private:
  const ExploreArgs& a_;
  FailureSink sink_;
  std::FILE* out_;
  std::map<std::string, uint64_t> by_id_;
  nlohmann::json costliest_;
};

int explore_one(const ExploreArgs& a, ExploreOptions& o) {
  Program p = read_trace(a.file);
  if (a.faults.empty()) o.exec.faults = trace_faults(p, a.file);
  if (!a.faults.empty()) p.faults = o.exec.faults.to_string();
  // The trace's step limit, unless --max-steps says otherwise.
  if (p.max_steps && a.max_steps == rt::kDefaultMaxSteps) o.exec.limits.max_steps = *p.max_steps;
  Reporter rep(a, o.exec);
  auto t0 = Clock::now();
  ExploreCounts c = explore_program(p, o, [&](const Failure& f) {
    rep.report(f, fmt::format("found by: ctxcheck explore {} --strategy {} --bound {}", a.file,
                              o.strategy, o.bound));
    return a.keep_going;
  });
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  fmt::print(rep.out(), "explored {} under {} (bound {}): {}\n", a.file, o.strategy, o.bound, counts_line(c, secs));
  return rep.finish(c, secs, true, o.exec);
}

int explore_space_command(const ExploreArgs& a, ExploreOptions& o) {
  SpaceOptions sp;
  try {
    sp.alphabet = parse_alphabet(a.kinds);
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("--kinds: {}", e.what()));
  }
  if (a.unsafe && std::find(sp.alphabet.kinds.begin(), sp.alphabet.kinds.end(), OpKind::Reparent) ==
                      sp.alphabet.kinds.end())
    sp.alphabet.kinds.push_back(OpKind::Reparent);
  sp.alphabet.unsafe = sp.alphabet.unsafe || a.unsafe;
  sp.alphabet.max_scripts = a.goroutines;
  sp.min_ops = a.min_ops;
  sp.max_ops = a.ops;
  if (sp.min_ops > sp.max_ops) throw UsageError(fmt::format("--min-ops {} is above --ops {}", sp.min_ops, sp.max_ops));
  if (!a.shard.empty()) {
    auto fraction = parse_fraction(a.shard);  // shard_check() accepted it
    if (!fraction) throw UsageError(fmt::format("--shard \"{}\": expected I/M with 0 <= I < M", a.shard));
    std::tie(sp.shard, sp.shards) = *fraction;
  }
  std::optional<Checkpoint> resume;
  if (!a.checkpoint.empty()) {
    try {
      resume = read_checkpoint(a.checkpoint, exploration_config(sp, o));
    } catch (const CheckpointError& e) {
      throw UsageError(e.what());
    }
  }
  Reporter rep(a, o.exec);
  std::FILE* human = rep.out();
  if (resume && resume->done) {
    fmt::print(human, "{}: this exploration is complete: {}\n", a.checkpoint, counts_line(resume->counts, 0));
    return rep.finish(resume->counts, 0, true, o.exec);
  }
  if (resume)
    fmt::print(human, "resuming from {}: {} ops, program {} ({} programs done)\n", a.checkpoint, resume->next.ops,
               resume->next.index, resume->counts.programs);
  fmt::print(human, "ctxcheck explore: programs of {}..{} ops over [{}] ({} scripts max){}, {} bound {}{}, faults [{}]\n",
             sp.min_ops, sp.max_ops, alphabet_to_string(sp.alphabet), sp.alphabet.max_scripts,
             sp.shards > 1 ? fmt::format(", shard {}/{}", sp.shard, sp.shards) : "", o.strategy,
             o.bound, o.state_caching ? std::string(", state caching") : fmt::format(", reduction {}", reduction_name(o.reduction)),
             o.exec.faults.to_string());
  std::fflush(stdout);

  bool progress = a.progress < 0 ? ::isatty(2) != 0 : a.progress == 1;
  auto t0 = Clock::now(), last_progress = t0, last_checkpoint = t0;
  CostliestPrograms costliest(a.costliest);
  ResumedExploration run = explore_space_resumable(
      sp, o, resume, a.max_programs,
      [&](const Failure& f, SpacePosition at) {
        rep.report(f, fmt::format("found by: ctxcheck explore --ops {} --kinds {} --bound {} (program {} of size {})",
                                  sp.max_ops, alphabet_to_string(sp.alphabet), o.bound, at.index, at.ops));
        return a.keep_going;
      },
      [&](const Checkpoint& now_at, const ExploreCounts& session) {
        costliest.after({now_at.next.ops, now_at.next.index - 1}, session);
        auto now = Clock::now();
        if (progress && now - last_progress >= std::chrono::seconds(1)) {
          last_progress = now;
          fmt::print(stderr, "\rexplore: size {} program {}/{}: {}   ", now_at.next.ops, now_at.next.index,
                     programs_of_size(sp, now_at.next.ops), counts_line(session, std::chrono::duration<double>(now - t0).count()));
        }
        if (!a.checkpoint.empty() && now - last_checkpoint >= std::chrono::seconds(2)) {
          last_checkpoint = now;
          write_checkpoint(a.checkpoint, now_at);
        }
      },
      [&] { return a.time_limit <= 0 || std::chrono::duration<double>(Clock::now() - t0).count() < a.time_limit; });
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (progress) fmt::print(stderr, "\n");
  if (!a.checkpoint.empty()) write_checkpoint(a.checkpoint, run.checkpoint);
  const ExploreCounts& all = run.checkpoint.counts;
  bool complete = run.complete;
  fmt::print(human, "explored: {}\n", counts_line(all, secs));
  fmt::print(human, "{}", costliest.text(sp.alphabet));
  if (a.costliest > 0) rep.set_costliest(costliest.json(sp.alphabet));
  if (!complete)
    fmt::print(human, "stopped before the end of the space{}\n", a.checkpoint.empty() ? "" : "; run again to resume");
  return rep.finish(all, secs, complete, o.exec);
}

}  // namespace

int explore_command(const ExploreArgs& a) {
  ExploreOptions o;
  std::string bad;
  auto faults = model::FaultSet::parse(a.faults, &bad);
  if (!faults) throw UsageError(fmt::format("--faults: unknown fault \"{}\" (see ctxcheck faults)", bad));
  if (find_strategy(a.strategy) == nullptr)
    throw UsageError(fmt::format("--strategy: unknown strategy \"{}\" ({})", a.strategy, strategy_names()));
  o.strategy = a.strategy;
  o.bound = a.bound;
  o.state_caching = a.state_caching;
  o.reduction = *reduction_by_name(a.reduction);  // CLI11 checked the name
  o.executions = a.executions;
  o.seed = a.seed;
  o.pct_depth = a.pct_depth;
  o.stop_at_failure = !a.keep_going;
  o.exec.faults = *faults;
  o.exec.limits.keep_events = false;
  o.exec.limits.max_steps = a.max_steps;
  for (const std::string& kind : a.withheld_choices)
    for (size_t k = 0; k < kNumChoiceKinds; ++k)
      if (rt::choice_kind_name(static_cast<rt::ChoiceKind>(k)) == kind) o.exec.limits.withheld_choices |= 1u << k;
  if (!a.file.empty()) {
    if (a.ops != 0) throw UsageError("give a FILE or --ops, not both");
    return explore_one(a, o);
  }
  if (a.ops == 0) throw UsageError("give a trace FILE to explore, or --ops N to explore every program of up to N ops");
  return explore_space_command(a, o);
}

void add_explore_command(CommandRegistry& r) {
  struct Flags {
    ExploreArgs ex;
    bool cache = false, no_shrink = false, progress = false, no_progress = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = r.add("explore", "Model-check: all schedules of one program, or of every program up to N ops", [f] {
    f->ex.state_caching = f->cache;
    f->ex.shrink = !f->no_shrink;
    f->ex.progress = f->no_progress ? 0 : f->progress ? 1 : -1;
    return explore_command(f->ex);
  });
  ExploreArgs& ex = f->ex;
  cmd->add_option("file", ex.file, "Trace file: explore this program's schedules");
  cmd->add_option("--ops", ex.ops, "Explore every program of up to N ops (besides h1 = background)")
      ->check(CLI::Range(1, 12));
  cmd->add_option("--min-ops", ex.min_ops, "Smallest program size to explore")->check(CLI::Range(1, 12));
  cmd->add_option("--kinds", ex.kinds, "Op alphabet, comma-separated op names, or lifecycle (the ops every fault is about; default: the whole language)")
      ->check(op_names_check(true));
  cmd->add_option("--goroutines", ex.goroutines, "Scripts per program, main included")->check(CLI::Range(1, 8));
  cmd->add_flag("--unsafe", ex.unsafe, "Add reparent to the alphabet");
  cmd->add_option("--shard", ex.shard, "Explore shard I of M (programs whose index % M == I)")->check(shard_check());
  cmd->add_option("--strategy", ex.strategy, fmt::format("Strategy: {}", strategy_help()));
  cmd->add_option("--bound", ex.bound, "Preemption bound (dfs)")->check(CLI::Range(0, 1000));
  cmd->add_option("--reduction", ex.reduction,
                  "Partial-order reduction (dfs): none, sleep (sleep sets) or dpor (source sets and sleep sets)")
      ->check(CLI::IsMember(reduction_names()))
      ->capture_default_str();
  cmd->add_flag("--state-cache", f->cache, "Prune states seen before (dfs; see README for when it pays)");
  cmd->add_option("--executions", ex.executions,
                  fmt::format("Executions per program (pct/random: default {}; dfs: a cap)", kDefaultSampleExecutions))
      ->transform(flags::unsigned_int());
  cmd->add_option("--seed", ex.seed, "Seed (pct, random)")->transform(flags::unsigned_int());
  cmd->add_option("--pct-depth", ex.pct_depth, "PCT bug depth d")->check(CLI::Range(1, 100));
  cmd->add_option("--faults", ex.faults, "Comma-separated faults to inject")->check(fault_names_check());
  cmd->add_flag("--keep-going", ex.keep_going, "Do not stop at the first violation");
  cmd->add_flag("--fail-on-findings", ex.fail_on_findings, "Exit 1 when an execution comes to a program finding, too");
  cmd->add_flag("--json", ex.json, "Print a JSON summary on stdout (the text goes to stderr)");
  cmd->add_option("--out", ex.out_dir, "Directory for failing cases (shrunk text traces, written atomically)");
  cmd->add_option("--checkpoint", ex.checkpoint, "Resume from / save progress to this file");
  cmd->add_option("--max-programs", ex.max_programs, "Stop after this many programs (resume later)")
      ->transform(flags::unsigned_int());
  cmd->add_option("--time", ex.time_limit, "Stop after this many seconds, after the program being explored (resume with --checkpoint)")
      ->check(CLI::Range(0.0, 1e9));
  cmd->add_option("--max-steps", ex.max_steps, "Scheduling steps per execution")->check(CLI::Range(100, 100000000));
  cmd->add_option("--withhold-choices", ex.withheld_choices, "Test-only: choice kinds the model decides without offering them")
      ->check(CLI::IsMember(choice_kind_names()))
      ->delimiter(',')
      ->group("");  // hidden: it plants a regression
  cmd->add_option("--costliest", ex.costliest,
                  "With --ops: list the N programs with the most executions (this session), text and JSON")
      ->check(CLI::Range(0, 1000));
  cmd->add_flag("--no-shrink", f->no_shrink, "Write failing cases as found");
  cmd->add_flag("--progress", f->progress, "Print a progress line every second");
  cmd->add_flag("--no-progress", f->no_progress, "Never print the progress line");
}

}  // namespace ctxcheck::harness
