#include "harness/explore/checkpoint.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

namespace {

nlohmann::json counts_json(const ExploreCounts& c) {
  return {{"programs", c.programs},     {"executions", c.executions},   {"distinct_states", c.distinct_states},
          {"pruned", c.pruned},         {"violations", c.violations},   {"findings", c.findings},
          {"incomplete", c.incomplete}, {"nondeterminism", c.nondeterminism}};
}

ExploreCounts counts_from(const nlohmann::json& j) {
  ExploreCounts c;
  c.programs = j.at("programs");
  c.executions = j.at("executions");
  c.distinct_states = j.at("distinct_states");
  c.pruned = j.at("pruned");
  c.violations = j.at("violations");
  c.findings = j.at("findings");
  c.incomplete = j.at("incomplete");
  c.nondeterminism = j.at("nondeterminism");
  return c;
}

}  // namespace

std::string exploration_config(const SpaceOptions& sp, const ExploreOptions& o) {
  return fmt::format("ops {}..{} alphabet {} scripts {} shard {}/{} strategy {} bound {} cache {} executions {} "
                     "seed {} depth {} faults [{}] max-steps {}",
                     sp.min_ops, sp.max_ops, alphabet_to_string(sp.alphabet), sp.alphabet.max_scripts, sp.shard,
                     sp.shards, o.strategy, o.bound, o.state_caching, o.executions, o.seed,
                     o.pct_depth, o.exec.faults.to_string(), o.exec.limits.max_steps);
}

std::string checkpoint_text(const Checkpoint& c) {
  nlohmann::json j = {{"version", 1},          {"config", c.config}, {"next_ops", c.next.ops},
                      {"next_index", c.next.index}, {"done", c.done},     {"counts", counts_json(c.counts)}};
  return j.dump(2) + "\n";
}

Checkpoint parse_checkpoint(std::string_view text, const std::string& config) {
  Checkpoint c;
  try {
    auto j = nlohmann::json::parse(text);
    c.config = j.at("config").get<std::string>();
    if (c.config != config) {
      throw CheckpointError(
          fmt::format("checkpoint of another exploration ({}); remove it or use the same flags", c.config));
    }
    c.next = {j.at("next_ops"), j.at("next_index")};
    c.counts = counts_from(j.at("counts"));
    c.done = j.value("done", false);
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {
    throw CheckpointError(fmt::format("not a ctxcheck checkpoint: {}", e.what()));
  }
  return c;
}

std::optional<Checkpoint> read_checkpoint(const std::string& path, const std::string& config) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::exception& e) {
    throw CheckpointError(fmt::format("{}: not a ctxcheck checkpoint: {}", path, e.what()));
  }
  try {
    return parse_checkpoint(text, config);
  } catch (const CheckpointError& e) {
    throw CheckpointError(fmt::format("{}: {}", path, e.what()));
  }
}

void write_checkpoint(const std::string& path, const Checkpoint& c) { write_file_atomically(path, checkpoint_text(c)); }

ResumedExploration explore_space_resumable(
    SpaceOptions space, const ExploreOptions& o, const std::optional<Checkpoint>& from, uint64_t max_programs,
    const std::function<bool(const Failure&, SpacePosition)>& on_failure,
    const std::function<void(const Checkpoint& now, const ExploreCounts& session)>& after_program,
    const std::function<bool()>& time_left) {
  ResumedExploration out;
  Checkpoint& now = out.checkpoint;
  now.config = exploration_config(space, o);
  ExploreCounts base = from ? from->counts : ExploreCounts{};
  if (from) space.start = from->next;
  now.next = space.start;
  bool stopped_early = false, out_of_time = false;
  auto at = [&](SpacePosition next, const ExploreCounts& session) {
    now.next = next;
    now.counts = base;
    now.counts += session;
  };
  out.session = explore_space(
      space, o,
      [&](const Failure& f, SpacePosition pos) {
        bool go_on = on_failure(f, pos);
        if (!go_on) {
          stopped_early = true;
          now.next = {pos.ops, pos.index + 1};  // explore_space stops before after_program
        }
        return go_on;
      },
      [&](SpacePosition next, const ExploreCounts& session) {
        at(next, session);
        after_program(now, session);
        if (time_left && !time_left()) out_of_time = true;
        return !out_of_time && (max_programs == 0 || session.programs < max_programs);
      });
  out.complete = !stopped_early && !out_of_time && (max_programs == 0 || out.session.programs < max_programs);
  // A stop at a violation resumes after the failing program; a max_programs cut resumes
  // where it stopped.
  at(out.complete ? SpacePosition{space.max_ops + 1, 0} : now.next, out.session);
  now.done = out.complete;
  return out;
}

}  // namespace ctxcheck::harness
