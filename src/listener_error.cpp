#include <buildable/listener_error.hpp>
#include <buildable/listener_status.hpp>

namespace buildable {

const char* to_string(ListenerError::Kind kind) noexcept {
  switch (kind) {
    case ListenerError::Kind::poll:
      return "poll";
    case ListenerError::Kind::claim:
      return "claim";
    case ListenerError::Kind::claim_ambiguous:
      return "claim_ambiguous";
    case ListenerError::Kind::handler:
      return "handler";
    case ListenerError::Kind::record:
      return "record";
    case ListenerError::Kind::abandoned:
      return "abandoned";
  }
  return "unknown";
}

const char* to_string(ListenerStatus::State state) noexcept {
  switch (state) {
    case ListenerStatus::State::active:
      return "active";
    case ListenerStatus::State::failing:
      return "failing";
    case ListenerStatus::State::removed:
      return "removed";
  }
  return "unknown";
}

}  // namespace buildable
