#pragma once

#include <buildable/log.hpp>
#include <string_view>

namespace buildable::detail {

/// The client's diagnostic output: the user's LogHandler, or warnings and errors on stderr.
class Logger {
 public:
  explicit Logger(LogHandler handler);

  void log(LogLevel level, std::string_view line) const noexcept;

 private:
  LogHandler handler_;
};

}  // namespace buildable::detail
