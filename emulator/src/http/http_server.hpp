// The emulator's HTTP/1.1 server: an event-driven core over Boost.Asio with Beast's parser.
// Connections cost a socket and a few kilobytes, not a thread, so idle or slow peers cannot
// starve the others; each connection enforces the timeouts and size limits of
// ConnectionLimits, and at most `max_connections` are served at once.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "connection_registry.hpp"
#include "exchange.hpp"
#include "limits.hpp"
#include "server_gauges.hpp"

namespace buildable::emulator::detail::http {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  ///< 0 = an ephemeral port
  int threads = 4;
  /// Threads that run handlers' Work (which may block, on a database say), so that the I/O
  /// threads keep serving other connections (/healthz, idle and slow peers) meanwhile.
  /// 0 = handlers run on the I/O threads (right for work that never blocks long).
  int worker_threads = 0;
  /// Work that waited this long for a worker is answered 503 `service-unavailable`
  /// (`Retry-After: 1`) without running, so that a request's answer never waits on the ones
  /// queued before it for longer than this plus its own run. 0 = no limit.
  std::chrono::milliseconds max_worker_wait{0};
  std::size_t max_connections = 10000;
  ConnectionLimits limits;
  /// When set, kept up to date for the metrics.
  ServerGauges* gauges = nullptr;
};

class HttpServer {
 public:
  HttpServer(RequestHandler& handler, HttpServerOptions options);
  /// Stops, see stop().
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds, listens and starts the threads. Throws std::runtime_error when the address cannot
  /// be bound. Call once.
  void start();

  /// Drains, then stops: stops accepting, closes idle connections and those still receiving a
  /// request's head, lets the requests in flight (head accepted: body being read, handler
  /// running, delay ending in time, answer being written) finish until `drain_timeout`,
  /// answers 503 to delays that would end later, then closes the rest and joins the threads
  /// (a handler already running on a worker thread ends first; work still waiting for a worker
  /// at the deadline is answered 503 and never runs).
  void stop(std::chrono::milliseconds drain_timeout = std::chrono::milliseconds(2000));

  int port() const { return port_; }
  /// The numeric address the socket is bound to, e.g. "127.0.0.1" or "::".
  const std::string& bound_address() const { return bound_address_; }
  /// True when bound to a loopback address (127.0.0.0/8, ::1).
  bool loopback_only() const { return loopback_only_; }

 private:
  void accept_next();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  RequestHandler& handler_;
  const HttpServerOptions options_;
  ConnectionRegistry registry_;  // outlives the connections (destroyed with io_context_)
  boost::asio::io_context io_context_;
  boost::asio::strand<boost::asio::io_context::executor_type> accept_strand_;
  boost::asio::ip::tcp::acceptor acceptor_;  // used on accept_strand_ only
  boost::asio::steady_timer accept_retry_;
  std::optional<HttpAnswer> overload_answer_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::optional<boost::asio::thread_pool> workers_;  // when options_.worker_threads > 0
  int port_ = 0;
  std::string bound_address_;
  bool loopback_only_ = false;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace buildable::emulator::detail::http
