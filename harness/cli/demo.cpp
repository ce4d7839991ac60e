// `ctxcheck demo`: a runtime-only scenario that prints one reproducible interleaving.
// Useful to see the scheduler at work and to check determinism by eye: the same seed
// prints the same lines, a different seed (usually) a different interleaving.
#include "harness/cli/commands.h"
#include "harness/util/flag_checks.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "model/runtime/runtime.h"
#include "model/runtime/sync.h"

namespace ctxcheck::harness {

int run_demo(uint64_t seed, bool show_trace) {
  using namespace rt;
  PrngChoices choices(seed);
  Runtime runtime(choices);
  std::vector<std::string> log;
  auto say = [&](std::string line) {
    Runtime& r = Runtime::current();
    log.push_back(fmt::format("t={:>4}ms g{} {}", (r.now() - kEpoch) / 1000000, r.self(), line));
  };
  RunResult res = runtime.run([&] {
    Runtime& r = Runtime::current();
    Mutex mu;
    Chan done;
    Atomic<int> workers(2);
    int counter = 0;
    for (int w = 1; w <= 2; ++w) {
      r.go(GoKind::Program, fmt::format("worker {}", w), [&, w] {
        for (int i = 0; i < 2; ++i) {
          mu.lock();
          ++counter;
          say(fmt::format("worker {} increments counter to {}", w, counter));
          mu.unlock();
        }
        int left = workers.load() - 1;
        workers.store(left);
        if (left == 0) {
          say(fmt::format("worker {} is last: closes done", w));
          done.close();
        }
      });
    }
    r.after_func(5'000'000, GoKind::TimerFunc, "timer", [&] { say("timer fires after 5ms"); });
    Chan* cases[] = {&done};
    int got = select(cases, 10'000'000);
    say(got == 0 ? "main: done closed" : "main: timed out after 10ms (a lost update left done open)");
    r.sleep(6'000'000);
    say(fmt::format("main: counter = {}", counter));
  });
  fmt::print("ctxcheck demo, seed {}\n", seed);
  for (const auto& l : log) fmt::print("  {}\n", l);
  fmt::print("outcome {}, {} steps, {} decisions, {} goroutines, trace hash {:016x}\n",
             outcome_name(res.outcome), res.stats.steps, res.stats.decisions,
             res.stats.goroutines, res.trace_hash);
  if (show_trace) fmt::print("{}", runtime.trace().to_string());
  return res.outcome == Outcome::Ok ? 0 : 1;
}

void add_demo_command(CommandRegistry& r) {
  struct Flags {
    uint64_t seed = 1;
    bool trace = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = r.add("demo", "Run a runtime-only scenario and print its interleaving",
                        [f] { return run_demo(f->seed, f->trace); });
  cmd->add_option("--seed", f->seed, "Scheduler seed")->transform(flags::unsigned_int());
  cmd->add_flag("--trace", f->trace, "Also print every recorded event");
}

}  // namespace ctxcheck::harness
