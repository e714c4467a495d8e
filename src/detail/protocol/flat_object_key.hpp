#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace buildable::detail {

/// The fast path of reading an /emit answer: the string value of the top-level member "key"
/// of a flat JSON object (members that are ASCII strings without escapes, numbers, true,
/// false or null), the last one when it repeats; "" when the object has no such member or its
/// value is not a string. Returns nullopt for anything outside that form (nested values,
/// escapes, non-ASCII, malformed text): the caller then uses the full parser, which also
/// explains what is wrong. Allocates only the returned key.
std::optional<std::string> flat_object_key(std::string_view body);

}  // namespace buildable::detail
