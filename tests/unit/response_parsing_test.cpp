#include "detail/protocol/response_parsing.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <buildable/errors.hpp>
#include <exception>
#include <string>

#include "detail/transport/http_response.hpp"

namespace {

using buildable::detail::failure_exception;
using buildable::detail::HttpResponse;
using buildable::detail::parse_emit_key;
using buildable::detail::parse_error_body;
using buildable::detail::redact;

constexpr const char* kCanary = "sk_canary_7f3a9c21";

// --- parse_error_body -------------------------------------------------------------------

TEST(ParseErrorBodyTest, DocumentedShape) {
  const auto error = parse_error_body(
      R"({"status":"error","name":"invalid-secret","message":"Unknown secret","code":401})");
  EXPECT_EQ(error.name, "invalid-secret");
  EXPECT_EQ(error.message, "Unknown secret");
}

TEST(ParseErrorBodyTest, ErrorFieldIsTheFallbackMessage) {
  const auto error = parse_error_body(R"({"error":"rate limited"})");
  EXPECT_EQ(error.name, "");
  EXPECT_EQ(error.message, "rate limited");
}

TEST(ParseErrorBodyTest, WrongTypedFieldsAreEmpty) {
  const auto error = parse_error_body(R"({"name":42,"message":{"a":1}})");
  EXPECT_EQ(error.name, "");
  EXPECT_EQ(error.message, "");
}

TEST(ParseErrorBodyTest, ShortPlainTextBecomesTheMessage) {
  EXPECT_EQ(parse_error_body("Bad Gateway").message, "Bad Gateway");
  EXPECT_EQ(parse_error_body("Bad Gateway").name, "");
}

TEST(ParseErrorBodyTest, HtmlMultilineLongAndEmptyBodiesGiveNothing) {
  for (const std::string& body :
       {std::string(), std::string("<html><body>502</body></html>"), std::string("line1\nline2"),
        std::string("a\rb"), std::string(201, 'x')}) {
    const auto error = parse_error_body(body);
    EXPECT_EQ(error.name, "") << body;
    EXPECT_EQ(error.message, "") << body;
  }
  EXPECT_EQ(parse_error_body(std::string(200, 'x')).message, std::string(200, 'x'));
}

TEST(ParseErrorBodyTest, JsonThatIsNotAnObjectGivesNothing) {
  for (const char* body : {"[1,2]", R"("a string")", "42", "null", "true"}) {
    const auto error = parse_error_body(body);
    EXPECT_EQ(error.name, "") << body;
    EXPECT_EQ(error.message, "") << body;
  }
}

TEST(ParseErrorBodyTest, TruncatedJsonIsTreatedAsText) {
  EXPECT_EQ(parse_error_body(R"({"name":"x")").message, R"({"name":"x")");
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

TEST(ParseEmitKeyTest, TrailingGarbageAndInvalidUtf8AreProtocolErrors) {
  EXPECT_THROW(parse_emit_key(R"({"key":"a"} x)"), buildable::ProtocolError);
  EXPECT_THROW(parse_emit_key("{\"key\":\"\xff\"}"), buildable::ProtocolError);
  EXPECT_EQ(parse_emit_key(" {\"key\" : \"k\"} \n"), "k");
}

// --- redact --------------------------------------------------------------------------------------

TEST(RedactTest, ReplacesEveryOccurrence) {
  EXPECT_EQ(redact("a SECRET b SECRETSECRET", "SECRET"), "a <redacted> b <redacted><redacted>");
}

TEST(RedactTest, EmptySecretOrNoMatchLeavesTextAlone) {
  EXPECT_EQ(redact("text", ""), "text");
  EXPECT_EQ(redact("text", "other"), "text");
  EXPECT_EQ(redact("", "s"), "");
}

TEST(RedactTest, SecretThatOccursInsideTheMarkerTerminates) {
  EXPECT_EQ(redact("the red fox", "red"), "the <redacted> fox");
  EXPECT_EQ(redact("x<y", "<"), "x<redacted>y");
  EXPECT_EQ(redact("redacted", "redacted"), "<redacted>");
}

TEST(RedactTest, OverlappingOccurrencesLeaveNoCopyBehind) {
  const std::string out = redact("aaaa", "aa");
  EXPECT_EQ(out.find("aa"), std::string::npos) << out;
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

TEST(FailureExceptionTest, StatusWithUnreadableBodyIsStillHttpError) {
  HttpResponse response;
  response.status = 502;
  response.body = "<html>bad gateway</html>";
  const auto error = thrown<buildable::HttpError>(failure_exception(response, kCanary));
  EXPECT_EQ(error.status(), 502);
  EXPECT_EQ(error.name(), "");
  EXPECT_EQ(error.server_message(), "");
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
