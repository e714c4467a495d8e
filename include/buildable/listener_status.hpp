#pragma once
/// @file listener_status.hpp
/// The health of one listener, as Subscription::status() reports it.

#include <buildable/export.hpp>
#include <buildable/listener_error.hpp>
#include <optional>

namespace buildable {

/// A snapshot of one listener's health, for a readiness probe or a dashboard.
struct ListenerStatus {
  /// Where the listener stands.
  enum class State {
    active,   ///< registered, and its latest poll and claims succeeded (or none ran yet)
    failing,  ///< registered, and its latest poll or claims failed: it is backing off
    removed,  ///< removed by Client::off() or close(), or a handle not made by Client::on()
  };
  /// Where the listener stands now.
  State state = State::removed;
  /// Polls or claimed pages in a row that failed; 0 once one succeeds.
  int consecutive_failures = 0;
  /// The error that ended the latest failed poll or claim; kept after the listener
  /// recovers or is removed, so a program can show what last went wrong.
  std::optional<ListenerError> last_error;
};

/// Name of a state, e.g. "failing".
BUILDABLE_EXPORT const char* to_string(ListenerStatus::State state) noexcept;

}  // namespace buildable
