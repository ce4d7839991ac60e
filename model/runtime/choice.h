// Choice sources: the single input that decides every nondeterministic step.
//
// Every scheduling decision of the runtime (which goroutine runs next, in which order
// same-instant timers fire, which ready select case wins, in which order the model walks
// a children map) is one call to ChoiceSource::choose. Nothing else — no real time, no
// addresses, no unordered-container order — may influence an execution, so the same
// program with the same answers yields a byte-identical trace.
//
// Convention shared by all sources: option 0 is the "default" (keep running the current
// goroutine, insertion order, earliest timer). A source with nothing to say answers 0,
// which makes exhausted fuzz input mean "no preemption" and lets shrinkers head towards
// fewer switches.
//
// This file is all the runtime knows of strategies: the interface and the sources the
// model's own tests run on (seeded PRNG, bytes, replay). The search strategies (PCT, DFS)
// and the table that names them are the explorer's, in harness/explore.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ctxcheck::rt {

// X-macro: id, name. One table so traces, reports and strategies agree on the names.
#define CTXCHECK_CHOICE_KINDS(X)                                                     \
  X(Schedule, "schedule")     /* options: goroutine ids, current first if runnable */ \
  X(TimerTie, "timer-tie")    /* options: ids of timers due at the same instant */    \
  X(SelectCase, "select")     /* options: indices of ready select cases */            \
  X(MapOrder, "map-order")    /* options: keys of a map not yet visited */            \
  X(Model, "model")           /* options: model-defined alternatives */

enum class ChoiceKind : uint8_t {
#define CTXCHECK_X(id, name) id,
  CTXCHECK_CHOICE_KINDS(CTXCHECK_X)
#undef CTXCHECK_X
};

std::string_view choice_kind_name(ChoiceKind k);

// One decision as the runtime recorded it. `chosen` indexes the option list, n = its size.
struct Decision {
  ChoiceKind kind;
  uint32_t n;
  uint32_t chosen;
  friend bool operator==(const Decision&, const Decision&) = default;
};

// Footprints, for partial-order reduction: what a step (the code one goroutine runs from a
// decision to the next decision) touched, as a list of accesses (object, read|write). Two
// steps are dependent iff they touch a common object and one of them writes it, or either
// touched `Everything` (the clock, GC, settling, harness-level reads of the whole model).
// The runtime's primitives record them (runtime.cpp, sync.cpp, heap.cpp), so the model's
// code does not mention them.
enum class Touched : uint8_t {
  Sync,        // a mutex, atomic word or channel, by sync id
  HeapObject,  // a heap object's edges (a context's children map, parent, timer...)
  Timer,       // a timer, by id (stop vs add)
  Goroutines,  // the set of live goroutines (creation, exit, runtime.NumGoroutine)
  Ids,         // the dense id counters (sync ids, heap objects, timers): the allocation order
  Everything,  // dependent with every step
};
using Access = uint64_t;
constexpr Access access(Touched t, uint32_t id, bool write) {
  return static_cast<uint64_t>(t) << 40 | static_cast<uint64_t>(id) << 1 | (write ? 1 : 0);
}
bool dependent(std::span<const Access> a, std::span<const Access> b);

// The hash of the whole state at a choice point (Runtime::state_hash), which a strategy
// may call: state caching needs it, every other strategy never pays for it. Empty when the
// execution keeps no state hash.
class StateHashThunk {
 public:
  StateHashThunk() = default;
  StateHashThunk(uint64_t (*hash)(void*), void* state) : hash_(hash), state_(state) {}
  explicit operator bool() const { return hash_ != nullptr; }
  uint64_t operator()() const { return hash_(state_); }

 private:
  uint64_t (*hash_)(void*) = nullptr;
  void* state_ = nullptr;
};

// One decision as the runtime presents it to a strategy.
struct ChoicePoint {
  ChoiceKind kind;
  std::span<const uint32_t> options;
  // Schedule decisions only: option 0 is the goroutine that was running and could go on,
  // so any other option preempts it (and counts against a preemption bound). When false,
  // the running goroutine blocked or exited and some switch is forced (free).
  bool preemptive = false;
  uint32_t current = UINT32_MAX;  // the goroutine running at the decision (kNoGo: none)
  // Set only when the strategy asked for it (ExecutionNeeds) and the harness supplies its
  // part of the state (Runtime::set_state_hasher).
  StateHashThunk state_hash{};
  // Set only when the strategy asked for footprints (ExecutionNeeds): what the execution
  // touched since the previous decision (or its start).
  std::span<const Access> footprint{};
};

