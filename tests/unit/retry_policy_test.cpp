#include "detail/retry/retry_policy.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "detail/retry/backoff.hpp"
#include "detail/transport/http_response.hpp"

namespace {

using buildable::RetryOptions;
using buildable::detail::Backoff;
using buildable::detail::HttpResponse;
using buildable::detail::RequestKind;
using buildable::detail::RetryPolicy;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr long long kWallClock = 784111777 - 5;  // 5 s before Sun, 06 Nov 1994 08:49:37 GMT

HttpResponse status(long code, std::string retry_after = "") {
  HttpResponse response;
  response.status = code;
  response.body = R"({"status":"error"})";
  response.retry_after = std::move(retry_after);
  return response;
}

HttpResponse transport(CURLcode code, bool maybe_sent) {
  HttpResponse response;
  response.curl_code = code;
  response.error_detail = "detail";
  response.maybe_sent = maybe_sent;
  return response;
}

HttpResponse refused() {
  return transport(CURLE_COULDNT_CONNECT, false);
}
HttpResponse timed_out() {
  return transport(CURLE_OPERATION_TIMEDOUT, true);
}
HttpResponse reset() {
  return transport(CURLE_RECV_ERROR, true);
}

RetryOptions options() {
  RetryOptions o;
  o.max_attempts = 4;
  o.initial_backoff = milliseconds(100);
  o.max_backoff = milliseconds(10'000);
  o.multiplier = 2.0;
  o.max_total_time = milliseconds(30'000);
  return o;
}

RetryPolicy policy(RetryOptions o = options(), double jitter = 1.0) {
  return RetryPolicy(
      o, [jitter] { return jitter; }, [] { return system_clock::time_point(seconds(kWallClock)); });
}

constexpr RequestKind kAllKinds[] = {RequestKind::emit, RequestKind::claim, RequestKind::query,
                                     RequestKind::record};

// --- Backoff ---------------------------------------------------------------------------

TEST(BackoffTest, CeilingGrowsByTheMultiplierUpToTheCap) {
  const Backoff backoff(milliseconds(100), milliseconds(1000), 2.0, [] { return 0.5; });
  EXPECT_EQ(backoff.ceiling(0), milliseconds(100));
  EXPECT_EQ(backoff.ceiling(1), milliseconds(200));
  EXPECT_EQ(backoff.ceiling(2), milliseconds(400));
  EXPECT_EQ(backoff.ceiling(3), milliseconds(800));
  EXPECT_EQ(backoff.ceiling(4), milliseconds(1000));
  EXPECT_EQ(backoff.ceiling(5), milliseconds(1000));
  EXPECT_EQ(backoff.ceiling(10'000), milliseconds(1000));  // pow overflows to inf: still capped
  EXPECT_EQ(backoff.ceiling(-3), milliseconds(100));
}

TEST(BackoffTest, NonIntegerMultiplier) {
  const Backoff backoff(milliseconds(100), milliseconds(100'000), 1.5, [] { return 1.0; });
  EXPECT_EQ(backoff.ceiling(1), milliseconds(150));
  EXPECT_EQ(backoff.ceiling(2), milliseconds(225));
  const Backoff flat(milliseconds(300), milliseconds(1000), 1.0, [] { return 1.0; });
  EXPECT_EQ(flat.ceiling(7), milliseconds(300));
}

TEST(BackoffTest, DelayIsTheJitterFractionOfTheCeiling) {
  for (const double fraction : {0.0, 0.25, 0.5, 1.0}) {
    const Backoff backoff(milliseconds(100), milliseconds(1000), 2.0,
                          [fraction] { return fraction; });
    SCOPED_TRACE(fraction);
    EXPECT_EQ(backoff.delay(0), milliseconds(static_cast<long long>(100 * fraction)));
    EXPECT_EQ(backoff.delay(2), milliseconds(static_cast<long long>(400 * fraction)));
    EXPECT_EQ(backoff.delay(9), milliseconds(static_cast<long long>(1000 * fraction)));
  }
}

TEST(BackoffTest, OutOfRangeJitterIsClampedIntoTheFullJitterBounds) {
  const Backoff high(milliseconds(100), milliseconds(1000), 2.0, [] { return 7.0; });
  EXPECT_EQ(high.delay(1), milliseconds(200));
  const Backoff low(milliseconds(100), milliseconds(1000), 2.0, [] { return -3.0; });
  EXPECT_EQ(low.delay(1), milliseconds(0));
}

TEST(BackoffTest, DefaultJitterIsUniformishInUnitInterval) {
  const auto jitter = buildable::detail::default_jitter();
  std::set<double> seen;
  double sum = 0;
  for (int i = 0; i < 2000; ++i) {
    const double value = jitter();
    ASSERT_GE(value, 0.0);
    ASSERT_LT(value, 1.0);
    seen.insert(value);
    sum += value;
  }
  EXPECT_GT(seen.size(), 1900U);
  EXPECT_NEAR(sum / 2000, 0.5, 0.1);
}

TEST(BackoffTest, DefaultJitterDelaysStayWithinBounds) {
  const Backoff backoff(milliseconds(100), milliseconds(1000), 2.0,
                        buildable::detail::default_jitter());
  bool below_half = false;
  for (int i = 0; i < 500; ++i) {
    const auto delay = backoff.delay(3);
    ASSERT_GE(delay, milliseconds(0));
    ASSERT_LE(delay, milliseconds(800));
    below_half = below_half || delay < milliseconds(400);
  }
  EXPECT_TRUE(below_half) << "full jitter must reach down towards zero";
}

// --- Which failures are retried ----------------------------------------------------------

TEST(RetryPolicyTest, SuccessIsNeverRetried) {
  const auto p = policy();
  for (auto kind : kAllKinds) {
    EXPECT_FALSE(p.retryable(kind, status(200)));
    EXPECT_FALSE(p.retryable(kind, status(204)));
    EXPECT_EQ(p.next_delay(kind, status(200), 1, milliseconds(0)), std::nullopt);
  }
}

TEST(RetryPolicyTest, EmitIsRetriedWhenProvablyNotActedOn) {
  const auto p = policy();
  EXPECT_TRUE(p.retryable(RequestKind::emit, refused()));
  EXPECT_TRUE(p.retryable(RequestKind::emit, transport(CURLE_COULDNT_RESOLVE_HOST, false)));
  EXPECT_TRUE(p.retryable(RequestKind::emit, status(429)));
  EXPECT_TRUE(p.retryable(RequestKind::emit, status(503)));
  EXPECT_EQ(p.next_delay(RequestKind::emit, refused(), 1, milliseconds(0)), milliseconds(100));
}

TEST(RetryPolicyTest, EmitIsNotRetriedWhenItMayHaveBeenStored) {
  const auto p = policy();
  for (long code : {500L, 502L, 504L, 408L}) {
    SCOPED_TRACE(code);
    EXPECT_FALSE(p.retryable(RequestKind::emit, status(code)));
    EXPECT_EQ(p.next_delay(RequestKind::emit, status(code), 1, milliseconds(0)), std::nullopt);
  }
  EXPECT_FALSE(p.retryable(RequestKind::emit, timed_out()));
  EXPECT_FALSE(p.retryable(RequestKind::emit, reset()));
  EXPECT_FALSE(p.retryable(RequestKind::emit, transport(CURLE_COULDNT_CONNECT, true)));
}

TEST(RetryPolicyTest, RetryEmitWhenUnsureWidensEmitRetries) {
  auto o = options();
  o.retry_emit_when_unsure = true;
  const auto p = policy(o);
  for (long code : {500L, 502L, 504L}) {
    SCOPED_TRACE(code);
    EXPECT_TRUE(p.retryable(RequestKind::emit, status(code)));
  }
  EXPECT_TRUE(p.retryable(RequestKind::emit, timed_out()));
  EXPECT_TRUE(p.retryable(RequestKind::emit, reset()));
  EXPECT_EQ(p.next_delay(RequestKind::emit, timed_out(), 2, milliseconds(0)), milliseconds(200));
}

TEST(RetryPolicyTest, RetryEmitWhenUnsureDoesNotAffectClaims) {
  auto o = options();
  o.retry_emit_when_unsure = true;
  const auto p = policy(o);
  EXPECT_FALSE(p.retryable(RequestKind::claim, timed_out()));
  EXPECT_FALSE(p.retryable(RequestKind::claim, status(500)));
}

TEST(RetryPolicyTest, ClaimIsNeverRetriedWhenItMayHaveBeenSent) {
  const auto p = policy();
  EXPECT_FALSE(p.retryable(RequestKind::claim, timed_out()));
  EXPECT_FALSE(p.retryable(RequestKind::claim, reset()));
  EXPECT_FALSE(p.retryable(RequestKind::claim, transport(CURLE_GOT_NOTHING, true)));
  for (long code : {500L, 502L, 504L, 408L}) {
    SCOPED_TRACE(code);
    EXPECT_FALSE(p.retryable(RequestKind::claim, status(code)));
  }
}

TEST(RetryPolicyTest, ClaimIsRetriedWhenProvablyNotActedOn) {
  const auto p = policy();
  EXPECT_TRUE(p.retryable(RequestKind::claim, refused()));
  EXPECT_TRUE(p.retryable(RequestKind::claim, status(429)));
  EXPECT_TRUE(p.retryable(RequestKind::claim, status(503)));
}

TEST(RetryPolicyTest, QueryAndRecordAreRetriedOnServerAndTransportFailures) {
  const auto p = policy();
  for (auto kind : {RequestKind::query, RequestKind::record}) {
    for (long code : {500L, 502L, 503L, 504L, 429L, 408L}) {
      SCOPED_TRACE(code);
      EXPECT_TRUE(p.retryable(kind, status(code)));
    }
    EXPECT_TRUE(p.retryable(kind, timed_out()));
    EXPECT_TRUE(p.retryable(kind, reset()));
    EXPECT_TRUE(p.retryable(kind, refused()));
  }
}

TEST(RetryPolicyTest, ClientErrorsAreNeverRetried) {
  auto o = options();
  o.retry_emit_when_unsure = true;
  for (const auto& p : {policy(), policy(o)}) {
    for (auto kind : kAllKinds) {
      for (long code : {400L, 401L, 403L, 404L, 409L, 413L, 422L}) {
        SCOPED_TRACE(code);
        EXPECT_FALSE(p.retryable(kind, status(code)));
        EXPECT_EQ(p.next_delay(kind, status(code, "1"), 1, milliseconds(0)), std::nullopt);
      }
    }
  }
}

TEST(RetryPolicyTest, PermanentTransportFailuresAreNeverRetried) {
  auto o = options();
  o.retry_emit_when_unsure = true;
  const auto p = policy(o);
  for (auto kind : kAllKinds) {
    for (CURLcode code : {CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT,
                          CURLE_PEER_FAILED_VERIFICATION, CURLE_ABORTED_BY_CALLBACK}) {
      SCOPED_TRACE(code);
      EXPECT_FALSE(p.retryable(kind, transport(code, false)));
      EXPECT_FALSE(p.retryable(kind, transport(code, true)));
    }
  }
}

// --- Budgets -------------------------------------------------------------------------------

TEST(RetryPolicyTest, BackoffGrowsWithAttempts) {
  const auto p = policy();
  EXPECT_EQ(p.next_delay(RequestKind::query, status(500), 1, milliseconds(0)), milliseconds(100));
  EXPECT_EQ(p.next_delay(RequestKind::query, status(500), 2, milliseconds(0)), milliseconds(200));
  EXPECT_EQ(p.next_delay(RequestKind::query, status(500), 3, milliseconds(0)), milliseconds(400));
}

TEST(RetryPolicyTest, DelayUsesTheInjectedJitter) {
  const auto p = policy(options(), 0.25);
  EXPECT_EQ(p.next_delay(RequestKind::query, status(500), 1, milliseconds(0)), milliseconds(25));
  EXPECT_EQ(p.next_delay(RequestKind::query, status(500), 3, milliseconds(0)), milliseconds(100));
}

TEST(RetryPolicyTest, BackoffIsCappedByMaxBackoff) {
  auto o = options();
  o.max_attempts = 100;
  o.max_backoff = milliseconds(1000);
  o.max_total_time = milliseconds(1'000'000);
  const auto p = policy(o);
  EXPECT_EQ(p.next_delay(RequestKind::query, status(502), 50, milliseconds(0)), milliseconds(1000));
}

TEST(RetryPolicyTest, MaxAttemptsCountsTheFirstAttempt) {
  const auto p = policy();
  EXPECT_TRUE(p.next_delay(RequestKind::query, status(500), 3, milliseconds(0)));
  EXPECT_EQ(p.next_delay(RequestKind::query, status(500), 4, milliseconds(0)), std::nullopt);
  EXPECT_EQ(p.next_delay(RequestKind::query, status(500), 5, milliseconds(0)), std::nullopt);

  auto o = options();
  o.max_attempts = 1;
  EXPECT_EQ(policy(o).next_delay(RequestKind::query, status(500), 1, milliseconds(0)),
            std::nullopt);
  EXPECT_EQ(policy(o).next_delay(RequestKind::emit, refused(), 1, milliseconds(0)), std::nullopt);
}

TEST(RetryPolicyTest, RecordsIgnoreMaxAttemptsAndStopOnlyAtTheTimeBudget) {
  const auto p = policy();
  for (int attempts : {4, 5, 50}) {
    SCOPED_TRACE(attempts);
    EXPECT_TRUE(p.next_delay(RequestKind::record, status(503), attempts, milliseconds(0)));
    EXPECT_TRUE(p.next_delay(RequestKind::record, transport(CURLE_GOT_NOTHING, true), attempts,
                             milliseconds(0)));
  }
  EXPECT_EQ(p.next_delay(RequestKind::record, status(503), 50, milliseconds(40'000)), std::nullopt);
  EXPECT_EQ(p.next_delay(RequestKind::record, status(400), 1, milliseconds(0)), std::nullopt);
}

TEST(RetryPolicyTest, MaxTotalTimeStopsRetriesThatWouldEndPastIt) {
  const auto p = policy();
  EXPECT_EQ(p.next_delay(RequestKind::query, status(500), 1, milliseconds(29'900)),
            milliseconds(100));
  EXPECT_EQ(p.next_delay(RequestKind::query, status(500), 1, milliseconds(29'901)), std::nullopt);
  EXPECT_EQ(p.next_delay(RequestKind::query, status(500), 1, milliseconds(40'000)), std::nullopt);

  auto o = options();
  o.max_total_time = milliseconds(0);
  EXPECT_EQ(policy(o, 0.0).next_delay(RequestKind::query, status(500), 1, milliseconds(0)),
            milliseconds(0));
  EXPECT_EQ(policy(o, 0.5).next_delay(RequestKind::query, status(500), 1, milliseconds(0)),
            std::nullopt);
}

// --- Retry-After -----------------------------------------------------------------------------

TEST(RetryPolicyTest, RetryAfterSecondsRaisesTheWait) {
  const auto p = policy();
  EXPECT_EQ(p.next_delay(RequestKind::emit, status(429, "3"), 1, milliseconds(0)),
            milliseconds(3000));
  EXPECT_EQ(p.next_delay(RequestKind::query, status(503, "2"), 1, milliseconds(0)),
            milliseconds(2000));
}

TEST(RetryPolicyTest, RetryAfterNeverLowersTheBackoff) {
  const auto p = policy();
  EXPECT_EQ(p.next_delay(RequestKind::emit, status(429, "0"), 3, milliseconds(0)),
            milliseconds(400));
}

TEST(RetryPolicyTest, RetryAfterHttpDateUsesTheInjectedWallClock) {
  const auto p = policy();
  EXPECT_EQ(p.next_delay(RequestKind::emit, status(429, "Sun, 06 Nov 1994 08:49:37 GMT"), 1,
                         milliseconds(0)),
            milliseconds(5000));
}

TEST(RetryPolicyTest, RetryAfterAboveMaxBackoffGivesUp) {
  const auto p = policy();
  EXPECT_EQ(p.next_delay(RequestKind::emit, status(429, "10"), 1, milliseconds(0)),
            milliseconds(10'000));
  EXPECT_EQ(p.next_delay(RequestKind::emit, status(429, "11"), 1, milliseconds(0)), std::nullopt);
  EXPECT_EQ(p.next_delay(RequestKind::query, status(503, "3600"), 1, milliseconds(0)),
            std::nullopt);
}

TEST(RetryPolicyTest, RetryAfterOfAnyLengthBeyondMaxBackoffGivesUp) {
  const auto p = policy();
  for (const char* huge : {"9999999999", "99999999999", "123456789012345678901234567890"}) {
    SCOPED_TRACE(huge);
    EXPECT_EQ(p.next_delay(RequestKind::emit, status(429, huge), 1, milliseconds(0)), std::nullopt);
    EXPECT_EQ(p.next_delay(RequestKind::query, status(503, huge), 1, milliseconds(0)),
              std::nullopt);
  }
}

TEST(RetryPolicyTest, RetryAfterPastTheTotalTimeGivesUp) {
  const auto p = policy();
  EXPECT_EQ(p.next_delay(RequestKind::emit, status(429, "5"), 1, milliseconds(25'001)),
            std::nullopt);
  EXPECT_EQ(p.next_delay(RequestKind::emit, status(429, "5"), 1, milliseconds(25'000)),
            milliseconds(5000));
}

TEST(RetryPolicyTest, UnparsableRetryAfterFallsBackToBackoff) {
  const auto p = policy();
  EXPECT_EQ(p.next_delay(RequestKind::emit, status(429, "soon"), 2, milliseconds(0)),
            milliseconds(200));
}

TEST(RetryPolicyTest, RetryAfterDoesNotMakeANonRetryableFailureRetryable) {
  const auto p = policy();
  EXPECT_EQ(p.next_delay(RequestKind::emit, status(500, "1"), 1, milliseconds(0)), std::nullopt);
  EXPECT_EQ(p.next_delay(RequestKind::claim, status(500, "1"), 1, milliseconds(0)), std::nullopt);
}

}  // namespace
