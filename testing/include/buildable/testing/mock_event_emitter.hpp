#pragma once
/// @file mock_event_emitter.hpp
/// buildable::testing::MockEventEmitter: a gMock mock of buildable::EventEmitter, for unit
/// tests of code that publishes events (the `testing` component; needs GoogleTest's gMock).

#include <gmock/gmock.h>

#include <buildable/event_emitter.hpp>
#include <future>
#include <nlohmann/json.hpp>
#include <string_view>

namespace buildable::testing {

/// Stands in for a Client in code that takes a buildable::EventEmitter&. Set expectations on
/// emit() and emit_async() as with any gMock mock; typed payloads reach the mock converted to
/// nlohmann::json, exactly as Client converts them.
class MockEventEmitter : public EventEmitter {
 public:
  using EventEmitter::emit;
  using EventEmitter::emit_async;

  MOCK_METHOD(EmitResult, emit, (std::string_view event, const nlohmann::json& payload),
              (override));
  MOCK_METHOD(std::future<EmitResult>, emit_async,
              (std::string_view event, const nlohmann::json& payload), (override));
};

/// A future already holding `result`: what a mocked emit_async() usually returns.
inline std::future<EmitResult> ready_emit(EmitResult result) {
  std::promise<EmitResult> promise;
  promise.set_value(std::move(result));
  return promise.get_future();
}

}  // namespace buildable::testing
