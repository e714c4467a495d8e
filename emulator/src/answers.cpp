#include "answers.hpp"

#include "errors.hpp"
#include "json_text.hpp"

namespace buildable::emulator::detail {

http::HttpAnswer json_answer(int status, const nlohmann::json& body) {
  http::HttpAnswer answer;
  answer.status = status;
  answer.body = to_json_text(body);
  return answer;
}

http::HttpAnswer error_answer(int status, const std::string& name, const std::string& message) {
  return json_answer(status, error_body(status, name, message));
}

http::HttpAnswer store_unavailable(const std::string& why) {
  http::HttpAnswer answer = error_answer(503, "service-unavailable", "the database failed: " + why);
  answer.headers.emplace_back("Retry-After", "1");
  return answer;
}

http::HttpAnswer method_not_allowed(const http::HttpRequest& request, const char* allowed) {
  http::HttpAnswer answer =
      error_answer(405, "method-not-allowed",
                   request.method + " " + request.path + ": use " + std::string(allowed));
  answer.headers.emplace_back("Allow", allowed);
  return answer;
}

}  // namespace buildable::emulator::detail
