// What the HTTP core hands to the application and gets back: a parsed request, an answer, and
// the handler interface. Nothing here knows about sockets, so the same handler is driven by the
// server and by the fuzz target.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "answered_request.hpp"

namespace buildable::emulator::detail::http {

/// A request's query string, decoded name -> value, in order of appearance per name.
using QueryParameters = std::multimap<std::string, std::string>;

struct HttpRequest {
  std::string method;  ///< as sent, e.g. "POST"
  std::string target;  ///< as sent, e.g. "/_dashboard/api/messages?limit=5"
  std::string path;    ///< `target` before '?', not decoded (routes match it exactly)
  QueryParameters query;
  std::vector<std::pair<std::string, std::string>> headers;  ///< as sent, in order
  std::string body;                                          ///< empty until the body has been read
  std::string remote_address;
  int remote_port = 0;

  /// The first header named `name` (ASCII case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

/// How the connection delivers an answer; the last two exist for fault injection.
enum class Delivery {
  whole,       ///< status, headers and body
  nothing,     ///< the connection is closed without a byte of the answer
  first_half,  ///< status and headers (full Content-Length), half the body, then closed
};

struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  ///< besides the framing ones
  std::string body;
  Delivery delivery = Delivery::whole;
};

/// What to do with a request whose body has been read.
struct Work {
  /// Waited for (without holding a thread) before `run`. The server's stop() lets a delay that
  /// ends before its drain deadline run its course (the request is in flight); a longer one is
  /// cut short and answered 503.
  std::chrono::milliseconds delay{0};
  /// Runs on one of the server's worker threads when it has them
  /// (HttpServerOptions::worker_threads), so that it may block (on a database) without
  /// holding a thread that moves other connections' bytes; otherwise on an I/O thread.
  std::function<HttpAnswer()> run;
  /// False for work that only returns a ready answer: it runs on the I/O thread (no hop).
  bool may_block = true;
};

/// Work that answers `answer` at once.
inline Work answer_with(HttpAnswer answer) {
  Work work;
  work.run = [answer = std::move(answer)] { return answer; };
  work.may_block = false;
  return work;
}

/// The application behind the server. check_head() and handle() are called on the server's I/O
/// threads (so they must be quick), concurrently for different connections. Exceptions are caught
/// by the server and answered 500.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;

  /// Called when a request's head has arrived, before any body byte is read. An answer
  /// refuses the request: it is sent with `Connection: close` and the body is never read.
  virtual std::optional<HttpAnswer> check_head(const HttpRequest& head) = 0;

  /// Called with the whole request (head accepted by check_head).
  virtual Work handle(HttpRequest request) = 0;

  /// The answer to an error found by the server itself (malformed request, limits, timeouts,
  /// shutdown, overload): `status` and a message for a human.
  virtual HttpAnswer error(int status, const std::string& name, const std::string& message) = 0;

  /// Called once per answered request (also the server's own error answers), after the answer
  /// was written or its write failed. Must be quick: it runs on the connection's I/O thread.
  virtual void answered(const AnsweredRequest& request) noexcept { (void)request; }
};

}  // namespace buildable::emulator::detail::http
