#include "exchange.hpp"

#include <strings.h>

namespace buildable::emulator::detail::http {

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (field.size() == name.size() && strncasecmp(field.data(), name.data(), name.size()) == 0) {
      return &value;
    }
  }
  return nullptr;
}

}  // namespace buildable::emulator::detail::http
