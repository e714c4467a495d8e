// The `listen --since` value: now | all | <epoch milliseconds> | <ISO-8601 UTC time>.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace buildable::cli {

/// Parses a --since value. `now` gives nullopt (the SDK's default: the moment of on()), `all`
/// the Unix epoch (every stored message), digits epoch milliseconds, and an ISO-8601 UTC time
/// `YYYY-MM-DD[THH:MM[:SS[.fraction]]Z]` (`+00:00` also accepted for `Z`; a date alone means
/// midnight UTC). Throws UsageError for anything else, including other time zones.
std::optional<std::chrono::system_clock::time_point> parse_since(const std::string& value);

}  // namespace buildable::cli
