#include "harness/report/tree.h"

#include <algorithm>
#include <map>
#include <set>

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

// ---- DOT ----------------------------------------------------------------------------

namespace {

// Text inside a graphviz HTML-like label.
std::string html(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

// Long captions and states broken at spaces, so no line is wider than `width`.
std::vector<std::string> wrapped(std::string_view text, size_t width) {
  std::vector<std::string> lines(1);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    std::string_view word = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!lines.back().empty() && lines.back().size() + 1 + word.size() > width) lines.emplace_back();
    if (!lines.back().empty()) lines.back() += ' ';
    lines.back() += word;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return lines;
}

std::string html_lines(std::string_view text, size_t width) {
  std::string out;
  for (const std::string& l : wrapped(text, width)) out += (out.empty() ? "" : "<br/>") + html(l);
  return out;
}

struct Style {
  const char* what;
  const char* node;  // node attributes
};
constexpr const char* kOffending = "color=\"#d00000\", penwidth=3";
constexpr const char* kOnPath = "fillcolor=\"#ffe8a0\"";
constexpr const char* kCanceled = "fillcolor=\"#d9d9d9\", fontcolor=\"#404040\"";
constexpr const char* kPathEdge = "color=\"#e08000\", penwidth=2.5, fontcolor=\"#a05000\"";
constexpr const char* kDisagrees = "color=\"#d00000\", style=dashed, fontcolor=\"#d00000\", constraint=false";

// A node's box: its name, kind and state, one short line each.
std::string node_label(const TreeNode& n) {
  std::string state = n.canceled ? "canceled" : "active";
  std::string detail = n.canceled && n.state.size() > 10 ? n.state.substr(10) : "";
  std::string s = fmt::format("<b>{}</b><br/>{}<br/>{}", html(name_of(n)), html(n.kind), state);
  if (!detail.empty()) s += "<br/><font point-size=\"8\">" + html_lines(detail, 28) + "</font>";
  if (n.freed) s += "<br/><i>freed</i>";
  else if (n.finalized) s += "<br/><i>finalized</i>";
  return s;
}

bool on_parent_chain(const std::vector<TreeNode>& nodes, const TreeNode& n, uint32_t ancestor) {
  int64_t cur = n.parent;
  for (size_t i = 0; i <= nodes.size() && cur >= 0; ++i) {
    if (cur == static_cast<int64_t>(ancestor)) return true;
    const TreeNode* p = find(nodes, cur);
    cur = p ? p->parent : -1;
  }
  return false;
}

// Everything one picture draws, its nodes named `prefix` + "c" + id.
class DotPicture {
 public:
  DotPicture(const TreePicture& pic, std::string prefix) : pic_(pic), prefix_(std::move(prefix)) {
    for (const std::string& p : pic.paths) paths_.push_back({path_root(p), path_contexts(p, pic.nodes)});
  }
  std::string body() const {
    std::string out;
    for (const TreeNode& n : pic_.nodes) out += node_line(n);
    std::string roots;
    for (const TreeNode& n : pic_.nodes)
      if (n.parent < 0) roots += fmt::format(" {};", id(n.id));
    if (!roots.empty()) out += "  { rank=min;" + roots + " }\n";
    for (const TreeNode& n : pic_.nodes) out += edges_into(n);
    out += path_edges();
    return out;
  }

 private:
  std::string id(uint32_t c) const { return fmt::format("{}c{}", prefix_, c); }
  bool on_path(uint32_t c) const {
    for (const auto& [root, steps] : paths_)
      if (std::find(steps.begin(), steps.end(), c) != steps.end()) return true;
    return false;
  }

  std::string node_line(const TreeNode& n) const {
    std::string attrs = n.canceled ? kCanceled : "fillcolor=white";
    if (on_path(n.id)) attrs = kOnPath;
    if (n.highlight) attrs += fmt::format(", {}", kOffending);
    if (n.freed) attrs += ", style=\"rounded,filled,dashed\"";
    return fmt::format("  {} [label=<{}>, {}];\n", id(n.id), node_label(n), attrs);
  }

