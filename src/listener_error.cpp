#include <buildable/listener_error.hpp>

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

}  // namespace buildable
