#include <gtest/gtest.h>

#include <algorithm>
#include <buildable/client_options.hpp>
#include <buildable/errors.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "detail/emit/emitter.hpp"
#include "detail/retry/retry_policy.hpp"
#include "detail/support/json_depth.hpp"
#include "detail/support/metrics_recorder.hpp"
#include "detail/transport/sync_transport.hpp"
#include "detail/transport/transport_config.hpp"
#include "nested_json.hpp"

namespace {

using buildable::InvalidArgument;
using buildable::detail::Emitter;
using nlohmann::json;

constexpr const char* kCanary = "sk_canary_7f3a9c21";

/// An Emitter whose transport points at a loopback address and whose loop must never be used:
/// make_body sends nothing.
class EmitterBodyTest : public ::testing::Test {
 protected:
  explicit EmitterBodyTest(std::size_t max_body_bytes = 1024 * 1024)
      : options_(make_options(max_body_bytes)),
        transport_(buildable::detail::TransportConfig::from_options(options_)),
        emitter_(
            options_.secret, options_.max_body_bytes,
            {options_.max_pending_emits, options_.max_pending_bytes, options_.when_emit_queue_full},
            buildable::detail::RetryPolicy(options_.retry), transport_,
            []() -> buildable::detail::AsyncTransport& {
              throw std::logic_error("make_body must not start the I/O loop");
            },
            buildable::detail::system_clock_source(), metrics_, tracer_) {}

  static buildable::ClientOptions make_options(std::size_t max_body_bytes) {
    buildable::ClientOptions options;
    options.secret = kCanary;
    options.base_url = "http://127.0.0.1:9";
    options.max_body_bytes = max_body_bytes;
    options.validate();
    return options;
  }

  std::string body(std::string_view event, const json& payload) const {
    return emitter_.make_body(event, payload);
  }

  /// The InvalidArgument message make_body throws ("" when it does not throw).
  std::string rejection(std::string_view event, const json& payload) const {
    try {
      (void)emitter_.make_body(event, payload);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "";
  }

  buildable::ClientOptions options_;
  buildable::detail::SyncTransport transport_;
  buildable::detail::MetricsRecorder metrics_;
  buildable::detail::RequestTracer tracer_{
      buildable::detail::Logger(nullptr),
      buildable::detail::TransportConfig::from_options(options_), options_.secret};
  Emitter emitter_;
};

TEST_F(EmitterBodyTest, ExactJson) {
  EXPECT_EQ(body("user.created", json{{"name", "Ada"}, {"age", 36}}),
            R"({"event":"user.created","payload":{"age":36,"name":"Ada"}})");
}

TEST_F(EmitterBodyTest, EmptyObjectPayload) {
  EXPECT_EQ(body("e", json::object()), R"({"event":"e","payload":{}})");
}

TEST_F(EmitterBodyTest, EscapingOfEventAndPayload) {
  EXPECT_EQ(body(R"(we"ird\name)", json{{"q", "a\"b\\c\n\t\x01"}, {"u", "\xc3\xa9\xe2\x82\xac"}}),
            "{\"event\":\"we\\\"ird\\\\name\",\"payload\":{\"q\":\"a\\\"b\\\\c\\n\\t\\u0001\","
            "\"u\":\"\xc3\xa9\xe2\x82\xac\"}}");
}

TEST_F(EmitterBodyTest, BodyRoundTripsThroughAParser) {
  const json payload = {{"list", {1, 2.5, "x", nullptr, true}}, {"obj", {{"k", {{"d", 1}}}}}};
  const json parsed = json::parse(body("a.b.c", payload));
  EXPECT_EQ(parsed, (json{{"event", "a.b.c"}, {"payload", payload}}));
}

TEST_F(EmitterBodyTest, EmptyEventNameIsRejected) {
  const std::string message = rejection("", json::object());
  EXPECT_NE(message.find("event name"), std::string::npos) << message;
}

TEST_F(EmitterBodyTest, ControlCharactersInEventNameAreRejected) {
  for (const std::string& event : {std::string("a\nb"), std::string("a\rb"), std::string("\tb"),
                                   std::string("a\x7f"), std::string("a\0b", 3)}) {
    const std::string message = rejection(event, json::object());
    EXPECT_NE(message.find("control characters"), std::string::npos) << message;
  }
}

TEST_F(EmitterBodyTest, NonObjectPayloadsAreRejectedNamingTheType) {
  EXPECT_NE(rejection("e", json::array({1})).find("array"), std::string::npos);
  EXPECT_NE(rejection("e", json("text")).find("string"), std::string::npos);
  EXPECT_NE(rejection("e", json(nullptr)).find("null"), std::string::npos);
  EXPECT_NE(rejection("e", json(3)).find("number"), std::string::npos);
  EXPECT_NE(rejection("e", json(true)).find("boolean"), std::string::npos);
  EXPECT_NE(rejection("e", json::binary({1, 2})).find("JSON object"), std::string::npos);
}

