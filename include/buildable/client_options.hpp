#pragma once
/// @file client_options.hpp
/// Every setting of a buildable::Client, with its default and unit.

#include <buildable/export.hpp>
#include <buildable/listener_error.hpp>
#include <buildable/log.hpp>
#include <buildable/retry_options.hpp>
#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>

namespace buildable {

/// The service's public endpoint, used when neither base_url nor BLD_EVENTS_BASE_URL is set.
inline constexpr const char* kDefaultBaseUrl = "https://events.buildable.dev";

/// What emit_async() does with an emit that would take the pending emits past
/// ClientOptions::max_pending_emits or max_pending_bytes.
enum class WhenEmitQueueFull {
  /// The call waits, in arrival order, until enough pending emits have settled; close() ends
  /// the wait (the returned future then yields ClosedError).
  block,
  /// The call throws QueueFullError at once; nothing is queued or sent.
  fail,
};

/// Settings of a Client. Fill what you need; the rest keeps the documented default.
/// Client's constructor calls validate(), so a misconfiguration fails there with a message
/// saying what to fix.
struct BUILDABLE_EXPORT ClientOptions {
  // --- Connection -----------------------------------------------------------------------
  /// Secret key, sent as `X-Buildable-Secret`. Required; must not contain control
  /// characters (bytes below 0x20, such as NUL or a line break, or 0x7f).
  std::string secret;
  /// Service root, `https://host[:port][/prefix]`. Plain `http://` is accepted only for
  /// loopback hosts unless allow_insecure_http is set: 127.0.0.0/8 as a dotted quad without
  /// leading zeros (libcurl would read `127.0.0.09` as a host name), localhost, and IPv6 ::1
  /// in any spelling (`[0:0:0:0:0:0:0:1]`, with or without a zone id) or 127.0.0.0/8 mapped
  /// into IPv6 (`[0:0:0:0:0:ffff:127.0.0.1]`).
  std::string base_url = kDefaultBaseUrl;
  /// Allow plain `http://` to non-loopback hosts (the secret then travels in clear text).
  bool allow_insecure_http = false;
  /// Time to establish a connection (TCP + TLS).
  std::chrono::milliseconds connect_timeout{10'000};
  /// Time for one whole HTTP attempt, connection included.
  std::chrono::milliseconds request_timeout{30'000};
  /// `User-Agent` header. Empty: "buildable-cpp/<version>". Must not be blank, hold control
  /// characters other than tab (a NUL or a line break included) or exceed
  /// kMaxUserAgentBytes.
  std::string user_agent;
  /// Longest user_agent accepted: servers commonly refuse longer header lines.
  static constexpr std::size_t kMaxUserAgentBytes = 8192;
  /// PEM file of CA certificates to trust, used instead of libcurl's default CA file
  /// (from_env() reads `BUILDABLE_CA_BUNDLE`). libcurl's default CA directory, if it was built
  /// with one (Debian's: `/etc/ssl/certs`), stays in effect, so this adds trust rather than
  /// narrowing it to these CAs. validate() checks that the file exists and can be read; its
  /// content is checked by the first TLS handshake. Empty: the system trust store (libcurl's
  /// default CA file and directory).
  std::string ca_bundle;
  /// Proxy URL passed to libcurl (e.g. `http://proxy:3128`; from_env() reads
  /// `BUILDABLE_PROXY`). Empty: libcurl's environment variables apply as usual
  /// (`https_proxy`/`HTTPS_PROXY`, `http_proxy`, `all_proxy`/`ALL_PROXY`); `no_proxy`/`NO_PROXY`
  /// applies to this one too. A plain `http://` base_url (loopback) never goes through a
  /// proxy, neither this one nor the environment's, unless allow_insecure_http is set: the
  /// proxy would receive the secret in clear text.
  std::string proxy;
  /// Most connections the client opens to the service at once (per client).
  int max_connections = 16;
  /// A kept-alive connection idle for longer is not reused: a new one is opened. Servers and
  /// proxies close idle connections after their own timeout (Node.js and Apache: 5 s), and a
  /// request sent just as they do may be lost in flight, so the default stays below common
  /// ones. Whole seconds, at least 1 s; libcurl compares whole seconds, so a connection idle
  /// for up to one second more may still be reused (at most 3.99 s with the default).
  std::chrono::seconds max_idle_connection_age{3};
  /// Retry policy of every request (see RetryOptions for what emit() retries).
  RetryOptions retry;
  /// Largest request body emit() sends; larger payloads fail before sending.
  std::size_t max_body_bytes = 1024 * 1024;
  /// Largest answer body the client accepts from the service (or anything in between); a
  /// larger one fails the call while it is being received (TransportError, maybe_sent), so a
  /// hostile or broken server cannot exhaust memory. 0: sized to the largest legitimate answer,
  /// a `/query` page of `page_size` messages of `max_body_bytes` each, JSON-escaped:
  /// `2 * page_size * max_body_bytes + 1 MiB` (201 MiB with the defaults). Only a `/query`
  /// page may be that large: the protocol's other answers (emits, claims, records) are small
  /// objects and are capped at 1 MiB, or at this when lower. An answer announced by
  /// Content-Length is received into one buffer of that size, without regrowing.
  std::size_t max_response_bytes = 0;

  // --- Asynchronous emits (flow control) ------------------------------------------------
  /// Most emit_async() calls pending at once. An emit is pending from the moment
  /// emit_async() accepts it until its future is ready: queued, in flight, or waiting to
  /// retry. Blocking emit() calls are not counted (each holds its caller's thread already).
  /// Values above 16,777,215 act as 16,777,215.
  std::size_t max_pending_emits = 1000;
  /// Most request-body bytes of the pending emit_async() calls (each body is held once, shared
  /// by its attempts). An emit larger than this on its own is accepted when nothing else is
  /// pending. Values above 512 GiB - 1 act as that.
  std::size_t max_pending_bytes = 64 * 1024 * 1024;
  /// What emit_async() does when either limit is reached.
  WhenEmitQueueFull when_emit_queue_full = WhenEmitQueueFull::block;

  // --- Listening ------------------------------------------------------------------------
  /// Period of an idle listener's polls, from the start of one to the start of the next, so
  /// that a message waits half of it on average while a poll and its claims take less than
  /// half the period (a full page whose claims all succeeded is re-polled at once). When they
  /// take longer, the next poll starts half a period after they ended, so a slow service is
  /// not polled back to back by an idle listener.
  std::chrono::milliseconds poll_interval{1'000};
  /// Random share of poll_interval added or removed per period, in [0, 1), so that many
  /// processes do not poll in lock-step.
  double poll_jitter = 0.1;
  /// Longest wait between polls of a listener whose polls or claims keep failing (a longer
  /// Retry-After from the service is cut to this).
  std::chrono::milliseconds max_poll_backoff{30'000};
  /// Messages asked for per query (1..100).
  int page_size = 100;
  /// Threads that run handlers, shared by all listeners of the client.
  int handler_threads = 4;
  /// Claimed-but-not-yet-handled messages the client holds at most; the poller stops
  /// fetching while this many are outstanding.
  std::size_t max_outstanding_messages = 1000;
  /// How long close() waits for claims in flight and lets claimed messages start their
  /// handlers (running handlers are always waited for).
  std::chrono::milliseconds shutdown_timeout{10'000};

  // --- Diagnostics ----------------------------------------------------------------------
  /// Receives listening-path errors, one call at a time on the handler pool or, for the
  /// last ones, in close() (see ErrorHandler). Reports wait in a bounded queue and take
  /// turns with handlers; while one waits, later `poll`, `claim` and `handler` reports of
  /// the same listener merge into it (ListenerError::coalesced), and the queue holds up to
  /// max_outstanding_messages + 1024 reports before the other kinds merge too
  /// (Metrics::reports_dropped counts both). Empty: a rate-limited line through `logger`.
  ErrorHandler on_error;
  /// Receives diagnostic lines, where listener errors are delivered (see LogHandler). It may
  /// call Client members as on_error may. Empty: lines go to stderr.
  LogHandler logger;
  /// Least severe level passed to `logger` (or stderr); less severe lines are not even
  /// formatted. `info` adds lifecycle lines (I/O thread started, listener added and removed,
  /// close() begun and done); `debug` adds one line per HTTP attempt (method, path, status or
  /// failure, attempt, duration, new or reused connection, peer address, proxy; never the
  /// secret), the SDK's `curl -v`.
  LogLevel log_level = LogLevel::warning;

  /// Options filled from the environment: `BUILDABLE_SECRET_KEY` -> secret,
  /// `BLD_EVENTS_BASE_URL` -> base_url, `BUILDABLE_CA_BUNDLE` -> ca_bundle, `BUILDABLE_PROXY`
  /// -> proxy. Unset variables leave the defaults, and so do empty ones (except
  /// `BUILDABLE_SECRET_KEY`, which is taken as it is). Values set on the returned object
  /// afterwards win over the variables. Nothing is validated here; the Client's constructor
  /// calls validate().
  static ClientOptions from_env();

  /// Throws buildable::InvalidArgument naming the first bad field and what to fix. A
  /// non-empty ca_bundle is opened for reading (the one check that touches the file system).
  void validate() const;
};

/// Prints the options for diagnostics, with the secret redacted.
BUILDABLE_EXPORT std::ostream& operator<<(std::ostream& os, const ClientOptions& options);

}  // namespace buildable
