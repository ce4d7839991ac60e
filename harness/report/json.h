// JSON form of an execution result (nlohmann-json), for tools and for `replay --json`.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/executor/result.h"

namespace ctxcheck::harness {

nlohmann::json to_json(const ExecResult& r);
nlohmann::json to_json(const std::vector<TreeNode>& tree);

}  // namespace ctxcheck::harness
