// Entry points of the ctxcheck subcommands, one file each. Each file also registers its
// subcommand: its flags, bound to its Args struct (whose initializers are the defaults
// --help shows), and what runs it; main.cpp only parses and dispatches.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "harness/explore/strategies.h"
#include "harness/executor/executor.h"
#include "harness/program/generate.h"
#include "model/faults/faults.h"
#include "model/runtime/runtime.h"

namespace ctxcheck::harness {

// Exit codes shared by every subcommand.
inline constexpr int kExitPass = 0;
inline constexpr int kExitViolation = 1;
inline constexpr int kExitUsage = 2;

// A bad flag value or bad input file: main prints it and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A trace file named on the command line, parsed; its header's fault set. Both throw
// UsageError naming the file (and line and column) on any problem.
Program read_trace(const std::string& file);
model::FaultSet trace_faults(const Program& p, const std::string& file);
// Its header's faults and step limit (recorded_options), as UsageError.
ExecOptions trace_options(const Program& p, const std::string& file);

// A trace file read and run once on its recorded schedule (replay and shrink start here):
// the program, the options it ran with (its header's faults and step limit), the result,
// and how the recorded schedule fitted: the first entry out of range (-1: none) and how
// many entries the execution used (fewer than recorded: entries left over).
struct ReplayedTrace {
  Program program;
  ExecOptions opts;
  ExecResult result;
  long schedule_diverged_at = -1;
  size_t schedule_consumed = 0;
};
// `pictures`, `timeline`: ExecOptions::record_pictures, record_timeline (replay's --dot,
// --timeline, --gctrace).
ReplayedTrace replay_trace(const std::string& file, bool pictures = false, bool timeline = false);

}  // namespace ctxcheck::harness
namespace CLI {
class App;
class Validator;
}
namespace ctxcheck::harness {

// The subcommands, as main parses them: add() creates one with what runs it once parsed;
// its file then adds its flags to the returned App.
class CommandRegistry {
 public:
  explicit CommandRegistry(CLI::App& app) : app_(app) {}
  CLI::App* add(const std::string& name, const std::string& help, std::function<int()> run);
  // Runs the parsed subcommand (kExitUsage if none).
  int run_parsed() const;

