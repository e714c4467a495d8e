#include "detail/listen/error_reporter.hpp"

#include <string>
#include <utility>

#include "detail/protocol/response_parsing.hpp"

namespace buildable::detail {

ErrorReporter::ErrorReporter(ErrorHandler on_error, const Logger& logger, std::string secret)
    : on_error_(on_error ? std::make_shared<const ErrorHandler>(std::move(on_error)) : nullptr),
      logger_(logger),
      secret_(std::move(secret)) {}

std::string ErrorReporter::redact_secret(std::string text) const {
  return redact(std::move(text), secret_);
}

bool ErrorReporter::take_line(int& suppressed) const {
  std::lock_guard lock(mutex_);
  suppressed = 0;
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= kWindow) {
    suppressed = suppressed_;
    window_start_ = now;
    lines_in_window_ = 0;
    suppressed_ = 0;
  }
  if (lines_in_window_ >= kLinesPerWindow) {
    ++suppressed_;
    return false;
  }
  ++lines_in_window_;
  return true;
}

void ErrorReporter::deliver(ListenerError error) const noexcept {
  try {
    error.message = redact(std::move(error.message), secret_);
    // Local copies: the callback may destroy the client, and with it this object.
    if (const auto on_error = on_error_) {
      (*on_error)(error);
      return;
    }
    std::vector<std::pair<LogLevel, std::string>> lines;
    int suppressed = 0;
    const bool show = take_line(suppressed);
    if (suppressed > 0) {
      lines.emplace_back(LogLevel::warning,
                         std::to_string(suppressed) + " more listener errors were not shown");
    }
    if (show) {
      std::string line =
          std::string("listener ") + error.listener + ": " + to_string(error.kind) + " error";
      if (!error.message_key.empty()) line += " on message " + error.message_key;
      line += ": " + error.message;
      lines.emplace_back(LogLevel::error, std::move(line));
    }
    const Logger logger = logger_;
    for (const auto& [level, line] : lines)
      logger.log(level, line);
  } catch (...) {
    // Reporting must never fail the caller.
  }
}

}  // namespace buildable::detail
