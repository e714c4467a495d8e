#include "connection.hpp"

#include <strings.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <exception>
#include <limits>

#include "answer_text.hpp"
#include "connection_registry.hpp"
#include "request_head.hpp"

namespace buildable::emulator::detail::http {

namespace beast = boost::beast;
namespace net = boost::asio;

namespace {

// After an answer with `Connection: close`, what the peer still sends is read and dropped for
// this long (and up to this much), so that closing does not reset the connection before the
// peer has read the answer (a refused upload is still being sent).
constexpr std::chrono::seconds kLingerTime{1};
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;

// What one read asks for while waiting for a request's first byte.
constexpr std::size_t kFirstReadBytes = 16 * 1024;
// How often a passed deadline cancels the read again until the read has ended.
constexpr std::chrono::milliseconds kCancelRepeat{50};

constexpr const char* kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// A request's work on the workers: waiting, taken by a worker, or answered 503 by the drain.
constexpr int kQueued = 0;
constexpr int kStarted = 1;
constexpr int kAbandoned = 2;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

}  // namespace

Connection::Connection(net::ip::tcp::socket socket, RequestHandler& handler,
                       const ConnectionLimits& limits, ConnectionRegistry& registry,
                       Workers workers, std::optional<HttpAnswer> refusal)
    : stream_(std::move(socket)),
      timer_(stream_.get_executor()),
      deadline_(stream_.get_executor()),
      handler_(handler),
      limits_(limits),
      registry_(registry),
      workers_(workers),
      refusal_(std::move(refusal)),
      buffer_(limits.max_head_bytes + 16 * 1024) {
  beast::error_code ec;
  const auto remote = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    remote_address_ = remote.address().to_string();
    remote_port_ = remote.port();
  }
  stream_.socket().set_option(net::ip::tcp::no_delay(true), ec);
}

Connection::~Connection() {
  set_in_flight(false);
  registry_.remove(this, refusal_.has_value());
}

void Connection::start() {
  started_ = std::chrono::steady_clock::now();  // a refusal's "request" starts now
  // Before any step is posted, so this write happens-before the strand's reads.
  if (!registry_.add(this, weak_from_this())) stopping_ = true;
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->stopping_) {
      self->close_now();
    } else if (self->refusal_) {
      self->answer(*self->refusal_, Ending::close_unread);
    } else {
      self->read_head();
    }
  });
}

void Connection::stop(std::chrono::steady_clock::time_point drain_deadline) {
  net::post(stream_.get_executor(),
            [self = shared_from_this(), drain_deadline] { self->on_stop(drain_deadline); });
}

void Connection::on_stop(std::chrono::steady_clock::time_point drain_deadline) {
  stopping_ = true;
  drain_deadline_ = drain_deadline;
  switch (phase_) {
    case Phase::idle:
    case Phase::head:
      close_now();  // no whole head yet: the client may safely send it again elsewhere
      break;
    case Phase::body:
      break;  // in flight: read on (within the body timeout), handled, answered, closed
    case Phase::delaying:
      // A delay stands for a slow handler: it is in flight. One that cannot end within the
      // drain is cut short now (run() skipped, 503), so its client may retry elsewhere at once.
      if (timer_.expiry() > drain_deadline) timer_.cancel();
      break;
    case Phase::working:  // its handler ends, then it is answered
      abandon_at_drain_deadline();
      break;
    case Phase::writing:
    case Phase::closing:
      break;  // ends by itself (no keep-alive once stopping_)
  }
}

