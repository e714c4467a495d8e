#pragma once

#include <buildable/listener_error.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "detail/support/logger.hpp"

namespace buildable::detail {

/// Hands one listening-path error to ClientOptions::on_error, redacted of the secret, never
/// letting an exception escape: the message redacted, a message key that is not safe to show
/// (see key_problem()) replaced by kWithheldKey. Without a user callback, errors become log
/// lines, at most kLinesPerWindow per window, with a count of the ones suppressed; each line's
/// texts are escaped (escape_text()) so that none can break or forge a line. The CallbackPool calls
/// it one report at a time; no lock is held while user code runs, and once user code has been
/// called nothing of this object is touched again (the callback may destroy the client).
class ErrorReporter {
 public:
  ErrorReporter(ErrorHandler on_error, const Logger& logger, std::string secret);

  /// What ListenerError::message_key holds instead of a key that is not safe to show.
  static constexpr const char* kWithheldKey = "<withheld>";

  void deliver(ListenerError error) const noexcept;
  /// `text` with the client's secret redacted (see redact()).
  std::string redact_secret(std::string text) const;

 private:
  static constexpr int kLinesPerWindow = 5;
  static constexpr std::chrono::seconds kWindow{10};

  std::shared_ptr<const ErrorHandler> on_error_;
  Logger logger_;  // a copy sharing the client's handler
  std::string secret_;
  /// Whether a line may be logged now; `suppressed` receives the count to announce first.
  bool take_line(int& suppressed) const;

  mutable std::mutex mutex_;  // guards the rate limit only
  mutable std::chrono::steady_clock::time_point window_start_{};
  mutable int lines_in_window_ = 0;
  mutable int suppressed_ = 0;
};

}  // namespace buildable::detail
