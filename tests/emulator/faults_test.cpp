// Fault injection: each kind, before/after acting, Retry-After forms, per-endpoint rules,
// seeded reproducibility, latency.
#include "faults.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <limits>
#include <regex>

#include "emulator_test_support.hpp"
#include "test_database.hpp"

namespace buildable::emulator {
namespace {

using testing::Http;
using testing::json;

// Sends `request` on a fresh connection and returns every byte received until the server
// closes it (or 5 s pass).
std::string raw_exchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string received;
  char buffer[4096];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  return received;
}

std::string emit_request(const std::string& secret) {
  const std::string body = R"({"event":"e","payload":{"text":"some payload to cut"}})";
  return "POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "X-Buildable-Secret: " +
         secret + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

FaultOptions always(FaultKind kind, const std::string& endpoint = "") {
  FaultOptions faults;
  FaultRule rule;
  rule.endpoint = endpoint;
  rule.kind = kind;
  rule.probability = 1.0;
  faults.rules.push_back(rule);
  return faults;
}

class Faults : public ::testing::Test {
 protected:
  Faults() : emulator_(small_options()) { emulator_.start(); }
  static EmulatorOptions small_options() {
    EmulatorOptions options;
    options.threads = 4;
    options.db_path = buildable::testing::fresh_store_location();
    return options;
  }
  json emit_body() const { return {{"event", "e"}, {"payload", {{"n", 1}}}}; }
  Emulator emulator_;
};

TEST_F(Faults, OffByDefault) {
  Http http(emulator_);
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(http.post("/emit", emit_body()).status, 200);
}

TEST_F(Faults, StatusFaultsStrikeBeforeActing) {
  Http http(emulator_);
  for (auto [kind, status, name] : {std::tuple{FaultKind::status_500, 500, "internal-error"},
                                    std::tuple{FaultKind::status_503, 503, "service-unavailable"},
                                    std::tuple{FaultKind::status_429, 429, "rate-limited"}}) {
    emulator_.set_faults(always(kind));
    auto reply = http.post("/emit", emit_body());
    EXPECT_EQ(reply.status, status);
    EXPECT_EQ(reply.body["name"], name);
    EXPECT_EQ(reply.body["code"], status);
    EXPECT_EQ(reply.body["status"], "error");
  }
  EXPECT_EQ(emulator_.message_count(), 0);
  emulator_.set_faults({});
  EXPECT_EQ(http.post("/emit", emit_body()).status, 200);
  EXPECT_EQ(emulator_.message_count(), 1);
}

TEST_F(Faults, RetryAfterInSecondsAndHttpDateForm) {
  Http http(emulator_);
  auto faults = always(FaultKind::status_429);
  faults.rules[0].retry_after_seconds = 7;
  emulator_.set_faults(faults);
  auto seconds = http.post("/emit", emit_body());
  ASSERT_EQ(seconds.status, 429);
  EXPECT_EQ(seconds.headers.find("Retry-After")->second, "7");

  faults.rules[0].retry_after_http_date = true;
  faults.rules[0].retry_after_seconds = 120;
  emulator_.set_faults(faults);
  const auto before = std::chrono::system_clock::now();
  auto dated = http.post("/emit", emit_body());
  ASSERT_EQ(dated.status, 429);
  const auto value = dated.headers.find("Retry-After")->second;
  EXPECT_TRUE(std::regex_match(
      value,
      std::regex(R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT)")))
      << value;
  std::tm tm{};
  ASSERT_NE(strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm), nullptr);
  const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  const auto ahead = std::chrono::duration_cast<std::chrono::seconds>(when - before).count();
  EXPECT_GE(ahead, 118);
  EXPECT_LE(ahead, 122);
  EXPECT_EQ(emulator_.message_count(), 0);
}

TEST_F(Faults, CloseBeforeActingSendsNothingAndStoresNothing) {
  emulator_.set_faults(always(FaultKind::close_before_acting));
  EXPECT_EQ(raw_exchange(emulator_.port(), emit_request(emulator_.default_secret())), "");
  Http http(emulator_);
  auto reply = http.post("/emit", emit_body());
  EXPECT_EQ(reply.status, 0);
  EXPECT_NE(reply.error, httplib::Error::Success);
  EXPECT_EQ(emulator_.message_count(), 0);
}

TEST_F(Faults, CloseAfterActingStoresThenSendsNothing) {
  emulator_.set_faults(always(FaultKind::close_after_acting));
  EXPECT_EQ(raw_exchange(emulator_.port(), emit_request(emulator_.default_secret())), "");
  EXPECT_EQ(emulator_.message_count(), 1);
  Http http(emulator_);
  EXPECT_EQ(http.post("/emit", emit_body()).status, 0);
  EXPECT_EQ(emulator_.message_count(), 2);
}

TEST_F(Faults, TruncateAfterActingCutsTheBodyShort) {
  emulator_.set_faults(always(FaultKind::truncate_after_acting));
  const auto received = raw_exchange(emulator_.port(), emit_request(emulator_.default_secret()));
  EXPECT_EQ(emulator_.message_count(), 1);
  ASSERT_EQ(received.rfind("HTTP/1.1 200", 0), 0u) << received;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(received, match, std::regex(R"(Content-Length: (\d+))")));
  const auto declared = std::stoul(match[1]);
  const auto body = received.substr(received.find("\r\n\r\n") + 4);
  EXPECT_EQ(body.size(), declared / 2);
  EXPECT_GT(declared, body.size());
  EXPECT_TRUE(json::parse(body, nullptr, false).is_discarded());

  Http http(emulator_);
  auto reply = http.post("/emit", emit_body());
  EXPECT_EQ(reply.status, 0);  // the client sees a read error
  EXPECT_EQ(emulator_.message_count(), 2);
}

TEST_F(Faults, ClaimClosedAfterActingIsHeld) {
  Http http(emulator_);
  const auto key = http.emit("e");
  emulator_.set_faults(always(FaultKind::close_after_acting, "/init"));
  EXPECT_EQ(http.post("/init", {{"key", key}, {"txKey", "t"}}).status, 0);
  emulator_.set_faults({});
  Http again(emulator_);
  EXPECT_EQ(again.post("/init", {{"key", key}, {"txKey", "t"}}).status, 409);
  EXPECT_EQ(emulator_.transaction(key, "t")["state"], "processing");
}

TEST_F(Faults, RulesApplyOnlyToTheirEndpoint) {
  Http http(emulator_);
  emulator_.set_faults(always(FaultKind::status_503, "/query"));
  EXPECT_EQ(http.post("/emit", emit_body()).status, 200);
  EXPECT_EQ(http.post("/query", {{"eventName", "e"}, {"txKey", "t"}, {"since", 0}}).status, 503);
  EXPECT_EQ(http.post("/get-full-event-name", {{"eventName", "e"}}).status, 200);
}

TEST_F(Faults, ProbabilityIsSeededAndReproducible) {
  Http http(emulator_);
  auto run = [&](std::uint64_t seed) {
    FaultOptions faults = always(FaultKind::status_500);
    faults.rules[0].probability = 0.3;
    faults.seed = seed;
    emulator_.set_faults(faults);
    std::vector<int> statuses;
    for (int i = 0; i < 200; ++i)
      statuses.push_back(http.post("/emit", emit_body()).status);
    return statuses;
  };
  const auto first = run(42);
  const auto again = run(42);
  const auto other = run(43);
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  const auto failures = std::count(first.begin(), first.end(), 500);
  EXPECT_GT(failures, 30);
  EXPECT_LT(failures, 90);
  EXPECT_EQ(std::count(first.begin(), first.end(), 200) + failures, 200);
}

TEST_F(Faults, LatencyAndDelayRulesSlowRequestsDown) {
  Http http(emulator_);
  FaultOptions faults;
  faults.latency = std::chrono::milliseconds(150);
  emulator_.set_faults(faults);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(http.post("/emit", emit_body()).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));

  faults = always(FaultKind::delay, "/emit");
  faults.rules[0].delay = std::chrono::milliseconds(120);
  emulator_.set_faults(faults);
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(http.post("/emit", emit_body()).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(120));
}

TEST_F(Faults, StopCutsAnInjectedDelayShort) {
  FaultOptions faults;
  faults.latency = std::chrono::seconds(30);
  emulator_.set_faults(faults);
  std::atomic<bool> answered{false};
  std::thread client([&] {
    Http http(emulator_);
    http.post("/emit", emit_body());
    answered = true;
  });
  ASSERT_TRUE(testing::wait_until([&] { return emulator_.stats().requests >= 1; }));
  const auto start = std::chrono::steady_clock::now();
  emulator_.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  client.join();
  EXPECT_TRUE(answered);
  EXPECT_EQ(emulator_.message_count(), 0);
}

TEST(FaultSyntax, ParsesEveryKindAndOption) {
  using detail::parse_fault_rule;
  auto rule = parse_fault_rule("503:0.25:/emit");
  EXPECT_EQ(rule.kind, FaultKind::status_503);
  EXPECT_DOUBLE_EQ(rule.probability, 0.25);
  EXPECT_EQ(rule.endpoint, "/emit");
  rule = parse_fault_rule("429:1:retry-after=3:http-date");
  EXPECT_EQ(rule.kind, FaultKind::status_429);
  EXPECT_EQ(rule.retry_after_seconds, 3);
  EXPECT_TRUE(rule.retry_after_http_date);
  EXPECT_TRUE(rule.endpoint.empty());
  EXPECT_EQ(parse_fault_rule("500:0").kind, FaultKind::status_500);
  EXPECT_EQ(parse_fault_rule("close-before:0.1").kind, FaultKind::close_before_acting);
  EXPECT_EQ(parse_fault_rule("close-after:0.1:/init").kind, FaultKind::close_after_acting);
  EXPECT_EQ(parse_fault_rule("truncate:0.1").kind, FaultKind::truncate_after_acting);
  rule = parse_fault_rule("delay:0.5:delay=250");
  EXPECT_EQ(rule.kind, FaultKind::delay);
  EXPECT_EQ(rule.delay, std::chrono::milliseconds(250));
  for (const char* bad :
       {"", "500", "404:0.1", "500:1.5", "500:-0.1", "500:abc", "500:0.1:x", "429:1:retry-after=-1",
        "delay:1:delay=ms", "delay:1:delay=3600001", "delay:1:delay=9223372036854775",
        "429:1:retry-after=99999999999", "503:1:/nothing", "503:1:/emit/"}) {
    EXPECT_THROW(parse_fault_rule(bad), std::invalid_argument) << bad;
  }
  EXPECT_EQ(parse_fault_rule("delay:1:delay=3600000").delay, detail::kMaxDelay);
}

TEST(FaultSyntax, DelaysSetThroughTheApiAreBoundedToo) {
  FaultOptions options;
  options.latency = std::chrono::milliseconds(detail::kMaxDelay.count() - 5);
  FaultRule huge;
  huge.kind = FaultKind::delay;
  huge.probability = 1;
  huge.delay = std::chrono::milliseconds(std::numeric_limits<std::int64_t>::max() / 2);
  options.rules = {huge, huge};
  detail::FaultInjector injector(options);
  EXPECT_EQ(injector.decide("/emit").delay, detail::kMaxDelay);
}

TEST(FaultSyntax, HttpDate) {
  EXPECT_EQ(detail::http_date(std::chrono::system_clock::from_time_t(784111777)),
            "Sun, 06 Nov 1994 08:49:37 GMT");
}

}  // namespace
}  // namespace buildable::emulator
