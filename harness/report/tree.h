// Renders the executor's picture of a context tree (TreeNode, plain data in
// harness/executor/result.h): ASCII for text reports, DOT for graphviz. The flow is one-way:
// model -> snapshot (executor) -> report.
#pragma once

#include <string>
#include <vector>

#include "harness/executor/result.h"

namespace ctxcheck::harness {

// Renders parent links as an indented tree. Children-map entries are shown next to each
// node; entries that are not parent-linked to it (residue, wrong identity) are flagged.
// Nodes on a parent cycle are drawn once, with the cycle spelled out.
std::string render_ascii_tree(const std::vector<TreeNode>& nodes);

// Graphviz DOT: solid edges child -> parent, dashed edges parent -> registered child.
std::string render_dot(const std::vector<TreeNode>& nodes, const std::string& title);

}  // namespace ctxcheck::harness
