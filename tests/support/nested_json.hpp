// Deeply nested JSON values for depth-limit tests, built without recursion (a recursive build,
// like nlohmann's own dump or copy, would overflow the stack at 200,000 levels).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>

namespace buildable::testing {

/// `{"a":{"a":...{}}}` with `levels` objects.
inline nlohmann::json nested_objects(std::size_t levels) {
  nlohmann::json root = nlohmann::json::object();
  nlohmann::json* current = &root;
  for (std::size_t i = 1; i < levels; ++i)
    current = &((*current)["a"] = nlohmann::json::object());
  return root;
}

/// `[[...[]]]` with `levels` arrays.
inline nlohmann::json nested_arrays(std::size_t levels) {
  nlohmann::json root = nlohmann::json::array();
  nlohmann::json* current = &root;
  for (std::size_t i = 1; i < levels; ++i) {
    current->push_back(nlohmann::json::array());
    current = &current->back();
  }
  return root;
}

}  // namespace buildable::testing
