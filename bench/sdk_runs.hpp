#pragma once
/// @file sdk_runs.hpp
/// The SDK side of each comparison (only built when the buildable library is available).

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "raw_curl.hpp"

namespace bench {

/// Where the SDK client under test connects.
struct SdkTarget {
  std::string base_url;
  std::string secret;
};

/// The SDK's defaults that the baselines copy.
struct SdkDefaults {
  std::string user_agent;
  int page_size = 100;
  std::chrono::milliseconds poll_interval{1000};
  int handler_threads = 4;
};
SdkDefaults sdk_defaults();

/// `n` sequential Client::emit() calls on one client.
RunResult sdk_emit_loop(const SdkTarget& target, const std::string& event,
                        const nlohmann::json& payload, std::uint64_t n);

/// `n` Client::emit_async() calls keeping `inflight` futures outstanding (waiting on the
/// oldest); ClientOptions::max_connections = inflight.
RunResult sdk_emit_async(const SdkTarget& target, const std::string& event,
                         const nlohmann::json& payload, std::uint64_t n, int inflight);

/// emit_batch() of `batch` events at a time (`connections` connections) until `n` events are
/// published; with `overlap`, the next batch is queued (emit_batch_async) before the previous
/// one's outcomes are read.
RunResult sdk_emit_batch(const SdkTarget& target, const std::string& event,
                         const nlohmann::json& payload, std::uint64_t n, int batch, int connections,
                         bool overlap);

/// One listener with a no-op handler draining `expected` messages of `event` created at or
/// after `since_ms`. Measured from on() to the last handler entered.
RunResult sdk_drain(const SdkTarget& target, const std::string& event, std::int64_t since_ms,
                    std::uint64_t expected, std::chrono::milliseconds timeout);

/// Listeners for the latency measurement, one per event, on one client: they run until the
/// returned function is called. `handler` gets each message's payload.
std::function<void()> sdk_start_listeners(
    const SdkTarget& target, const std::vector<std::string>& events,
    std::chrono::milliseconds poll_interval,
    std::function<void(const nlohmann::json& payload)> handler);

/// Resource use of one client with `listeners` idle listeners.
struct ScaleResult {
  int threads_before = 0;
  int threads_after = 0;
  std::int64_t rss_before = 0;
  std::int64_t rss_after = 0;
  std::int64_t heap_before = 0;  ///< heap bytes in use (mallinfo2)
  std::int64_t heap_after = 0;
  int fds_before = 0;
  int fds_after = 0;
  double register_s = 0;      ///< time to register all listeners
  double idle_cpu_per_s = 0;  ///< client CPU seconds per second while idle
  double window_s = 0;        ///< length of the idle window
  double polls = -1;          ///< /query requests the server saw in the window; -1 unknown
  double close_s = 0;         ///< time close() took
};
/// Registers `listeners` listeners (distinct events, nothing to handle) on one client, waits
/// `settle`, samples, then measures CPU over `window`. `query_count` (may be empty) returns how
/// many /query requests the server has seen so far.
ScaleResult sdk_scale(const SdkTarget& target, int listeners, std::chrono::milliseconds settle,
                      std::chrono::milliseconds window, const std::function<double()>& query_count);

/// Soak: emits continuously (async, 8 in flight, ~200/s) while one listener (50 ms poll) handles
/// the messages; calls `sample(elapsed_s, emitted, handled)` every `every`.
void sdk_soak(const SdkTarget& target, std::chrono::seconds duration, std::chrono::seconds every,
              const std::function<void(double elapsed_s, std::uint64_t emitted,
                                       std::uint64_t handled)>& sample);

}  // namespace bench
