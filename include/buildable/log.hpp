#pragma once
/// @file log.hpp
/// The logging hook: route the SDK's diagnostics into your own logger.

#include <functional>
#include <string_view>

namespace buildable {

/// Severity of a diagnostic line.
enum class LogLevel { debug, info, warning, error };

/// Receives each diagnostic line. Called from SDK threads; must be thread-safe and must not
/// call back into the Client. Lines never contain the secret.
using LogHandler = std::function<void(LogLevel level, std::string_view line)>;

/// Name of a level, e.g. "warning".
const char* to_string(LogLevel level) noexcept;

}  // namespace buildable