 private:
  CLI::App& app_;
  std::vector<std::pair<CLI::App*, std::function<int()>>> commands_;
};

// Flag validators over ctxcheck's catalogs and formats (flags.cpp; the generic ones, for
// numbers, are harness/util/flag_checks.h): a comma-separated list of known fault names
// ("none" allowed), of op names (explore: or "default"), and a shard "I/M".
CLI::Validator fault_names_check();
CLI::Validator op_names_check(bool allow_default);
CLI::Validator shard_check();
inline constexpr double kMaxRunSeconds = 30.0 * 24 * 3600;  // run --time: 30 days

void add_run_command(CommandRegistry& r);
void add_shrink_command(CommandRegistry& r);
void add_replay_command(CommandRegistry& r);
void add_explore_command(CommandRegistry& r);
void add_export_go_command(CommandRegistry& r);
void add_demo_command(CommandRegistry& r);
void add_catalog_commands(CommandRegistry& r);
void add_convert_command(CommandRegistry& r);
void add_signature_command(CommandRegistry& r);

struct RunArgs {
  uint64_t seed = 1;
  uint64_t count = 0;       // 0 = until the time budget
  double seconds = 0;       // 0 = until the count
  std::string faults;
  GenOptions gen;
  std::string kinds;        // comma-separated op names
  std::string out_dir;
  bool keep_going = false;
  bool save_findings = false;
  int progress = -1;        // -1 = auto (a TTY)
  uint64_t max_steps = rt::kDefaultMaxSteps;
  bool shrink = true;       // shrink each failing case before writing it
  bool fail_on_findings = false;  // exit 1 on a finding too
  bool json = false;        // a JSON summary on stdout, the text on stderr
  unsigned jobs = 1;        // worker threads (harness/campaign/campaign.h)
};
inline constexpr unsigned kMaxJobs = 256;
int run_command(const RunArgs& a);

struct ReplayArgs {
  std::vector<std::string> files;
  std::string file;         // the one file (replay_command sets it from files)
  bool json = false;
  std::string dot;          // write the tree at the violation as DOT here (+ .svg if graphviz)
  std::string write;        // write the re-annotated trace here
  std::string timeline;       // the execution as trace-event JSON (Perfetto, chrome://tracing)
  std::string timeline_html;  // the same drawn by a self-contained HTML viewer
  bool gctrace = false;       // Go's gctrace lines in the text report
};
int replay_command(const ReplayArgs& a);

struct ShrinkArgs {
  std::string file;
  std::string out;        // "" = FILE as NAME.shrunk.trace; "-" = stdout
  bool in_place = false;  // overwrite FILE
  bool force = false;     // overwrite an existing output
  std::string keep;       // the invariant or finding to keep ("" = the first)
};
int shrink_command(const ShrinkArgs& a);

struct ExploreArgs {
  std::string file;          // one program; or:
  uint32_t ops = 0;          // every program of min_ops..ops ops
  uint32_t min_ops = 1;
  std::string kinds;         // the op alphabet ("" = default)
  uint32_t goroutines = 3;   // scripts per program, main included
  bool unsafe = false;
  std::string shard;         // "I/M"
  std::string strategy{kDefaultStrategy};
  uint32_t bound = kDefaultBound;
  bool state_caching = false;
  std::string reduction{reduction_name(kDefaultReduction)};  // dfs: none | sleep | dpor
  double time_limit = 0;     // seconds of exploration (0: no limit)
  uint64_t executions = 0;   // per program (0: exhaust / kDefaultSampleExecutions samples)
  uint64_t seed = kDefaultExploreSeed;
  uint32_t pct_depth = kDefaultPctDepth;
  std::string faults;
  bool keep_going = false;
  std::string out_dir;
  std::string checkpoint;
  uint64_t max_programs = 0; // stop after this many programs (resume with the checkpoint)
  int progress = -1;
  uint64_t max_steps = rt::kDefaultMaxSteps;
  bool shrink = true;
  bool fail_on_findings = false;  // exit 1 on a finding too
  bool json = false;              // a JSON summary on stdout, the text on stderr
  uint32_t costliest = 0;         // --ops: list the programs with the most executions (this session)
  std::vector<std::string> withheld_choices;  // test-only: choice kinds never offered (rt::Limits)
};
int explore_command(const ExploreArgs& a);

struct ExportGoArgs {
  std::vector<std::string> files;         // one trace, or several: a subtest each
  std::string out;                        // "" or "-": stdout
  int64_t scale = 0;                      // real ms per virtual ms below the cap; 0: from the program
  std::string test_name;                  // "": from the -o file's name (x_test.go: TestCtxcheckX)
  std::string package_name;               // "": the package already in the -o directory
  uint32_t samples = 16;                  // schedules sampled to find racy observations
  bool run = false;                       // then go vet + go test it (go.mod written if none above)
  std::string go_version = "1.23";        // --go: the Go the test is for (1.23 or 1.19)
};
int export_go_command(const ExportGoArgs& a);

struct ConvertArgs {
  std::string to_trace;  // a fuzz input (crash file) to convert to a text trace
  std::string to_bytes;  // a text trace to convert to a fuzz input
  std::string out;       // --to-trace: "" = stdout
  std::string target;    // "fuzz_programs", "fuzz_faults"; --to-trace: required
  std::string faults;    // --to-trace, fuzz_faults: the set CTXCHECK_FUZZ_FAULT forced
};
int convert_command(const ConvertArgs& a);

int run_demo(uint64_t seed, bool show_trace);
int list_invariants();
int list_faults();

}  // namespace ctxcheck::harness
