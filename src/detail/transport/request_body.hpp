#pragma once

#include <memory>
#include <string>

namespace buildable::detail {

/// A request body shared, never copied, by everything that needs it while it may still be
/// sent: the caller keeping it for a retry and the transport sending it.
using RequestBody = std::shared_ptr<const std::string>;

inline RequestBody share_body(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

}  // namespace buildable::detail
