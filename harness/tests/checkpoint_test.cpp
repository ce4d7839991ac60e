// Checkpoints of program-space explorations: the file round-trips, an exploration cut into
// sessions (--max-programs, a stop at a failure) and resumed from its checkpoint counts and
// finds what one uninterrupted session does, and a corrupt or foreign checkpoint is refused
// with a message that says which.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <tuple>

#include <unistd.h>

#include <fmt/format.h>

#include "harness/explore/checkpoint.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {
namespace {

using Found = std::set<std::tuple<uint32_t, uint64_t, uint64_t>>;  // (ops, index, trace hash)

struct Space {
  SpaceOptions space;
  ExploreOptions o;
  Space() {
    space.alphabet = lifecycle_alphabet();  // 131 programs (the whole language: 881)
    space.min_ops = 1;
    space.max_ops = 2;
    o.exec.faults = model::FaultSet::of(model::Fault::SkipRemoval);
    o.exec.limits.keep_events = false;
  }
};

// Runs sessions of at most `per_session` programs, each resumed from the checkpoint the
// previous one wrote to `file`, until the space is explored. `stop_at_failure`: each
// session also ends at its first failure.
ExploreCounts run_in_sessions(const Space& s, uint64_t per_session, bool stop_at_failure, const std::string& file,
                              Found& found, int* sessions) {
  std::filesystem::remove(file);
  for (*sessions = 1; *sessions < 200; ++*sessions) {
    std::optional<Checkpoint> from = read_checkpoint(file, exploration_config(s.space, s.o));
    ResumedExploration r = explore_space_resumable(
        s.space, s.o, from, per_session,
        [&](const Failure& f, SpacePosition at) {
          found.insert({at.ops, at.index, f.result.trace_hash});
          return !stop_at_failure;
        },
        [](const Checkpoint&, const ExploreCounts&) {});
    write_checkpoint(file, r.checkpoint);
    if (r.complete) {
      EXPECT_TRUE(r.checkpoint.done);
      return r.checkpoint.counts;
    }
  }
  ADD_FAILURE() << "never completed";
  return {};
}

void expect_same_counts(const ExploreCounts& a, const ExploreCounts& b) {
  EXPECT_EQ(a.programs, b.programs);
  EXPECT_EQ(a.executions, b.executions);
  EXPECT_EQ(a.distinct_states, b.distinct_states);
  EXPECT_EQ(a.pruned, b.pruned);
  EXPECT_EQ(a.violations, b.violations);
  EXPECT_EQ(a.findings, b.findings);
  EXPECT_EQ(a.incomplete, b.incomplete);
  EXPECT_EQ(a.nondeterminism, b.nondeterminism);
}

std::string temp_file(const char* name) {
  return (std::filesystem::temp_directory_path() / fmt::format("ctxcheck-{}-{}", name, ::getpid())).string();
}

TEST(Checkpoint, TextRoundTrips) {
  Checkpoint c;
  c.config = "ops 1..3 alphabet x";
  c.next = {3, 1234};
  c.done = false;
  c.counts.programs = 1;
  c.counts.executions = 2;
  c.counts.distinct_states = 3;
  c.counts.pruned = 4;
  c.counts.violations = 5;
  c.counts.findings = 6;
  c.counts.incomplete = 7;
  c.counts.nondeterminism = 8;
  std::string text = checkpoint_text(c);
  Checkpoint back = parse_checkpoint(text, c.config);
  EXPECT_EQ(back.config, c.config);
  EXPECT_EQ(back.next, c.next);
  EXPECT_EQ(back.done, c.done);
  expect_same_counts(back.counts, c.counts);
  EXPECT_EQ(checkpoint_text(back), text);
  c.done = true;
  EXPECT_TRUE(parse_checkpoint(checkpoint_text(c), c.config).done);
}

TEST(Checkpoint, ResumedSessionsEqualOneUninterruptedRun) {
  Space s;
  std::string file = temp_file("resume.json");
  Found whole, cut, stopped;
  int sessions = 0;
  ExploreCounts all = run_in_sessions(s, 0, false, file, whole, &sessions);
  EXPECT_EQ(sessions, 1);
  ASSERT_GT(all.violations, 0u) << "the fault must be found for this test to mean anything";
  EXPECT_EQ(all.programs, 9u + 122u);
  ExploreCounts in_parts = run_in_sessions(s, 7, false, file, cut, &sessions);
  EXPECT_GT(sessions, 10);
  expect_same_counts(in_parts, all);
  EXPECT_EQ(cut, whole);
  // A stop at a failure resumes after the failing program: every failing program is still
  // found, once, and the other programs are counted as one run counts them.
  s.o.stop_at_failure = true;
  Found whole_first;
  ExploreCounts first_only = run_in_sessions(s, 0, false, file, whole_first, &sessions);
  ExploreCounts stop_each = run_in_sessions(s, 0, true, file, stopped, &sessions);
  EXPECT_EQ(static_cast<size_t>(sessions), stopped.size() + 1);  // the last one runs to the end
  expect_same_counts(stop_each, first_only);
  EXPECT_EQ(stopped, whole_first);
  std::filesystem::remove(file);
}

TEST(Checkpoint, CorruptOrForeignCheckpointsAreRefused) {
  Space s;
  std::string config = exploration_config(s.space, s.o);
  auto message = [&](const std::string& text) -> std::string {
    try {
      parse_checkpoint(text, config);
    } catch (const CheckpointError& e) {
      return e.what();
    }
    return "accepted";
  };
  for (const char* bad : {"", "not json", "[]", "{\"config\": 3}", "{\"version\": 1}"})
    EXPECT_EQ(message(bad).rfind("not a ctxcheck checkpoint: ", 0), 0u) << bad << ": " << message(bad);
  Checkpoint c;
  c.config = config;
  std::string good = checkpoint_text(c);
  EXPECT_EQ(message(good), "accepted");
  std::string truncated = good.substr(0, good.size() / 2);
  EXPECT_EQ(message(truncated).rfind("not a ctxcheck checkpoint: ", 0), 0u) << message(truncated);
  std::string no_counts = good.substr(0, good.find("\"counts\"")) + "\"x\": 0}";
  EXPECT_EQ(message(no_counts).rfind("not a ctxcheck checkpoint: ", 0), 0u) << message(no_counts);

  {
    Space other;
    other.space.max_ops = 3;
    std::string theirs = checkpoint_text({exploration_config(other.space, other.o), {}, false, {}});
    EXPECT_EQ(message(theirs), fmt::format("checkpoint of another exploration ({}); remove it or use the same flags",
                                           exploration_config(other.space, other.o)));
  }

  std::string file = temp_file("corrupt.json");
  std::filesystem::remove(file);
  EXPECT_FALSE(read_checkpoint(file, config));  // none yet: start from the beginning
  write_file_atomically(file, "{ broken");
  try {
    read_checkpoint(file, config);
    ADD_FAILURE() << "accepted";
  } catch (const CheckpointError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(file + ": not a ctxcheck checkpoint: ", 0), 0u) << e.what();
  }
  std::filesystem::remove(file);
  std::string dir = std::filesystem::temp_directory_path().string();
  EXPECT_THROW(read_checkpoint(dir, config), CheckpointError);
}

}  // namespace
}  // namespace ctxcheck::harness
