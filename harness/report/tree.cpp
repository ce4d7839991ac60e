#include "harness/report/tree.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace ctxcheck::harness {

namespace {

const TreeNode* find(const std::vector<TreeNode>& nodes, int64_t id) {
  for (const auto& n : nodes)
    if (static_cast<int64_t>(n.id) == id) return &n;
  return nullptr;
}

// The node's name in every picture: the program's handle, else the model name.
std::string name_of(const TreeNode& n) {
  if (!n.name.empty()) return n.name;
  return n.handle.empty() ? fmt::format("ctx{}", n.id) : n.handle;
}
std::string name_of(const std::vector<TreeNode>& nodes, int64_t id) {
  const TreeNode* n = find(nodes, id);
  return n ? name_of(*n) : fmt::format("ctx{}", id);
}

std::string node_line(const TreeNode& n) {
  std::string s = fmt::format("{} {}", name_of(n), n.kind);
  s += fmt::format(" [{}]", n.state);
  if (n.freed) s += " freed";
  else if (n.finalized) s += " finalized";
  if (n.highlight) s += "  <==";
  return s;
}

// Does following parent links from `id` come back to `id`? (bounded by node count)
bool on_cycle(const std::vector<TreeNode>& nodes, uint32_t id) {
  int64_t cur = id;
  for (size_t i = 0; i <= nodes.size(); ++i) {
    const TreeNode* n = find(nodes, cur);
    if (!n || n->parent < 0) return false;
    cur = n->parent;
    if (cur == static_cast<int64_t>(id)) return true;
  }
  return false;
}

}  // namespace

std::string render_ascii_tree(const std::vector<TreeNode>& nodes) {
  std::map<int64_t, std::vector<uint32_t>> kids;  // ordered by id: deterministic
  for (const auto& n : nodes) kids[n.parent].push_back(n.id);
  std::string out;
  std::vector<uint8_t> drawn(nodes.empty() ? 0 : nodes.back().id + 1, 0);
  auto mark = [&](uint32_t id) {
    if (id >= drawn.size()) drawn.resize(id + 1, 0);
    drawn[id] = 1;
  };
  auto draw = [&](auto&& self, uint32_t id, const std::string& prefix, bool last, bool top) -> void {
    const TreeNode* n = find(nodes, id);
    if (!n) return;
    mark(id);
    out += top ? "" : prefix + (last ? "`-- " : "|-- ");
    out += node_line(*n) + "\n";
    std::string child_prefix = top ? "" : prefix + (last ? "    " : "|   ");
    const auto& reg = n->children;
    if (!reg.empty()) {
      std::string entries;
      for (uint32_t c : reg) {
        const TreeNode* cn = find(nodes, c);
        bool canceled = cn && cn->canceled;
        entries += fmt::format(" {}{}", name_of(nodes, c), canceled ? "(canceled!)" : "");
      }
      out += child_prefix + "   children map:" + entries + "\n";
    }
    auto it = kids.find(id);
    if (it == kids.end()) return;
    const auto& ks = it->second;
    for (size_t i = 0; i < ks.size(); ++i) {
      if (ks[i] < drawn.size() && drawn[ks[i]]) continue;
      self(self, ks[i], child_prefix, i + 1 == ks.size(), false);
    }
  };
  for (const auto& n : nodes) {
    bool root = n.parent < 0 || find(nodes, n.parent) == nullptr;
    if (root) draw(draw, n.id, "", true, true);
  }
  // Whatever is left hangs off a parent cycle: spell each cycle out once.
  for (const auto& n : nodes) {
    if (n.id < drawn.size() && drawn[n.id]) continue;
    if (!on_cycle(nodes, n.id)) continue;
    std::string cyc = name_of(n);
    int64_t cur = n.parent;
    for (size_t i = 0; i <= nodes.size() && cur != static_cast<int64_t>(n.id); ++i) {
      cyc += fmt::format(" -> {}", name_of(nodes, cur));
      mark(static_cast<uint32_t>(cur));
      const TreeNode* p = find(nodes, cur);
      cur = p ? p->parent : -1;
    }
    out += fmt::format("parent cycle: {} -> {}\n", cyc, name_of(n));
    draw(draw, n.id, "", true, true);
  }
  return out;
}

std::string render_dot(const std::vector<TreeNode>& nodes, const std::string& title) {
  std::string out = "digraph ctxcheck {\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n";
  out += fmt::format("  label=\"{}\";\n", title);
  for (const auto& n : nodes) {
    std::string label = fmt::format("{} {}\\n{}", name_of(n), n.kind, n.state);
    std::string style = n.highlight ? ", color=red, penwidth=2" : "";
    if (n.canceled) style += ", style=filled, fillcolor=\"#eeeeee\"";
    out += fmt::format("  c{} [label=\"{}\"{}];\n", n.id, label, style);
  }
  for (const auto& n : nodes) {
    if (n.parent >= 0) out += fmt::format("  c{} -> c{} [label=\"parent\"];\n", n.id, n.parent);
    for (uint32_t c : n.children)
      out += fmt::format("  c{} -> c{} [style=dashed, label=\"children\"];\n", n.id, c);
  }
  out += "}\n";
  return out;
}

}  // namespace ctxcheck::harness
