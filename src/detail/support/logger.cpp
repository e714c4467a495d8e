#include "detail/support/logger.hpp"

#include <cstdio>
#include <string>
#include <utility>

namespace buildable::detail {

Logger::Logger(LogHandler handler) : handler_(std::move(handler)) {}

void Logger::log(LogLevel level, std::string_view line) const noexcept {
  try {
    if (handler_) {
      handler_(level, line);
    } else if (level >= LogLevel::warning) {
      const std::string text =
          std::string("[buildable] ") + to_string(level) + ": " + std::string(line) + "\n";
      std::fputs(text.c_str(), stderr);
    }
  } catch (...) {
    // A throwing log handler must not take the client down.
  }
}

}  // namespace buildable::detail
