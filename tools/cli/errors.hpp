// The tool's own exceptions: each maps to one exit code (see exit_codes.hpp).
#pragma once

#include <stdexcept>

namespace buildable::cli {

/// A bad command line: unknown flag, missing or malformed value, invalid payload. Exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// No usable configuration: missing secret, unusable base URL. Exit 3.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// True for the HTTP statuses that say the secret key was refused (401, 403; from the service
/// or a gateway in front of it): exit 4 at once unless --retry-auth.
inline bool refuses_secret_key(int http_status) {
  return http_status == 401 || http_status == 403;
}

}  // namespace buildable::cli
