#pragma once
/// @file event_emitter.hpp
/// buildable::EventEmitter: the part of a client that code publishing events depends on, so
/// that code can be unit-tested without a server.

#include <buildable/emit_batch.hpp>
#include <buildable/emit_result.hpp>
#include <buildable/export.hpp>
#include <future>
#include <nlohmann/json.hpp>
#include <string_view>
#include <type_traits>
#include <vector>

namespace buildable {

/// Publishing events: emit(), emit_async(), emit_batch() and emit_batch_async(). Client
/// implements it; take an `EventEmitter&` in code that only publishes, and give it a Client in
/// production and a test double in unit tests (buildable::testing::MockEventEmitter, installed
/// with the `testing` component, or a fake of your own). See Client::emit(),
/// Client::emit_async(), Client::emit_batch() and Client::emit_batch_async() for the contract.
class BUILDABLE_EXPORT EventEmitter {
 public:
  virtual ~EventEmitter();

  /// Publishes `payload` as event `event`; see Client::emit().
  virtual EmitResult emit(std::string_view event, const nlohmann::json& payload) = 0;
  /// Publishes asynchronously; see Client::emit_async().
  virtual std::future<EmitResult> emit_async(std::string_view event,
                                             const nlohmann::json& payload) = 0;
  /// Publishes many events at once, one outcome per event in order; see Client::emit_batch().
  virtual std::vector<EmitOutcome> emit_batch(const std::vector<OutgoingEvent>& events) = 0;
  /// emit_batch() that returns once every event is queued; see Client::emit_batch_async().
  virtual std::future<std::vector<EmitOutcome>> emit_batch_async(
      const std::vector<OutgoingEvent>& events) = 0;

  /// emit() for any type nlohmann::json converts from (a struct with `to_json`, a map, ...).
  template <class T,
            class = std::enable_if_t<!std::is_convertible_v<const T&, const nlohmann::json&>>>
  EmitResult emit(std::string_view event, const T& payload) {
    return emit(event, nlohmann::json(payload));
  }
  /// emit_async() for any type nlohmann::json converts from.
  template <class T,
            class = std::enable_if_t<!std::is_convertible_v<const T&, const nlohmann::json&>>>
  std::future<EmitResult> emit_async(std::string_view event, const T& payload) {
    return emit_async(event, nlohmann::json(payload));
  }

 protected:
  /// For implementations only: an EventEmitter is never made, copied or moved on its own.
  EventEmitter() = default;
  /// Lets an implementation be copyable (a test fake); Client is move-only.
  EventEmitter(const EventEmitter&) = default;
  /// Lets an implementation be movable (Client is).
  EventEmitter(EventEmitter&&) = default;
  /// Lets an implementation be copy-assignable.
  EventEmitter& operator=(const EventEmitter&) = default;
  /// Lets an implementation be move-assignable.
  EventEmitter& operator=(EventEmitter&&) = default;
};

}  // namespace buildable
