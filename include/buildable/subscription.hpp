#pragma once
/// @file subscription.hpp

#include <cstdint>
#include <memory>
#include <string>

namespace buildable {

class Client;
namespace detail {
class ClientImpl;
}

/// A copyable handle to one registered listener. Dropping it does not unsubscribe; pass it to
/// Client::off(), or hold a ScopedSubscription.
class Subscription {
 public:
  Subscription() = default;
  Subscription(std::uint64_t id, std::string platform, std::string label, std::string event,
               std::string tx_key);

  /// Unique per client; 0 for a default-constructed handle.
  std::uint64_t id() const noexcept { return id_; }
  const std::string& platform() const noexcept { return platform_; }
  const std::string& label() const noexcept { return label_; }
  const std::string& event() const noexcept { return event_; }
  const std::string& tx_key() const noexcept { return tx_key_; }
  /// `platform.label.event<sep>txKey` as the Node SDK spells it; the separator is `$$$` or the
  /// BLD_LISTENER_SEPARATOR environment variable; an empty platform or label shows as `*`.
  std::string identity() const;

  explicit operator bool() const noexcept { return id_ != 0; }
  friend bool operator==(const Subscription& a, const Subscription& b) noexcept {
    return a.id_ == b.id_;
  }
  friend bool operator!=(const Subscription& a, const Subscription& b) noexcept {
    return !(a == b);
  }

 private:
  std::uint64_t id_ = 0;
  std::string platform_;
  std::string label_;
  std::string event_;
  std::string tx_key_;
};

/// Removes its listener when destroyed (unless released). Safe to outlive the Client: it
/// then does nothing. Movable, not copyable.
class ScopedSubscription {
 public:
  ScopedSubscription() = default;
  ScopedSubscription(Client& client, Subscription subscription);
  ScopedSubscription(ScopedSubscription&& other) noexcept = default;
  ScopedSubscription& operator=(ScopedSubscription&& other) noexcept;
  ScopedSubscription(const ScopedSubscription&) = delete;
  ScopedSubscription& operator=(const ScopedSubscription&) = delete;
  ~ScopedSubscription();

  const Subscription& get() const noexcept { return subscription_; }
  /// Gives up ownership: the listener stays registered.
  Subscription release() noexcept;
  /// Removes the listener now (same promise as Client::off).
  void reset();

 private:
  std::weak_ptr<detail::ClientImpl> client_;
  Subscription subscription_;
};

}  // namespace buildable
