#include "dashboard_login.hpp"

#include <random>

namespace buildable::emulator::detail {

namespace {

// 128 bits from std::random_device (the kernel's CSPRNG on Linux), not the ids' PRNG whose
// outputs (message keys) a client sees.
std::string unpredictable_token() {
  std::random_device device;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (int word = 0; word < 4; ++word) {
    std::uint32_t bits = device();
    for (int nibble = 0; nibble < 8; ++nibble, bits >>= 4)
      token.push_back(kHex[bits & 0xf]);
  }
  return token;
}

// Compares without an early exit, so the time taken does not tell how much of a guess matched.
bool same_token(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

}  // namespace

std::string DashboardLogin::issue(const SecretKey& key) {
  std::string token = unpredictable_token();
  std::lock_guard lock(mutex_);
  token_ = token;
  key_ = key;
  return token;
}

std::optional<SecretKey> DashboardLogin::redeem(const std::string& token) {
  std::lock_guard lock(mutex_);
  if (token_.empty() || !same_token(token, token_)) return std::nullopt;
  token_.clear();
  return key_;
}

void DashboardLogin::revoke() {
  std::lock_guard lock(mutex_);
  token_.clear();
}

}  // namespace buildable::emulator::detail
