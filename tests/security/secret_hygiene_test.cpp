// X1: a canary secret never appears in a log line, an exception message, a ListenerError or
// operator<< output, on every error path, even when the server echoes the secret back.
//
// Every test routes what the SDK shows its user into a Witness (logger, on_error, caught
// exceptions, printed options); TearDown asserts the canary is in none of it. Where a server
// echoes the secret, the test also checks that the echo arrived and was replaced by
// "<redacted>", so a passing test cannot be a vacuous one.

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "security_support.hpp"

namespace security_test {
namespace {

using buildable::ListenerError;

constexpr const char* kRedacted = "<redacted>";
constexpr const char* kEvent = "hygiene.check";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A handler answering `status` with a body made from the secret header it received.
LocalServer::Handler echo(int status, std::function<std::string(const std::string&)> make_body,
                          const char* content_type = "application/json") {
  return [=](const httplib::Request& req, httplib::Response& res) {
    res.status = status;
    res.set_content(make_body(req.get_header_value(kSecretHeader)), content_type);
  };
}

std::string json_echo(const std::string& secret) {
  return R"({"name":"invalid-secret","message":"the secret ')" + secret + R"(' is not valid"})";
}

std::string text_echo(const std::string& secret) {
  return "bad secret: " + secret;
}

const char* kOneRow = R"({"rows":[{"key":"k-1","eventName":"hygiene.check","payload":"{}"}]})";
const char* kNoRows = R"({"rows":[]})";

class SecretHygiene : public ::testing::Test {
 protected:
  void TearDown() override {
    const std::size_t checked = witness_.expect_free_of(kCanary);
    EXPECT_GT(checked, 0u) << "the test collected nothing to check";
  }

  /// Options with the canary as secret, every diagnostic routed into the witness.
  buildable::ClientOptions options(const std::string& base_url, bool with_on_error = true) {
    auto o = fast_options(base_url, kCanary);
    o.logger = witness_.logger();
    if (with_on_error) o.on_error = witness_.on_error();
    return o;
  }

  /// Runs `f`, which must throw an `E`; hands its texts to the witness and returns what().
  template <class E, class F>
  std::string caught(const std::string& where, F&& f) {
    try {
      f();
    } catch (const E& e) {
      add_texts(where, e);
      return e.what();
    } catch (const std::exception& e) {
      witness_.add(where, e.what());
      ADD_FAILURE() << where << ": unexpected exception type: " << e.what();
      return {};
    }
    ADD_FAILURE() << where << ": nothing was thrown";
    return {};
  }

  void add_texts(const std::string& where, const std::exception& e) {
    witness_.add(where + " what()", e.what());
    if (const auto* http = dynamic_cast<const buildable::HttpError*>(&e)) {
      witness_.add(where + " name()", http->name());
      witness_.add(where + " server_message()", http->server_message());
    }
  }

  /// emit() and emit_async() on `client`, both expected to throw `E`; returns both what()s.
  template <class E>
  std::vector<std::string> emit_both_ways(buildable::Client& client) {
    std::vector<std::string> whats;
    whats.push_back(caught<E>("emit", [&] { client.emit(kEvent, {{"n", 1}}); }));
    whats.push_back(caught<E>("emit_async", [&] {
      auto future = client.emit_async(kEvent, {{"n", 1}});
      if (future.wait_for(20s) != std::future_status::ready) {
        throw std::runtime_error("emit_async did not settle within 20 s");
      }
      future.get();
    }));
    return whats;
  }

  static std::function<bool(const ListenerError&)> kind_is(ListenerError::Kind kind) {
    return [kind](const ListenerError& e) { return e.kind == kind; };
  }

