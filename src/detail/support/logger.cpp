#include "detail/support/logger.hpp"

#include <cstdio>
#include <string>
#include <utility>

namespace buildable::detail {

Logger::Logger(LogHandler handler, LogLevel threshold)
    : handler_(handler ? std::make_shared<const LogHandler>(std::move(handler)) : nullptr),
      threshold_(threshold) {}

void Logger::log(LogLevel level, std::string_view line) const noexcept {
  if (!enabled(level)) return;
  try {
    if (const auto handler = handler_) {  // held: the handler may destroy this Logger's owner
      (*handler)(level, line);
    } else {
      const std::string text =
          std::string("[buildable] ") + to_string(level) + ": " + std::string(line) + "\n";
      std::fputs(text.c_str(), stderr);
    }
  } catch (...) {
    // A throwing log handler must not take the client down.
  }
}

}  // namespace buildable::detail
