// Server-supplied keys and texts on the listening path: a row whose key could break a log line
// or carries the secret is reported (never quoted), not claimed and not handled, while the
// listener goes on with the other rows; server text in the default log line cannot start a new
// line. Time is a ManualClock.

#include <string>
#include <vector>

#include "core_fixture.hpp"
#include "detail/listen/error_reporter.hpp"
#include "detail/support/logger.hpp"

namespace core_test {
namespace {

using Kind = buildable::ListenerError::Kind;
using buildable::detail::HttpResponse;

constexpr const char* kSecret = "core-test-secret";  // CoreTest::options()' secret
constexpr const char* kGoodKey = "0123456789abcdef0123456789abcdef";

/// Keys a server must not get into on_error or a log line as they are.
std::vector<std::string> unsafe_keys() {
  return {"k\r\n[buildable] error: forged line", "key with a space", std::string(300, 'k'),
          std::string("k-") + kSecret + "-1", "k\x1b[2J"};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Collects what the logger is given.
struct Lines {
  std::mutex mutex;
  std::vector<std::string> lines;

  buildable::LogHandler handler() {
    return [this](buildable::LogLevel, std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
  }
  std::vector<std::string> all() {
    std::lock_guard lock(mutex);
    return lines;
  }
};

class UnsafeTextTest : public CoreTest {
 protected:
  /// /query answers the unsafe rows and one good row the first time, then nothing; /init and
  /// /transact succeed.
  void serve_unsafe_rows_once() {
    transport_->on("/query", [this](const Request&) -> std::optional<HttpResponse> {
      nlohmann::json rows = nlohmann::json::array();
      if (queries_++ == 0) {
        for (const auto& key : unsafe_keys())
          rows.push_back({{"key", key}, {"eventName", "ev"}, {"payload", "{}"}});
        rows.push_back({{"key", kGoodKey}, {"eventName", "ev"}, {"payload", "{}"}});
      }
      return answer_json(200, {{"rows", rows}});
    });
    transport_->on("/init", [](const Request&) -> std::optional<HttpResponse> {
      return answer_json(200, {{"status", "success"}});
    });
    transport_->on("/transact", [](const Request&) -> std::optional<HttpResponse> {
      return answer_json(200, {{"status", "success"}});
    });
  }

  std::atomic<int> queries_{0};
};

// A key echoing the secret reached ListenerError::message_key unredacted, and keys with CR/LF
// were claimed, handled and put into log lines.
TEST_F(UnsafeTextTest, RowsWithUnsafeKeysAreReportedNotClaimedNotHandledAndNeverQuoted) {
  serve_unsafe_rows_once();
  std::mutex mutex;
  std::vector<std::string> handled;
  Gate good_handled;
  auto client = make(options());
  client->on("ev", [&](const buildable::Message& m) {
    {
      std::lock_guard lock(mutex);
      handled.push_back(m.key);
    }
    good_handled.open();
  });
  ASSERT_TRUE(good_handled.wait(10s)) << "the listener goes on with the other rows";
  const auto unsafe = unsafe_keys();
  ASSERT_TRUE(reports_.wait_for([&](const auto& all) {
    std::uint64_t reported = 0;
    for (const auto& e : all)
      reported += e.kind == Kind::poll ? 1 + e.coalesced : 0;
    return reported >= unsafe.size();
  })) << "each unsafe row is reported";
  client->close();

  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(handled, std::vector<std::string>{kGoodKey});
  }
  const auto claims = transport_->sent("/init");
  ASSERT_EQ(claims.size(), 1u) << "only the good row is claimed";
  EXPECT_EQ(claims[0].body.value("key", ""), kGoodKey);
  for (const auto& e : reports_.all()) {
    EXPECT_EQ(e.kind, Kind::poll);
    EXPECT_TRUE(e.message_key.empty()) << e.message_key;
    EXPECT_TRUE(contains(e.message, "protocol error")) << e.message;
    EXPECT_FALSE(contains(e.message, kSecret)) << e.message;
    EXPECT_EQ(e.message.find_first_of("\r\n\x1b"), std::string::npos) << e.message;
    for (const auto& key : unsafe)
      EXPECT_FALSE(contains(e.message, key)) << e.message;
  }
}

// Without on_error, a server message with CR/LF became two log lines, the second forged.
TEST_F(UnsafeTextTest, ServerTextInTheDefaultLogLineCannotStartANewLine) {
  transport_->on("/query", [](const Request&) -> std::optional<HttpResponse> {
    return answer_json(500, {{"status", "error"},
                             {"name", "internal-error"},
                             {"message", "boom\r\n[buildable] error: forged\x1b[2J"}});
  });
  Lines log;
  auto o = options();
  o.on_error = nullptr;
  o.logger = log.handler();
  auto client = make(o);
  client->on("ev", [](const buildable::Message&) {});
  ASSERT_TRUE(eventually([&] { return !log.all().empty(); }));
  client->close();
  const auto lines = log.all();
  bool seen = false;
  for (const auto& line : lines) {
    EXPECT_EQ(line.find_first_of("\r\n\x1b"), std::string::npos) << line;
    seen = seen || contains(line, "boom\\r\\n[buildable] error: forged\\x1b[2J");
  }
  EXPECT_TRUE(seen) << "the server's text arrives, escaped";
}

// The last line of defence: whatever reaches the reporter, a key that is not safe to show is
// withheld as a whole, and the log line is one line without the secret.
TEST(ErrorReporterTest, AKeyThatIsNotSafeToShowIsWithheldAsAWhole) {
  Lines log;
  buildable::detail::Logger logger(log.handler());
  std::vector<buildable::ListenerError> delivered;
  const buildable::detail::ErrorReporter to_callback(
      [&](const buildable::ListenerError& e) { delivered.push_back(e); }, logger, kSecret);
  const buildable::detail::ErrorReporter to_log(nullptr, logger, kSecret);
  const std::vector<std::string> keys = {std::string("k-") + kSecret, "k\r\nforged", kGoodKey};
  for (const auto& key : keys) {
    const buildable::ListenerError error{Kind::claim_ambiguous, "ev$$$default", key,
                                         std::string("claim of ") + key + " failed"};
    to_callback.deliver(error);
    to_log.deliver(error);
  }
  ASSERT_EQ(delivered.size(), keys.size());
  EXPECT_EQ(delivered[0].message_key, buildable::detail::ErrorReporter::kWithheldKey);
  EXPECT_EQ(delivered[1].message_key, buildable::detail::ErrorReporter::kWithheldKey);
  EXPECT_EQ(delivered[2].message_key, kGoodKey) << "a safe key is kept as it is";
  const auto lines = log.all();
  ASSERT_EQ(lines.size(), keys.size());
  for (const auto& line : lines) {
    EXPECT_FALSE(contains(line, kSecret)) << line;
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << line;
  }
  EXPECT_TRUE(contains(lines[2], std::string("on message ") + kGoodKey)) << lines[2];
}

}  // namespace
}  // namespace core_test
