#include "message_output.hpp"

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace buildable::cli {

nlohmann::ordered_json message_json(const Message& message) {
  const auto created_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(message.created_at.time_since_epoch())
          .count();
  nlohmann::ordered_json line;
  line["key"] = message.key;
  line["event"] = message.event;
  line["payload"] = message.payload;
  line["headers"] = message.headers;
  line["query"] = message.query;
  line["createdAt"] = static_cast<std::int64_t>(created_at_ms);
  line["platform"] = message.platform;
  line["label"] = message.label;
  line["environment"] = message.environment;
  return line;
}

std::string message_json_line(const Message& message) {
  // Replace invalid UTF-8 rather than throwing: one odd message must not stop the listener.
  return message_json(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace buildable::cli
