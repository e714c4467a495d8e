#include "errors.hpp"

namespace buildable::emulator::detail {

nlohmann::json error_body(int code, const std::string& name, const std::string& message) {
  return {{"status", "error"}, {"name", name}, {"message", message}, {"code", code}};
}

std::string error_name(int status) {
  switch (status) {
    case 400:
      return "bad-request";
    case 401:
      return "invalid-secret";
    case 404:
      return "not-found";
    case 405:
      return "method-not-allowed";
    case 409:
      return "conflict";
    case 413:
      return "payload-too-large";
    case 415:
      return "unsupported-media-type";
    case 429:
      return "rate-limited";
    case 500:
      return "internal-error";
    case 503:
      return "service-unavailable";
    default:
      return status >= 500 ? "server-error" : "client-error";
  }
}

}  // namespace buildable::emulator::detail
