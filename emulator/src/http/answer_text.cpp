#include "answer_text.hpp"

#include <string_view>

namespace buildable::emulator::detail::http {

namespace {

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value.substr(0, value.find_first_of("\r\n")));
  out.append("\r\n");
}

}  // namespace

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string answer_text(const HttpAnswer& answer, bool close) {
  std::string out;
  out.reserve(answer.body.size() + 256);
  out.append("HTTP/1.1 ");
  out.append(std::to_string(answer.status));
  out.push_back(' ');
  out.append(reason_phrase(answer.status));
  out.append("\r\n");
  append_header(out, "Content-Type", answer.content_type);
  append_header(out, "Content-Length", std::to_string(answer.body.size()));
  if (close) append_header(out, "Connection", "close");
  for (const auto& [name, value] : answer.headers)
    append_header(out, name, value);
  out.append("\r\n");
  out.append(answer.body);
  return out;
}

}  // namespace buildable::emulator::detail::http
