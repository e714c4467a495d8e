// What the emulator says when it starts (bound address, non-loopback warning, dashboard URL,
// --help) and the dashboard's one-time login link behind that URL.
#include <gtest/gtest.h>

#include <regex>

#include "buildable/emulator/command_line.hpp"
#include "emulator_test_support.hpp"

namespace buildable::emulator {
namespace {

using testing::EmulatorProcess;
using testing::Http;
using testing::json;
using testing::Reply;

// The token of a `.../#login=<token>` URL, or "" when there is none.
std::string login_token(const std::string& url) {
  const auto at = url.find("#login=");
  return at == std::string::npos ? std::string() : url.substr(at + 7);
}

Reply redeem(Http& http, const std::string& token) {
  return http.raw("/_dashboard/api/login", "", {{"X-Buildable-Dashboard-Token", token}},
                  "application/json");
}

// The lines printed before the first `  secret key` line.
std::vector<std::string> banner_head(EmulatorProcess& process) {
  std::vector<std::string> lines;
  for (std::string line = process.read_line(); !line.empty(); line = process.read_line()) {
    if (line.rfind("  secret key", 0) == 0) break;
    lines.push_back(line);
  }
  return lines;
}

TEST(DashboardLogin, ALoopbackEmulatorsUrlLogsInOnceWithTheDefaultKey) {
  Emulator emulator;
  emulator.start();
  EXPECT_TRUE(emulator.loopback_only());
  EXPECT_EQ(emulator.bound_address(), "127.0.0.1");
  const std::string url = emulator.dashboard_url();
  ASSERT_EQ(url.rfind(emulator.base_url() + "/#login=", 0), 0u) << url;
  const std::string token = login_token(url);
  EXPECT_TRUE(std::regex_match(token, std::regex("[0-9a-f]{32}"))) << token;

  Http http(emulator, "");
  const Reply first = redeem(http, token);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(first.body.value("secret", ""), emulator.default_secret());
  EXPECT_EQ(first.body.value("name", ""), emulator.keys().front().name);
  EXPECT_EQ(first.body.value("environment", ""), "test");

  const Reply again = redeem(http, token);
  EXPECT_EQ(again.status, 401) << again.raw;
  EXPECT_EQ(again.body.value("name", ""), "invalid-token");
  EXPECT_EQ(again.raw.find(emulator.default_secret()), std::string::npos);
}

TEST(DashboardLogin, WrongMissingAndReplacedTokensAreRefused) {
  Emulator emulator;
  emulator.start();
  Http http(emulator, "");
  const std::string old_token = login_token(emulator.dashboard_url());
  const std::string token = login_token(emulator.dashboard_url());  // replaces the old one
  ASSERT_NE(old_token, token);

  EXPECT_EQ(redeem(http, old_token).status, 401);
  std::string wrong = token;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(redeem(http, wrong).status, 401);
  EXPECT_EQ(redeem(http, token.substr(1)).status, 401);
  EXPECT_EQ(http.raw("/_dashboard/api/login", "", {}, "application/json").status, 401);
  // Failed attempts do not use it up.
  EXPECT_EQ(redeem(http, token).status, 200);

  auto get = http.client().Get("/_dashboard/api/login");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
}

TEST(DashboardLogin, AnyWayOfNamingEveryInterfaceGivesALocalBaseUrl) {
  EmulatorOptions options;
  options.host = "0";  // getaddrinfo's short form of 0.0.0.0
  Emulator emulator(options);
  emulator.start();
  EXPECT_EQ(emulator.bound_address(), "0.0.0.0");
  EXPECT_EQ(emulator.base_url(), "http://127.0.0.1:" + std::to_string(emulator.port()));
}

TEST(DashboardLogin, ANonLoopbackBindHasNoLoginLink) {
  EmulatorOptions options;
  options.host = "0.0.0.0";
  Emulator emulator(options);
  emulator.start();
  EXPECT_FALSE(emulator.loopback_only());
  EXPECT_EQ(emulator.bound_address(), "0.0.0.0");
  EXPECT_EQ(emulator.dashboard_url(), emulator.base_url() + "/");

  Http http(emulator, "");
  // Not even a token issued while nobody asked: every guess is refused.
  EXPECT_EQ(redeem(http, std::string(32, '0')).status, 401);
  EXPECT_EQ(redeem(http, "").status, 401);
}

TEST(Banner, ALoopbackBindPrintsItsAddressAndAWorkingLoginLink) {
  EmulatorProcess process({"--port", "0"});
  const std::string first = process.output().substr(0, process.output().find('\n'));
  EXPECT_EQ(first,
            "buildable-emulator listening on http://127.0.0.1:" + std::to_string(process.port()));
  const auto lines = banner_head(process);
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines)
    EXPECT_EQ(line.find("WARNING"), std::string::npos) << line;
  std::smatch match;
  const std::regex dashboard("  dashboard: (http://127\\.0\\.0\\.1:[0-9]+/#login=[0-9a-f]{32}) .*");
  ASSERT_TRUE(std::regex_match(lines.front(), match, dashboard)) << lines.front();

  Http http("127.0.0.1", process.port(), "");
  const Reply login = redeem(http, login_token(match[1].str()));
  ASSERT_EQ(login.status, 200) << login.raw;
  EXPECT_NE(process.output().find("  secret key demo (test): " + login.body.value("secret", "")),
            std::string::npos)
      << process.output();
}

TEST(Banner, ANonLoopbackBindPrintsTheBoundAddressAndWarns) {
  EmulatorProcess process({"--host", "0.0.0.0", "--port", "0"});
  const std::string port = std::to_string(process.port());
  EXPECT_NE(process.output().find("buildable-emulator listening on http://0.0.0.0:" + port + "\n"),
            std::string::npos)
      << process.output();
  const auto lines = banner_head(process);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("  WARNING: 0.0.0.0 is not a loopback address", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1], "  from this machine: http://127.0.0.1:" + port);
  EXPECT_EQ(lines[2], "  dashboard: http://127.0.0.1:" + port + "/  (asks for a secret key)");
}

TEST(Banner, HelpDescribesTheDashboardAndTheConnectionLimits) {
  const std::string usage = command_line_usage();
  EXPECT_NE(usage.find("dashboard"), std::string::npos);
  EXPECT_NE(usage.find("one-time login link"), std::string::npos);
  for (const char* flag : {"--max-connections", "--header-timeout", "--body-timeout",
                           "--keep-alive-timeout", "--threads"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace buildable::emulator