  Witness witness_;
};

// --- Emitting: transport failures ------------------------------------------------------

TEST_F(SecretHygiene, ConnectionRefused) {
  buildable::Client client(options("http://127.0.0.1:" + std::to_string(closed_port())));
  for (const auto& what : emit_both_ways<buildable::TransportError>(client)) {
    EXPECT_FALSE(what.empty());
  }
}

TEST_F(SecretHygiene, RequestTimeout) {
  SilentPort silent;
  auto o = options("http://127.0.0.1:" + std::to_string(silent.port()));
  o.request_timeout = 300ms;
  o.retry.max_attempts = 1;
  buildable::Client client(o);
  try {
    client.emit(kEvent, {{"n", 1}});
    ADD_FAILURE() << "a server that never answers produced an answer";
  } catch (const buildable::TransportError& e) {
    add_texts("emit", e);
    EXPECT_TRUE(e.timed_out()) << e.what();
    EXPECT_TRUE(e.maybe_sent()) << "the request was written; the server might have acted on it";
  }
}

TEST_F(SecretHygiene, TlsVerificationFailure) {
  TempDir dir;
  const TestPki pki = make_test_pki(dir.path());
  LocalServer server(pki.server_cert, pki.server_key);
  server.start();
  buildable::Client client(options(server.base_url()));
  emit_both_ways<buildable::TransportError>(client);
  EXPECT_EQ(server.request_count(), 0u);
}

// --- Emitting: the server echoes the secret in an error answer -------------------------

enum class Echo { json_message, json_name, json_error_field, json_unicode_escaped, plain_text };

std::string echo_body(Echo how, const std::string& secret) {
  switch (how) {
    case Echo::json_message:
      return json_echo(secret);
    case Echo::json_name:
      return R"({"name":"bad-)" + secret + R"(","message":"no"})";
    case Echo::json_error_field:
      return R"({"error":"unknown key )" + secret + R"("})";
    case Echo::json_unicode_escaped: {
      // The same text a JSON encoder may produce: every character as \u00XX.
      std::string escaped;
      static const char* kHex = "0123456789abcdef";
      for (unsigned char c : secret) {
        escaped += "\\u00";
        escaped += kHex[c >> 4];
        escaped += kHex[c & 0xf];
      }
      return R"({"message":"got )" + escaped + R"("})";
    }
    case Echo::plain_text:
      return text_echo(secret);
  }
  return {};
}

class EchoedInErrorAnswer : public SecretHygiene,
                            public ::testing::WithParamInterface<std::tuple<int, Echo>> {};

TEST_P(EchoedInErrorAnswer, IsRedactedFromHttpError) {
  const auto [status, how] = GetParam();
  LocalServer server;
  server.on_post("/emit",
                 echo(
                     status, [how = how](const std::string& s) { return echo_body(how, s); },
                     how == Echo::plain_text ? "text/plain" : "application/json"));
  server.start();
  auto o = options(server.base_url());
  o.retry.retry_emit_when_unsure = true;  // 5xx go through the retry path too
  buildable::Client client(o);

  for (const auto& what : emit_both_ways<buildable::HttpError>(client)) {
    EXPECT_TRUE(contains(what, std::to_string(status))) << what;
    // A name quoting the secret is withheld as a whole; every other echo arrives, redacted.
    const char* expected = how == Echo::json_name ? buildable::HttpError::kWithheldName : kRedacted;
    EXPECT_TRUE(contains(what, expected)) << "the echo should arrive, redacted: " << what;
  }
  ASSERT_GE(server.count("/emit"), 2u);
  EXPECT_EQ(server.requests()[0].secret, kCanary) << "the server must have had a secret to echo";
}

INSTANTIATE_TEST_SUITE_P(
    StatusesAndShapes, EchoedInErrorAnswer,
    ::testing::Combine(::testing::Values(400, 401, 403, 404, 429, 500, 502, 503),
                       ::testing::Values(Echo::json_message, Echo::json_name,
                                         Echo::json_error_field, Echo::json_unicode_escaped,
                                         Echo::plain_text)));

TEST_F(SecretHygiene, GarbageSuccessAnswersEchoingTheSecret) {
  for (const auto& make_body : std::vector<std::function<std::string(const std::string&)>>{
           [](const std::string& s) { return "not json at all " + s; },
           [](const std::string& s) { return R"({"key":42,"echo":")" + s + R"("})"; },
           [](const std::string& s) { return R"({"nokey":")" + s + R"("})"; },
           [](const std::string& s) { return R"(["key",")" + s + R"("])"; },
           [](const std::string& s) { return R"({"key":")" + s; }}) {
    LocalServer server;
    server.on_post("/emit", echo(200, make_body));
    server.start();
    buildable::Client client(options(server.base_url()));
    emit_both_ways<buildable::ProtocolError>(client);
  }
}

TEST_F(SecretHygiene, SecretInTheBaseUrlPathIsNotEchoedByErrors) {
  // A caller pasting the secret into the URL is a mistake, but the SDK must not print it back.
  LocalServer server;
  server.on_post("/" + std::string(kCanary) + "/emit",
                 [](const httplib::Request& req, httplib::Response& res) {
                   res.status = 404;
                   res.set_content("no route " + req.path, "text/plain");
                 });
  server.start();
  {
    buildable::Client client(options(server.base_url() + "/" + kCanary));
    for (const auto& what : emit_both_ways<buildable::HttpError>(client)) {
      EXPECT_TRUE(contains(what, kRedacted)) << what;
    }
    std::ostringstream printed;
    printed << client.options();
    witness_.add("operator<< of Client::options()", printed.str());
  }
  buildable::Client refused(
      options("http://127.0.0.1:" + std::to_string(closed_port()) + "/" + kCanary));
  emit_both_ways<buildable::TransportError>(refused);
}

// --- Invalid options -------------------------------------------------------------------

class SecretInInvalidBaseUrl : public SecretHygiene,
                               public ::testing::WithParamInterface<std::string> {};

TEST_P(SecretInInvalidBaseUrl, IsNotQuotedByTheValidationMessage) {
  std::string url = GetParam();
  url.replace(url.find("CANARY"), 6, kCanary);
  auto o = options(url);
  const std::string what = caught<buildable::InvalidArgument>("validate()", [&] { o.validate(); });
  EXPECT_TRUE(contains(what, "base_url")) << what;
  caught<buildable::InvalidArgument>("Client(options)", [&] { buildable::Client client(o); });
  std::ostringstream printed;
  printed << o;
  witness_.add("operator<< of invalid options", printed.str());
}

INSTANTIATE_TEST_SUITE_P(
    Urls, SecretInInvalidBaseUrl,
    ::testing::Values("https://events.example/?s=CANARY", "https://events.example/#CANARY",
                      "https://events.example?CANARY", "https://user:CANARY@events.example",
                      "https://CANARY@events.example", "https://events.example:CANARY",
                      "https://events.example:443CANARY/x", "ftp://events.example/CANARY", "CANARY",
                      "events.example/CANARY", "http://192.0.2.1/CANARY", "https://[CANARY]",
                      "https://even ts.example/CANARY", "https:///CANARY",
                      "https://CANARY!.example"));

TEST_F(SecretHygiene, SecretWithALineBreakIsRejectedWithoutQuotingIt) {
  auto o = options("https://events.example");
  o.secret = std::string(kCanary) + "\r\n";
  caught<buildable::InvalidArgument>("Client(options)", [&] { buildable::Client client(o); });
  // The secret itself is no longer the canary, so redaction by value could not help here.
  o.base_url = std::string("https://events.example/?") + kCanary;
  caught<buildable::InvalidArgument>("Client(options)", [&] { buildable::Client client(o); });
}

TEST_F(SecretHygiene, OtherInvalidFieldsDoNotQuoteTheSecretOrTheUrl) {
  const std::string url = std::string("https://events.example/") + kCanary;
  const std::vector<std::function<void(buildable::ClientOptions&)>> breakages{
      [](auto& o) { o.page_size = 0; },
      [](auto& o) { o.connect_timeout = 0ms; },
      [](auto& o) { o.retry.max_attempts = 0; },
      [](auto& o) { o.poll_jitter = 2.0; },
      [](auto& o) { o.user_agent = std::string("ua\r\n") + kCanary; },
      [](auto& o) { o.max_poll_backoff = 1ms; },
  };
  for (const auto& brk : breakages) {
    auto o = options(url);
    brk(o);
    caught<buildable::InvalidArgument>("Client(options)", [&] { buildable::Client client(o); });
  }
}

// --- operator<< ------------------------------------------------------------------------

TEST_F(SecretHygiene, PrintedOptionsRedactTheSecretEverywhere) {
  auto o = options(std::string("https://events.example/") + kCanary + "/v1");
  std::ostringstream printed;
  printed << o;
  EXPECT_TRUE(contains(printed.str(), "secret=<redacted>")) << printed.str();
  witness_.add("operator<< of ClientOptions", printed.str());

  buildable::Client client(options(std::string("http://127.0.0.1:1/") + kCanary));
  std::ostringstream from_client;
  from_client << client.options();
  witness_.add("operator<< of Client::options()", from_client.str());

  auto empty = options("https://events.example");
  empty.secret.clear();
  std::ostringstream printed_empty;
  printed_empty << empty;
  EXPECT_TRUE(contains(printed_empty.str(), "secret=<empty>")) << printed_empty.str();
}

// --- Listening -------------------------------------------------------------------------

/// A scriptable service for one listener: /query serves one row once (then none), /init and
/// /transact answer as configured.
class ListeningHygiene : public SecretHygiene {
 protected:
  void serve(LocalServer::Handler query, LocalServer::Handler claim = nullptr,
             LocalServer::Handler record = nullptr) {
    server_.on_post("/query", std::move(query));
    server_.on_post("/init", claim ? std::move(claim) : ok("{}"));
    server_.on_post("/transact", record ? std::move(record) : ok("{}"));
    server_.start();
  }

  static LocalServer::Handler ok(std::string body) {
    return [body = std::move(body)](const httplib::Request&, httplib::Response& res) {
      res.set_content(body, "application/json");
    };
  }

  /// /query answers with one row the first time, with no rows afterwards.
  LocalServer::Handler one_row_once() {
    return [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(queries_++ == 0 ? kOneRow : kNoRows, "application/json");
    };
  }

  /// The on_error report matching `predicate`, after checking it was redacted.
  void expect_redacted_report(const std::function<bool(const ListenerError&)>& predicate) {
    ASSERT_TRUE(witness_.wait_for_error(predicate)) << "the expected report never came";
    for (const auto& e : witness_.errors()) {
      if (predicate(e)) {
        EXPECT_TRUE(contains(e.message, kRedacted)) << e.message;
        return;
      }
    }
  }

  std::atomic<int> queries_{0};
  LocalServer server_;
};

TEST_F(ListeningHygiene, PollErrorEchoingTheSecret) {
  serve(echo(401, json_echo));
  buildable::Client client(options(server_.base_url()));
  client.on(kEvent, [](const buildable::Message&) {});
  expect_redacted_report([](const ListenerError& e) {
    return e.kind == ListenerError::Kind::poll && contains(e.message, "401");
  });
  client.close();
}

TEST_F(ListeningHygiene, PollErrorEchoingTheSecretInPlainText) {
  serve(echo(500, text_echo, "text/plain"));
  buildable::Client client(options(server_.base_url()));
  client.on(kEvent, [](const buildable::Message&) {});
  expect_redacted_report([](const ListenerError& e) {
    return e.kind == ListenerError::Kind::poll && contains(e.message, "500");
  });
  client.close();
}

TEST_F(ListeningHygiene, PollErrorEchoingTheSecretGoesToTheLoggerRedacted) {
  serve(echo(401, json_echo));
  buildable::Client client(options(server_.base_url(), /*with_on_error=*/false));
  client.on(kEvent, [](const buildable::Message&) {});
  ASSERT_TRUE(witness_.wait_for_log("poll error")) << "without on_error, errors become log lines";
  client.close();
  bool redacted = false;
  for (const auto& line : witness_.log_lines())
    redacted = redacted || contains(line, kRedacted);
  EXPECT_TRUE(redacted) << "the echo should arrive in the log line, redacted";
}

TEST_F(ListeningHygiene, GarbageQueryAnswersEchoingTheSecret) {
  serve([this](const httplib::Request& req, httplib::Response& res) {
    const std::string s = req.get_header_value(kSecretHeader);
    const std::string shapes[] = {"not json " + s, R"({"rows":")" + s + "\"}",
                                  R"({"rows":[")" + s + "\"]}", R"({"rows":[{"key":")" + s};
    res.set_content(shapes[static_cast<std::size_t>(queries_++) % std::size(shapes)],
                    "application/json");
  });
  buildable::Client client(options(server_.base_url()));
  client.on(kEvent, [](const buildable::Message&) { ADD_FAILURE() << "handler called"; });
  ASSERT_TRUE(server_.wait_for("/query", 5)) << "every garbage shape should have been served";
  ASSERT_TRUE(witness_.wait_for_error(kind_is(ListenerError::Kind::poll)));
  client.close();
}

TEST_F(ListeningHygiene, UndecodableRowEchoingTheSecret) {
  serve([this](const httplib::Request& req, httplib::Response& res) {
    const std::string s = req.get_header_value(kSecretHeader);
    const std::string row = R"({"rows":[{"key":"k-1","eventName":"hygiene.check","payload":"{)" +
                            s + R"(","headers":")" + s + R"("}]})";
    res.set_content(queries_++ == 0 ? row : std::string(kNoRows), "application/json");
  });
  buildable::Client client(options(server_.base_url()));
  client.on(kEvent, [](const buildable::Message&) { ADD_FAILURE() << "handler called"; });
  ASSERT_TRUE(witness_.wait_for_error(kind_is(ListenerError::Kind::handler)));
  ASSERT_TRUE(server_.wait_for("/transact", 1));
  client.close();
}

