// Local emulator of the Buildable Events service: a real HTTP server that speaks the whole
// wire protocol (docs: /work/shared/spec/protocol.md, emulator/README.md) over SQLite storage.
//
// Separate from the SDK (`buildable::buildable` never links it). Used by the SDK's tests and
// examples, and wrapped by the `buildable-emulator` binary.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace buildable::emulator {

/// A secret key accepted in `X-Buildable-Secret`. Messages emitted with it are attributed to
/// platform `custom` and label `name`; `environment` is `"test"` or `"live"`, and messages of
/// one environment are invisible to keys of the other.
struct SecretKey {
  std::string name;
  std::string secret;
  std::string environment = "test";
};

/// What an injected fault does. The `*_before_acting` kinds (and the statuses) strike before
/// the request is applied: nothing is stored. The `*_after_acting` kinds apply the request
/// (message stored, claim made, result recorded) and then break the response.
enum class FaultKind {
  status_500,             ///< 500 `internal-error`, request not applied
  status_503,             ///< 503 `service-unavailable`, request not applied
  status_429,             ///< 429 `rate-limited` with `Retry-After`, request not applied
  close_before_acting,    ///< connection closed without a response byte, request not applied
  close_after_acting,     ///< request applied, then connection closed without a response byte
  truncate_after_acting,  ///< request applied, response body cut in half (Content-Length kept)
  delay,                  ///< request delayed by FaultRule::delay, then handled normally
};

/// One fault rule. Each protocol request draws once per matching rule, in order: a `delay` rule
/// that fires adds its delay and drawing goes on; the first other rule that fires is the
/// request's fault (at most one per request).
struct FaultRule {
  std::string endpoint;  ///< "/emit", "/query", ...; empty = every protocol endpoint
  FaultKind kind = FaultKind::status_500;
  double probability = 0.0;            ///< 0..1
  int retry_after_seconds = 1;         ///< status_429: value of Retry-After
  bool retry_after_http_date = false;  ///< status_429: HTTP-date form instead of seconds
  std::chrono::milliseconds delay{0};  ///< FaultKind::delay: how long
};

/// Fault injection, off by default. Draws come from a PRNG seeded with `seed`, so a run with
/// the same seed and the same sequence of requests strikes the same requests.
struct FaultOptions {
  std::uint64_t seed = 1;
  std::vector<FaultRule> rules;
  std::chrono::milliseconds latency{0};  ///< added to every protocol request
};

struct EmulatorOptions {
  std::string host = "127.0.0.1";
  int port = 0;                 ///< 0 = an ephemeral port, see Emulator::port()
  std::string db_path;          ///< SQLite file (WAL); empty = in-memory, lost at destruction
  std::vector<SecretKey> keys;  ///< empty = one "demo" test key with a random secret
  FaultOptions faults;
  /// HTTP worker threads. Each open keep-alive connection holds one, so this is also the most
  /// connections served at once; an SDK client opens up to ClientOptions::max_connections (16),
  /// and the default leaves room for several clients and processes.
  int threads = 128;
  std::chrono::seconds keep_alive_timeout{10};  ///< idle keep-alive connections closed after
};

struct EmulatorStats {
  std::uint64_t requests = 0;
  std::uint64_t connections = 0;  ///< distinct client (addr,port) pairs seen = TCP connections
  std::map<std::string, std::uint64_t> requests_by_path;
};

/// The emulator: an HTTP server on `host:port` plus its storage.
///
/// @par Thread Safety
/// All member functions may be called from any thread. start()/stop() must not race with
/// each other or with the destructor.
///
/// @par Error Handling
/// Invalid options (empty or duplicate secrets, environment other than test/live, threads < 1)
/// throw std::invalid_argument from the constructor; start() throws std::runtime_error when the
/// database cannot be opened or the port cannot be bound.
class Emulator {
 public:
  explicit Emulator(EmulatorOptions options = {});
  ~Emulator();  ///< stops
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  /// Opens the storage (first time), binds and returns once it accepts connections.
  /// A stopped emulator may be started again; it keeps its storage (also in-memory).
  void start();
  /// Stops accepting, closes open connections (including idle keep-alive ones) and joins the
  /// worker threads. Idempotent.
  void stop();
  bool running() const;

  int port() const;              ///< the bound port (valid after start())
  std::string base_url() const;  ///< "http://<host>:<port>"
  const std::vector<SecretKey>& keys() const;
  const std::string& default_secret() const;  ///< keys().front().secret

  /// Replaces the fault options; applies to requests that start afterwards. Resets the PRNG.
  void set_faults(FaultOptions faults);
  EmulatorStats stats() const;
  void reset_stats();

  /// Inserts a message as if it came from a third-party connection (webhook). `headers` and
  /// `query` are stored JSON-encoded like `payload`. Without `created_at_ms` the message gets
  /// the next creation time of this emulator. Returns the message key.
  std::string inject_message(const std::string& environment, const std::string& platform,
                             const std::string& label, const std::string& event,
                             const nlohmann::json& payload,
                             const nlohmann::json& headers = nlohmann::json::object(),
                             const nlohmann::json& query = nlohmann::json::object(),
                             std::optional<std::int64_t> created_at_ms = std::nullopt);

  /// The message row exactly as /query returns it, or null when no message has that key.
  nlohmann::json message(const std::string& key) const;
  /// The transaction of (message key, txKey) as /init and /transact return it (with `output`
  /// once recorded), or null when none exists.
  nlohmann::json transaction(const std::string& key, const std::string& tx_key) const;
  /// Number of messages stored (all environments).
  std::int64_t message_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace buildable::emulator
