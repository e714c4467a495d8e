// One accepted TCP connection of the HTTP core: reads requests one after the other (head
// first, so that a request can be refused before its body is read), runs the handler, writes
// answers, and enforces the timeouts and size limits. Every step runs on the connection's
// strand, so a connection is never touched by two threads at once.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/optional.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "exchange.hpp"
#include "limits.hpp"

namespace buildable::emulator::detail::http {

class ConnectionRegistry;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  /// Where Work that may block runs; without `pool`, on the connection's strand.
  struct Workers {
    boost::asio::thread_pool* pool = nullptr;
    std::chrono::milliseconds max_wait{0};  ///< see HttpServerOptions::max_worker_wait
  };

  /// `refusal`: when set, the connection only sends this answer and closes (overload).
  Connection(boost::asio::ip::tcp::socket socket, RequestHandler& handler,
             const ConnectionLimits& limits, ConnectionRegistry& registry, Workers workers,
             std::optional<HttpAnswer> refusal = std::nullopt);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Starts serving (or refusing). Call once, right after construction.
  void start();

  /// Asks the connection to end (thread-safe): an idle one, or one still receiving a request's
  /// head, closes at once; a request in flight (head accepted: its body being read, its
  /// handler running, its delay ending by `drain_deadline`) gets its answer, then the
  /// connection closes; a delay that would end later is cut short and answered 503.
  void stop(std::chrono::steady_clock::time_point drain_deadline);

 private:
  enum class Phase { idle, head, body, delaying, working, writing, closing };
  /// After an answer: read the next request, close, or close once the peer had time to read
  /// the answer though the request was not read to its end (see linger_close()).
  enum class Ending { keep_alive, close, close_unread };
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void read_head();
  void read_rest_of_head();
  /// Starts the head's or body's deadline: when it passes, the read is cancelled and the
  /// request answered 408.
  void arm_deadline(std::chrono::seconds limit);
  void on_deadline(boost::beast::error_code ec, std::uint64_t generation);
  void disarm_deadline();
  void on_head(boost::beast::error_code ec);
  void on_head_complete();
  void read_body();
  void on_body(boost::beast::error_code ec);
  void run(Work work);
  /// The answer `work` gives, or the handler's 500 when it throws. Touches no connection state
  /// (it may run on a worker thread).
  HttpAnswer perform(Work& work);
  /// On a worker: `work`'s answer, or 503 when it waited for the worker since `queued` longer
  /// than allowed.
  HttpAnswer perform_queued(Work& work, std::chrono::steady_clock::time_point queued);
  /// Stopping: at the drain deadline, work still waiting for a worker is answered 503 (it will
  /// never be applied) instead of being closed unanswered.
  void abandon_at_drain_deadline();
  void answer(HttpAnswer answer, Ending ending);
  Ending after_answer() const;
  void fail(int status, const std::string& name, const std::string& message);
  void linger_close();
  void drain();
  void close_now();
  void on_stop(std::chrono::steady_clock::time_point drain_deadline);
  /// Tells the handler that the current request was answered with `status`.
  void report(int status, std::size_t body_bytes);
  /// The current request enters or leaves the in-flight gauge.
  void set_in_flight(bool in_flight);

  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer timer_;     ///< injected delays
  boost::asio::steady_timer deadline_;  ///< the head's or body's deadline
  std::uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;
  RequestHandler& handler_;
  const ConnectionLimits& limits_;
  ConnectionRegistry& registry_;
  const Workers workers_;
  /// The current work's state on the workers (kQueued, kStarted, kAbandoned), shared with it.
  std::shared_ptr<std::atomic<int>> job_;
  std::optional<HttpAnswer> refusal_;
  boost::beast::flat_buffer buffer_;
  boost::optional<Parser> parser_;
  HttpRequest request_;
  // The current request's method and path, kept for report() (request_ goes to the handler).
  std::string method_;
  std::string path_;
  std::chrono::steady_clock::time_point started_;  ///< the current request's first byte
  bool in_flight_ = false;                         ///< counted in ServerGauges::requests_in_flight
  std::string out_;                                ///< the answer being written
  std::string remote_address_;
  int remote_port_ = 0;
  Phase phase_ = Phase::idle;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;  ///< set with stopping_ by on_stop()
  std::size_t drained_ = 0;
  bool close_after_write_ = false;
  bool head_only_ = false;  ///< a HEAD request: its answer has no body
  bool http_1_0_ = false;   ///< an HTTP/1.0 request: no 100 Continue, keep-alive announced
};

}  // namespace buildable::emulator::detail::http