// A message key echoing the secret reached ListenerError::message_key and the log line.
TEST_F(ListeningHygiene, MessageKeyEchoingTheSecretIsNeitherClaimedNorShown) {
  for (const bool with_on_error : {true, false}) {
    SCOPED_TRACE(with_on_error ? "on_error" : "logger");
    LocalServer server;
    std::atomic<int> queries{0};
    server.on_post("/query", [&](const httplib::Request& req, httplib::Response& res) {
      const std::string row = R"({"rows":[{"key":"k-)" + req.get_header_value(kSecretHeader) +
                              R"(","eventName":"hygiene.check","payload":"{}"}]})";
      res.set_content(queries++ == 0 ? row : std::string(kNoRows), "application/json");
    });
    server.on_post("/init", ok("{}"));
    server.on_post("/transact", ok("{}"));
    server.start();
    buildable::Client client(options(server.base_url(), with_on_error));
    client.on(kEvent, [](const buildable::Message&) { ADD_FAILURE() << "handler called"; });
    if (with_on_error) {
      ASSERT_TRUE(witness_.wait_for_error(kind_is(ListenerError::Kind::poll)));
      for (const auto& e : witness_.errors())
        EXPECT_TRUE(e.message_key.empty()) << e.message_key;
    } else {
      ASSERT_TRUE(witness_.wait_for_log("poll error"));
    }
    client.close();
    for (const auto& r : server.requests())
      EXPECT_NE(r.path, "/init") << "the row was claimed";
  }
}

