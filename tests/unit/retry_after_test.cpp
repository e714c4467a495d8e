#include "detail/retry/retry_after.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace {

using buildable::detail::parse_retry_after;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr long long kNov6_1994_084937 = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

system_clock::time_point at(long long unix_seconds) {
  return system_clock::time_point(seconds(unix_seconds));
}

/// Two minutes before the date used in RFC 9110's examples.
const system_clock::time_point kNow = at(kNov6_1994_084937 - 120);

TEST(RetryAfterTest, DelaySeconds) {
  EXPECT_EQ(parse_retry_after("120", kNow), milliseconds(120'000));
  EXPECT_EQ(parse_retry_after("0", kNow), milliseconds(0));
  EXPECT_EQ(parse_retry_after("1", kNow), milliseconds(1000));
  EXPECT_EQ(parse_retry_after("0007", kNow), milliseconds(7000));
}

TEST(RetryAfterTest, LargestAcceptedDelaySecondsDoesNotOverflow) {
  EXPECT_EQ(parse_retry_after("9999999999", kNow), milliseconds(9'999'999'999'000));
}

TEST(RetryAfterTest, OverLongDelaySecondsSaturateInsteadOfBeingIgnored) {
  // 11 digits and more used to read as "no Retry-After", so the caller retried at once.
  constexpr milliseconds kCeiling(buildable::detail::kMaxRetryAfterSeconds * 1000);
  for (const char* text : {"10000000000", "99999999999", "18446744073709551616",
                           "99999999999999999999999999999999999999999999999999"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parse_retry_after(text, kNow), kCeiling);
  }
  EXPECT_EQ(parse_retry_after(std::string(100'000, '9'), kNow), kCeiling);
}

TEST(RetryAfterTest, LeadingZerosDoNotMakeAValueLong) {
  EXPECT_EQ(parse_retry_after("000000000000000000007", kNow), milliseconds(7000));
  EXPECT_EQ(parse_retry_after("0000000000000000000000", kNow), milliseconds(0));
}

TEST(RetryAfterTest, DelaySecondsDoesNotDependOnNow) {
  EXPECT_EQ(parse_retry_after("5", at(0)), milliseconds(5000));
  EXPECT_EQ(parse_retry_after("5", at(2'000'000'000)), milliseconds(5000));
}

TEST(RetryAfterTest, SurroundingWhitespaceIsIgnored) {
  EXPECT_EQ(parse_retry_after("  30\t", kNow), milliseconds(30'000));
  EXPECT_EQ(parse_retry_after(" Sun, 06 Nov 1994 08:49:37 GMT \r\n", kNow), milliseconds(120'000));
}

TEST(RetryAfterTest, ImfFixdate) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow), milliseconds(120'000));
}

TEST(RetryAfterTest, Rfc850Date) {
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", kNow), milliseconds(120'000));
}

TEST(RetryAfterTest, Rfc850TwoDigitYearBelow70IsIn2000s) {
  constexpr long long kJan1_2030 = 1893456000;
  EXPECT_EQ(parse_retry_after("Tuesday, 01-Jan-30 00:00:10 GMT", at(kJan1_2030)),
            milliseconds(10'000));
}

TEST(RetryAfterTest, AsctimeDate) {
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", kNow), milliseconds(120'000));
}

TEST(RetryAfterTest, AllThreeFormsAgree) {
  const auto now = at(kNov6_1994_084937 - 3600);
  const auto imf = parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now);
  ASSERT_TRUE(imf);
  EXPECT_EQ(*imf, milliseconds(3'600'000));
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), imf);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), imf);
}

TEST(RetryAfterTest, SubsecondNowRoundsTheWaitUp) {
  const auto now = at(kNov6_1994_084937 - 2) + std::chrono::microseconds(250'500);
  // 1.7495 s remain; never come back early.
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), milliseconds(1750));
}

TEST(RetryAfterTest, PastOrPresentDateIsZero) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at(kNov6_1994_084937)),
            milliseconds(0));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at(kNov6_1994_084937 + 1)),
            milliseconds(0));
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", at(1'700'000'000)), milliseconds(0));
}

TEST(RetryAfterTest, FarFutureDateDoesNotOverflow) {
  constexpr long long kDec31_9999_235959 = 253402300799;
  const auto wait = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", at(1'700'000'000));
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, milliseconds((kDec31_9999_235959 - 1'700'000'000) * 1000));
}

TEST(RetryAfterTest, GarbageIsNullopt) {
  for (const char* text : {"",
                           "   ",
                           "-1",
                           "+5",
                           "1.5",
                           "12 0",
                           "5s",
                           "soon",
                           "0x10",
                           "99999999999x",
                           "-99999999999",
                           "Sun, 06 Nov 1994 08:49:37",
                           "Sun, 06 Nov 1994 08:49:37 UTC",
                           "Sun, 06 Nov 1994 08:49:37 GMT junk",
                           "Sun, 06 Xyz 1994 08:49:37 GMT",
                           "Sun, 32 Nov 1994 08:49:37 GMT",
                           "Sun, 06 Nov 1994 24:00:00 GMT",
                           "Sun, 06 Nov 1994 08:60:00 GMT",
                           "Sun, 06 Nov 94 08:49:37 GMT",
                           "Sun, 06 Nov 1994 8:49:37 GMT",
                           "Sun, 06 Nov 1969 08:49:37 GMT",
                           "Sunday, 06-Nov-1994 08:49:37 GMT",
                           "Sunday, 06-Nov-94 08:49 GMT",
                           "Sun Nov  6 08:49:37",
                           "Sun Nov  6 08:49:37 1994 GMT",
                           "Sun Nov 08:49:37 1994",
                           ", 06 Nov 1994 08:49:37 GMT",
                           "Sun, 06 Nov 1994 08:49:37 GMT\x01"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parse_retry_after(text, kNow), std::nullopt);
  }
}

}  // namespace
