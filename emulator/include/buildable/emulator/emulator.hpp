// Local emulator of the Buildable Events service: a real HTTP server that speaks the whole
// wire protocol (described in emulator/README.md) over SQLite storage.
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
  /// Key name, used as the label of the messages emitted with it. Non-empty, without a dot.
  std::string name;
  /// The value a client sends in `X-Buildable-Secret`. Non-empty, unique among the keys, and
  /// without control characters (a header could not carry them).
  std::string secret;
  /// `"test"` (default) or `"live"`.
  std::string environment = "test";
  /// Whether front ends may print `secret` (startup_banner()). False for keys read from a
  /// file or the environment (`--secret-file`, `BUILDABLE_EMULATOR_SECRETS`): those channels
  /// exist to keep keys out of sight, so a server's log never shows them.
  bool printable = true;
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
  FaultKind kind = FaultKind::status_500;  ///< what the fault does when the rule fires
  /// Chance, 0..1, that the rule fires for one matching request: 0 never, 1 always.
  double probability = 0.0;
  int retry_after_seconds = 1;         ///< status_429: value of Retry-After
  bool retry_after_http_date = false;  ///< status_429: HTTP-date form instead of seconds
  std::chrono::milliseconds delay{0};  ///< FaultKind::delay: how long (a request waits 1 h at most)
};

/// Fault injection, off by default. Draws come from a PRNG seeded with `seed`, so a run with
/// the same seed and the same sequence of requests strikes the same requests.
struct FaultOptions {
  /// Seed of the PRNG; the emulator's constructor and every set_faults() reseed it.
  std::uint64_t seed = 1;
  /// Rules drawn for each protocol request, in this order. Empty: no rule fires; `latency`
  /// still applies.
  std::vector<FaultRule> rules;
  std::chrono::milliseconds latency{0};  ///< added to every protocol request
};

/// The form of the access log's lines (see EmulatorOptions::access_log).
enum class AccessLogFormat {
  /// `TIME PEER METHOD PATH STATUS BODY_BYTES DURATION_MS`, separated by single spaces, e.g.
  /// `2024-05-01T12:34:56.789Z 127.0.0.1:50412 POST /emit 200 57 0.412`.
  plain,
  /// One JSON object per line with the same fields:
  /// `{"time","peer","method","path","status","bytes","duration_ms"}`.
  json,
};

/// Settings of an Emulator, checked by its constructor (see Emulator::Emulator()).
struct EmulatorOptions {
  /// Address (or host name) to listen on; the default accepts loopback connections only.
  /// `0.0.0.0` or `::` listen on every interface (base_url() then shows 127.0.0.1 or ::1).
  std::string host = "127.0.0.1";
  int port = 0;  ///< 0 = an ephemeral port, see Emulator::port()
  /// Where messages are stored: a SQLite file (WAL, shareable by processes on one machine), a
  /// PostgreSQL connection URL (`postgresql://user@host:port/dbname?...`, libpq's syntax;
  /// shareable by servers on many machines), or empty = a private in-memory SQLite database,
  /// lost at destruction. The schema is created or migrated when the store is opened.
  std::string db_path;
  /// PostgreSQL: most database connections open at once (requests beyond them wait for one),
  /// and as many worker threads run the request handlers, so that requests waiting for the
  /// database (slow, locked, or retried through an outage) never hold up the I/O threads:
  /// `/healthz`, `/metrics`, the dashboard's files and other connections are served meanwhile.
  /// A request that waited for a worker longer than `db_retry_budget` (at least 1 s) is
  /// answered 503 without being applied.
  int db_connections = 8;
  /// PostgreSQL: how long a request keeps retrying a database that fails transiently (a lost
  /// connection, a restart, a serialization failure) before it is answered 503 with
  /// `Retry-After: 1`. Also the database's lock_timeout and statement_timeout for the pooled
  /// connections (at least 1 s); a database that does not answer at all is given up on a
  /// second later (500 when a write had been sent: it may have taken effect).
  std::chrono::milliseconds db_retry_budget{10000};
  std::vector<SecretKey> keys;  ///< empty = one "demo" test key with a random secret
  FaultOptions faults;  ///< fault injection from the start (none by default); see set_faults()
  /// Threads that run the HTTP core (an event loop, Boost.Asio) and, with SQLite, the request
  /// handlers (with PostgreSQL they run on `db_connections` worker threads).
  /// Connections do not hold a thread: an idle or slow connection costs a socket and a few
  /// kilobytes, so thousands of them do not delay the others.
  int threads = 4;
  /// Most connections served at once; a connection accepted beyond them is answered 503
  /// `too-many-connections` and closed. Each takes a file descriptor, so keep this below the
  /// process's limit (`ulimit -n`; the buildable-emulator binary raises its soft limit to the
  /// hard one).
  int max_connections = 10000;
  /// A connection waiting for a request (a new one, or between keep-alive requests) is closed
  /// after this long without a byte.
  std::chrono::seconds keep_alive_timeout{10};
  /// From the first byte of a request, its head (request line and headers, at most 64 KiB,
  /// else 431) must arrive within this; otherwise it is answered 408 and closed.
  std::chrono::seconds header_timeout{10};
  /// After the head, the body (at most 1 MiB however it is sent, else 413) must arrive
  /// within this; otherwise the request is answered 408 and the connection closed.
  std::chrono::seconds body_timeout{30};
  /// How long stop() lets the requests in flight finish (bodies being received, handlers
  /// running, injected delays that end in time, answers being written, 503s to the delays
  /// that would not) before it closes what is left. 0 = close everything at once, unanswered.
  std::chrono::seconds drain_timeout{10};
  /// Where one line per answered request goes: empty = nowhere, `"-"` = standard output,
  /// else a file, created if missing and appended to; start() opens it (and throws
  /// std::runtime_error when it cannot). Lines hold the time (RFC 3339, UTC, milliseconds),
  /// the peer's address and port, method, path (without the query; bytes that are not
  /// printable UTF-8 escaped in hexadecimal, cut at 512 bytes), status (0: closed without an
  /// answer), body bytes sent and duration in milliseconds; never a header, so never a
  /// secret. A thread of its own writes them: when the destination cannot keep up, lines
  /// beyond 1 MiB waiting are dropped (counted in `/metrics`), requests are never held.
  std::string access_log;
  AccessLogFormat access_log_format = AccessLogFormat::plain;  ///< the lines' form
};

