#include <buildable/stranded.hpp>

namespace buildable {

const char* to_string(Resolution::State state) noexcept {
  switch (state) {
    case Resolution::State::finished:
      return "finished";
    case Resolution::State::failed:
      return "failed";
  }
  return "unknown";
}

const char* to_string(ResolveResult::Status status) noexcept {
  switch (status) {
    case ResolveResult::Status::recorded:
      return "recorded";
    case ResolveResult::Status::already_ended:
      return "already_ended";
    case ResolveResult::Status::error:
      return "error";
  }
  return "unknown";
}

}  // namespace buildable
