#pragma once
/// @file listen_options.hpp

#include <chrono>
#include <optional>
#include <string>

namespace buildable {

/// Transaction key used when ListenOptions::tx_key is empty. Every process listening with
/// the same txKey shares one stream: each message is handled once among them.
inline constexpr const char* kDefaultTxKey = "default";

/// Settings of one listener.
struct ListenOptions {
  /// Source platform to listen to, e.g. `custom` (emitted messages) or `stripe`. Empty: any.
  std::string platform;
  /// Source label: the secret key's name for `custom`, the connection name otherwise.
  /// Empty: any.
  std::string label;
  /// Transaction key. Empty: kDefaultTxKey.
  std::string tx_key;
  /// Only messages created at or after this instant are handled. Unset: the moment on() is
  /// called, so only new messages are handled. Set it in the past to replay history.
  std::optional<std::chrono::system_clock::time_point> since;
  /// Handler calls of this listener that may run at once. 1 (default) runs them one at a
  /// time in message order; higher values trade order for throughput.
  int max_concurrency = 1;
};

/// Selects listeners for Client::off(ListenerFilter). Empty fields match anything.
struct ListenerFilter {
  std::string event;
  std::string tx_key;
  std::string platform;
  std::string label;
};

}  // namespace buildable
