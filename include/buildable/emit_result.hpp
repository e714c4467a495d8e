#pragma once
/// @file emit_result.hpp

#include <string>

namespace buildable {

/// What a successful emit() returns.
struct EmitResult {
  /// The message key the service assigned: 32 lowercase hex characters.
  std::string key;
  /// How many HTTP attempts the emit took (1 when no retry was needed).
  int attempts = 1;
};

}  // namespace buildable
