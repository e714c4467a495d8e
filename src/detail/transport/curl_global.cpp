#include "detail/transport/curl_global.hpp"

#include <curl/curl.h>

#include <stdexcept>

namespace buildable::detail {

void ensure_curl_initialized() {
  // A function-local static is initialised once, thread-safely (C++11 magic statics).
  static const CURLcode result = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (result != CURLE_OK) {
    throw std::runtime_error(std::string("libcurl global initialisation failed: ") +
                             curl_easy_strerror(result));
  }
}

}  // namespace buildable::detail
