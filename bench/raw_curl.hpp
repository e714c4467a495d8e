#pragma once
/// @file raw_curl.hpp
/// The baselines: what a careful hand-written libcurl client does for the same job.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace bench {

struct Span;

/// Result of one measured run.
struct RunResult {
  double wall_s = 0;         ///< elapsed wall time
  double cpu_s = 0;          ///< client process CPU time (user + system)
  std::uint64_t ok = 0;      ///< operations that succeeded
  std::uint64_t failed = 0;  ///< operations that failed
  double switches = 0;       ///< context switches of the client process
  double rate() const { return wall_s > 0 ? static_cast<double>(ok) / wall_s : 0; }
  /// Microseconds of client CPU per successful operation.
  double cpu_us_per_op() const { return ok > 0 ? cpu_s * 1e6 / static_cast<double>(ok) : 0; }
  double switches_per_op() const { return ok > 0 ? switches / static_cast<double>(ok) : 0; }
  void set(const struct Span& span);
};

/// The exact request the SDK's emit() sends: POST <base>/emit with these headers and body.
struct EmitRequest {
  std::string base_url;    ///< e.g. http://127.0.0.1:8080
  std::string secret;      ///< X-Buildable-Secret
  std::string body;        ///< {"event":...,"payload":...} already serialized
  std::string user_agent;  ///< same User-Agent as the SDK
};

/// Builds the /emit body the SDK sends for (event, payload).
std::string emit_body(const std::string& event, const nlohmann::json& payload);

/// `n` sequential emits over one reused easy handle (keep-alive): the floor of P1.
RunResult raw_emit_loop(const EmitRequest& request, std::uint64_t n);

/// `n` emits through one curl multi handle keeping `inflight` transfers running: P2's floor.
RunResult raw_emit_multi(const EmitRequest& request, std::uint64_t n, int inflight);

/// A reused easy handle that POSTs JSON with the SDK's headers. Not thread-safe.
class RawHttp {
 public:
  RawHttp(std::string base_url, std::string secret, std::string user_agent);
  RawHttp(const RawHttp&) = delete;
  RawHttp& operator=(const RawHttp&) = delete;
  ~RawHttp();

  /// POSTs `body` to base_url + path; returns the HTTP status (0 on transport failure) and
  /// leaves the response body in response().
  long post(const std::string& path, const std::string& body);
  const std::string& response() const { return response_; }

 private:
  std::string base_url_;
  void* easy_ = nullptr;
  void* headers_ = nullptr;
  std::string response_;
  std::string user_agent_;
};

/// One raw listener: the serial cycle of P3 (query a page of does-not-exist messages, then
/// /init + handler + /transact for each row, oldest first; a full page is re-polled at once).
struct RawListenerConfig {
  std::string base_url;
  std::string secret;
  std::string user_agent;
  std::string event;
  std::string tx_key = "default";
  std::int64_t since_ms = 0;  ///< epoch milliseconds
  int page_size = 100;
  std::chrono::milliseconds poll_interval{1000};  ///< wait after a page that was not full
};

/// Runs the cycle until `expected` messages were handled (or `timeout` passed). The handler is
/// given the parsed payload. Returns wall/CPU of the whole drain; ok = messages handled.
RunResult raw_drain(const RawListenerConfig& config, std::uint64_t expected,
                    std::chrono::milliseconds timeout,
                    const std::function<void(const nlohmann::json& payload)>& handler);

/// Runs the cycle (polling every poll_interval when idle) until `stop` becomes true; calls
/// `handler` with each claimed message's payload. For the latency measurement.
void raw_listen_until(const RawListenerConfig& config, const std::atomic<bool>& stop,
                      const std::function<void(const nlohmann::json& payload)>& handler);

/// Client CPU microseconds per /query that returns an empty page (median of `n` serial ones):
/// what an idle listener's poll costs a raw client.
double raw_empty_query_cpu_us(const RawListenerConfig& config, int n);

/// Milliseconds since the Unix epoch.
std::int64_t epoch_ms(std::chrono::system_clock::time_point t = std::chrono::system_clock::now());

}  // namespace bench
