#include "detail/listen/error_reporter.hpp"

#include <string>
#include <utility>

#include "detail/protocol/message_parsing.hpp"
#include "detail/support/safe_text.hpp"

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
    // Keys come from validated rows; should one still be unsafe (or carry the secret), it is
    // replaced as a whole, never edited piecemeal.
    if (!error.message_key.empty() && key_problem(error.message_key, secret_) != nullptr) {
      error.message_key = kWithheldKey;
    }
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
      // One line whatever the texts hold: server text is escaped, and the secret redacted
      // from the whole (the listener identity is the caller's, but may quote it too).
      std::string line = std::string("listener ") + escape_text(error.listener) + ": " +
                         to_string(error.kind) + " error";
      if (!error.message_key.empty()) line += " on message " + escape_text(error.message_key);
      line += ": " + escape_text(error.message);
      lines.emplace_back(LogLevel::error, redact(std::move(line), secret_));
    }
    const Logger logger = logger_;
    for (const auto& [level, line] : lines)
      logger.log(level, line);
  } catch (...) {
    // Reporting must never fail the caller.
  }
}

}  // namespace buildable::detail
