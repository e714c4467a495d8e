#include "detail/support/json_depth.hpp"

#include <array>
#include <utility>
#include <vector>

namespace buildable::detail {

namespace {

/// The nodes still to visit: the first kInline in place, more on the heap. The order of
/// visits does not matter, so a payload of a few dozen arrays and objects allocates nothing.
class PendingNodes {
 public:
  using Entry = std::pair<const nlohmann::json*, std::size_t>;  // node and its depth

  bool empty() const { return in_place_ == 0 && spilled_.empty(); }
  void push(const nlohmann::json* node, std::size_t depth) {
    if (in_place_ < kInline) {
      first_[in_place_++] = {node, depth};
    } else {
      spilled_.emplace_back(node, depth);
    }
  }
  Entry pop() {
    if (!spilled_.empty()) {
      const Entry entry = spilled_.back();
      spilled_.pop_back();
      return entry;
    }
    return first_[--in_place_];
  }

 private:
  static constexpr std::size_t kInline = 32;
  std::array<Entry, kInline> first_{};
  std::size_t in_place_ = 0;
  std::vector<Entry> spilled_;
};

}  // namespace

namespace {

/// The walk of nests_deeper_than() and find_defect(); discarded values count only when asked.
JsonDefect walk(const nlohmann::json& value, std::size_t max_depth, bool refuse_discarded) {
  if (refuse_discarded && value.is_discarded()) return JsonDefect::discarded;
  if (!value.is_structured()) return JsonDefect::none;
  if (max_depth == 0) return JsonDefect::too_deep;
  // Over the arrays and objects only, with an explicit list: no recursion.
  PendingNodes pending;
  pending.push(&value, 1);
  while (!pending.empty()) {
    const auto [node, depth] = pending.pop();
    for (const nlohmann::json& child : *node) {  // an object yields its values
      if (refuse_discarded && child.is_discarded()) return JsonDefect::discarded;
      if (!child.is_structured()) continue;
      if (depth + 1 > max_depth) return JsonDefect::too_deep;
      pending.push(&child, depth + 1);
    }
  }
  return JsonDefect::none;
}

}  // namespace

bool nests_deeper_than(const nlohmann::json& value, std::size_t max_depth) {
  return walk(value, max_depth, /*refuse_discarded=*/false) == JsonDefect::too_deep;
}

JsonDefect find_defect(const nlohmann::json& value, std::size_t max_depth) {
  return walk(value, max_depth, /*refuse_discarded=*/true);
}

}  // namespace buildable::detail
