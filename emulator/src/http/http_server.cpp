#include "http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <stdexcept>

#include "connection.hpp"

namespace buildable::emulator::detail::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// After a failed accept (out of file descriptors, say), wait before the next one instead of
// spinning on the same error.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
// After the drain deadline, how long answers to abandoned work may take to be written.
constexpr std::chrono::milliseconds kAbandonGrace{250};

}  // namespace

HttpServer::HttpServer(RequestHandler& handler, HttpServerOptions options)
    : handler_(handler),
      options_(std::move(options)),
      registry_(options_.max_connections, options_.gauges),
      io_context_(options_.threads),
      accept_strand_(net::make_strand(io_context_)),
      acceptor_(accept_strand_),
      accept_retry_(accept_strand_) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  boost::system::error_code ec;
  tcp::resolver resolver(io_context_);
  const auto resolved =
      resolver.resolve(options_.host, std::to_string(options_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || resolved.empty()) {
    throw std::runtime_error("cannot resolve the address to listen on, " + options_.host);
  }
  const tcp::endpoint endpoint = resolved.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  // SO_REUSEADDR allows a quick restart on the same port; SO_REUSEPORT is deliberately not
  // set, so a second emulator cannot bind the port and silently share the traffic.
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) + " (" + ec.message() + ")");
  }
  const auto local = acceptor_.local_endpoint();
  port_ = local.port();
  bound_address_ = local.address().to_string();
  loopback_only_ = local.address().is_loopback();
  overload_answer_ =
      handler_.error(503, "too-many-connections",
                     "the emulator serves at most " + std::to_string(options_.max_connections) +
                         " connections at once; retry later");
  started_ = true;
  // Until stop() has seen every connection end: without it the threads leave run() once no
  // operation is pending, and a Connection::stop() posted by stop_all() after that never
  // runs (stop() then waits out the whole grace).
  work_.emplace(io_context_.get_executor());
  if (options_.worker_threads > 0)
    workers_.emplace(static_cast<std::size_t>(options_.worker_threads));
  accept_next();
  threads_.reserve(static_cast<std::size_t>(options_.threads));
  for (int i = 0; i < options_.threads; ++i)
    threads_.emplace_back([this] { io_context_.run(); });
}

void HttpServer::accept_next() {
  acceptor_.async_accept(net::make_strand(io_context_),
                         [this](boost::system::error_code ec, tcp::socket socket) {
                           on_accept(ec, std::move(socket));
                         });
}

void HttpServer::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    accept_retry_.expires_after(kAcceptRetryDelay);
    accept_retry_.async_wait([this](boost::system::error_code e) {
      if (!e && acceptor_.is_open()) accept_next();
    });
    return;
  }
  switch (registry_.admit()) {
    case ConnectionRegistry::Admission::serve:
      std::make_shared<Connection>(
          std::move(socket), handler_, options_.limits, registry_,
          Connection::Workers{workers_ ? &*workers_ : nullptr, options_.max_worker_wait})
          ->start();
      break;
    case ConnectionRegistry::Admission::refuse:
      std::make_shared<Connection>(std::move(socket), handler_, options_.limits, registry_,
                                   Connection::Workers{}, overload_answer_)
          ->start();
      break;
    case ConnectionRegistry::Admission::drop:
      break;  // the socket closes here
  }
  accept_next();
}

void HttpServer::stop(std::chrono::milliseconds drain_timeout) {
  if (!started_ || stopped_) return;
  stopped_ = true;
  const auto deadline = std::chrono::steady_clock::now() + drain_timeout;
  net::post(accept_strand_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  registry_.stop_all(deadline);
  // Work still queued for the workers is answered 503 at the deadline: a moment to write that.
  if (!registry_.wait_empty(deadline) && !registry_.wait_empty(deadline + kAbandonGrace)) {
    // Handlers still running, answers still being written to peers that do not read: give up
    // on them (a running handler still ends before its thread is joined; work queued for
    // the workers and not started is dropped).
    io_context_.stop();
    if (workers_) workers_->stop();
  }
  if (workers_) workers_->join();
  work_.reset();
  for (auto& thread : threads_)
    thread.join();
  threads_.clear();
}

}  // namespace buildable::emulator::detail::http
