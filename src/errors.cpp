#include <curl/curl.h>

#include <buildable/errors.hpp>
#include <string>
#include <utility>

namespace buildable {
namespace {

std::string describe_http(int status, const std::string& name, const std::string& message) {
  std::string text = "Buildable answered HTTP " + std::to_string(status);
  if (!name.empty()) text += " (" + name + ")";
  if (!message.empty()) text += ": " + message;
  return text;
}

std::string describe_transport(int curl_code, const std::string& detail) {
  std::string text = "request to Buildable failed: ";
  text += curl_easy_strerror(static_cast<CURLcode>(curl_code));
  if (!detail.empty()) text += " (" + detail + ")";
  return text;
}

}  // namespace

HttpError::HttpError(int status, std::string name, std::string server_message)
    : Error(describe_http(status, name, server_message)),
      status_(status),
      name_(std::move(name)),
      server_message_(std::move(server_message)) {}

TransportError::TransportError(int curl_code, std::string detail, bool maybe_sent)
    : Error(describe_transport(curl_code, detail)),
      curl_code_(curl_code),
      maybe_sent_(maybe_sent) {}

bool TransportError::timed_out() const noexcept {
  return curl_code_ == CURLE_OPERATION_TIMEDOUT;
}

ClosedError::ClosedError() : Error("the buildable::Client is closed") {}

}  // namespace buildable
