// The end of `run` and `explore`: what the failure sink kept (a line per file, with how
// many cases came to it), and the --json summary they print instead of the text one.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/program/generate.h"
#include "harness/sink/failure_sink.h"

namespace ctxcheck::harness {

// "  out/lost-cancel-....trace: finding lost-cancel, 7127 cases" per file, "" for none.
std::string kept_files_text(const FailureSink& sink);
// [{"path", "verdict", "cases", "new"}] per file.
nlohmann::json kept_files_json(const FailureSink& sink);
// Counts keyed "residue" (violations) and "finding:lost-cancel" (findings), split into
// {"violations": {...}, "findings": {...}}.
nlohmann::json counts_by_id_json(const std::map<std::string, uint64_t>& by_id);
// {"schedule": N, ...}: decisions per choice kind (zeros too).
nlohmann::json choices_json(const GenerationCounts& counts);
// The choice kinds' names, in table order (for flags that take one).
std::vector<std::string> choice_kind_names();

}  // namespace ctxcheck::harness