/// Request counters of an Emulator since it was constructed or since the last
/// Emulator::reset_stats(). Emulator::stats() copies them under one lock, so the fields agree.
struct EmulatorStats {
  /// HTTP requests received on any path, unknown paths and requests answered with an
  /// injected fault included, but not those to the operations endpoints (`/healthz`,
  /// `/readyz`, `/metrics`: probes and scrapes would drown the rest).
  std::uint64_t requests = 0;
  /// Distinct client (addr,port) pairs seen = TCP connections. Only the 4,096 connections
  /// first seen most recently are remembered, so a keep-alive connection followed by 4,096
  /// newer ones counts again at its next request (however busy it was meanwhile).
  std::uint64_t connections = 0;
  /// `requests` split by protocol endpoint (e.g. `"/emit"` -> 12); every other path (the
  /// dashboard, unknown paths) counts under `"other"`, so the map stays small whatever
  /// clients send.
  std::map<std::string, std::uint64_t> requests_by_path;
};

/// The emulator: an HTTP server on `host:port` plus its storage.
///
/// @par Thread Safety
/// All member functions may be called from any thread. start()/stop() must not race with
/// each other or with the destructor.
///
/// @par Error Handling
/// Invalid options (see the constructor) throw std::invalid_argument from the constructor;
/// start() throws std::runtime_error when the database cannot be opened or the port cannot be
/// bound.
class Emulator {
 public:
  /// Checks `options` and sets up the keys (one generated `demo` test key when none is
  /// given). Does not listen yet, nor open the storage: the first start(), inject_message(),
  /// message(), transaction() or message_count() opens it.
  ///
  /// @par Error Handling
  /// Throws std::invalid_argument when `threads` < 1, `max_connections` < 1, `db_connections`
  /// < 1, `port` is
  /// outside 0..65535, a timeout is below 1 s (`drain_timeout` below 0 s), or a key has an empty
  /// name, a name with a dot, an empty or duplicate secret, a secret with a control character, or
  /// an environment other than test/live.
  explicit Emulator(EmulatorOptions options = {});
  ~Emulator();  ///< stops
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  /// Opens the storage and the access log (first time), binds and returns once it accepts
  /// connections. A stopped emulator may be started again; it keeps its storage (also
  /// in-memory), its access log and its metrics.
  void start();
  /// Drains, then stops: begins draining (see begin_drain()), stops accepting, closes idle
  /// connections and those still receiving a request, and lets the requests in flight finish
  /// with their real answers for up to EmulatorOptions::drain_timeout: a handler running (a
  /// slow database call), an injected delay that ends within the timeout (a longer one is
  /// answered 503 at once), an answer being written. Then closes the rest, joins the threads
  /// and writes the access log's last lines. Idempotent.
  void stop();
  /// Marks the emulator as draining: `/readyz` answers 503 `{"status":"unavailable",
  /// "reason":"draining: ..."}` from now on, so that load balancers stop sending it traffic,
  /// while every request is still served. stop() begins with it; start() ends it.
  void begin_drain();
  /// True from begin_drain() (or stop()) until the next start().
  bool draining() const;
  /// True from a successful start() until the next stop().
  bool running() const;

  int port() const;              ///< the bound port (valid after start())
  std::string base_url() const;  ///< "http://<host>:<port>"
  /// The numeric address the server is bound to (valid after start()), e.g. "127.0.0.1", or
  /// "0.0.0.0" for every IPv4 interface.
  std::string bound_address() const;
  /// True when bound (after start()) to a loopback address only: only this machine connects.
  bool loopback_only() const;
  /// The dashboard's address (valid after start()). When loopback_only(), it carries a
  /// one-time login link, `<base_url>/#login=<token>`: the page trades the token for the
  /// default key once, so nothing needs pasting. Each call issues a new token, replacing the
  /// previous one. Otherwise `<base_url>/`, and the page asks for a secret key.
  std::string dashboard_url();
  /// The accepted keys: EmulatorOptions::keys, or the generated `demo` key when that was
  /// empty. Fixed at construction; the reference stays valid as long as the emulator.
  const std::vector<SecretKey>& keys() const;
  const std::string& default_secret() const;  ///< keys().front().secret

  /// Replaces the fault options; applies to requests that start afterwards. Resets the PRNG.
  void set_faults(FaultOptions faults);
  /// A copy of the request counters.
  EmulatorStats stats() const;
  /// Zeroes the counters and forgets the connections seen, so an open keep-alive connection
  /// counts again at its next request.
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
