// A neutral picture of a context tree, built from the model by the executor and rendered
// by the reports (ASCII for text, DOT for graphviz). Keeping it plain data keeps the flow
// one-way: model -> snapshot -> invariants/report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ctxcheck::harness {

struct TreeNode {
  uint32_t id = 0;               // stable context id (creation order)
  int64_t parent = -1;           // id of the embedded parent Context, -1 for roots
  std::string kind;              // "cancelCtx", "timerCtx", "valueCtx", ...
  std::string handle;            // program handle naming it ("h3"), may be empty
  std::string state;             // "active", "canceled: context canceled (cause ...)"
  bool canceled = false;         // Err() != nil
  std::vector<uint32_t> children;  // ids registered in its children map, map order
  bool highlight = false;        // involved in the violation
  bool finalized = false;
  bool freed = false;
};

// Renders parent links as an indented tree. Children-map entries are shown next to each
// node; entries that are not parent-linked to it (residue, wrong identity) are flagged.
// Nodes on a parent cycle are drawn once, with the cycle spelled out.
std::string render_ascii_tree(const std::vector<TreeNode>& nodes);

// Graphviz DOT: solid edges child -> parent, dashed edges parent -> registered child.
std::string render_dot(const std::vector<TreeNode>& nodes, const std::string& title);

}  // namespace ctxcheck::harness
