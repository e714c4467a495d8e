// Logging through spdlog: the SDK's diagnostic lines (ClientOptions::logger) and its
// listening-path errors (ClientOptions::on_error) routed into a service's own spdlog logger.
// A handler throws for one message, so the run shows a `handler` error arriving in spdlog.
// Built when spdlog is installed (Debian: libspdlog-dev).
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <buildable/buildable.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "example_backend.hpp"

namespace {

spdlog::level::level_enum to_spdlog(buildable::LogLevel level) {
  switch (level) {
    case buildable::LogLevel::debug:
      return spdlog::level::debug;
    case buildable::LogLevel::info:
      return spdlog::level::info;
    case buildable::LogLevel::warning:
      return spdlog::level::warn;
    case buildable::LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::err;
}

// The adapter: both callbacks run on SDK threads, and spdlog's _mt loggers are thread-safe.
void log_to(buildable::ClientOptions& options, std::shared_ptr<spdlog::logger> logger) {
  options.logger = [logger](buildable::LogLevel level, std::string_view line) {
    logger->log(to_spdlog(level), "{}", line);
  };
  options.on_error = [logger](const buildable::ListenerError& e) {
    logger->warn("listener {}: {} error on message {}: {}", e.listener,
                 buildable::to_string(e.kind), e.message_key, e.message);
  };
}

}  // namespace

int main() {
  auto logger = spdlog::stdout_logger_mt("buildable");
  logger->set_level(spdlog::level::debug);

  examples::Backend backend;
  buildable::ClientOptions options = backend.options();
  options.poll_interval = std::chrono::milliseconds(100);
  log_to(options, logger);
  // Also keep a note for this example's own exit status (a real service would not need it).
  std::promise<void> reported;
  std::once_flag once;
  options.on_error = [forward = options.on_error, &reported,
                      &once](const buildable::ListenerError& e) {
    forward(e);
    if (e.kind == buildable::ListenerError::Kind::handler) {
      std::call_once(once, [&] { reported.set_value(); });
    }
  };

  buildable::Client client(options);
  client.on("invoice.paid", [](const buildable::Message& message) -> nlohmann::json {
    if (message.payload.value("amount", 0) < 0) throw std::runtime_error("negative amount");
    return {{"charged", message.payload["amount"]}};
  });
  client.emit("invoice.paid", {{"amount", -5}});

  const bool seen =
      reported.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  client.close();
  if (!seen) {
    logger->error("the handler error was not reported within 30 s");
    return 1;
  }
  logger->info("the failed transaction was reported through spdlog");
  return 0;
}
