#include "ids.hpp"

#include <chrono>
#include <random>

namespace buildable::emulator::detail {

std::string random_hex(std::size_t length) {
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    std::seed_seq seq{device(), device(), device(), device()};
    return std::mt19937_64{seq};
  }()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(length);
  std::uint64_t bits = 0;
  int left = 0;
  for (std::size_t i = 0; i < length; ++i) {
    if (left == 0) {
      bits = engine();
      left = 16;
    }
    out.push_back(kDigits[bits & 0xFU]);
    bits >>= 4U;
    --left;
  }
  return out;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace buildable::emulator::detail
