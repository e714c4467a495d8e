#include <buildable/version.hpp>

namespace buildable {

// Compiled into the library, so it reports the library's version, not the caller's headers'.
const char* version() noexcept {
  return BUILDABLE_VERSION_STRING;
}

}  // namespace buildable
