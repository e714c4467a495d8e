#pragma once
/// @file log.hpp
/// The logging hook: route the SDK's diagnostics into your own logger.

#include <functional>
#include <string_view>

namespace buildable {

/// Severity of a diagnostic line.
enum class LogLevel { debug, info, warning, error };

/// Receives each diagnostic line. A client calls it where it delivers listener errors (its
/// handler pool, or the thread running close() for the last ones), one line at a time (a
/// call that runs close() sees nested calls for the lines close() delivers) and never with
/// an SDK lock held, so it may call the client's members as on_error may (see Client's
/// "Callbacks" section); it must still be thread-safe when several clients share it. Lines
/// never contain the secret.
using LogHandler = std::function<void(LogLevel level, std::string_view line)>;

/// Name of a level, e.g. "warning".
const char* to_string(LogLevel level) noexcept;

}  // namespace buildable
