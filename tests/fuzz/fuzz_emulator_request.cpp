// Fuzzes the emulator's request handling as a connection of its HTTP core drives it: the input
// is the bytes a client sends on one connection (one HTTP/1.1 request or several pipelined),
// fed to Beast's request parser with the connection's limits, then request_from_head,
// Router::check_head (a refusal ends the connection), the body, Router::handle, Work::run and
// answer_text. Faults are off, so no request may be delayed or answered 5xx.
//
// Invariants for every answer (the router's, a refusal's, or the core's own errors):
// - nothing throws out of check_head, handle or run (the server would answer 500
//   `internal-error`), and no answer is 5xx;
// - the status is 100..599, the delivery whole, a 405 says `Allow`;
// - a non-2xx body is a JSON object {"status":"error","name":<non-empty string>,
//   "message":<string>,"code":<the status>}, and every application/json body is valid JSON
//   (parsing never throws: invalid UTF-8 from the request must have been made valid);
// - the serialized answer is well-formed: the status line, then only `Name: value` lines (a
//   token, no CR, LF or NUL in the value), one Content-Length equal to the body's size,
//   `Connection: close` exactly when closing, the body after the blank line; Beast's response
//   parser reads it back to the same status and body.
//
// So that the corpus reaches the protocol's logic beyond authentication, the emulator has two
// known keys: "fuzz" (test) with the secret `fuzz-secret` and "fuzz-live" (live) with
// `fuzz-live-secret`. Message keys and the dashboard's login token are random, so the harness
// substitutes two placeholders in each request before the router sees it:
// - `@key@` in the target and the body: the key of the last message this input emitted
//   (POST /emit answered 200), so /init, /transact and /update can reach a real message;
// - `@token@` in header values: the dashboard login token issued for this input (as to key
//   "fuzz"), so POST /_dashboard/api/login can succeed.
// The emulator (in-memory store, keys, counters) is recreated every kInputsPerEmulator
// inputs, keeping memory bounded over millions of runs.

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth.hpp"
#include "context.hpp"
#include "faults.hpp"
#include "fuzz_check.hpp"
#include "http/answer_text.hpp"
#include "http/exchange.hpp"
#include "http/limits.hpp"
#include "http/request_head.hpp"
#include "http/target.hpp"
#include "router.hpp"
#include "stats.hpp"
#include "store/sqlite_store.hpp"

