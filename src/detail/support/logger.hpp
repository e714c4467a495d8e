#pragma once

#include <buildable/log.hpp>
#include <memory>
#include <string_view>

namespace buildable::detail {

/// The client's diagnostic output: the user's LogHandler, or warnings and errors on stderr.
/// Copies share the handler, so a copy taken before calling it keeps it alive even if the
/// handler destroys the client that owns the original.
class Logger {
 public:
  explicit Logger(LogHandler handler);

  void log(LogLevel level, std::string_view line) const noexcept;

 private:
  std::shared_ptr<const LogHandler> handler_;
};

}  // namespace buildable::detail
