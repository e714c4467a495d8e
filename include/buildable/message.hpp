#pragma once
/// @file message.hpp

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace buildable {

/// One message as a handler sees it. `payload`, `headers` and `query` are parsed JSON whether
/// the service sent them as JSON-encoded strings (as Buildable does) or as plain JSON; a
/// missing one is an empty object.
struct Message {
  /// Message key (32 lowercase hex characters).
  std::string key;
  /// Plain event name, e.g. `user.created`.
  std::string event;
  /// The emitted payload.
  nlohmann::json payload = nlohmann::json::object();
  /// HTTP headers of a message that came in through a third-party connection (webhook).
  nlohmann::json headers = nlohmann::json::object();
  /// Query string of a message that came in through a third-party connection.
  nlohmann::json query = nlohmann::json::object();
  /// When the service stored the message.
  std::chrono::system_clock::time_point created_at{};
  /// `test` or `live`.
  std::string environment;
  /// Source platform (`custom` for emitted messages); empty when the service did not say.
  std::string platform;
  /// Source label (the secret key's name for emitted messages); empty when not given.
  std::string label;
  /// The transaction key this message was claimed with.
  std::string tx_key;
  /// The row exactly as the service returned it.
  nlohmann::json raw;
};

}  // namespace buildable
