#pragma once
// Probes of a Client's state that no member reports directly.

#include <atomic>
#include <buildable/client.hpp>
#include <string>

namespace buildable::testing {

/// True once close() has begun on `client`: on() then throws ClosedError. Each probe that
/// succeeds leaves a listener for a fresh event name behind, which is harmless in a test.
inline bool close_has_begun(Client& client) {
  static std::atomic<int> probes{0};
  try {
    client.on("close-probe-" + std::to_string(++probes), [](const Message&) {});
    return false;
  } catch (const ClosedError&) {
    return true;
  }
}

}  // namespace buildable::testing
