// Secret keys: validation of the configured keys and look-up of `X-Buildable-Secret`.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "buildable/emulator/emulator.hpp"

namespace buildable::emulator::detail {

class KeyRing {
 public:
  /// Empty `keys` = one "demo" test key with a random secret. Throws std::invalid_argument
  /// for an empty name or secret, a duplicate secret, or an environment other than test/live.
  explicit KeyRing(std::vector<SecretKey> keys);

  const std::vector<SecretKey>& keys() const { return keys_; }
  /// The key whose secret is `secret`, or nullptr.
  const SecretKey* find(const std::string& secret) const;

 private:
  std::vector<SecretKey> keys_;
  std::unordered_map<std::string, std::size_t> by_secret_;
};

/// Parses the `--secret` syntax `NAME=KEY[:live|:test]`. Throws std::invalid_argument.
SecretKey parse_secret_key(const std::string& spec);

}  // namespace buildable::emulator::detail
