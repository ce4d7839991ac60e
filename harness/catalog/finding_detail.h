// What a finding carries beyond its message, as plain data for reports and pictures: the
// retention path (what keeps the context alive, node by node), the contexts it is about,
// where in the program it is (when that is not where the reporting goroutine stands: a
// parked goroutine's wait), and, for retained-by-parent, how much one parent retains.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ctxcheck::harness {

// One object on a retention path and the edge that led to it ("" for the root's object).
struct PathNode {
  std::string edge;       // "children[]", "Context", "local", ...
  std::string name;       // "h3" or a model name ("ctx7"); a heap name for other objects
  std::string type;       // "cancelCtx", "goroutine", "closure", ...
  int64_t context = -1;   // the context's id (TreeNode::id) when the object is a context
};

struct FindingPath {
  std::string root;             // "global 2", "goroutine 1", "timer 3"; empty: no path
  std::vector<PathNode> nodes;  // the root's object first, the retained object last
  bool empty() const { return root.empty(); }
  // "global 2: h2 (cancelCtx) -children[]-> h3 (timerCtx)"; other objects by heap name
  std::string text() const {
    if (root.empty()) return {};
    std::string s = root;
    for (const PathNode& n : nodes) {
      s += n.edge.empty() ? ": " : " -" + n.edge + "-> ";
      s += n.context >= 0 ? n.name + " (" + n.type + ")" : n.name;
    }
    return s;
  }
};

struct FindingDetail {
  FindingPath path;
  std::vector<uint32_t> contexts;  // the contexts it is about (context ids), for highlighting
  // Where the finding is when it is not the reporting goroutine's current op: (script, op).
  std::optional<std::pair<int32_t, int32_t>> at_op;
  std::optional<uint32_t> goroutine;  // the goroutine it is about, when not the reporter
  uint32_t retained = 0;              // retained-by-parent: contexts one parent retains
  uint64_t retained_bytes = 0;        // and their bytes (context objects only)
  bool done_at_end = false;           // lost-cancel: its context got done later (its parent's cancel)
};

}  // namespace ctxcheck::harness
