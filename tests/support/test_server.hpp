// A scriptable HTTP server on 127.0.0.1 (ephemeral port) for integration tests of the SDK.
//
// It records every request (method, path, headers, body, the client's remote port) and answers
// each path from a script: one-shot responses queued in order, then a per-path handler or
// default, then the built-in fallback (`/emit` answers 200 with a fresh key, anything else
// 404). A response may be delayed (interruptibly: the server's destructor and
// release_delays() cut every wait short) or may drop the connection without answering.
//
// Thread safety: every member may be called from any thread while the server runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace buildable::testing {

/// One request as the server received it.
struct RecordedRequest {
  std::string method;
  std::string path;
  /// Header names as sent; look them up with header(), which ignores case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The client's TCP port: distinct values = distinct connections.
  int remote_port = -1;
  std::chrono::steady_clock::time_point received_at;

  /// The first value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  /// The body parsed as JSON (discarded value when it is not JSON).
  nlohmann::json json() const;
};

/// What the server does with one request.
struct ScriptedResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  /// Wait this long before answering (or before dropping the connection).
  std::chrono::milliseconds delay{0};
  /// Shut the connection down without sending a single byte of response.
  bool close_without_answer = false;

  /// 200 `{"status":"success","key":"<key>"}`.
  static ScriptedResponse emit_success(std::string key);
  /// A JSON body with this status.
  static ScriptedResponse json(int status, const nlohmann::json& body);
  /// The protocol's error shape `{"status":"error","name":..,"message":..,"code":status}`.
  static ScriptedResponse error(int status, std::string name, std::string message);
  /// A raw body with this status and content type.
  static ScriptedResponse raw(int status, std::string body,
                              std::string content_type = "application/json");
  /// Drop the connection without answering (after `delay`).
  static ScriptedResponse drop(std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  /// Answer `status` only after `delay` (use a long one for "the server hangs").
  static ScriptedResponse delayed(std::chrono::milliseconds delay, ScriptedResponse then);

  ScriptedResponse& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

class TestServer {
 public:
  using Handler = std::function<ScriptedResponse(const RecordedRequest&)>;

  struct Options {
    /// Worker threads of the server: the number of connections served at once.
    int threads = 16;
    /// Seconds an idle keep-alive connection stays open before the server closes it.
    int keep_alive_timeout_s = 30;
  };

  /// Binds 127.0.0.1 on an ephemeral port and starts serving; returns once it accepts.
  TestServer();
  explicit TestServer(Options options);
  /// Cuts every pending delay short, stops the server and joins its threads.
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const noexcept { return port_; }
  /// "http://127.0.0.1:<port>".
  std::string base_url() const;

  // --- Script -------------------------------------------------------------------------------
  /// Queues a one-shot response for `path` (exact match); queued responses are used in order
  /// before the handler/default of the path.
  void enqueue(const std::string& path, ScriptedResponse response);
  /// Queues `count` copies of `response`.
  void enqueue(const std::string& path, const ScriptedResponse& response, int count);
  /// The response for `path` once its queue is empty (replaces any handler of the path).
  void set_default(const std::string& path, ScriptedResponse response);
  /// A function computing the response for `path` once its queue is empty.
  void set_handler(const std::string& path, Handler handler);
  /// A function for every path that has no queue entry, handler or default of its own.
  void set_fallback(Handler handler);
  /// Forgets every scripted response (the built-in fallback applies again).
  void reset_script();

  /// Ends every delay that is running now, as if it had elapsed. Later delays run normally.
  void release_delays();

  // --- Observations --------------------------------------------------------------------------
  std::vector<RecordedRequest> requests() const;
  /// Requests to `path` (every path when empty).
  std::size_t request_count(const std::string& path = "") const;
  /// Waits until at least `count` requests (to `path`, or any when empty) arrived.
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout,
                         const std::string& path = "") const;
  /// Distinct client ports seen: the number of TCP connections that carried requests.
  std::set<int> remote_ports() const;
  void clear_requests();
  /// Connections to the server that are open right now (accepted and not yet closed by the
  /// server).
  std::size_t open_connections() const;

  /// A fresh 32-lowercase-hex key, distinct for the lifetime of the process.
  static std::string make_key();

 private:
  struct State;
  int port_ = -1;
  std::shared_ptr<State> state_;
};

/// A 127.0.0.1 port with nothing listening on it (bound and released at once), for
/// "connection refused" tests.
int unused_port();

/// Polls `condition` until it holds or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace buildable::testing