// What a strategy asks of the execution it begins.
struct ExecutionNeeds {
  // Keep a hash of the whole state (ChoicePoint::state_hash). It costs a digest update at
  // every resume, so only state-caching explorers ask for it.
  bool state_hash = false;
  // Record footprints (ChoicePoint::footprint): partial-order-reducing explorers.
  bool footprints = false;
};

// The answer to choose that stops the execution as Outcome::Pruned (the strategy reached a
// state it explored before with at least the same budget left). Honoured at preemptive
// points, the only ones state caching hashes; anywhere else it counts as option 0.
inline constexpr uint32_t kPrune = UINT32_MAX;

// The one interface of every strategy (seeded PRNG, bytes, replay, PCT, the exhaustive
// explorer), in the spirit of shuttle's Scheduler: begin an execution, choose at each
// choice point, and say at the end whether there is another execution to run. The runtime
// calls the first two; a driver that runs many executions (the explorer) runs the program
// again while next_execution() answers true.
class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;
  // An execution begins (Runtime::run calls this first, so a source can be reused).
  virtual ExecutionNeeds begin_execution() { return {}; }
  // Called only when options.size() >= 2. Returns an index < options.size() (the runtime
  // reduces anything else modulo n), or kPrune.
  virtual uint32_t choose(const ChoicePoint& p) = 0;
  // Footprint-recording executions only (ExecutionNeeds::footprints): a scheduling point
  // with one way on, so no decision: goroutine options[0] runs next (no option: the
  // execution ended). `footprint` is what was touched since the previous decision, as
  // choose would see it (a pass does not reset it). Source-set DPOR delimits one
  // goroutine's step from the next one's with it.
  virtual void pass(const ChoicePoint& /*p*/) {}
  // The execution that began last has ended. True: the source has another one to try (run
  // the program again); false: it is done. A single-execution source answers false.
  virtual bool next_execution() { return false; }
};

// Uniform choices from splitmix64, in one of two forms:
// - PrngChoices(seed): every execution draws the same stream, from `seed`, and takes
//   index = draw % n (`ctxcheck run`, export-go's samples, the tests and their vectors);
// - PrngChoices::sample(seed, executions): a sample of executions (0 = unbounded), the
//   i-th with its own seed, a function of `seed` and i, so any one of them can be re-run
//   alone; index by multiply-shift (`explore --strategy random`).
// The two reductions differ only because the traces recorded under each keep their hashes.
class PrngChoices final : public ChoiceSource {
 public:
  explicit PrngChoices(uint64_t seed) : seed_(seed), state_(seed) {}
  static PrngChoices sample(uint64_t seed, uint64_t executions);
  ExecutionNeeds begin_execution() override;
  uint32_t choose(const ChoicePoint& p) override;
  bool next_execution() override;
  uint64_t next_u64();

 private:
  uint64_t seed_;
  uint64_t state_;
  bool sampling_ = false;
  uint64_t executions_ = 1;  // sample size (0 = unbounded)
  uint64_t index_ = 0;       // the execution being run, within the sample
};

// A byte string, one byte per decision: index = byte % n. Exhausted input answers 0.
class ByteChoices final : public ChoiceSource {
 public:
  explicit ByteChoices(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  ExecutionNeeds begin_execution() override {
    pos_ = 0;
    return {};
  }
  uint32_t choose(const ChoicePoint& p) override;
  size_t consumed() const { return pos_; }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

// A recorded list of decisions (replay). Past its end it answers 0. If the execution
// asks for a decision whose option count differs from the recording, the replay has
// diverged: `diverged()` reports the first such decision.
class ReplayChoices final : public ChoiceSource {
 public:
  explicit ReplayChoices(std::vector<uint32_t> chosen) : chosen_(std::move(chosen)) {}
  // Stricter form: also checks kind and option count against the recording.
  explicit ReplayChoices(std::vector<Decision> recorded);
  ExecutionNeeds begin_execution() override {
    pos_ = 0;
    diverged_at_ = -1;
    return {};
  }
  uint32_t choose(const ChoicePoint& p) override;
  long diverged_at() const { return diverged_at_; }
  size_t consumed() const { return pos_; }

 private:
  std::vector<uint32_t> chosen_;
  std::vector<Decision> recorded_;  // empty for the lenient form
  size_t pos_ = 0;
  long diverged_at_ = -1;
};

}  // namespace ctxcheck::rt
