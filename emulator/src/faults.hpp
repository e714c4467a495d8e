// Fault injection: which injected fault (if any) strikes a request, drawn from a seeded PRNG.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "buildable/emulator/emulator.hpp"

namespace buildable::emulator::detail {

/// Longest wait a request's injected delays add up to (as --latency-ms allows).
inline constexpr std::chrono::milliseconds kMaxDelay{3'600'000};
/// Largest `retry-after=N` of a 429 rule.
inline constexpr long long kMaxRetryAfterSeconds = 86'400;

/// What happens to one request.
struct FaultDecision {
  /// FaultOptions::latency plus fired delay rules, at most kMaxDelay.
  std::chrono::milliseconds delay{0};
  std::optional<FaultRule> fault;  ///< the first non-delay rule that fired
};

/// Thread-safe; costs one atomic load per request while no fault is configured.
class FaultInjector {
 public:
  explicit FaultInjector(FaultOptions options = {});
  void set(FaultOptions options);
  /// Draws once per rule matching `endpoint`, in order. Delay rules that fire add their delay
  /// and drawing goes on; the first other rule that fires is the request's fault.
  FaultDecision decide(const std::string& endpoint);

 private:
  std::atomic<bool> active_{false};
  std::mutex mutex_;
  FaultOptions options_;
  std::mt19937_64 engine_;
};

/// Parses the `--fault` syntax: `KIND:PROBABILITY[:OPTION]...` with KIND one of 500, 503, 429,
/// close-before, close-after, truncate, delay and OPTION one of `/endpoint`, `retry-after=N`,
/// `http-date`, `delay=MS` (at most kMaxDelay), the endpoint one of the protocol's. Throws
/// std::invalid_argument with a message saying what is wrong.
FaultRule parse_fault_rule(std::string_view spec);

/// Name of a kind in the `--fault` syntax.
std::string to_string(FaultKind kind);

/// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::chrono::system_clock::time_point when);

}  // namespace buildable::emulator::detail
