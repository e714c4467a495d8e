// Splitting a request target into path and decoded query parameters.
#pragma once

#include <string>
#include <string_view>

#include "exchange.hpp"

namespace buildable::emulator::detail::http {

/// `%XX` sequences decoded, and `+` as a space when `plus_is_space` (query strings). Malformed
/// escapes are kept as they are. The result may be any bytes (not necessarily UTF-8).
std::string percent_decode(std::string_view text, bool plus_is_space);

/// Sets `request.path` and `request.query` from `request.target` (`a=1&b=x%20y`; a name
/// without `=` gets an empty value).
void split_target(HttpRequest& request);

}  // namespace buildable::emulator::detail::http
