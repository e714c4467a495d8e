#include "detail/listen/response_text.hpp"

#include <exception>

#include "detail/protocol/response_parsing.hpp"

namespace buildable::detail {

std::string describe_failure(const HttpResponse& response) {
  try {
    std::rethrow_exception(failure_exception(response, {}));
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace buildable::detail
