// JSON answers of the emulator's routes (and of the HTTP core's own errors).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "http/exchange.hpp"

namespace buildable::emulator::detail {

/// `body` as compact JSON (invalid UTF-8 made valid, see to_json_text).
http::HttpAnswer json_answer(int status, const nlohmann::json& body);

/// The JSON error body of errors.hpp with `status`.
http::HttpAnswer error_answer(int status, const std::string& name, const std::string& message);

/// 503 `service-unavailable` with `Retry-After: 1`: the database failed, nothing was changed.
http::HttpAnswer store_unavailable(const std::string& why);

/// 405 with `Allow: <allowed>`.
http::HttpAnswer method_not_allowed(const http::HttpRequest& request, const char* allowed);

}  // namespace buildable::emulator::detail
