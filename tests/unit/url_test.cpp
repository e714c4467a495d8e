#include "detail/transport/url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using buildable::detail::BaseUrl;
using buildable::detail::is_loopback_host;
using buildable::detail::parse_base_url;

BaseUrl parsed(const std::string& text) {
  std::string why;
  const auto url = parse_base_url(text, why);
  EXPECT_TRUE(url.has_value()) << text << ": " << why;
  EXPECT_TRUE(!url || why.empty()) << why;
  return url.value_or(BaseUrl{});
}

/// The reason parse_base_url gives for rejecting `text` ("" when it accepted it).
std::string rejection(const std::string& text) {
  std::string why;
  const auto url = parse_base_url(text, why);
  if (url) return "";
  EXPECT_FALSE(why.empty()) << "no reason given for " << text;
  return why.empty() ? "<no reason>" : why;
}

TEST(ParseBaseUrlTest, PlainHttpsHost) {
  const auto url = parsed("https://events.buildable.dev");
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "events.buildable.dev");
  EXPECT_EQ(url.port, 0);
  EXPECT_EQ(url.path, "");
}

TEST(ParseBaseUrlTest, PortAndPrefixWithoutTrailingSlashes) {
  const auto url = parsed("http://localhost:8080/api/v1//");
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.host, "localhost");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.path, "/api/v1");
}

TEST(ParseBaseUrlTest, RootPathIsEmpty) {
  EXPECT_EQ(parsed("https://example.com/").path, "");
}

TEST(ParseBaseUrlTest, SchemeAndHostAreLowerCased) {
  const auto url = parsed("HTTPS://Events.Buildable.DEV/Prefix");
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "events.buildable.dev");
  EXPECT_EQ(url.path, "/Prefix");  // paths are case-sensitive
}

TEST(ParseBaseUrlTest, BracketedIpv6WithAndWithoutPort) {
  auto url = parsed("http://[::1]:4010/x");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 4010);
  EXPECT_EQ(url.path, "/x");
  url = parsed("https://[2001:DB8::1]");
  EXPECT_EQ(url.host, "2001:db8::1");
  EXPECT_EQ(url.port, 0);
}

TEST(ParseBaseUrlTest, PortBounds) {
  EXPECT_EQ(parsed("https://h:1").port, 1);
  EXPECT_EQ(parsed("https://h:65535").port, 65535);
  EXPECT_NE(rejection("https://h:0"), "");
  EXPECT_NE(rejection("https://h:65536"), "");
  EXPECT_NE(rejection("https://h:123456"), "");
  EXPECT_NE(rejection("https://h:99999999999999999999"), "");
  EXPECT_NE(rejection("https://h:-1"), "");
  EXPECT_NE(rejection("https://h:+80"), "");
  EXPECT_NE(rejection("https://h:"), "");
  EXPECT_NE(rejection("https://[::1]:"), "");
  EXPECT_NE(rejection("https://h:80:81"), "");
}

TEST(ParseBaseUrlTest, RejectsWhatIsNotABaseUrl) {
  for (const char* text : {"",
                           "events.buildable.dev",
                           "//host",
                           "://host",
                           "ftp://host",
                           "file:///etc/passwd",
                           "https://",
                           "https:///path",
                           "https://:443",
                           "https://ho st",
                           "https://ho\tst",
                           "https://host\n",
                           "https://[::1",
                           "https://[]",
                           "https://[::1]8080",
                           "https://[::1]x",
                           "https://[not-an-address]",
                           "https://[::1 ]",
                           "https://host?x=1",
                           "https://host/p?x",
                           "https://host#f",
                           "https://user@host",
                           "https://user:pw@host/"}) {
    SCOPED_TRACE(text);
    EXPECT_NE(rejection(text), "");
  }
}

TEST(ParseBaseUrlTest, ReasonsExplainTheProblem) {
  EXPECT_NE(rejection("host").find("scheme"), std::string::npos);
  EXPECT_NE(rejection("gopher://host").find("scheme"), std::string::npos);
  EXPECT_NE(rejection("https://a@host").find("credentials"), std::string::npos);
  EXPECT_NE(rejection("https://host?q").find("query"), std::string::npos);
  EXPECT_NE(rejection("https://h:0").find("port"), std::string::npos);
  EXPECT_NE(rejection("https://").find("host"), std::string::npos);
}

TEST(IsLoopbackHostTest, LoopbackNames) {
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.255.255.254"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
}

TEST(IsLoopbackHostTest, EverySpellingOfTheIpv6LoopbackAddress) {
  for (const char* host :
       {"0:0:0:0:0:0:0:1", "::0001", "0::1", "0000:0000::0:1", "::1%25lo", "::1%lo",
        "::ffff:127.0.0.1", "::ffff:127.9.8.7", "::ffff:7f00:1", "0:0:0:0:0:ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
}

TEST(IsLoopbackHostTest, NotLoopback) {
  for (const char* host :
       {"", "example.com", "10.0.0.1", "128.0.0.1", "126.0.0.1", "0.0.0.0", "::", "::2", "::1:0",
        "1::1", "::ffff:128.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "::1::", "%25lo", "[::1]",
        "localhost.example.com", "mylocalhost", "127.0.0.1.example.com", "127.0.0.1.",
        // Leading zeros: octal to libcurl, or (with an 8 or a 9) a host name
        // it resolves, which could point anywhere.
        "127.0.0.09", "127.00.08.1", "127.0.0.018", "127.08.0.1", "127.0.0.01", "127.000.000.001",
        "0177.0.0.1", "::ffff:127.0.0.09", "127.0.0", "127.1", "127.0.0.256", "127.0.0.1000",
        "127.0.0.-1", "127..0.1", "127.0.0.1:80", "127.a.0.1", "127.", "127"}) {
    SCOPED_TRACE(host);
    EXPECT_FALSE(is_loopback_host(host));
  }
}

TEST(IsLoopbackHostTest, ParsedHostsFeedIsLoopback) {
  EXPECT_TRUE(is_loopback_host(parsed("http://[::1]:1/").host));
  EXPECT_TRUE(is_loopback_host(parsed("http://LocalHost").host));
  EXPECT_FALSE(is_loopback_host(parsed("http://127.0.0.1.nip.io").host));
}

}  // namespace
