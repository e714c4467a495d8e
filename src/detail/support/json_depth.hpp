#pragma once
// How deeply a JSON value nests, checked without recursion, and the bound on values the SDK
// sends.

#include <cstddef>
#include <nlohmann/json.hpp>

#include "detail/protocol/message_parsing.hpp"

namespace buildable::detail {

/// Deepest nesting of arrays and objects allowed in a value the SDK puts into a request body
/// (an emitted payload, a handler's result), the value itself being level 1 (`{}` is 1,
/// `{"a":[]}` is 2). The body wraps the value in one object, so the whole body stays within
/// kMaxJsonDepth: the bound the SDK applies to JSON it reads, and the emulator to the bodies
/// it accepts. Deeper values are refused before anything is serialised or copied: nlohmann's
/// dump() and copies recurse once per level and would overflow the stack.
inline constexpr std::size_t kMaxSentJsonDepth = kMaxJsonDepth - 1;
static_assert(kMaxSentJsonDepth == 511,
              "the limit is documented as 511 in client.hpp, handler.hpp, README.md and "
              "tools/README.md: update them with it");

/// Whether arrays and objects nest in `value` more than `max_depth` levels (a scalar is 0,
/// `{}` and `[]` are 1). Iterative, so a value of any depth is safe to check; it returns as
/// soon as a level beyond `max_depth` is found.
bool nests_deeper_than(const nlohmann::json& value, std::size_t max_depth);

/// What keeps a value from being sent as JSON, found in one iterative pass: nesting deeper than
/// `max_depth` (as nests_deeper_than()), or a discarded value anywhere (nlohmann's mark of a
/// failed parse, which dump() writes as `<discarded>`, not JSON).
enum class JsonDefect { none, too_deep, discarded };
JsonDefect find_defect(const nlohmann::json& value, std::size_t max_depth);

}  // namespace buildable::detail
