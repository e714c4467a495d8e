// The one-time login link of a local emulator's dashboard: the banner prints a URL carrying a
// random token, and the page trades the token (once) for the default key, so a developer sees
// the stream without pasting a secret. Only an emulator bound to a loopback address issues
// one: anyone who can reach a non-loopback bind must present a key.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "buildable/emulator/emulator.hpp"

namespace buildable::emulator::detail {

class DashboardLogin {
 public:
  /// A fresh token for `key` (replacing any earlier one), from the OS's random source.
  std::string issue(const SecretKey& key);

  /// The key of `token` when it is the current token; the token is used up either way once it
  /// matched. nullopt for anything else.
  std::optional<SecretKey> redeem(const std::string& token);

  /// Forgets the current token (e.g. when the emulator is not loopback-only).
  void revoke();

 private:
  std::mutex mutex_;
  std::string token_;  // empty: none; guarded by mutex_
  SecretKey key_;      // guarded by mutex_
};

}  // namespace buildable::emulator::detail