void Connection::read_head() {
  if (stopping_) return close_now();
  phase_ = Phase::idle;
  request_ = HttpRequest{};
  method_.clear();
  path_.clear();
  head_only_ = false;
  http_1_0_ = false;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_head_bytes));
  // Checked after check_head() accepted the head. (Not boost::none: Beast 1.74 compares a
  // Content-Length against an empty optional as if the limit were below every length.)
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  // Bytes already buffered (a pipelined request) start the head's clock at once.
  if (buffer_.size() > 0) return read_rest_of_head();
  // The first byte is awaited on its own: the parser takes nothing before the head is whole,
  // so only a plain read tells when the head's own deadline starts.
  stream_.expires_after(limits_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->buffer_.commit(n);
                            if (ec || n == 0) return self->close_now();  // idle, closed, stopped
                            self->read_rest_of_head();
                          });
}

void Connection::read_rest_of_head() {
  if (stopping_) return close_now();
  phase_ = Phase::head;
  started_ = std::chrono::steady_clock::now();
  arm_deadline(limits_.header_timeout);
  beast::http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_head(ec); });
}

void Connection::arm_deadline(std::chrono::seconds limit) {
  // Not the stream's own timeout: that one closes the socket, and the 408 could not be sent.
  stream_.expires_never();
  timed_out_ = false;
  const std::uint64_t generation = ++deadline_generation_;
  deadline_.expires_after(limit);
  deadline_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
    self->on_deadline(ec, generation);
  });
}

void Connection::on_deadline(beast::error_code ec, std::uint64_t generation) {
  if (ec || generation != deadline_generation_) return;  // disarmed or re-armed
  timed_out_ = true;
  stream_.cancel();  // the read completes with operation_aborted
  // A cancel finds nothing when a read has completed but its handler has not run yet; Beast's
  // composed read then starts another read that this cancel never saw. So it is repeated
  // until the read ends and disarms the deadline.
  deadline_.expires_after(kCancelRepeat);
  deadline_.async_wait([self = shared_from_this(), generation](beast::error_code e) {
    self->on_deadline(e, generation);
  });
}

void Connection::disarm_deadline() {
  ++deadline_generation_;
  deadline_.cancel();
}

void Connection::on_head(beast::error_code ec) {
  disarm_deadline();
  if (!ec) return on_head_complete();
  if (timed_out_ && !stopping_) {
    return fail(408, "request-timeout",
                "the request head did not arrive within " +
                    std::to_string(limits_.header_timeout.count()) + " s");
  }
  if (stopping_ || ec == beast::http::error::end_of_stream || ec == net::error::eof ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset) {
    return close_now();
  }
  if (ec == beast::http::error::header_limit) {
    return fail(
        431, "header-too-large",
        "the request line and headers exceed " + std::to_string(limits_.max_head_bytes) + " bytes");
  }
  fail(400, "bad-request", "malformed HTTP request (" + ec.message() + ")");
}