  // The tree edge into `n` (from the children map that holds it, else from its parent
  // link) and every edge that disagrees with it.
  std::string edges_into(const TreeNode& n) const {
    std::vector<uint32_t> holders;
    for (const TreeNode& h : pic_.nodes)
      if (std::find(h.children.begin(), h.children.end(), n.id) != h.children.end()) holders.push_back(h.id);
    bool parent_drawn = n.parent >= 0 && find(pic_.nodes, n.parent);
    bool cycle = parent_drawn && on_cycle(pic_.nodes, n.id);
    bool parent_holds = std::find(holders.begin(), holders.end(), n.parent) != holders.end();
    std::string out;
    for (uint32_t h : holders) {
      bool legit = !cycle && (h == n.parent || on_parent_chain(pic_.nodes, n, h));
      std::string attrs = n.canceled ? "color=\"#d00000\", penwidth=2.5, label=\"residue\", fontcolor=\"#d00000\""
                          : legit    ? "color=black, penwidth=1.5"
                                     : "color=\"#d00000\", penwidth=2, label=\"children map\", fontcolor=\"#d00000\"";
      // Past a valueCtx the map entry skips levels: the parent links lay the tree out.
      if (legit && h != n.parent && parent_drawn) attrs += ", constraint=false";
      out += fmt::format("  {} -> {} [{}];\n", id(h), id(n.id), attrs);
    }
    if (!parent_drawn || parent_holds) return out;
    bool disagrees = cycle || (!holders.empty() && !on_parent_chain(pic_.nodes, n, holders.front()));
    std::string attrs = cycle       ? "color=\"#d00000\", penwidth=2, label=\"parent (cycle)\", fontcolor=\"#d00000\""
                        : disagrees ? std::string(kDisagrees) + ", label=\"parent\""
                                    : "color=\"#909090\"";
    out += fmt::format("  {} -> {} [{}];\n", id(static_cast<uint32_t>(n.parent)), id(n.id), attrs);
    return out;
  }

  // The retention path: its root (a global, a goroutine's stack) as an ellipse and its
  // steps as thick orange edges beside the tree's own.
  std::string path_edges() const {
    std::set<std::string> drawn;  // several paths share their roots and steps
    auto edge = [&](const std::string& from, const std::string& to, const char* extra) {
      std::string line = fmt::format("  {} -> {} [{}{}];\n", from, to, kPathEdge, extra);
      return drawn.insert(line).second ? line : "";
    };
    std::string out;
    std::vector<std::string> roots;
    for (const auto& [root, steps] : paths_) {
      if (steps.empty()) continue;
      if (!root.empty()) {
        auto it = std::find(roots.begin(), roots.end(), root);
        std::string node = fmt::format("{}root{}", prefix_, it - roots.begin());
        if (it == roots.end()) {
          roots.push_back(root);
          out += fmt::format("  {} [shape=ellipse, style=filled, {}, label=\"{}\"];\n", node, kOnPath, root);
        }
        out += edge(node, id(steps.front()), "");
      }
      for (size_t i = 0; i + 1 < steps.size(); ++i) out += edge(id(steps[i]), id(steps[i + 1]), ", constraint=false");
    }
    return out;
  }

  const TreePicture& pic_;
  std::string prefix_;
  std::vector<std::pair<std::string, std::vector<uint32_t>>> paths_;  // root, contexts
};

std::string legend() {
  auto row = [](std::string_view sample, std::string_view meaning) {
    return fmt::format("<tr><td align=\"left\">{}</td><td align=\"left\">{}</td></tr>", sample, meaning);
  };
  std::string rows;
  rows += row("<font color=\"black\"><b>&#8212;&#8212;&gt;</b></font>", "in the parent's children map (the tree)");
  rows += row("<font color=\"#909090\">&#8212;&#8212;&gt;</font>", "parent link only (not registered: value, Background child, removed)");
  // The red edges as edges_into draws them: solid and labelled where the map or the link
  // itself is wrong, dashed where a parent link disagrees with the map that holds the child.
  rows += row("<font color=\"#d00000\"><b>&#8212;&#8212;&gt;</b></font>",
              "wrong, as labelled: residue (canceled, still in the map), a stale children map entry, a parent cycle");
  rows += row("<font color=\"#d00000\"><b>- - &gt;</b></font>", "a parent link that disagrees with the map holding the child (reparented)");
  rows += row("<font color=\"#e08000\"><b>&#8212;&#8212;&gt;</b></font>", "retention path (what keeps it reachable)");
  rows += row("<font color=\"#d00000\"><b>[ red box ]</b></font>", "the context the verdict is about");
  rows += row("<table border=\"0\" cellpadding=\"1\"><tr><td bgcolor=\"#d9d9d9\"> canceled </td>"
              "<td bgcolor=\"#ffe8a0\"> on the path </td></tr></table>",
              "fill: canceled; on the retention path; dashed box: freed");
  return "<table border=\"0\" cellspacing=\"0\" cellpadding=\"2\">" + rows + "</table>";
}

}  // namespace

