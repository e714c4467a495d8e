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

/// Selects listeners for Client::off(ListenerFilter). A listener is selected when every
/// non-empty field equals the corresponding Subscription field exactly; empty fields match
/// anything, so a default-constructed filter selects every listener.
struct ListenerFilter {
  /// Event name as passed to Client::on(). Empty: any event.
  std::string event;
  /// The listener's effective txKey (Subscription::tx_key()), so kDefaultTxKey selects the
  /// listeners registered without one. Empty: any txKey.
  std::string tx_key;
  /// Platform as given in ListenOptions::platform. Empty: any; a listener registered for any
  /// platform is therefore only selected by an empty field.
  std::string platform;
  /// Label as given in ListenOptions::label. Empty: any; a listener registered for any label
  /// is therefore only selected by an empty field.
  std::string label;
};

}  // namespace buildable