TEST_F(ListeningHygiene, ClaimErrorEchoingTheSecret) {
  serve(one_row_once(), echo(400, json_echo));
  buildable::Client client(options(server_.base_url()));
  client.on(kEvent, [](const buildable::Message&) { ADD_FAILURE() << "handler called"; });
  expect_redacted_report(kind_is(ListenerError::Kind::claim));
  client.close();
}

TEST_F(ListeningHygiene, AmbiguousClaimErrorEchoingTheSecret) {
  serve(one_row_once(), echo(500, text_echo, "text/plain"));
  buildable::Client client(options(server_.base_url()));
  client.on(kEvent, [](const buildable::Message&) { ADD_FAILURE() << "handler called"; });
  expect_redacted_report(kind_is(ListenerError::Kind::claim_ambiguous));
  client.close();
}

TEST_F(ListeningHygiene, RecordErrorEchoingTheSecret) {
  serve(one_row_once(), nullptr, echo(400, json_echo));
  buildable::Client client(options(server_.base_url()));
  client.on(kEvent, [](const buildable::Message&) { return nlohmann::json{{"done", true}}; });
  expect_redacted_report(kind_is(ListenerError::Kind::record));
  client.close();
}

TEST_F(ListeningHygiene, HandlerExceptionQuotingTheSecret) {
  serve(one_row_once());
  buildable::Client client(options(server_.base_url()));
  client.on(kEvent, [](const buildable::Message&) {
    throw std::runtime_error(std::string("downstream rejected key ") + kCanary);
  });
  expect_redacted_report(kind_is(ListenerError::Kind::handler));
  ASSERT_TRUE(server_.wait_for("/transact", 1));
  client.close();
  // The failure text is stored by the service as the transaction's output, where anyone who
  // can read transactions would see it: it is redacted as well.
  for (const auto& r : server_.requests()) {
    if (r.path != "/transact") continue;
    EXPECT_FALSE(contains(r.body, kCanary)) << r.body;
    EXPECT_TRUE(contains(r.body, R"("state":"failed")")) << r.body << " / " << r.secret;
    EXPECT_TRUE(contains(r.body, kRedacted)) << r.body;
  }
}

TEST_F(ListeningHygiene, HandlerExceptionQuotingTheSecretGoesToTheLoggerRedacted) {
  serve(one_row_once());
  buildable::Client client(options(server_.base_url(), /*with_on_error=*/false));
  client.on(kEvent, [](const buildable::Message&) {
    throw std::runtime_error(std::string("downstream rejected key ") + kCanary);
  });
  ASSERT_TRUE(witness_.wait_for_log("handler error"));
  ASSERT_TRUE(server_.wait_for("/transact", 1));
  client.close();
}

}  // namespace
}  // namespace security_test
