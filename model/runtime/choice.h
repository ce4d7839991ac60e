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

// One decision as the runtime presents it to a strategy.
struct ChoicePoint {
  ChoiceKind kind;
  std::span<const uint32_t> options;
  // Schedule decisions only: option 0 is the goroutine that was running and could go on,
  // so any other option preempts it (and counts against a preemption bound). When false,
  // the running goroutine blocked or exited and some switch is forced (free).
  bool preemptive = false;
  uint32_t current = UINT32_MAX;  // the goroutine running at the decision (kNoGo: none)
};

// The interface every strategy implements (random, bytes, replay, PCT, the exhaustive
// explorer): they see the kind and the option identities.
class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;
  // Called only when options.size() >= 2. Must return an index < options.size();
  // the runtime reduces anything else modulo n and counts it as a source bug.
  virtual uint32_t choose(ChoiceKind kind, std::span<const uint32_t> options) = 0;
  // What the runtime calls; strategies that need more than the options override it.
  virtual uint32_t choose_at(const ChoicePoint& p) { return choose(p.kind, p.options); }
  // Called by the runtime when an execution starts, so sources can be reused.
  virtual void begin_execution() {}
  // Checked after every preemptive decision: true stops the execution as Outcome::Pruned
  // (the explorer saw this state before, with at least the same budget left).
  virtual bool prune_requested() const { return false; }
  // True: the runtime keeps a state hash (Runtime::state_hash) for this source. It costs a
  // hash of the whole state at every resume, so only state-caching explorers ask for it.
  virtual bool wants_state_hash() const { return false; }
};

// Seeded PRNG (splitmix64). Uniform over the options.
class PrngChoices final : public ChoiceSource {
 public:
  explicit PrngChoices(uint64_t seed) : seed_(seed), state_(seed) {}
  uint32_t choose(ChoiceKind kind, std::span<const uint32_t> options) override;
  void begin_execution() override { state_ = seed_; }
  uint64_t next_u64();

 private:
  uint64_t seed_;
  uint64_t state_;
};

// A byte string, one byte per decision: index = byte % n. Exhausted input answers 0.
class ByteChoices final : public ChoiceSource {
 public:
  explicit ByteChoices(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint32_t choose(ChoiceKind kind, std::span<const uint32_t> options) override;
  void begin_execution() override { pos_ = 0; }
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
  uint32_t choose(ChoiceKind kind, std::span<const uint32_t> options) override;
  void begin_execution() override { pos_ = 0; diverged_at_ = -1; }
  long diverged_at() const { return diverged_at_; }
  size_t consumed() const { return pos_; }

 private:
  std::vector<uint32_t> chosen_;
  std::vector<Decision> recorded_;  // empty for the lenient form
  size_t pos_ = 0;
  long diverged_at_ = -1;
};

}  // namespace ctxcheck::rt