void Connection::on_head_complete() {
  stream_.expires_never();
  request_ = request_from_head(parser_->get().base(), remote_address_, remote_port_);
  method_ = request_.method;
  path_ = request_.path;
  set_in_flight(true);
  head_only_ = request_.method == "HEAD";
  http_1_0_ = parser_->get().version() < 11;
  // Beast frames a body only by Content-Length or a final "chunked"; any other coding would
  // leave the body's bytes to be read as the next request (request smuggling).
  for (const auto& [name, value] : request_.headers) {
    if (iequals(name, "Transfer-Encoding") && !iequals(trimmed(value), "chunked")) {
      return fail(501, "not-implemented",
                  "Transfer-Encoding '" + value + "': only chunked is supported");
    }
  }

  std::optional<HttpAnswer> refused;
  try {
    refused = handler_.check_head(request_);
  } catch (const std::exception& e) {
    refused = handler_.error(500, "internal-error", e.what());
  }
  if (refused) return answer(std::move(*refused), Ending::close_unread);

  if (const auto length = parser_->content_length(); length && *length > limits_.max_body_bytes) {
    return fail(413, "payload-too-large",
                "the body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
  }
  parser_->body_limit(limits_.max_body_bytes);
  if (parser_->is_done()) return on_body({});

  const std::string* expect = request_.header("Expect");
  if (expect && iequals(*expect, "100-continue") && !http_1_0_) {
    phase_ = Phase::writing;
    stream_.expires_after(limits_.write_timeout);
    net::async_write(stream_, net::buffer(kContinue, std::char_traits<char>::length(kContinue)),
                     [self = shared_from_this()](beast::error_code e, std::size_t) {
                       if (e) return self->close_now();
                       self->read_body();  // even when stopping: the request is in flight
                     });
    return;
  }
  read_body();
}

void Connection::read_body() {
  phase_ = Phase::body;
  arm_deadline(limits_.body_timeout);
  beast::http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

void Connection::on_body(beast::error_code ec) {
  disarm_deadline();
  if (ec) {
    if (timed_out_ && !stopping_) {
      return fail(408, "request-timeout",
                  "the request body did not arrive within " +
                      std::to_string(limits_.body_timeout.count()) + " s");
    }
    if (stopping_ || ec == net::error::operation_aborted) return close_now();
    if (ec == beast::http::error::body_limit) {
      return fail(413, "payload-too-large",
                  "the body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
    }
    if (ec == beast::http::error::partial_message || ec == net::error::eof ||
        ec == net::error::connection_reset) {
      return close_now();
    }
    return fail(400, "bad-request", "malformed HTTP request body (" + ec.message() + ")");
  }
  stream_.expires_never();
  request_.body = std::move(parser_->get().body());
  close_after_write_ = !parser_->keep_alive();

  Work work;
  try {
    work = handler_.handle(std::move(request_));
  } catch (const std::exception& e) {
    return answer(handler_.error(500, "internal-error", e.what()), after_answer());
  }
  if (work.delay.count() <= 0) return run(std::move(work));
  if (stopping_ && std::chrono::steady_clock::now() + work.delay > drain_deadline_) {
    return answer(handler_.error(503, "service-unavailable", "the emulator is shutting down"),
                  Ending::close);
  }
  phase_ = Phase::delaying;
  timer_.expires_after(work.delay);
  timer_.async_wait(
      [self = shared_from_this(), work = std::move(work)](beast::error_code e) mutable {
        if (e) {  // cut short by stop()
          return self->answer(
              self->handler_.error(503, "service-unavailable", "the emulator is shutting down"),
              Ending::close);
        }
        self->run(std::move(work));
      });
}

void Connection::run(Work work) {
  if (!workers_.pool || !work.may_block) return answer(perform(work), after_answer());
  // In flight on a worker: stop() lets it end and answers it (then closes).
  phase_ = Phase::working;
  job_ = std::make_shared<std::atomic<int>>(kQueued);
  if (stopping_) abandon_at_drain_deadline();
  if (ServerGauges* gauges = registry_.gauges()) gauges->waiting_for_worker.fetch_add(1);
  net::post(*workers_.pool, [self = shared_from_this(), work = std::move(work), job = job_,
                             queued = std::chrono::steady_clock::now()]() mutable {
    int expected = kQueued;
    const bool taken = job->compare_exchange_strong(expected, kStarted);
    if (ServerGauges* gauges = self->registry_.gauges()) gauges->waiting_for_worker.fetch_sub(1);
    if (!taken) return;  // already answered 503 by the drain
    HttpAnswer result = self->perform_queued(work, queued);
    net::post(self->stream_.get_executor(), [self, result = std::move(result)]() mutable {
      self->answer(std::move(result), self->after_answer());
    });
  });
}

void Connection::abandon_at_drain_deadline() {
  timer_.expires_at(drain_deadline_);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->phase_ != Phase::working) return;
    int expected = kQueued;
    if (!self->job_->compare_exchange_strong(expected, kAbandoned)) return;  // running
    HttpAnswer refused = self->handler_.error(
        503, "service-unavailable", "the server stopped before this request was applied; retry it");
    refused.headers.emplace_back("Retry-After", "1");
    self->answer(std::move(refused), Ending::close);
  });
}

