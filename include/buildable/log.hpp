#pragma once
/// @file log.hpp
/// The logging hook: route the SDK's diagnostics into your own logger.

#include <buildable/export.hpp>
#include <functional>
#include <string_view>

namespace buildable {

/// Severity of a diagnostic line.
enum class LogLevel { debug, info, warning, error };

/// Receives each diagnostic line at or above ClientOptions::log_level, never with an SDK lock
/// held and never on the client's I/O thread:
/// - Lines about the caller's own call come on the calling thread: the `debug` line of each
///   attempt of a blocking emit(), and the `info` lines of on(), off(), off_all() and
///   close(). Such a line may run concurrently with lines on other threads.
/// - All others (listener errors, the `debug` lines of asynchronous requests: emit_async(),
///   polls, claims, records) come where listener errors are delivered: the handler pool, one
///   line or report at a time, or the thread running close() for the last ones. At most 4,096
///   such lines wait; past that they are dropped and a `warning` line says how many.
///
/// It may call the client's members as on_error may (see Client's "Callbacks" section); a
/// call that runs close() sees nested calls for the lines close() delivers. It must be
/// thread-safe when several clients share it. Lines never contain the secret or a proxy's
/// user name and password, and server text in them is escaped.
using LogHandler = std::function<void(LogLevel level, std::string_view line)>;

/// Name of a level, e.g. "warning".
BUILDABLE_EXPORT const char* to_string(LogLevel level) noexcept;

}  // namespace buildable