TEST_F(EmitterBodyTest, InvalidUtf8InPayloadIsInvalidArgument) {
  EXPECT_NE(rejection("e", json{{"s", std::string("\xff\xfe")}}), "");
  EXPECT_NE(rejection("e", json{{std::string("k\xc3"), 1}}), "");
  EXPECT_NE(rejection("e", json{{"nested", {{"a", json::array({std::string("\xc3\x28")})}}}}), "");
}

TEST_F(EmitterBodyTest, InvalidUtf8InEventNameIsInvalidArgument) {
  const std::string message = rejection(std::string("e\xff"), json::object());
  EXPECT_NE(message.find("event name is not valid UTF-8"), std::string::npos) << message;
}

TEST_F(EmitterBodyTest, ADiscardedValueInsideThePayloadIsRejected) {
  // dump() would write it as <discarded>, which is not JSON.
  const json discarded(json::value_t::discarded);
  for (const json& payload :
       {json{{"d", discarded}}, json{{"a", json::array({1, discarded})}},
        json{{"o", {{"deeper", json::array({json::object(), discarded})}}}}}) {
    const std::string message = rejection("e", payload);
    EXPECT_NE(message.find("discarded value"), std::string::npos) << message;
  }
}

TEST_F(EmitterBodyTest, PayloadTwoHundredThousandLevelsDeepIsRejectedNotAStackOverflow) {
  const std::string message = rejection("e", buildable::testing::nested_objects(200'000));
  EXPECT_NE(message.find("deeper than 511 levels"), std::string::npos) << message;
}

TEST_F(EmitterBodyTest, PayloadAtTheDepthLimitIsAcceptedOneMoreLevelIsNot) {
  const std::size_t limit = buildable::detail::kMaxSentJsonDepth;
  EXPECT_EQ(limit, 511u);
  const std::string at_limit = body("e", buildable::testing::nested_objects(limit));
  // The body adds its own object: exactly the depth the SDK accepts when it parses answers.
  EXPECT_EQ(static_cast<std::size_t>(std::count(at_limit.begin(), at_limit.end(), '{')),
            buildable::detail::kMaxJsonDepth);
  EXPECT_NE(
      rejection("e", buildable::testing::nested_objects(limit + 1)).find("deeper than 511 levels"),
      std::string::npos);
}

TEST_F(EmitterBodyTest, DeepArraysCountLikeObjects) {
  json payload = json::object();
  json* current = &payload["list"];
  for (int i = 0; i < 600; ++i) {
    *current = json::array({json()});
    current = &current->back();
  }
  EXPECT_NE(rejection("e", payload).find("deeper than"), std::string::npos);
}

TEST_F(EmitterBodyTest, MakeBodyCountsNoEmit) {
  (void)body("e", json::object());
  (void)rejection("", json::object());
  EXPECT_EQ(metrics_.emits.load(), 0U);
  EXPECT_EQ(metrics_.emit_failures.load(), 0U);
  EXPECT_EQ(metrics_.retries.load(), 0U);
}

TEST_F(EmitterBodyTest, NoSecretInAnyRejection) {
  EXPECT_EQ(rejection("", json::object()).find(kCanary), std::string::npos);
  EXPECT_EQ(rejection("e", json{{"s", std::string("\xff")}}).find(kCanary), std::string::npos);
}

class SmallLimitEmitterBodyTest : public EmitterBodyTest {
 protected:
  // {"event":"e","payload":{"k":"<n x's>"}} is 32 + n bytes.
  SmallLimitEmitterBodyTest() : EmitterBodyTest(64) {}
};

TEST_F(SmallLimitEmitterBodyTest, BodyAtTheLimitIsAccepted) {
  const std::string text = body("e", json{{"k", std::string(32, 'x')}});
  EXPECT_EQ(text.size(), 64U);
}

TEST_F(SmallLimitEmitterBodyTest, BodyOverTheLimitIsRejectedWithSizes) {
  const std::string message = rejection("e", json{{"k", std::string(33, 'x')}});
  EXPECT_NE(message.find("65 bytes"), std::string::npos) << message;
  EXPECT_NE(message.find("64"), std::string::npos) << message;
  EXPECT_NE(message.find("max_body_bytes"), std::string::npos) << message;
}

TEST_F(SmallLimitEmitterBodyTest, EscapingCountsTowardsTheLimit) {
  // 16 quotes escape to 32 bytes: 64 in all.
  EXPECT_EQ(body("e", json{{"k", std::string(16, '"')}}).size(), 64U);
  EXPECT_NE(rejection("e", json{{"k", std::string(17, '"')}}), "");
}

}  // namespace