std::vector<uint32_t> path_contexts(const std::string& path, const std::vector<TreeNode>& nodes) {
  std::vector<uint32_t> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find(' ', start);
    std::string word = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    for (const TreeNode& n : nodes)
      if (name_of(n) == word && (out.empty() || out.back() != n.id)) out.push_back(n.id);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

namespace {

bool same_tree(const std::vector<TreeNode>& a, const std::vector<TreeNode>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const TreeNode& x, const TreeNode& y) {
    return x.id == y.id && x.parent == y.parent && x.state == y.state && x.children == y.children &&
           x.freed == y.freed && x.finalized == y.finalized;
  });
}

// Adds a finding's picture, or folds it into the previous one when the tree is the same
// (findings found together at the end): one picture, each context and path marked.
void add_finding(std::vector<TreePicture>& out, const FindingReport& f) {
  TreePicture p{{fmt::format("finding {}: {}", name_of(f.id), f.message)}, f.tree, {}};
  if (!f.path.empty()) p.paths.push_back(f.path);
  // The context a finding is about is the first one its message names.
  std::vector<uint32_t> named = path_contexts(f.message, p.nodes);
  for (TreeNode& n : p.nodes) n.highlight = n.highlight || (!named.empty() && n.id == named.front());
  if (out.empty() || !same_tree(out.back().nodes, p.nodes)) {
    out.push_back(std::move(p));
    return;
  }
  TreePicture& prev = out.back();
  prev.titles.push_back(p.titles.front());
  prev.paths.insert(prev.paths.end(), p.paths.begin(), p.paths.end());
  for (size_t i = 0; i < p.nodes.size(); ++i) prev.nodes[i].highlight = prev.nodes[i].highlight || p.nodes[i].highlight;
}

}  // namespace

std::vector<TreePicture> pictures_of(const ExecResult& r) {
  std::vector<TreePicture> out;
  if (r.violation) {
    const ViolationReport& v = *r.violation;
    out.push_back({{fmt::format("violation {}: {}", name_of(v.id), v.message)}, v.tree, {}});
    if (!v.path.empty()) out.back().paths.push_back(v.path);
  }
  for (const FindingReport& f : r.findings) add_finding(out, f);
  if (out.empty()) out.push_back({{"pass"}, {}, {}});
  return out;
}

std::string path_root(const std::string& path) {
  size_t colon = path.find(':');
  size_t arrow = path.find("->");
  if (colon == std::string::npos || (arrow != std::string::npos && arrow < colon)) return "";
  return path.substr(0, colon);
}

std::string render_dot(const std::vector<TreePicture>& pictures, const std::string& caption) {
  std::string out = "digraph ctxcheck {\n";
  out += "  graph [rankdir=TB, ordering=out, nodesep=0.3, ranksep=0.5, fontname=\"monospace\", labelloc=b, labeljust=l];\n";
  out += "  node [shape=box, style=\"rounded,filled\", fontname=\"monospace\", fontsize=10, margin=\"0.12,0.06\"];\n";
  out += "  edge [arrowsize=0.7, fontname=\"monospace\", fontsize=9];\n";
  std::string caption_rows;
  for (const std::string& l : wrapped(caption, 100)) caption_rows += "<tr><td align=\"left\"><b>" + html(l) + "</b></td></tr>";
  if (pictures.size() == 1)
    for (const std::string& t : pictures.front().titles)
      caption_rows += "<tr><td align=\"left\">" + html_lines(t, 100) + "</td></tr>";
  out += fmt::format("  label=<<table border=\"0\" cellspacing=\"4\">{}<tr><td align=\"left\">{}</td></tr></table>>;\n",
                     caption_rows, legend());
  if (pictures.size() == 1) return out + DotPicture(pictures.front(), "").body() + "}\n";
  for (size_t i = 0; i < pictures.size(); ++i) {
    std::string prefix = fmt::format("p{}", i + 1);
    std::string title;
    for (const std::string& t : pictures[i].titles) title += (title.empty() ? "" : "<br/>") + html_lines(t, 80);
    out += fmt::format("  subgraph cluster_{} {{\n  label=<{}>; labelloc=t; color=\"#b0b0b0\";\n", prefix, title);
    out += DotPicture(pictures[i], prefix).body() + "  }\n";
  }
  return out + "}\n";
}

}  // namespace ctxcheck::harness
