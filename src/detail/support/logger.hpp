#pragma once

#include <buildable/log.hpp>
#include <memory>
#include <string_view>

namespace buildable::detail {

/// The client's diagnostic output: the user's LogHandler, or stderr, for lines at or above the
/// client's ClientOptions::log_level.
/// Copies share the handler, so a copy taken before calling it keeps it alive even if the
/// handler destroys the client that owns the original.
class Logger {
 public:
  explicit Logger(LogHandler handler, LogLevel threshold = LogLevel::warning);

  /// Whether lines of `level` are shown (check before formatting an expensive one).
  bool enabled(LogLevel level) const noexcept { return level >= threshold_; }
  void log(LogLevel level, std::string_view line) const noexcept;

 private:
  std::shared_ptr<const LogHandler> handler_;
  LogLevel threshold_;
};

}  // namespace buildable::detail