namespace {

namespace beast = boost::beast;
namespace emu = buildable::emulator;
namespace detail = buildable::emulator::detail;
namespace http = buildable::emulator::detail::http;
using nlohmann::json;

constexpr unsigned kInputsPerEmulator = 2000;
/// Requests handled per input at most (pipelining); each takes at least a few bytes anyway.
constexpr int kMaxRequestsPerInput = 64;

constexpr std::string_view kKeyPlaceholder = "@key@";
constexpr std::string_view kTokenPlaceholder = "@token@";

const emu::SecretKey kTestKey{"fuzz", "fuzz-secret", "test"};
const emu::SecretKey kLiveKey{"fuzz-live", "fuzz-live-secret", "live"};

/// What a running emulator shares between connections, as Emulator sets it up.
struct Emulator {
  detail::KeyRing keys{{kTestKey, kLiveKey}};
  detail::SqliteStore store{""};  // a private in-memory database
  detail::FaultInjector faults;   // no rules: no delay, no fault
  detail::StatsCollector stats;
  detail::OperationsState operations;  // no access log; metrics and readiness as served
  detail::ServerContext context{keys, store, faults, stats, operations};
  detail::Router router{context};
};

Emulator& emulator() {
  static std::unique_ptr<Emulator> current;
  static unsigned inputs = 0;
  if (!current || inputs++ % kInputsPerEmulator == 0) {
    current.reset();
    current = std::make_unique<Emulator>();
  }
  return *current;
}

void replace_all(std::string& text, std::string_view placeholder, const std::string& value) {
  if (value.empty()) return;
  for (std::size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
}

bool is_token_char(unsigned char c) {
  return std::isalnum(c) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool has_header(const http::HttpAnswer& answer, std::string_view name) {
  for (const auto& header : answer.headers) {
    if (header.first == name) return true;
  }
  return false;
}

/// Parses `text` as JSON; a parse that throws is a finding.
json parse_json(const std::string& text) {
  try {
    return json::parse(text, nullptr, /*allow_exceptions=*/false);
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("json::parse of an answer body");
  }
}

bool is_json_type(const std::string& content_type) {
  return content_type.rfind("application/json", 0) == 0;
}

/// The serialized answer: status line, `Name: value` lines, blank line, body; read back by
/// Beast to the same status and body.
void check_answer_text(const http::HttpAnswer& answer, const std::string& text, bool close) {
  const std::string status_line = "HTTP/1.1 " + std::to_string(answer.status) + " " +
                                  http::reason_phrase(answer.status) + "\r\n";
  FUZZ_CHECK(text.compare(0, status_line.size(), status_line) == 0);
  const std::size_t head_end = text.find("\r\n\r\n");
  FUZZ_CHECK(head_end != std::string::npos);
  FUZZ_CHECK(text.compare(head_end + 4, std::string::npos, answer.body) == 0);

  int content_lengths = 0;
  bool connection_close = false;
  std::size_t line_start = status_line.size();
  while (line_start < head_end + 2) {
    const std::size_t line_end = text.find("\r\n", line_start);
    FUZZ_CHECK(line_end != std::string::npos && line_end <= head_end);
    const std::string_view line(text.data() + line_start, line_end - line_start);
    const std::size_t colon = line.find(": ");
    FUZZ_CHECK(colon != std::string_view::npos && colon > 0);
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = line.substr(colon + 2);
    for (const char c : name)
      FUZZ_CHECK(is_token_char(static_cast<unsigned char>(c)));
    FUZZ_CHECK(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);
    if (name == "Content-Length") {
      ++content_lengths;
      FUZZ_CHECK(value == std::to_string(answer.body.size()));
    }
    if (name == "Connection" && value == "close") connection_close = true;
    line_start = line_end + 2;
  }
  FUZZ_CHECK(content_lengths == 1);
  FUZZ_CHECK(connection_close == close);

  // A body where HTTP allows none would be read as the start of the next answer.
  const bool bodiless = answer.status < 200 || answer.status == 204 || answer.status == 304;
  FUZZ_CHECK(!bodiless || answer.body.empty());

  beast::http::response_parser<beast::http::string_body> parser;
  parser.eager(true);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(text.data(), text.size()), ec);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(used == text.size());
  FUZZ_CHECK(parser.is_done());
  FUZZ_CHECK(parser.get().result_int() == static_cast<unsigned>(answer.status));
  FUZZ_CHECK(parser.get().body() == answer.body);
  FUZZ_CHECK(parser.keep_alive() == !close);
}

/// With BUILDABLE_FUZZ_TRACE set, every answer's status and the start of its body go to
/// stderr (to see what a corpus file reaches).
void trace(const http::HttpAnswer& answer) {
  static const bool enabled = std::getenv("BUILDABLE_FUZZ_TRACE") != nullptr;
  if (!enabled) return;
  const std::size_t shown = std::min<std::size_t>(answer.body.size(), 160);
  std::fprintf(stderr, "  -> %d %.*s%s\n", answer.status, static_cast<int>(shown),
               answer.body.data(), shown < answer.body.size() ? "..." : "");
}

/// Every answer, before and as sent.
void check_answer(const http::HttpAnswer& answer, bool close) {
  trace(answer);
  FUZZ_CHECK(answer.status >= 100 && answer.status <= 599);
  FUZZ_CHECK(answer.status < 500);  // faults are off: a 5xx is an internal error
  FUZZ_CHECK(answer.delivery == http::Delivery::whole);
  FUZZ_CHECK(!answer.content_type.empty());
  if (answer.status == 405) FUZZ_CHECK(has_header(answer, "Allow"));

  const bool success = answer.status >= 200 && answer.status <= 299;
  if (!success || is_json_type(answer.content_type)) {
    FUZZ_CHECK(is_json_type(answer.content_type));
    const json body = parse_json(answer.body);
    FUZZ_CHECK(!body.is_discarded());
    if (!success) {
      FUZZ_CHECK(body.is_object());
      const auto status = body.find("status");
      const auto name = body.find("name");
      const auto message = body.find("message");
      const auto code = body.find("code");
      FUZZ_CHECK(status != body.end() && *status == "error");
      FUZZ_CHECK(name != body.end() && name->is_string() && !name->get<std::string>().empty());
      FUZZ_CHECK(message != body.end() && message->is_string());
      FUZZ_CHECK(code != body.end() && code->is_number_integer() && *code == answer.status);
    }
  }
  check_answer_text(answer, http::answer_text(answer, close), close);
}

/// An error found by the connection itself (malformed request, limits): the router's error
/// answer, sent with `Connection: close`.
void core_error(detail::Router& router, int status, const char* name, const std::string& message) {
  http::HttpAnswer answer;
  try {
    answer = router.error(status, name, message);
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("Router::error");
  }
  FUZZ_CHECK(answer.status == status);
  check_answer(answer, /*close=*/true);
}

/// What this input's requests may refer to through the placeholders.
struct Placeholders {
  std::string key;    ///< of the last message emitted, empty before the first
  std::string token;  ///< the dashboard login token
};

void substitute_head(http::HttpRequest& request, const Placeholders& placeholders) {
  if (!placeholders.key.empty() && request.target.find(kKeyPlaceholder) != std::string::npos) {
    replace_all(request.target, kKeyPlaceholder, placeholders.key);
    http::split_target(request);
  }
  for (auto& header : request.headers)
    replace_all(header.second, kTokenPlaceholder, placeholders.token);
}

/// Runs the next request of `rest` through the router; false when the connection would close
/// (or wait for bytes that never come).
bool serve_one(detail::Router& router, std::string_view& rest, Placeholders& placeholders,
               int remote_port) {
  const http::ConnectionLimits limits;
  beast::http::request_parser<beast::http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_head_bytes));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // checked after check_head
  beast::error_code ec;

