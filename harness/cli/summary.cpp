#include "harness/cli/summary.h"

#include <fmt/format.h>

namespace ctxcheck::harness {

std::string kept_files_text(const FailureSink& sink) {
  std::string out;
  for (const auto& [stem, k] : sink.kept())
    if (!k.path.empty())
      out += fmt::format("  {}: {}, {} case{}{}\n", k.path, k.verdict.to_string(), k.count, k.count == 1 ? "" : "s",
                         k.written ? "" : " (file was there already)");
  return out;
}

nlohmann::json kept_files_json(const FailureSink& sink) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& [stem, k] : sink.kept())
    if (!k.path.empty())
      files.push_back({{"path", k.path}, {"verdict", k.verdict.to_string()}, {"cases", k.count}, {"new", k.written}});
  return files;
}

nlohmann::json counts_by_id_json(const std::map<std::string, uint64_t>& by_id) {
  constexpr std::string_view kFinding = "finding:";
  nlohmann::json j = {{"violations", nlohmann::json::object()}, {"findings", nlohmann::json::object()}};
  for (const auto& [id, n] : by_id) {
    if (id.starts_with(kFinding)) j["findings"][id.substr(kFinding.size())] = n;
    else j["violations"][id] = n;
  }
  return j;
}

nlohmann::json choices_json(const GenerationCounts& counts) {
  nlohmann::json choices = nlohmann::json::object();
  for (size_t k = 0; k < counts.choices.size(); ++k)
    choices[std::string(rt::choice_kind_name(static_cast<rt::ChoiceKind>(k)))] = counts.choices[k];
  return choices;
}

std::vector<std::string> choice_kind_names() {
  std::vector<std::string> names;
  for (size_t k = 0; k < kNumChoiceKinds; ++k) names.emplace_back(rt::choice_kind_name(static_cast<rt::ChoiceKind>(k)));
  return names;
}

}  // namespace ctxcheck::harness
