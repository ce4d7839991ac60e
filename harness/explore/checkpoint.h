// Resumable explorations of a program space: a checkpoint file records the configuration,
// the position to resume at and the counts so far; explore_space_resumable continues from
// it, so a space explored in several sessions counts and finds what one session would.
//
// The file is JSON, written atomically:
//   {"version": 1, "config": "...", "next_ops": 2, "next_index": 40, "done": false,
//    "counts": {"programs": 40, ...}}
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "harness/explore/explore.h"

namespace ctxcheck::harness {

// A checkpoint that cannot be used: unreadable, not a checkpoint, or of another exploration.
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Checkpoint {
  std::string config;      // exploration_config() of the exploration it belongs to
  SpacePosition next{};    // where to resume
  bool done = false;       // the whole space is explored
  ExploreCounts counts;    // totals over every session so far
};

// Everything that decides which programs and schedules are explored: a checkpoint only
// resumes an exploration with the same configuration.
std::string exploration_config(const SpaceOptions& space, const ExploreOptions& o);

std::string checkpoint_text(const Checkpoint& c);
// Throws CheckpointError ("not a ctxcheck checkpoint: ...", or "checkpoint of another
// exploration (...)" when its config is not `config`), without the file name.
Checkpoint parse_checkpoint(std::string_view text, const std::string& config);

// nullopt when `path` does not exist; CheckpointError naming the file otherwise.
std::optional<Checkpoint> read_checkpoint(const std::string& path, const std::string& config);
void write_checkpoint(const std::string& path, const Checkpoint& c);

struct ResumedExploration {
  ExploreCounts session;   // counted by this session
  Checkpoint checkpoint;   // to write: resumes after what this session did
  bool complete = false;   // the space is explored to its end
};

// Explores `space` from `from` (nullopt: its start) until the end, an on_failure that
// returns false (the checkpoint then resumes after the failing program) or `max_programs`
// programs in this session (0: no limit; it resumes where it stopped). after_program gets
// the checkpoint as of now and the session's counts, e.g. to write it every few seconds.
// `time_left` (optional), asked after each program: false stops the session there, as a
// max_programs cut does (explore --time).
ResumedExploration explore_space_resumable(
    SpaceOptions space, const ExploreOptions& o, const std::optional<Checkpoint>& from, uint64_t max_programs,
    const std::function<bool(const Failure&, SpacePosition)>& on_failure,
    const std::function<void(const Checkpoint& now, const ExploreCounts& session)>& after_program,
    const std::function<bool()>& time_left = {});

}  // namespace ctxcheck::harness