  // The head. All of the input is available at once, so needing more means the peer closed
  // before the head was complete: the connection's read gets eof, and Beast's read_some
  // reports end_of_stream before the first byte (closed), else what put_eof says.
  while (!parser.is_header_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (ec == beast::http::error::need_more || (!ec && used == 0)) {
      if (!parser.got_some()) return false;
      ec = {};
      parser.put_eof(ec);
      FUZZ_CHECK(ec);  // a head cannot end at eof
    }
    if (ec == beast::http::error::header_limit) {
      core_error(router, 431, "header-too-large",
                 "the request line and headers exceed " + std::to_string(limits.max_head_bytes) +
                     " bytes");
      return false;
    }
    if (ec) {
      core_error(router, 400, "bad-request", "malformed HTTP request (" + ec.message() + ")");
      return false;
    }
  }

  http::HttpRequest request =
      http::request_from_head(parser.get().base(), "127.0.0.1", remote_port);
  substitute_head(request, placeholders);
  std::optional<http::HttpAnswer> refused;
  try {
    refused = router.check_head(request);
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("Router::check_head");
  }
  if (refused) {
    FUZZ_CHECK(refused->status >= 400);
    check_answer(*refused, /*close=*/true);
    return false;
  }

  if (const auto length = parser.content_length(); length && *length > limits.max_body_bytes) {
    core_error(router, 413, "payload-too-large",
               "the body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
    return false;
  }
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);  // as beast::http::async_read reads a body
  while (!parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    // Eof in the body (partial_message): the connection closes without an answer.
    if (ec == beast::http::error::need_more || (!ec && used == 0)) return false;
    if (ec == beast::http::error::body_limit) {
      core_error(router, 413, "payload-too-large",
                 "the body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
      return false;
    }
    if (ec) {
      core_error(router, 400, "bad-request", "malformed HTTP request body (" + ec.message() + ")");
      return false;
    }
  }
  request.body = std::move(parser.get().body());
  replace_all(request.body, kKeyPlaceholder, placeholders.key);
  const bool close = !parser.keep_alive();
  const bool emit = request.method == "POST" && request.path == "/emit";

  http::Work work;
  try {
    work = router.handle(std::move(request));
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("Router::handle");
  }
  FUZZ_CHECK(work.delay == std::chrono::milliseconds(0));  // no fault rules
  FUZZ_CHECK(static_cast<bool>(work.run));
  http::HttpAnswer answer;
  try {
    answer = work.run();
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("Work::run");
  }
  check_answer(answer, close);

  if (emit && answer.status == 200) {
    const json body = json::parse(answer.body);
    const auto key = body.find("key");
    FUZZ_CHECK(key != body.end() && key->is_string() && !key->get<std::string>().empty());
    placeholders.key = key->get<std::string>();
  }
  return !close;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static unsigned connections = 0;
  Emulator& current = emulator();
  Placeholders placeholders;
  placeholders.token = current.context.dashboard_login.issue(kTestKey);
  const int remote_port = static_cast<int>(1024 + connections++ % 60000);  // one per input

  std::string_view rest = buildable_fuzz::as_text(data, size);
  for (int served = 0; served < kMaxRequestsPerInput && !rest.empty(); ++served) {
    if (!serve_one(current.router, rest, placeholders, remote_port)) break;
  }
  return 0;
}
