// The JSON error body of every non-2xx answer:
// {"status":"error","name":"<kebab-case>","message":"<human text>","code":<status>}.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace buildable::emulator::detail {

nlohmann::json error_body(int code, const std::string& name, const std::string& message);

/// Thrown by request handling to answer with an error.
class RequestError : public std::runtime_error {
 public:
  RequestError(int status, std::string name, const std::string& message)
      : std::runtime_error(message), status_(status), name_(std::move(name)) {}
  int status() const { return status_; }
  const std::string& name() const { return name_; }
  nlohmann::json body() const { return error_body(status_, name_, what()); }

 private:
  int status_;
  std::string name_;
};

/// Default name of an error status, e.g. 413 -> "payload-too-large".
std::string error_name(int status);

}  // namespace buildable::emulator::detail
