// ctxcheck command line. Flags are parsed here with CLI11; each subcommand lives in its own
// file. Exit codes: 0 pass, 1 violation, 2 bad usage or bad input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"

int main(int argc, char** argv) {
  using namespace ctxcheck::harness;
  CLI::App app{"ctxcheck: a fuzzing and model-checking harness for Go-style context trees"};
  app.require_subcommand(1);

  RunArgs run;
  bool any_programs = false;
  bool no_progress = false, force_progress = false;
  auto* run_cmd = app.add_subcommand("run", "Generate programs and schedules and run them on the model");
  run_cmd->add_option("--seed", run.seed, "Campaign seed (case i is a function of seed and i)");
  run_cmd->add_option("--count", run.count, "Number of executions")->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--time", run.seconds, "Time budget in seconds")->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--faults", run.faults, "Comma-separated faults to inject (see: ctxcheck faults)");
  run_cmd->add_option("--ops", run.gen.ops, "Ops per program, about")->check(CLI::Range(1, 10000));
  run_cmd->add_option("--goroutines", run.gen.goroutines, "Goroutine scripts per program, main included")
      ->check(CLI::Range(1, 64));
  run_cmd->add_option("--kinds", run.kinds, "Comma-separated op kinds the generator may use");
  run_cmd->add_flag("--unsafe", run.gen.unsafe, "Allow unsafe ops (reparent); implies --any-programs");
  run_cmd->add_flag("--any-programs", any_programs, "Not only well-formed programs (findings expected)");
  run_cmd->add_option("--out", run.out_dir, "Directory for failing cases (text traces, written atomically)");
  run_cmd->add_flag("--keep-going", run.keep_going, "Do not stop at the first violation");
  run_cmd->add_flag("--save-findings", run.save_findings, "Also write program findings to --out");
  run_cmd->add_flag("--progress", force_progress, "Print a progress line every second");
  run_cmd->add_flag("--no-progress", no_progress, "Never print the progress line");
  run_cmd->add_option("--max-steps", run.max_steps, "Scheduling steps per execution")->check(CLI::Range(100, 100000000));

  bool no_shrink = false;
  run_cmd->add_flag("--no-shrink", no_shrink, "Write failing cases as found, without shrinking them");

  ShrinkArgs shrink_args;
  auto* shrink_cmd = app.add_subcommand("shrink", "Reduce a failing trace to a 1-minimal one");
  shrink_cmd->add_option("file", shrink_args.file, "Trace file")->required();
  shrink_cmd->add_option("-o,--out", shrink_args.out, "Write here (default: overwrite FILE)");

  ReplayArgs replay;
  auto* replay_cmd = app.add_subcommand("replay", "Re-execute a text trace and check it reproduces");
  replay_cmd->add_option("file", replay.file, "Trace file")->required();
  replay_cmd->add_flag("--json", replay.json, "Print the outcome and every observation as JSON");
  replay_cmd->add_option("--dot", replay.dot, "Write the context tree at the violation as DOT (and SVG)");
  replay_cmd->add_option("--write", replay.write, "Write the re-annotated trace here");

  ExploreArgs ex;
  bool ex_cache = false, ex_no_shrink = false, ex_progress = false, ex_no_progress = false;
  auto* ex_cmd = app.add_subcommand("explore", "Model-check: all schedules of one program, or of every program up to N ops");
  ex_cmd->add_option("file", ex.file, "Trace file: explore this program's schedules");
  ex_cmd->add_option("--ops", ex.ops, "Explore every program of up to N ops (besides h1 = background)")
      ->check(CLI::Range(1, 12));
  ex_cmd->add_option("--min-ops", ex.min_ops, "Smallest program size to explore")->check(CLI::Range(1, 12));
  ex_cmd->add_option("--kinds", ex.kinds, "Op alphabet, comma-separated op names (default: ctxcheck's lifecycle ops)");
  ex_cmd->add_option("--goroutines", ex.goroutines, "Scripts per program, main included")->check(CLI::Range(1, 8));
  ex_cmd->add_flag("--unsafe", ex.unsafe, "Add reparent to the alphabet");
  ex_cmd->add_option("--shard", ex.shard, "Explore shard I of M (programs whose index % M == I)");
  ex_cmd->add_option("--strategy", ex.strategy, fmt::format("Strategy (default {}): {}", kDefaultStrategy, strategy_help()));
  ex_cmd->add_option("--bound", ex.bound, "Preemption bound (dfs)")->check(CLI::Range(0, 1000));
  ex_cmd->add_flag("--state-cache", ex_cache, "Prune states seen before (dfs; see README for when it pays)");
  ex_cmd->add_option("--executions", ex.executions,
                     fmt::format("Executions per program (pct/random: default {}; dfs: a cap)", kDefaultSampleExecutions));
  ex_cmd->add_option("--seed", ex.seed, "Seed (pct, random)");
  ex_cmd->add_option("--pct-depth", ex.pct_depth, "PCT bug depth d")->check(CLI::Range(1, 100));
  ex_cmd->add_option("--faults", ex.faults, "Comma-separated faults to inject");
  ex_cmd->add_flag("--keep-going", ex.keep_going, "Do not stop at the first violation");
  ex_cmd->add_option("--out", ex.out_dir, "Directory for failing cases (shrunk text traces, written atomically)");
  ex_cmd->add_option("--checkpoint", ex.checkpoint, "Resume from / save progress to this file");
  ex_cmd->add_option("--max-programs", ex.max_programs, "Stop after this many programs (resume later)");
  ex_cmd->add_option("--max-steps", ex.max_steps, "Scheduling steps per execution")->check(CLI::Range(100, 100000000));
  ex_cmd->add_flag("--no-shrink", ex_no_shrink, "Write failing cases as found");
  ex_cmd->add_flag("--progress", ex_progress, "Print a progress line every second");
  ex_cmd->add_flag("--no-progress", ex_no_progress, "Never print the progress line");

  ExportGoArgs export_go;
  auto* export_go_cmd = app.add_subcommand("export-go", "Write a trace as a Go test over the real context package (Go 1.19)");
  export_go_cmd->add_option("file", export_go.file, "Trace file")->required();
  export_go_cmd->add_option("-o,--out", export_go.out, "Write the _test.go file here (atomically; default: stdout)");
  export_go_cmd->add_option("--scale", export_go.scale, "Real milliseconds per virtual millisecond")->check(CLI::Range(1, 1000));
  export_go_cmd->add_option("--name", export_go.test_name, "Name of the Go test function");
  export_go_cmd->add_option("--samples", export_go.samples, "Model schedules sampled to find racy observations")
      ->check(CLI::Range(0, 10000));
  export_go_cmd->add_flag("--run", export_go.run,
                          "Then run it with go test in the -o directory (a go.mod is written if missing); "
                          "exit 0 if Go agrees with the model, 1 if not");

  uint64_t demo_seed = 1;
  bool demo_trace = false;
  auto* demo = app.add_subcommand("demo", "Run a runtime-only scenario and print its interleaving");
  demo->add_option("--seed", demo_seed, "Scheduler seed");
  demo->add_flag("--trace", demo_trace, "Also print every recorded event");

  app.add_subcommand("invariants", "List the invariant and finding catalogs");
  app.add_subcommand("faults", "List the fault catalog");

  ConvertArgs convert;
  auto* convert_cmd = app.add_subcommand("convert", "Convert a fuzzer crash file to a text trace, or a trace to fuzzer bytes");
  convert_cmd->add_option("--to-trace", convert.to_trace, "Fuzz input (crash file) to convert to a text trace");
  convert_cmd->add_option("--to-bytes", convert.to_bytes, "Text trace to convert to a fuzz input");
  convert_cmd->add_option("-o,--out", convert.out, "Write here, atomically (--to-trace default: stdout)");
  convert_cmd->add_option("--target", convert.target, "Input layout: fuzz_programs or fuzz_faults (default: fuzz_programs; --to-bytes: fuzz_faults when the trace names faults)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitPass : kExitUsage;
  }
  try {
    if (app.got_subcommand("run")) {
      run.gen.well_formed = !(any_programs || run.gen.unsafe);
      run.progress = no_progress ? 0 : force_progress ? 1 : -1;
      run.shrink = !no_shrink;
      return run_command(run);
    }
    if (app.got_subcommand("replay")) return replay_command(replay);
    if (app.got_subcommand("explore")) {
      ex.state_caching = ex_cache;
      ex.shrink = !ex_no_shrink;
      ex.progress = ex_no_progress ? 0 : ex_progress ? 1 : -1;
      return explore_command(ex);
    }
    if (app.got_subcommand("shrink")) return shrink_command(shrink_args);
    if (app.got_subcommand("convert")) return convert_command(convert);
    if (app.got_subcommand("export-go")) return export_go_command(export_go);
    if (app.got_subcommand("demo")) return run_demo(demo_seed, demo_trace);
    if (app.got_subcommand("invariants")) return list_invariants();
    if (app.got_subcommand("faults")) return list_faults();
  } catch (const UsageError& e) {
    fmt::print(stderr, "ctxcheck: {}\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ctxcheck: {}\n", e.what());
    return kExitUsage;
  }
  return kExitUsage;
}
