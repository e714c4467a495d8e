#include "detail/support/json_depth.hpp"

#include <utility>
#include <vector>

namespace buildable::detail {

bool nests_deeper_than(const nlohmann::json& value, std::size_t max_depth) {
  if (!value.is_structured()) return false;
  if (max_depth == 0) return true;
  // Depth-first over the arrays and objects only, with an explicit stack: no recursion.
  std::vector<std::pair<const nlohmann::json*, std::size_t>> pending{{&value, 1}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    for (const nlohmann::json& child : *node) {  // an object yields its values
      if (!child.is_structured()) continue;
      if (depth + 1 > max_depth) return true;
      pending.emplace_back(&child, depth + 1);
    }
  }
  return false;
}

}  // namespace buildable::detail
