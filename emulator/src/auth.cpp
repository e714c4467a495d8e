#include "auth.hpp"

#include <algorithm>
#include <stdexcept>

#include "ids.hpp"

namespace buildable::emulator::detail {

KeyRing::KeyRing(std::vector<SecretKey> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) keys_.push_back(SecretKey{"demo", "sk_test_" + random_hex(32), "test"});
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const auto& key = keys_[i];
    if (key.name.empty())
      throw std::invalid_argument("secret key #" + std::to_string(i + 1) + " has an empty name");
    if (key.name.find('.') != std::string::npos) {
      throw std::invalid_argument("secret key name '" + key.name +
                                  "' must not contain a dot (it is used as a label)");
    }
    if (key.secret.empty()) {
      throw std::invalid_argument("secret key '" + key.name + "' has an empty secret");
    }
    // A header value cannot carry them, so such a key could never be used.
    if (std::any_of(key.secret.begin(), key.secret.end(),
                    [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
      throw std::invalid_argument("secret key '" + key.name +
                                  "' has a control character in its secret");
    }
    if (key.environment != "test" && key.environment != "live") {
      throw std::invalid_argument("secret key '" + key.name + "': environment must be " +
                                  "\"test\" or \"live\", got \"" + key.environment + "\"");
    }
    if (!by_secret_.emplace(key.secret, i).second) {
      throw std::invalid_argument("secret key '" + key.name +
                                  "' has the same secret as another key");
    }
  }
}

const SecretKey* KeyRing::find(const std::string& secret) const {
  auto it = by_secret_.find(secret);
  return it == by_secret_.end() ? nullptr : &keys_[it->second];
}

SecretKey parse_secret_key(const std::string& spec) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
    // The value is not quoted: it may hold the secret (error messages end up in logs).
    throw std::invalid_argument("secret: expected NAME=KEY[:live|:test] (the value is not shown)");
  }
  SecretKey key;
  key.name = spec.substr(0, eq);
  key.secret = spec.substr(eq + 1);
  for (const char* env : {"live", "test"}) {
    const std::string suffix = std::string(":") + env;
    if (key.secret.size() > suffix.size() &&
        key.secret.compare(key.secret.size() - suffix.size(), suffix.size(), suffix) == 0) {
      key.secret.resize(key.secret.size() - suffix.size());
      key.environment = env;
      break;
    }
  }
  return key;
}

}  // namespace buildable::emulator::detail
