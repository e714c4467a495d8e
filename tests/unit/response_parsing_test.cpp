#include "detail/protocol/response_parsing.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <buildable/errors.hpp>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "detail/transport/http_response.hpp"

namespace {

using buildable::detail::escape_text;
using buildable::detail::failure_exception;
using buildable::detail::HttpResponse;
using buildable::detail::kMaxBodyExcerpt;
using buildable::detail::parse_emit_key;
using buildable::detail::parse_error_body;
using buildable::detail::redact;

constexpr const char* kCanary = "sk_canary_7f3a9c21";

// --- parse_error_body -------------------------------------------------------------------

TEST(ParseErrorBodyTest, DocumentedShape) {
  const auto error = parse_error_body(
      R"({"status":"error","name":"invalid-secret","message":"Unknown secret","code":401})");
  EXPECT_TRUE(error.from_service);
  EXPECT_EQ(error.name, "invalid-secret");
  EXPECT_EQ(error.message, "Unknown secret");
}

TEST(ParseErrorBodyTest, ErrorFieldIsTheFallbackMessage) {
  const auto error = parse_error_body(R"({"status":"error","error":"rate limited"})");
  EXPECT_TRUE(error.from_service);
  EXPECT_EQ(error.name, "");
  EXPECT_EQ(error.message, "rate limited");
}

TEST(ParseErrorBodyTest, AStringNameAloneMarksTheServiceShape) {
  const auto error = parse_error_body(R"({"name":"not-found","message":"no such key"})");
  EXPECT_TRUE(error.from_service);
  EXPECT_EQ(error.name, "not-found");
  EXPECT_EQ(error.message, "no such key");
}

TEST(ParseErrorBodyTest, WrongTypedFieldsAreEmpty) {
  const auto error = parse_error_body(R"({"status":"error","name":42,"message":{"a":1}})");
  EXPECT_TRUE(error.from_service);
  EXPECT_EQ(error.name, "");
  EXPECT_EQ(error.message, "");
}

TEST(ParseErrorBodyTest, OtherBodiesAreNotTheServiceShape) {
  // A gateway's JSON (AWS API Gateway answers {"message":"Internal server error"}), plain
  // text, HTML, other JSON, truncated JSON, nothing.
  for (const std::string& body :
       {std::string(R"({"message":"Internal server error"})"), std::string(R"({"error":"x"})"),
        std::string(R"({"name":42,"message":"m"})"), std::string(R"({"status":"fail"})"),
        std::string("Bad Gateway"), std::string("<html><body>502</body></html>"),
        std::string("[1,2]"), std::string(R"("a string")"), std::string("42"), std::string("null"),
        std::string(R"({"name":"x")"), std::string()}) {
    const auto error = parse_error_body(body);
    EXPECT_FALSE(error.from_service) << body;
    EXPECT_EQ(error.name, "") << body;
    EXPECT_EQ(error.message, "") << body;
  }
}

// --- parse_emit_key ---------------------------------------------------------------------------

TEST(ParseEmitKeyTest, ReturnsTheKey) {
  EXPECT_EQ(parse_emit_key(R"({"status":"success","key":"0123456789abcdef0123456789abcdef"})"),
            "0123456789abcdef0123456789abcdef");
}

TEST(ParseEmitKeyTest, ProtocolErrors) {
  for (const char* body : {"", "not json", R"({"status":"success","key":)", "[]", R"("key")",
                           R"({"status":"success"})", R"({"key":""})", R"({"key":123})",
                           R"({"key":null})", R"({"key":["a"]})"}) {
    SCOPED_TRACE(body);
    EXPECT_THROW(parse_emit_key(body), buildable::ProtocolError);
  }
}

TEST(ParseEmitKeyTest, OnlyATopLevelKeyCountsAndTheLastOneWins) {
  EXPECT_EQ(parse_emit_key(R"({"meta":{"key":"inner"},"list":[{"key":"x"}],"key":"outer"})"),
            "outer");
  EXPECT_EQ(parse_emit_key(R"({"key":"first","key":"second"})"), "second");
  EXPECT_THROW(parse_emit_key(R"({"meta":{"key":"inner"}})"), buildable::ProtocolError);
  EXPECT_THROW(parse_emit_key(R"({"key":"a","key":{"b":1}})"), buildable::ProtocolError);
  EXPECT_THROW(parse_emit_key(R"([{"key":"a"}])"), buildable::ProtocolError);
}

TEST(ParseEmitKeyTest, AnUnsafeKeyIsRefusedWithoutBeingQuoted) {
  const std::string secret = "sk_test_emit_key_secret_0042";
  for (const std::string& key : {std::string("x\nbuildable: FORGED line"), std::string("has space"),
                                 "x_" + secret, std::string(300, 'a'), std::string("caf\u00e9")}) {
    const std::string body = nlohmann::json{{"key", key}}.dump();
    try {
      parse_emit_key(body, secret);
      ADD_FAILURE() << "accepted " << key;
    } catch (const buildable::ProtocolError& e) {
      EXPECT_EQ(std::string(e.what()).find(key), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(parse_emit_key(R"({"key":"msg-01.HX:7"})", secret), "msg-01.HX:7");
}

TEST(ParseEmitKeyTest, TrailingGarbageAndInvalidUtf8AreProtocolErrors) {
  EXPECT_THROW(parse_emit_key(R"({"key":"a"} x)"), buildable::ProtocolError);
  EXPECT_THROW(parse_emit_key("{\"key\":\"\xff\"}"), buildable::ProtocolError);
  EXPECT_EQ(parse_emit_key(" {\"key\" : \"k\"} \n"), "k");
}

// --- redact --------------------------------------------------------------------------------------

TEST(RedactTest, ReplacesEveryOccurrenceAdjacentOnesByOneMarker) {
  EXPECT_EQ(redact("a SECRET b SECRETSECRET", "SECRET"), "a <redacted> b <redacted>");
}

TEST(RedactTest, EmptySecretOrNoMatchLeavesTextAlone) {
  EXPECT_EQ(redact("text", ""), "text");
  EXPECT_EQ(redact("text", "other"), "text");
  EXPECT_EQ(redact("", "s"), "");
}

TEST(RedactTest, AMarkerThatWouldSpellTheSecretIsSwappedForOneThatCannot) {
  EXPECT_EQ(redact("the red fox", "red"), "the *** fox");
  EXPECT_EQ(redact("x<y", "<"), "x***y");
  EXPECT_EQ(redact("redacted", "redacted"), "***");
  // "<redacted>" followed by the '*' left over spells "d>*" again; '*' is the secret's own.
  EXPECT_EQ(redact("d>**", "d>*"), "###*");
}

TEST(RedactTest, OverlappingOccurrencesLeaveNoCopyBehind) {
  const std::string out = redact("aaaa", "aa");
  EXPECT_EQ(out.find("aa"), std::string::npos) << out;
  EXPECT_EQ(redact("abababa!", "aba"), "<redacted>!");
  EXPECT_EQ(redact("x abab y", "ab"), "x <redacted> y");
  // Replaced one by one, "<redacted><redacted>" would spell "d><r" where they meet.
  EXPECT_EQ(redact("d><rd><r", "d><r"), "<redacted>");
  EXPECT_EQ(redact("xd><r d><ry", "d><r"), "x<redacted> <redacted>y");
}

TEST(RedactTest, TextWithoutTheSecretIsNeverEdited) {
  const std::string path = "/home/build/srv/ca-bundle.pem: permission denied";
  EXPECT_EQ(redact(path, "secret"), path);
  EXPECT_EQ(redact(path, "sk_test_b2b968a3ead69147028fa5e7964d4c0d"), path);
  EXPECT_EQ(redact("sec ret", "secret"), "sec ret");
}

// Every text of up to 6 characters over an alphabet made to collide with the marker, against
// every secret of up to 3 characters over it: the result never contains the secret.
TEST(RedactTest, TheResultNeverContainsTheSecret) {
  const std::string alphabet = "d><r*";
  const auto all_strings = [&](std::size_t max_length) {
    std::vector<std::string> out{""};
    for (std::size_t begin = 0, length = 1; length <= max_length; ++length) {
      const std::size_t end = out.size();
      for (std::size_t i = begin; i < end; ++i)
        for (const char c : alphabet)
          out.push_back(out[i] + c);
      begin = end;
    }
    return out;
  };
  const auto texts = all_strings(6);
  std::vector<std::string> secrets = all_strings(3);
  secrets.erase(secrets.begin());  // not the empty one
  std::size_t failures = 0;
  for (const auto& secret : secrets) {
    for (const auto& text : texts) {
      const std::string out = redact(text, secret);
      if (out.find(secret) != std::string::npos && ++failures <= 5) {
        ADD_FAILURE() << "redact(\"" << text << "\", \"" << secret << "\") = \"" << out << "\"";
      }
    }
  }
  EXPECT_EQ(failures, 0u);
}

// --- escape_text ---------------------------------------------------------------------------------

TEST(EscapeTextTest, PrintableTextAndUtf8StayAsTheyAre) {
  EXPECT_EQ(escape_text("plain text, with \\ and \"quotes\""),
            "plain text, with \\ and \"quotes\"");
  EXPECT_EQ(escape_text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82");
}

TEST(EscapeTextTest, ControlCharactersCannotBreakOrForgeALine) {
  EXPECT_EQ(escape_text("a\r\nb\tc"), "a\\r\\nb\\tc");
  EXPECT_EQ(escape_text(std::string("nul\0esc\x1b[31mdel\x7f", 16)),
            "nul\\x00esc\\x1b[31mdel\\x7f");
  // C1 CSI, line separator, right-to-left override; a stray byte; a truncated sequence.
  EXPECT_EQ(escape_text("\xc2\x9b|\xe2\x80\xa8|\xe2\x80\xae|\xff|\xe2\x82"),
            "\\xc2\\x9b|\\xe2\\x80\\xa8|\\xe2\\x80\\xae|\\xff|\\xe2\\x82");
  EXPECT_EQ(escape_text(escape_text("a\nb")), escape_text("a\nb")) << "escaping is idempotent";
}

TEST(EscapeTextTest, LongTextIsCutAtACharacterBoundaryWithinTheBound) {
  EXPECT_EQ(escape_text("abcdef", 6), "abcdef");
  EXPECT_EQ(escape_text("abcdefg", 6), "abc...");
  EXPECT_EQ(escape_text("ab\ncdefg", 6), "ab...") << "an escape is never cut in half";
  EXPECT_EQ(escape_text("a\xc3\xa9zzzz", 6), "a\xc3\xa9...");
  EXPECT_EQ(escape_text("a\xc3\xa9zzzz", 5), "a...");
}

// --- failure_exception ---------------------------------------------------------------------------

template <typename E>
E thrown(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const E& e) {
    return e;
  } catch (const std::exception& other) {
    ADD_FAILURE() << "unexpected exception: " << other.what();
  }
  throw std::logic_error("wrong exception type");
}

TEST(FailureExceptionTest, StatusBecomesHttpError) {
  HttpResponse response;
  response.status = 401;
  response.body =
      R"({"status":"error","name":"invalid-secret","message":"Unknown secret","code":401})";
  const auto error = thrown<buildable::HttpError>(failure_exception(response, kCanary));
  EXPECT_EQ(error.status(), 401);
  EXPECT_EQ(error.name(), "invalid-secret");
  EXPECT_EQ(error.server_message(), "Unknown secret");
  const std::string what = error.what();
  EXPECT_NE(what.find("401"), std::string::npos) << what;
  EXPECT_NE(what.find("invalid-secret"), std::string::npos) << what;
  EXPECT_NE(what.find("Unknown secret"), std::string::npos) << what;
}

TEST(FailureExceptionTest, ServiceErrorBodiesKeepTheirWording) {
  HttpResponse response;
  response.status = 401;
  response.body =
      R"({"status":"error","name":"invalid-secret","message":"Unknown secret","code":401})";
  const auto error = thrown<buildable::HttpError>(failure_exception(response, kCanary));
  EXPECT_TRUE(error.from_service());
  EXPECT_STREQ(error.what(), "Buildable answered HTTP 401 (invalid-secret): Unknown secret");
}

// A 502 from a gateway in front of the service was reported as "Buildable answered HTTP 502"
// with the body dropped.
TEST(FailureExceptionTest, AnotherBodySaysWhereItMayComeFromAndCarriesAnExcerpt) {
  HttpResponse response;
  response.status = 502;
  response.body = "<html><head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>";
  const auto error = thrown<buildable::HttpError>(failure_exception(response, kCanary));
  EXPECT_EQ(error.status(), 502);
  EXPECT_FALSE(error.from_service());
  EXPECT_EQ(error.name(), "");
  const std::string excerpt =
      "<html><head><title>502 Bad Gateway</title></head>\\r\\n<body>nginx</body></html>";
  EXPECT_EQ(error.server_message(), excerpt);
  EXPECT_EQ(std::string(error.what()),
            "HTTP 502 from the server or a proxy/gateway in front of it (not a Buildable error "
            "body): " +
                excerpt);

  response.body = R"({"message":"Internal server error"})";  // API Gateway's JSON
  const auto json_error = thrown<buildable::HttpError>(failure_exception(response, kCanary));
  EXPECT_FALSE(json_error.from_service());
  EXPECT_EQ(json_error.server_message(), response.body);
  EXPECT_EQ(std::string(json_error.what()).find("Buildable answered"), std::string::npos)
      << json_error.what();

  response.body.clear();
  const auto empty = thrown<buildable::HttpError>(failure_exception(response, kCanary));
  EXPECT_EQ(empty.server_message(), "");
  EXPECT_STREQ(empty.what(),
               "HTTP 502 from the server or a proxy/gateway in front of it (not a Buildable error "
               "body, empty body)");
}

TEST(FailureExceptionTest, TheExcerptIsBoundedAndNeverKeepsAPieceOfTheSecret) {
  HttpResponse response;
  response.status = 503;
  // The secret straddles the cut: cutting first would leave its first bytes behind.
  response.body = std::string(kMaxBodyExcerpt - 8, 'x') + kCanary + std::string(10'000, 'y');
  const auto error = thrown<buildable::HttpError>(failure_exception(response, kCanary));
  EXPECT_LE(error.server_message().size(), kMaxBodyExcerpt);
  EXPECT_EQ(error.server_message().find("sk_can"), std::string::npos) << error.server_message();
  EXPECT_EQ(error.server_message().substr(kMaxBodyExcerpt - 11), "xxx<reda...");
  EXPECT_LT(std::string(error.what()).size(), kMaxBodyExcerpt + 120);
}

// With the secret "secret", name() was "invalid-<redacted>".
TEST(FailureExceptionTest, TheNameIsNeverRedactedPiecemeal) {
  HttpResponse response;
  response.status = 401;
  response.body = R"({"status":"error","name":"invalid-secret","message":"bad secret"})";
  const auto error = thrown<buildable::HttpError>(failure_exception(response, "secret"));
  EXPECT_EQ(error.name(), "invalid-secret");
  EXPECT_EQ(error.server_message(), "bad <redacted>");
  EXPECT_STREQ(error.what(), "Buildable answered HTTP 401 (invalid-<redacted>): bad <redacted>");
}

TEST(FailureExceptionTest, ANameThatCannotBeShownIsWithheldAsAWhole) {
  HttpResponse response;
  response.status = 400;
  const auto name_of = [&](const std::string& name, const char* secret) {
    response.body = nlohmann::json{{"status", "error"}, {"name", name}}.dump();
    const auto error = thrown<buildable::HttpError>(failure_exception(response, secret));
    EXPECT_EQ(std::string(error.what()).find(secret), std::string::npos) << error.what();
    return error.name();
  };
  const std::string withheld = buildable::HttpError::kWithheldName;
  EXPECT_EQ(name_of("rate-limited", kCanary), "rate-limited");
  EXPECT_EQ(name_of("some-new-name-2", kCanary), "some-new-name-2") << "any kebab token";
  EXPECT_EQ(name_of("not-found", "found"), "not-found") << "a documented name";
  EXPECT_EQ(name_of("bad-hunter2", "hunter2"), withheld) << "an undocumented name quoting it";
  EXPECT_EQ(name_of(std::string("bad-") + kCanary, kCanary), withheld) << "not kebab-case";
  EXPECT_EQ(name_of("Bad Request", kCanary), withheld);
  EXPECT_EQ(name_of("bad\r\nname", kCanary), withheld);
  EXPECT_EQ(name_of("-bad", kCanary), withheld);
  EXPECT_EQ(name_of("bad--name", kCanary), withheld);
  EXPECT_EQ(name_of(std::string(65, 'a'), kCanary), withheld);
  EXPECT_EQ(name_of(std::string(64, 'a'), kCanary), std::string(64, 'a'));
  EXPECT_EQ(name_of("", kCanary), "");
}

TEST(FailureExceptionTest, ServerTextInWhatCannotBreakALine) {
  HttpResponse response;
  response.status = 500;
  response.body =
      R"({"status":"error","name":"internal-error","message":"boom\r\n[buildable] error: forged"})";
  const auto error = thrown<buildable::HttpError>(failure_exception(response, kCanary));
  EXPECT_EQ(error.server_message(), "boom\r\n[buildable] error: forged") << "the field as sent";
  EXPECT_EQ(std::string(error.what()).find_first_of("\r\n"), std::string::npos) << error.what();
}

TEST(FailureExceptionTest, EchoedSecretIsRedactedFromEverything) {
  HttpResponse response;
  response.status = 401;
  response.body = std::string(R"({"name":"bad-)") + kCanary + R"(","message":"unknown secret )" +
                  kCanary + R"("})";
  const auto error = thrown<buildable::HttpError>(failure_exception(response, kCanary));
  EXPECT_EQ(std::string(error.what()).find(kCanary), std::string::npos) << error.what();
  EXPECT_EQ(error.server_message().find(kCanary), std::string::npos);
  EXPECT_EQ(error.name().find(kCanary), std::string::npos);
  EXPECT_NE(error.server_message().find("<redacted>"), std::string::npos);
}

TEST(FailureExceptionTest, EchoedSecretInPlainTextBodyIsRedacted) {
  HttpResponse response;
  response.status = 403;
  response.body = std::string("forbidden: ") + kCanary;
  const auto error = thrown<buildable::HttpError>(failure_exception(response, kCanary));
  EXPECT_EQ(error.server_message(), "forbidden: <redacted>");
  EXPECT_EQ(std::string(error.what()).find(kCanary), std::string::npos) << error.what();
}

TEST(FailureExceptionTest, TransportFailureBecomesTransportError) {
  HttpResponse response;
  response.curl_code = CURLE_COULDNT_CONNECT;
  response.error_detail = "Failed to connect to 127.0.0.1 port 9: Connection refused";
  response.maybe_sent = false;
  const auto error = thrown<buildable::TransportError>(failure_exception(response, kCanary));
  EXPECT_EQ(error.curl_code(), CURLE_COULDNT_CONNECT);
  EXPECT_FALSE(error.maybe_sent());
  EXPECT_FALSE(error.timed_out());
  EXPECT_NE(std::string(error.what()).find("Connection refused"), std::string::npos)
      << error.what();
}

TEST(FailureExceptionTest, TimeoutKeepsMaybeSentAndIsTimedOut) {
  HttpResponse response;
  response.curl_code = CURLE_OPERATION_TIMEDOUT;
  response.maybe_sent = true;
  response.error_detail = std::string("timeout, secret ") + kCanary;
  const auto error = thrown<buildable::TransportError>(failure_exception(response, kCanary));
  EXPECT_TRUE(error.maybe_sent());
  EXPECT_TRUE(error.timed_out());
  EXPECT_EQ(std::string(error.what()).find(kCanary), std::string::npos) << error.what();
}

TEST(FailureExceptionTest, AbortedByCallbackIsClosedError) {
  HttpResponse response;
  response.curl_code = CURLE_ABORTED_BY_CALLBACK;
  response.maybe_sent = true;
  EXPECT_NO_THROW(thrown<buildable::ClosedError>(failure_exception(response, kCanary)));
}

TEST(FailureExceptionTest, ErrorsAreBuildableErrors) {
  HttpResponse response;
  response.status = 500;
  EXPECT_THROW(std::rethrow_exception(failure_exception(response, kCanary)), buildable::Error);
  response.curl_code = CURLE_RECV_ERROR;
  EXPECT_THROW(std::rethrow_exception(failure_exception(response, kCanary)), buildable::Error);
}

}  // namespace
