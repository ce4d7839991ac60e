#include "model/faults/faults.h"

namespace ctxcheck::model {

std::optional<Fault> fault_by_name(std::string_view name) {
  for (size_t i = 0; i < kNumFaults; ++i)
    if (kFaults[i].name == name) return static_cast<Fault>(i);
  return std::nullopt;
}

std::vector<Fault> all_faults() {
  std::vector<Fault> out;
  for (size_t i = 0; i < kNumFaults; ++i) out.push_back(static_cast<Fault>(i));
  return out;
}

std::string FaultSet::to_string() const {
  std::string s;
  for (size_t i = 0; i < kNumFaults; ++i) {
    if (!bits_.test(i)) continue;
    if (!s.empty()) s += ",";
    s += kFaults[i].name;
  }
  return s;
}

std::optional<FaultSet> FaultSet::parse(std::string_view list, std::string* error) {
  FaultSet s;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && item != "none") {
      auto f = fault_by_name(item);
      if (!f) {
        if (error) *error = std::string(item);
        return std::nullopt;
      }
      s = s.with(*f);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return s;
}

}  // namespace ctxcheck::model
