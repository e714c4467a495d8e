#pragma once
/// @file subscription.hpp

#include <buildable/export.hpp>
#include <buildable/listener_status.hpp>
#include <cstdint>
#include <memory>
#include <string>

namespace buildable {

class Client;
namespace detail {
class ClientImpl;
class ListenerHealth;
class ListenerRegistry;
}  // namespace detail

/// A copyable handle to one registered listener. Dropping it does not unsubscribe; pass it to
/// Client::off(), or hold a ScopedSubscription.
///
/// @par Thread Safety
/// A plain value: its const members may be called from several threads at once, and copies
/// may be used and passed to Client::off() on any thread. Assigning to a handle while another
/// thread reads it is a data race, as for any value type.
class BUILDABLE_EXPORT Subscription {
 public:
  /// An empty handle (id() is 0, converts to false) that refers to no listener.
  Subscription() = default;
  /// A handle with these fields. Client::on() creates them; the client identifies a
  /// listener by `id` alone, so a hand-made handle refers to whatever listener of that client
  /// has this id.
  Subscription(std::uint64_t id, std::string platform, std::string label, std::string event,
               std::string tx_key);

  /// Unique per client; 0 for a default-constructed handle.
  std::uint64_t id() const noexcept { return id_; }
  /// The source platform from ListenOptions::platform; empty means any platform.
  const std::string& platform() const noexcept { return platform_; }
  /// The source label from ListenOptions::label; empty means any label.
  const std::string& label() const noexcept { return label_; }
  /// The event name the listener was registered for.
  const std::string& event() const noexcept { return event_; }
  /// The effective txKey: ListenOptions::tx_key, or kDefaultTxKey when that was empty.
  const std::string& tx_key() const noexcept { return tx_key_; }
  /// `platform.label.event<sep>txKey` as the Node SDK spells it; the separator is `$$$` or the
  /// BLD_LISTENER_SEPARATOR environment variable; an empty platform or label shows as `*`.
  std::string identity() const;

  /// The listener's health now: active, failing (with the error that ended its latest poll
  /// or claims) or removed. Works on any copy, from any thread, even after the client is
  /// gone; a handle not returned by Client::on() reports State::removed.
  ListenerStatus status() const;

  /// True for a handle returned by Client::on() (id() != 0). Says nothing about whether the
  /// listener is still registered; status() and Client::subscriptions() do.
  explicit operator bool() const noexcept { return id_ != 0; }
  /// Equal when the ids are equal; the other fields are not compared. Ids are unique only per
  /// client, so handles of different clients may compare equal.
  friend bool operator==(const Subscription& a, const Subscription& b) noexcept {
    return a.id_ == b.id_;
  }
  /// Negation of operator==.
  friend bool operator!=(const Subscription& a, const Subscription& b) noexcept {
    return !(a == b);
  }

 private:
  friend class detail::ListenerRegistry;

  std::uint64_t id_ = 0;
  std::string platform_;
  std::string label_;
  std::string event_;
  std::string tx_key_;
  std::shared_ptr<const detail::ListenerHealth> health_;
};

/// Removes its listener when destroyed (unless released). Safe to outlive the Client: it
/// then does nothing. Movable, not copyable.
///
/// @par Thread Safety
/// Not synchronised, like std::unique_ptr: one ScopedSubscription must not be used from
/// several threads at once. The removal itself goes through Client::off(), so it may run
/// while other threads use the client, and it waits for a running handler of the listener
/// as Client::off() does (not when it runs inside that handler).
class BUILDABLE_EXPORT ScopedSubscription {
 public:
  /// Owns nothing; destroying it does nothing.
  ScopedSubscription() = default;
  /// Takes charge of removing `subscription` from `client`. Keeps only a weak reference to
  /// the client, so it neither keeps the client alive nor stops it from closing; it follows
  /// the client's state if the Client object is moved.
  ScopedSubscription(Client& client, Subscription subscription);
  /// Takes over `other`'s listener; `other` is left empty (get() converts to false) and
  /// removes nothing.
  ScopedSubscription(ScopedSubscription&& other) noexcept;
  /// Removes the listener this object owns (as reset() does), then takes over `other`'s;
  /// `other` is left empty. Self-assignment does nothing.
  ScopedSubscription& operator=(ScopedSubscription&& other) noexcept;
  ScopedSubscription(const ScopedSubscription&) = delete;
  ScopedSubscription& operator=(const ScopedSubscription&) = delete;
  /// Calls reset().
  ~ScopedSubscription();

  /// The owned handle; empty (converts to false) after release(), reset() or default
  /// construction.
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
