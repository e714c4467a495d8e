#pragma once
// Helpers of the fault-injection suite (the fault classes of the README's Reliability table).

#include <buildable/emulator/emulator.hpp>
#include <string>
#include <vector>

#include "listen_fixture.hpp"
#include "test_server.hpp"

namespace fault_test {

using buildable::emulator::FaultKind;
using buildable::emulator::FaultOptions;
using buildable::emulator::FaultRule;
using namespace std::chrono_literals;

inline FaultRule rule(std::string endpoint, FaultKind kind, double probability) {
  FaultRule r;
  r.endpoint = std::move(endpoint);
  r.kind = kind;
  r.probability = probability;
  return r;
}

inline FaultOptions faults(std::vector<FaultRule> rules, std::uint64_t seed = 7) {
  FaultOptions f;
  f.seed = seed;
  f.rules = std::move(rules);
  return f;
}

using listen_test::requests_to;

class FaultTest : public listen_test::ListenTest {
 protected:
  /// Options for fault tests: quick retries and polls so the suite runs in seconds.
  buildable::ClientOptions fast_options() {
    auto o = options();
    o.poll_interval = 20ms;
    o.max_poll_backoff = 200ms;
    o.retry.initial_backoff = 5ms;
    o.retry.max_backoff = 3s;
    o.request_timeout = 2s;
    return o;
  }
};

}  // namespace fault_test
