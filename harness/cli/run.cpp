// `ctxcheck run`: generate programs and schedules from a seed and run them on the model.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/campaign/campaign.h"
#include "harness/cli/commands.h"
#include "harness/cli/summary.h"
#include "harness/util/flag_checks.h"
#include "harness/executor/executor.h"
#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/shrink/shrink.h"
#include "model/runtime/prng.h"
#include "harness/sink/failure_sink.h"

namespace ctxcheck::harness {

namespace {
// The seed of case i of a campaign.
uint64_t mix(uint64_t a, uint64_t b) {
  return rt::splitmix64_mix(a * rt::kGoldenGamma ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2)));
}
// --json: the summary as one JSON object on stdout.
// What the generator produced and the executions chose, per kind (zeros too).
nlohmann::json generation_json(const GenerationCounts& counts) {
  nlohmann::json ops = nlohmann::json::object();
  for (size_t k = 0; k < counts.ops.size(); ++k) ops[std::string(op_name(static_cast<OpKind>(k)))] = counts.ops[k];
  return {{"ops", ops}, {"choices", choices_json(counts)}, {"warnings", counts.warnings()}};
}
void print_json_summary(const RunArgs& a, const model::FaultSet& faults, const CampaignSummary& sum,
                        const GenerationCounts& counts, const FailureSink& sink, int rc) {
  nlohmann::json j = {{"command", "run"},        {"seed", a.seed},
                      {"faults", faults.to_string()}, {"executions", sum.cases},
                      {"violations", sum.violations}, {"findings", sum.findings},
                      {"by_id", counts_by_id_json(sum.by_id)}, {"files", kept_files_json(sink)},
                      {"generated", generation_json(counts)},
                      {"seconds", sum.seconds},       {"exit", rc}};
  fmt::print("{}\n", j.dump(2));
}

}  // namespace

int run_command(const RunArgs& a) {
  std::string bad;
  auto faults = model::FaultSet::parse(a.faults, &bad);
  if (!faults) throw UsageError(fmt::format("--faults: unknown fault \"{}\" (see ctxcheck faults)", bad));
  GenOptions gen = a.gen;
  if (!a.kinds.empty()) {
    std::string_view rest = a.kinds;
    while (!rest.empty()) {
      size_t c = rest.find(',');
      std::string_view k = rest.substr(0, c);
      auto op = op_by_name(k);
      if (!op) throw UsageError(fmt::format("--kinds: unknown op \"{}\"", k));
      gen.kinds.push_back(*op);
      if (c == std::string_view::npos) break;
      rest.remove_prefix(c + 1);
    }
  }
  if (a.count == 0 && a.seconds <= 0) throw UsageError("give --count or --time (or both)");
  ExecOptions opts;
  opts.faults = *faults;
  opts.limits.keep_events = false;
  opts.limits.max_steps = a.max_steps;

  CampaignOptions co;
  co.max_cases = a.count;
  co.max_seconds = a.seconds;
  co.progress = a.progress < 0 ? ::isatty(2) != 0 : a.progress == 1;
  co.stop_on_violation = !a.keep_going;
  co.jobs = a.jobs;
  FailureSink sink({.exec = opts, .shrink = a.shrink, .out_dir = a.out_dir, .write_findings = a.save_findings});
  sink.create_out_dir();
  std::FILE* human = a.json ? stderr : stdout;  // --json: stdout carries only the summary
  fmt::print(human, "ctxcheck run: seed {}, faults [{}], {} ops, {} goroutines, {}{}{}\n", a.seed,
             faults->to_string(), gen.ops, gen.goroutines, gen.well_formed ? "well-formed" : "any programs",
             gen.unsafe ? ", unsafe ops" : "", gen.swarm ? ", swarm" : "");
  std::fflush(stdout);

  // evaluate runs on --jobs worker threads (pure: generate, execute, shrink); commit on this
  // one, in case order (harness/campaign/campaign.h).
  GenerationCounts counts;  // of the committed cases, added on this thread: the same for any --jobs
  CampaignSummary sum = run_campaign(co, [&](uint64_t i) {
    uint64_t s = mix(a.seed, i);
    Program p = generate(s, gen);
    if (!faults->empty()) p.faults = faults->to_string();
    rt::PrngChoices choices(s);
    ExecResult r = execute(p, choices, opts);
    GenerationCounts generated;
    generated.add(p);
    generated.add(r.decisions);
    EvaluatedCase e{.verdict = r.expect(), .commit = {}, .tally = [&counts, generated] { counts.merge(generated); }};
    if (e.verdict.passes()) return e;
    Program found = annotate(p, r, "");  // with the failing schedule
    found.notes.clear();
    auto c = std::make_shared<FailureCase>(
        sink.prepare(found, r, fmt::format("found by: ctxcheck run --seed {} (case {})", a.seed, i)));
    std::string shown;  // the report of a violation that ends the campaign
    if (c->verdict.is_violation() && c->shrunk && co.stop_on_violation)
      shown = fmt::format("case {} (shrunk):\n{}{}", i, print_program(c->program), text_report(c->program, c->result));
    else if (c->verdict.is_violation() && co.stop_on_violation)
      shown = fmt::format("case {}:\n{}", i, text_report(p, r));
    e.commit = [&sink, human, c, shown = std::move(shown)] {
      FailureSink::Kept kept = sink.keep(*c);
      if (!shown.empty()) fmt::print(human, "{}", shown);
      return CaseOutcome{.verdict = c->verdict, .file = kept.path, .written = kept.written};
    };
    return e;
  });
  int rc = sum.violations > 0 || (a.fail_on_findings && sum.findings > 0) ? kExitViolation : kExitPass;
  fmt::print(human, "{}\n{}{}", sum.to_string(), counts.to_text(), kept_files_text(sink));
  if (!sum.first_violation_file.empty())
    fmt::print(human, "first violation written to {}\nreplay it with: ctxcheck replay {}\n", sum.first_violation_file,
               sum.first_violation_file);
  if (a.json) print_json_summary(a, *faults, sum, counts, sink, rc);
  return rc;
}

