// Where the User-Agent goes: once in every request to the service, once in a CONNECT to a
// proxy (which gets none of the SDK's other headers, the secret least of all), once in a
// plain-http request through a proxy.
#include <gtest/gtest.h>

#include <algorithm>
#include <buildable/client.hpp>
#include <buildable/version.hpp>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "integration_helpers.hpp"
#include "raw_server.hpp"

namespace buildable::testing {
namespace {

using nlohmann::json;

constexpr const char* kEmitAnswer =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 42\r\n"
    "Connection: close\r\n\r\n{\"key\":\"0123456789abcdef0123456789abcdef\"}";

/// The values of every `name:` line of a request head (case-insensitive name).
std::vector<std::string> header_values(std::string_view head, std::string_view name) {
  std::vector<std::string> values;
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos && line_start + 2 < head.size()) {
    const std::size_t start = line_start + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, end - start);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      std::string_view value = line.substr(name.size() + 1);
      while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
      values.emplace_back(value);
    }
    line_start = end;
  }
  return values;
}

std::vector<std::string> one(const std::string& value) {
  return {value};
}

TEST(UserAgentTest, TheServiceGetsTheDefaultUserAgentOnceOnEveryRequest) {
  RawServer server(kEmitAnswer);
  ClientOptions options;
  options.secret = kTestSecret;
  options.base_url = server.base_url();
  Client client(options);
  client.emit("e", json::object());
  client.emit_async("e", json::object()).get();

  const auto heads = server.heads();
  ASSERT_EQ(heads.size(), 2u);
  for (const auto& head : heads) {
    EXPECT_EQ(header_values(head, "User-Agent"), one(std::string("buildable-cpp/") + kVersion))
        << head;
    EXPECT_EQ(header_values(head, "X-Buildable-Secret"), one(kTestSecret)) << head;
  }
}

TEST(UserAgentTest, AConnectToAProxyCarriesTheUserAgentOnceAndNeverTheSecret) {
  RawServer proxy("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  ClientOptions options;
  options.secret = kTestSecret;
  options.base_url = "https://127.0.0.1:9";
  options.proxy = proxy.base_url();
  options.user_agent = "billing/2.0 (proxy test)";
  options.retry.max_attempts = 1;
  Client client(options);
  EXPECT_THROW(client.emit("e", json::object()), TransportError);

  const auto heads = proxy.heads();
  ASSERT_EQ(heads.size(), 1u);
  EXPECT_EQ(heads[0].rfind("CONNECT 127.0.0.1:9 ", 0), 0u) << heads[0];
  EXPECT_EQ(header_values(heads[0], "User-Agent"), one("billing/2.0 (proxy test)")) << heads[0];
  EXPECT_EQ(heads[0].find(kTestSecret), std::string::npos) << heads[0];
  for (const char* service_header : {"X-Buildable-Secret", "Content-Type", "Accept"})
    EXPECT_TRUE(header_values(heads[0], service_header).empty()) << heads[0];
}

TEST(UserAgentTest, APlainHttpRequestThroughAProxyCarriesTheUserAgentOnce) {
  RawServer proxy(kEmitAnswer);
  ClientOptions options;
  options.secret = kTestSecret;
  options.base_url = "http://127.0.0.1:9";
  options.allow_insecure_http = true;
  options.proxy = proxy.base_url();
  options.user_agent = "billing/2.0 (proxy test)";
  Client client(options);
  EXPECT_EQ(client.emit("e", json::object()).key, "0123456789abcdef0123456789abcdef");

  const auto heads = proxy.heads();
  ASSERT_EQ(heads.size(), 1u);
  EXPECT_EQ(heads[0].rfind("POST http://127.0.0.1:9/emit ", 0), 0u) << heads[0];
  EXPECT_EQ(header_values(heads[0], "User-Agent"), one("billing/2.0 (proxy test)")) << heads[0];
}

}  // namespace
}  // namespace buildable::testing
