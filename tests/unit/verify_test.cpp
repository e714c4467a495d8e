#include <gtest/gtest.h>

#include <algorithm>
#include <buildable/errors.hpp>
#include <buildable/verify.hpp>
#include <cctype>
#include <chrono>
#include <string>

namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

constexpr const char* kSecret = "whsec_known_answer";
constexpr const char* kBody = R"({"event":"user.created","payload":{"name":"x"}})";
constexpr long long kT = 1700000000;

system_clock::time_point at(long long unix_seconds) {
  return system_clock::time_point(seconds(unix_seconds));
}

// Independent known answers, computed at development time with OpenSSL's command line tool:
//   printf '%s' '1700000000.{"event":"user.created","payload":{"name":"x"}}' |
//     openssl dgst -sha256 -hmac 'whsec_known_answer'
constexpr const char* kKnownMac =
    "f265f85201e9b1e5bece12941dfe813e882455a51349ac3e84dab15d2ed622e0";
//   printf '%s' '1700000000.' | openssl dgst -sha256 -hmac 'k'
constexpr const char* kKnownMacEmptyBody =
    "5c2999a43333a6877f49c8003f235c4f6de40f85b1b7414b70bd470a8db53d97";

std::string header_with(const std::string& v1) {
  return "t=1700000000,v1=" + v1;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

TEST(Verify, KnownAnswerFromOpenSslCommandLine) {
  EXPECT_TRUE(buildable::verify(header_with(kKnownMac), kSecret, kBody, at(kT)));
  EXPECT_TRUE(buildable::verify(header_with(kKnownMacEmptyBody), "k", "", at(kT)));
}

TEST(Sign, ProducesTheKnownAnswer) {
  EXPECT_EQ(buildable::sign(kSecret, kBody, at(kT)), header_with(kKnownMac));
  EXPECT_EQ(buildable::sign("k", "", at(kT)), header_with(kKnownMacEmptyBody));
}

TEST(Sign, TruncatesSubSecondTimes) {
  const auto t = at(kT) + std::chrono::milliseconds(999);
  EXPECT_EQ(buildable::sign(kSecret, kBody, t), header_with(kKnownMac));
}

TEST(Verify, AcceptsWhatSignProduces) {
  const std::string header = buildable::sign("another secret", "any body", at(kT));
  EXPECT_TRUE(buildable::verify(header, "another secret", "any body", at(kT)));
}

TEST(Verify, DefaultClockOverloadAcceptsAFreshSignature) {
  const std::string header = buildable::sign(kSecret, kBody);
  EXPECT_TRUE(buildable::verify(header, kSecret, kBody));
}

TEST(Verify, DefaultClockOverloadRejectsAnOldSignature) {
  EXPECT_FALSE(buildable::verify(header_with(kKnownMac), kSecret, kBody));
}

TEST(Verify, AcceptsUppercaseHex) {
  EXPECT_TRUE(buildable::verify(header_with(upper(kKnownMac)), kSecret, kBody, at(kT)));
}

TEST(Verify, AcceptsSpacesAfterCommasAndIgnoresUnknownKeys) {
  const std::string header = std::string("t=1700000000, v0=abc,  v1=") + kKnownMac + ", x=y";
  EXPECT_TRUE(buildable::verify(header, kSecret, kBody, at(kT)));
}

TEST(Verify, AcceptsItemsInAnyOrder) {
  const std::string header = std::string("v1=") + kKnownMac + ",t=1700000000";
  EXPECT_TRUE(buildable::verify(header, kSecret, kBody, at(kT)));
}

TEST(Verify, AcceptsWhenOneOfManySignaturesMatches) {
  const std::string old_secret_sig = buildable::sign("old secret", kBody, at(kT)).substr(16);
  const std::string header = std::string("t=1700000000,v1=") + old_secret_sig + ",v1=" + kKnownMac;
  EXPECT_TRUE(buildable::verify(header, kSecret, kBody, at(kT)));
  EXPECT_TRUE(buildable::verify(header, "old secret", kBody, at(kT)));
  EXPECT_FALSE(buildable::verify(header, "third secret", kBody, at(kT)));
}

TEST(Verify, AcceptsWhenAMalformedSignatureSitsNextToAValidOne) {
  const std::string header = std::string("t=1700000000,v1=zz,v1=") + kKnownMac;
  EXPECT_TRUE(buildable::verify(header, kSecret, kBody, at(kT)));
}

TEST(Verify, RejectsATamperedBody) {
  EXPECT_FALSE(buildable::verify(header_with(kKnownMac), kSecret,
                                 R"({"event":"user.created","payload":{"name":"y"}})", at(kT)));
  EXPECT_FALSE(
      buildable::verify(header_with(kKnownMac), kSecret, std::string(kBody) + " ", at(kT)));
  EXPECT_FALSE(buildable::verify(header_with(kKnownMac), kSecret, "", at(kT)));
}

TEST(Verify, RejectsTheWrongSecret) {
  EXPECT_FALSE(buildable::verify(header_with(kKnownMac), "whsec_known_answeR", kBody, at(kT)));
  EXPECT_FALSE(buildable::verify(header_with(kKnownMac), "whsec_known_answer ", kBody, at(kT)));
}

TEST(Verify, RejectsATamperedTimestamp) {
  // Same signature, timestamp moved by one second: the signed string changes.
  const std::string header = std::string("t=1700000001,v1=") + kKnownMac;
  EXPECT_FALSE(buildable::verify(header, kSecret, kBody, at(kT + 1)));
}

TEST(Verify, RejectsASingleFlippedHexDigit) {
  std::string mac = kKnownMac;
  mac[63] = mac[63] == '0' ? '1' : '0';
  EXPECT_FALSE(buildable::verify(header_with(mac), kSecret, kBody, at(kT)));
}

TEST(Verify, StaleTimestampJustInsideAndJustOutsideTolerance) {
  const std::string header = header_with(kKnownMac);
  EXPECT_TRUE(buildable::verify(header, kSecret, kBody, at(kT + 300)));
  EXPECT_TRUE(
      buildable::verify(header, kSecret, kBody, at(kT + 300) + std::chrono::milliseconds(999)));
  EXPECT_FALSE(buildable::verify(header, kSecret, kBody, at(kT + 301)));
}

TEST(Verify, FutureTimestampJustInsideAndJustOutsideTolerance) {
  const std::string header = header_with(kKnownMac);
  EXPECT_TRUE(buildable::verify(header, kSecret, kBody, at(kT - 300)));
  EXPECT_FALSE(buildable::verify(header, kSecret, kBody, at(kT - 301)));
}

TEST(Verify, CustomTolerance) {
  const std::string header = header_with(kKnownMac);
  EXPECT_TRUE(buildable::verify(header, kSecret, kBody, at(kT + 10), seconds(10)));
  EXPECT_FALSE(buildable::verify(header, kSecret, kBody, at(kT + 11), seconds(10)));
  EXPECT_FALSE(buildable::verify(header, kSecret, kBody, at(kT - 11), seconds(10)));
  EXPECT_TRUE(buildable::verify(header, kSecret, kBody, at(kT), seconds(0)));
  EXPECT_FALSE(buildable::verify(header, kSecret, kBody, at(kT + 1), seconds(0)));
}

TEST(Verify, RejectsMissingOrEmptyHeader) {
  EXPECT_FALSE(buildable::verify("", kSecret, kBody, at(kT)));
  EXPECT_FALSE(buildable::verify("   ", kSecret, kBody, at(kT)));
}

TEST(Verify, RejectsMalformedHeaders) {
  const std::string mac = kKnownMac;
  const std::string malformed[] = {
      "v1=" + mac,                                    // no timestamp
      "t=1700000000",                                 // no signature
      "t=1700000000,v0=" + mac,                       // only an unknown scheme
      "t=,v1=" + mac,                                 // empty timestamp
      "t=abc,v1=" + mac,                              // non-numeric timestamp
      "t=-1700000000,v1=" + mac,                      // signed timestamp
      "t=+1700000000,v1=" + mac,                      // signed timestamp
      "t=1700000000.5,v1=" + mac,                     // fractional timestamp
      "t=1700000000x,v1=" + mac,                      // trailing garbage
      "t=99999999999999999999999,v1=" + mac,          // timestamp overflows int64
      "t=1700000000,t=1700000000,v1=" + mac,          // repeated timestamp
      "t=1700000000,v1=" + mac.substr(0, 63),         // hex one digit short
      "t=1700000000,v1=" + mac + "0",                 // hex one digit long
      "t=1700000000,v1=" + mac.substr(0, 62) + "zz",  // non-hex digits
      "t=1700000000,v1=",                             // empty signature
      "t=1700000000;v1=" + mac,                       // wrong separator
      "t=1700000000,v1=" + mac + ",",                 // trailing comma
      "t=1700000000,," + std::string("v1=") + mac,    // empty item
      "t=1700000000,garbage,v1=" + mac,               // item without '='
      "T=1700000000,V1=" + mac,                       // keys are case-sensitive
      "t 1700000000,v1 " + mac,                       // no '=' at all
      std::string("t=1700000000\0,v1=", 17) + mac,    // embedded NUL
  };
  for (const std::string& header : malformed) {
    EXPECT_FALSE(buildable::verify(header, kSecret, kBody, at(kT))) << header;
  }
}

TEST(Verify, EmptySecretIsACallerMistake) {
  EXPECT_THROW((void)buildable::verify(header_with(kKnownMac), "", kBody, at(kT)),
               buildable::InvalidArgument);
  EXPECT_THROW((void)buildable::verify("", "", kBody), buildable::InvalidArgument);
  EXPECT_THROW((void)buildable::sign("", kBody, at(kT)), buildable::InvalidArgument);
}

TEST(Verify, NegativeToleranceIsACallerMistake) {
  EXPECT_THROW((void)buildable::verify(header_with(kKnownMac), kSecret, kBody, at(kT), seconds(-1)),
               buildable::InvalidArgument);
}

TEST(Sign, RejectsTimesBeforeTheEpoch) {
  EXPECT_THROW((void)buildable::sign(kSecret, kBody, at(-1)), buildable::InvalidArgument);
}

TEST(Verify, ExtremeTimestampsDoNotOverflowTheToleranceCheck) {
  const std::string far_future = std::string("t=9223372036854775807,v1=") + kKnownMac;
  EXPECT_FALSE(buildable::verify(far_future, kSecret, kBody, at(-kT)));
  // Within the (maximal) tolerance, but the signature was made for another timestamp.
  EXPECT_FALSE(buildable::verify(far_future, kSecret, kBody, at(-kT), seconds::max()));
  EXPECT_FALSE(buildable::verify(header_with(kKnownMac), kSecret, kBody, at(-kT)));
  EXPECT_TRUE(buildable::verify(header_with(kKnownMac), kSecret, kBody, at(-kT), seconds::max()));
}

}  // namespace