void add_run_command(CommandRegistry& r) {
  struct Flags {
    RunArgs run;
    bool any_programs = false, no_progress = false, force_progress = false, no_shrink = false, no_swarm = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = r.add("run", "Generate programs and schedules and run them on the model", [f] {
    f->run.gen.well_formed = !(f->any_programs || f->run.gen.unsafe);
    f->run.progress = f->no_progress ? 0 : f->force_progress ? 1 : -1;
    f->run.shrink = !f->no_shrink;
    f->run.gen.swarm = !f->no_swarm;
    return run_command(f->run);
  });
  RunArgs& run = f->run;
  cmd->add_option("--seed", run.seed, "Campaign seed (case i is a function of seed and i)")
      ->transform(flags::unsigned_int());
  cmd->add_option("--count", run.count, "Number of executions")->transform(flags::unsigned_int());
  cmd->add_option("--time", run.seconds, "Time budget in seconds")->check(flags::seconds_up_to(kMaxRunSeconds));
  cmd->add_option("--faults", run.faults, "Comma-separated faults to inject (see: ctxcheck faults)")
      ->check(fault_names_check());
  cmd->add_option("--ops", run.gen.ops, "Ops per program, about")->check(CLI::Range(1, 10000));
  cmd->add_option("--goroutines", run.gen.goroutines, "Goroutine scripts per program, main included")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--kinds", run.kinds, "Comma-separated op kinds the generator may use")->check(op_names_check(false));
  cmd->add_flag("--no-swarm", f->no_swarm,
                "Fixed op weights for every program (default: swarm, each program draws its own kinds and weights)");
  cmd->add_flag("--unsafe", run.gen.unsafe, "Allow unsafe ops (reparent); implies --any-programs");
  cmd->add_flag("--any-programs", f->any_programs, "Not only well-formed programs (findings expected)");
  cmd->add_option("--out", run.out_dir, "Directory for failing cases (text traces, written atomically)");
  cmd->add_flag("--keep-going", run.keep_going, "Do not stop at the first violation");
  cmd->add_flag("--save-findings", run.save_findings,
                "Also write program findings to --out (shrunk, one file per minimal case, like violations)");
  cmd->add_flag("--fail-on-findings", run.fail_on_findings, "Exit 1 when a program finding occurs, too");
  cmd->add_flag("--json", run.json, "Print a JSON summary on stdout (the text goes to stderr)");
  cmd->add_flag("--progress", f->force_progress, "Print a progress line every second");
  cmd->add_flag("--no-progress", f->no_progress, "Never print the progress line");
  cmd->add_option("--max-steps", run.max_steps, "Scheduling steps per execution")->check(CLI::Range(100, 100000000));
  cmd->add_option("--jobs", run.jobs, "Worker threads (the same cases, files and summary as one)")
      ->check(CLI::Range(1u, kMaxJobs))
      ->capture_default_str();
  cmd->add_flag("--no-shrink", f->no_shrink, "Write failing cases as found, without shrinking them");
}

}  // namespace ctxcheck::harness