HttpAnswer Connection::perform_queued(Work& work, std::chrono::steady_clock::time_point queued) {
  const auto waited = std::chrono::steady_clock::now() - queued;
  if (workers_.max_wait.count() <= 0 || waited <= workers_.max_wait) return perform(work);
  HttpAnswer busy = handler_.error(
      503, "service-unavailable",
      "every worker stayed busy for " + std::to_string(workers_.max_wait.count()) +
          " ms (the database is slow or away); the request was not applied, retry later");
  busy.headers.emplace_back("Retry-After", "1");
  return busy;
}

HttpAnswer Connection::perform(Work& work) {
  try {
    return work.run ? work.run() : handler_.error(500, "internal-error", "no handler");
  } catch (const std::exception& e) {
    return handler_.error(500, "internal-error", e.what());
  }
}

Connection::Ending Connection::after_answer() const {
  return close_after_write_ ? Ending::close : Ending::keep_alive;
}

void Connection::fail(int status, const std::string& name, const std::string& message) {
  HttpAnswer result;
  try {
    result = handler_.error(status, name, message);
  } catch (const std::exception&) {
    result.status = status;  // an empty body still tells the status
  }
  answer(std::move(result), Ending::close_unread);
}

void Connection::answer(HttpAnswer result, Ending ending) {
  if (stopping_ && ending == Ending::keep_alive) ending = Ending::close;
  if (result.delivery == Delivery::nothing) {
    report(0, 0);
    return close_now();
  }
  if (result.delivery == Delivery::first_half) ending = Ending::close;
  // HTTP/1.0 closes by default: a kept connection must be announced.
  if (http_1_0_ && ending == Ending::keep_alive)
    result.headers.emplace_back("Connection", "keep-alive");
  out_ = answer_text(result, ending != Ending::keep_alive);
  const std::size_t head_bytes = out_.size() - result.body.size();
  std::size_t length = out_.size();
  if (head_only_) {
    length -= result.body.size();  // HEAD: the headers (Content-Length included) only
  } else if (result.delivery == Delivery::first_half) {
    length -= result.body.size() - result.body.size() / 2;
  }
  phase_ = Phase::writing;
  stream_.expires_after(limits_.write_timeout);
  net::async_write(stream_, net::buffer(out_.data(), length),
                   [self = shared_from_this(), ending, status = result.status, head_bytes](
                       beast::error_code ec, std::size_t written) {
                     self->out_.clear();
                     self->report(status, written > head_bytes ? written - head_bytes : 0);
                     if (ec) return self->close_now();
                     if (ending == Ending::keep_alive && !self->stopping_) return self->read_head();
                     if (ending == Ending::close_unread && !self->stopping_) {
                       return self->linger_close();
                     }
                     self->close_now();
                   });
}

void Connection::report(int status, std::size_t body_bytes) {
  set_in_flight(false);
  handler_.answered(AnsweredRequest{method_, path_, remote_address_, remote_port_, status,
                                    body_bytes, std::chrono::steady_clock::now() - started_});
}

void Connection::set_in_flight(bool in_flight) {
  if (in_flight == in_flight_) return;
  in_flight_ = in_flight;
  if (ServerGauges* gauges = registry_.gauges()) {
    gauges->requests_in_flight.fetch_add(in_flight ? 1 : -1);
  }
}

void Connection::linger_close() {
  phase_ = Phase::closing;
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  if (ec) return close_now();
  drained_ = 0;
  stream_.expires_after(kLingerTime);
  drain();
}

void Connection::drain() {
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(16 * 1024),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ >= kMaxLingerBytes) return self->close_now();
                            self->drain();
                          });
}

void Connection::close_now() {
  set_in_flight(false);  // closed unanswered (peer gone, body cut, stopped)
  phase_ = Phase::closing;
  timer_.cancel();
  disarm_deadline();
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

}  // namespace buildable::emulator::detail::http
