#include "detail/support/random_token.hpp"

#include <random>

namespace buildable::detail {

std::string random_token() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token(32, '0');
  for (std::size_t i = 0; i < token.size(); i += 16) {
    std::uint64_t bits = generator();
    for (std::size_t j = i; j < i + 16; ++j, bits >>= 4)
      token[j] = kHex[bits & 0xf];
  }
  return token;
}

}  // namespace buildable::detail
