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

// One tree to draw: what it shows (a line per verdict drawn on it), the contexts
// (TreeNode::highlight marks what the verdicts are about), and the retention paths as a
// report prints them ("global 2: h2 (cancelCtx) -children[]-> h3 (cancelCtx)").
struct TreePicture {
  std::vector<std::string> titles;
  std::vector<TreeNode> nodes;
  std::vector<std::string> paths;
};

// The contexts a retention path passes through, in its order (names as reports print
// them). The one place a path becomes a picture: a richer path format plugs in here.
std::vector<uint32_t> path_contexts(const std::string& path, const std::vector<TreeNode>& nodes);
// A picture for the violation, and for the findings (the tree when each was found;
// ExecOptions::record_pictures; findings on the same tree share one picture), else one
// empty "pass" picture.
std::vector<TreePicture> pictures_of(const ExecResult& r);
// What holds the path's first context ("global 2"), "" when the path starts at a context.
std::string path_root(const std::string& path);

// Graphviz DOT, top down from the roots: an edge from each context's children map to what
// it holds (the tree), a gray parent link where no map holds a context, and in red what
// disagrees (residue, a map entry its parent link does not explain, a parent cycle). The
// retention path is orange, the context a verdict names has a red box; the caption is the
// verdict text and a legend. Several pictures: one box (cluster) each.
std::string render_dot(const std::vector<TreePicture>& pictures, const std::string& caption);

}  // namespace ctxcheck::harness
