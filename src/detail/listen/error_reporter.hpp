#pragma once

#include <buildable/listener_error.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "detail/support/logger.hpp"

namespace buildable::detail {

/// Delivers listening-path errors to ClientOptions::on_error, one at a time, never letting an
/// exception escape. Without a user callback, errors become log lines, at most
/// kLinesPerWindow per window, with a count of the ones suppressed.
class ErrorReporter {
 public:
  ErrorReporter(ErrorHandler on_error, const Logger& logger, std::string secret);

  void report(ListenerError error) noexcept;
  /// `text` with every occurrence of the client's secret replaced by "<redacted>".
  std::string redact_secret(std::string text) const;

 private:
  static constexpr int kLinesPerWindow = 5;
  static constexpr std::chrono::seconds kWindow{10};

  ErrorHandler on_error_;
  const Logger& logger_;
  std::string secret_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point window_start_{};
  int lines_in_window_ = 0;
  int suppressed_ = 0;
};

}  // namespace buildable::detail
