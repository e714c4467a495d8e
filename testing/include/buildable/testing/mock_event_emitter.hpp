#pragma once
/// @file mock_event_emitter.hpp
/// buildable::testing::MockEventEmitter: a gMock mock of buildable::EventEmitter, for unit
/// tests of code that publishes events (the `testing` component; needs GoogleTest's gMock).

#include <gmock/gmock.h>

#include <buildable/event_emitter.hpp>
#include <future>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <vector>

namespace buildable::testing {

/// Stands in for a Client in code that takes a buildable::EventEmitter&. Set expectations on
/// emit(), emit_async(), emit_batch() and emit_batch_async() as with any gMock mock; typed
/// payloads reach the mock converted to nlohmann::json, exactly as Client converts them.
class MockEventEmitter : public EventEmitter {
 public:
  using EventEmitter::emit;
  using EventEmitter::emit_async;

  /// Mock of EventEmitter::emit(): `EXPECT_CALL(mock, emit(event, payload))`.
  MOCK_METHOD(EmitResult, emit, (std::string_view event, const nlohmann::json& payload),
              (override));
  /// Mock of EventEmitter::emit_async(); return ready_emit(result) for a ready future.
  MOCK_METHOD(std::future<EmitResult>, emit_async,
              (std::string_view event, const nlohmann::json& payload), (override));
  /// Mock of EventEmitter::emit_batch(): `EXPECT_CALL(mock, emit_batch(events))`.
  MOCK_METHOD(std::vector<EmitOutcome>, emit_batch, (const std::vector<OutgoingEvent>& events),
              (override));
  /// Mock of EventEmitter::emit_batch_async(); return ready_emit_batch(outcomes).
  MOCK_METHOD(std::future<std::vector<EmitOutcome>>, emit_batch_async,
              (const std::vector<OutgoingEvent>& events), (override));
};

/// A future already holding `result`: what a mocked emit_async() usually returns.
inline std::future<EmitResult> ready_emit(EmitResult result) {
  std::promise<EmitResult> promise;
  promise.set_value(std::move(result));
  return promise.get_future();
}

/// A future already holding `outcomes`: what a mocked emit_batch_async() usually returns.
inline std::future<std::vector<EmitOutcome>> ready_emit_batch(std::vector<EmitOutcome> outcomes) {
  std::promise<std::vector<EmitOutcome>> promise;
  promise.set_value(std::move(outcomes));
  return promise.get_future();
}

}  // namespace buildable::testing
