#include "harness/report/json.h"

#include <fmt/format.h>

namespace ctxcheck::harness {

namespace {
nlohmann::json point_json(const ProgramPoint& p) {
  nlohmann::json j = {{"script", p.script}, {"op", p.op >= 0 ? p.op + 1 : p.op}, {"step", p.step}};
  if (p.goroutine != rt::kNoGo) j["goroutine"] = p.goroutine;
  return j;
}

// A retention path node by node: {"root": "global 2", "nodes": [{"edge", "name", "type", "context"}]}.
nlohmann::json to_json(const FindingPath& path) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const PathNode& n : path.nodes) {
    nlohmann::json j = {{"edge", n.edge}, {"name", n.name}, {"type", n.type}};
    if (n.context >= 0) j["context"] = n.context;
    nodes.push_back(std::move(j));
  }
  return {{"root", path.root}, {"nodes", std::move(nodes)}};
}
}  // namespace

nlohmann::json to_json(const std::vector<TreeNode>& tree) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& n : tree) {
    nlohmann::json j = {{"id", n.id},         {"kind", n.kind},     {"state", n.state},
                        {"canceled", n.canceled}, {"children", n.children}};
    if (n.parent >= 0) j["parent"] = n.parent;
    if (!n.handle.empty()) j["handle"] = n.handle;
    if (n.highlight) j["highlight"] = true;
    if (n.finalized) j["finalized"] = true;
    if (n.freed) j["freed"] = true;
    arr.push_back(std::move(j));
  }
  return arr;
}

nlohmann::json to_json(const ExecResult& r) {
  nlohmann::json j;
  j["verdict"] = verdict_name(r.verdict);
  j["id"] = std::string(r.expect().id());
  j["outcome"] = rt::outcome_name(r.outcome);
  if (!r.outcome_message.empty()) j["outcome_message"] = r.outcome_message;
  j["trace_hash"] = fmt::format("{:016x}", r.trace_hash);
  if (r.violation) {
    const auto& v = *r.violation;
    j["violation"] = {{"invariant", name_of(v.id)}, {"message", v.message}, {"at", point_json(v.at)},
                      {"tree", to_json(v.tree)}};
    if (!v.path.empty()) j["violation"]["path"] = v.path;
  }
  nlohmann::json fs = nlohmann::json::array();
  for (const auto& f : r.findings) {
    nlohmann::json fj = {{"finding", name_of(f.id)}, {"message", f.message}, {"at", point_json(f.at)}};
    if (!f.path.empty()) fj["path"] = f.path;
    if (!f.detail.path.empty()) fj["retention"] = to_json(f.detail.path);
    if (!f.detail.contexts.empty()) fj["contexts"] = f.detail.contexts;
    if (f.id == Finding::RetainedByParent)
      fj["retained"] = {{"contexts", f.detail.retained}, {"bytes", f.detail.retained_bytes}};
    fs.push_back(std::move(fj));
  }
  j["findings"] = std::move(fs);
  nlohmann::json obs = nlohmann::json::array();
  for (const auto& o : r.observations)
    obs.push_back({{"script", o.script}, {"op", o.op + 1}, {"what", o.what}, {"value", o.value}});
  j["observations"] = std::move(obs);
  std::vector<uint32_t> sched;
  sched.reserve(r.decisions.size());
  for (const auto& d : r.decisions) sched.push_back(d.chosen);
  j["schedule"] = sched;
  j["stats"] = {{"steps", r.stats.steps},           {"decisions", r.stats.decisions},
                {"goroutines", r.stats.goroutines}, {"max_live", r.stats.max_live},
                {"gc_cycles", r.stats.gc_cycles},   {"contexts", r.stats.contexts},
                {"peak_heap", r.stats.peak_heap},   {"virtual_ns", r.stats.virtual_ns}};
  if (!r.gc_cycles.empty()) j["gctrace"] = r.gc_trace();
  return j;
}

}  // namespace ctxcheck::harness
