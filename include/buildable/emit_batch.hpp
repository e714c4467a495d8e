#pragma once
/// @file emit_batch.hpp
/// The events and outcomes of Client::emit_batch() and Client::emit_batch_async().

#include <buildable/emit_result.hpp>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace buildable {

/// One event of a batch: what emit(event, payload) would publish.
struct OutgoingEvent {
  /// The event name, with the same rules as emit()'s.
  std::string event;
  /// The payload: a JSON object, nested at most as deep as emit() allows.
  nlohmann::json payload;
};

/// What became of one event of a batch: its result, or the exception emit() would have
/// thrown for it (InvalidArgument, QueueFullError, HttpError, TransportError, ProtocolError,
/// ClosedError). Exactly one of the two is set.
struct EmitOutcome {
  /// Set when the event was published.
  std::optional<EmitResult> result;
  /// Set when it was not.
  std::exception_ptr error;

  /// True when the event was published.
  bool ok() const noexcept { return result.has_value(); }
  /// The result; rethrows `error` when the event was not published.
  const EmitResult& value() const {
    if (result) return *result;
    if (error) std::rethrow_exception(error);
    throw std::logic_error("buildable::EmitOutcome: neither a result nor an error");
  }
};

}  // namespace buildable
