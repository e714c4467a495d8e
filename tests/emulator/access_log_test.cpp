// The access log: one line per request in the plain or JSON form, to a file or standard
// output; a secret (in a header or the query) never reaches it, a hostile path stays on one
// printable line, and a destination that does not read costs dropped lines, never a request.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "access_log_line.hpp"
#include "emulator_test_support.hpp"
#include "raw_socket.hpp"
#include "temp_dir.hpp"

namespace buildable::emulator {
namespace {

using namespace std::chrono_literals;
using testing::Clock;
using testing::EmulatorProcess;
using testing::Http;
using testing::json;
using testing::TempDir;
using testing::wait_until;

constexpr const char* kSecret = "sk_test_CANARY_7f3a9c";
constexpr const char* kWrongSecret = "sk_test_WRONG_CANARY_51be";

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(file, line))
    lines.push_back(line);
  return lines;
}

std::string read_all(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

/// A raw request with the secret in a header, to `target` (sent as is).
void send_raw(int port, const std::string& target) {
  testing::RawConnection connection(port, Clock::now() + 5s);
  ASSERT_TRUE(connection.send_all("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                      "X-Buildable-Secret: " + kSecret + "\r\n\r\n",
                                  Clock::now() + 5s));
  ASSERT_TRUE(connection.read_response(Clock::now() + 5s));
}

/// Runs the same requests against an emulator logging to `log` in `format`: an emit with the
/// secret, one with a wrong secret, the secret in a query, a hostile path, an overlong path,
/// unparseable bytes. Returns the emit's answer body size.
std::size_t run_requests(const std::string& log, AccessLogFormat format) {
  EmulatorOptions options;
  options.keys = {{"k", kSecret, "test"}};
  options.access_log = log;
  options.access_log_format = format;
  Emulator emulator(options);
  emulator.start();
  Http http(emulator);
  const auto emitted = http.post("/emit", {{"event", "logged"}, {"payload", json::object()}});
  EXPECT_EQ(emitted.status, 200);
  EXPECT_EQ(Http(emulator, kWrongSecret).post("/query", json::object()).status, 401);
  EXPECT_EQ(http.get(std::string("/healthz?secret=") + kSecret).status, 200);
  send_raw(emulator.port(), "/we\"ird\\path\xff\xc3\xa9%0A");
  send_raw(emulator.port(), "/" + std::string(600, 'p'));
  testing::RawConnection garbage(emulator.port(), Clock::now() + 5s);
  EXPECT_TRUE(garbage.send_all("HELLO\x01THERE\r\n\r\n", Clock::now() + 5s));
  EXPECT_TRUE(garbage.read_response(Clock::now() + 5s));
  garbage.close();  // or the server lingers on it for a second before it stops
  emulator.stop();  // writes the last lines
  return emitted.raw.size();
}

TEST(AccessLog, PlainLinesHoldTheFieldsAndNeverTheSecret) {
  TempDir dir;
  const std::string log = dir.file("access.log");
  const std::size_t emit_bytes = run_requests(log, AccessLogFormat::plain);
  const std::string text = read_all(log);
  EXPECT_EQ(text.find(kSecret), std::string::npos);
  EXPECT_EQ(text.find(kWrongSecret), std::string::npos);
  EXPECT_EQ(text.find("CANARY"), std::string::npos);

  const auto lines = read_lines(log);
  ASSERT_EQ(lines.size(), 6u) << text;
  const std::regex plain(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 127\.0\.0\.1:\d+ (\S+) (\S+) (\d+) (\d+) \d+\.\d{3}$)");
  std::vector<std::string> paths;
  for (const auto& line : lines) {
    std::smatch match;
    ASSERT_TRUE(std::regex_match(line, match, plain)) << line;
    paths.push_back(match[2]);
    if (match[2] == "/emit") {
      EXPECT_EQ(match[1], "POST");
      EXPECT_EQ(match[3], "200");
      EXPECT_EQ(match[4], std::to_string(emit_bytes));
    }
  }
  const std::set<std::string> logged(paths.begin(), paths.end());
  EXPECT_TRUE(logged.count("/emit"));
  EXPECT_TRUE(logged.count("/query"));
  EXPECT_TRUE(logged.count("/healthz"));  // the query string is not logged
  EXPECT_TRUE(logged.count("/we\\x22ird\\x5Cpath\\xFF\xc3\xa9%0A")) << text;
  EXPECT_TRUE(logged.count("/" + std::string(511, 'p') + "...")) << text;
  EXPECT_TRUE(logged.count("-"));  // the unparseable request: 400, no method, no path
}

TEST(AccessLog, JsonLinesAreObjectsWithTheSameFieldsAndNeverTheSecret) {
  TempDir dir;
  const std::string log = dir.file("access.jsonl");
  const std::size_t emit_bytes = run_requests(log, AccessLogFormat::json);
  const std::string text = read_all(log);
  EXPECT_EQ(text.find("CANARY"), std::string::npos);
  const auto lines = read_lines(log);
  ASSERT_EQ(lines.size(), 6u) << text;
  bool weird_seen = false;
  for (const auto& line : lines) {
    const json entry = json::parse(line, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << line;
    std::set<std::string> keys;
    for (const auto& item : entry.items())
      keys.insert(item.key());
    EXPECT_EQ(keys, (std::set<std::string>{"time", "peer", "method", "path", "status", "bytes",
                                           "duration_ms"}))
        << line;
    EXPECT_TRUE(entry["status"].is_number_integer()) << line;
    EXPECT_TRUE(entry["duration_ms"].is_number()) << line;
    EXPECT_EQ(entry["time"].get<std::string>().back(), 'Z');
    EXPECT_EQ(entry["peer"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
    if (entry["path"] == "/emit") {
      EXPECT_EQ(entry["bytes"], emit_bytes);
    }
    if (entry["path"] == "/we\\x22ird\\x5Cpath\\xFF\xc3\xa9%0A") weird_seen = true;
  }
  EXPECT_TRUE(weird_seen) << text;
}

TEST(AccessLog, BinaryWritesJsonLinesToStandardOutput) {
  EmulatorProcess process({"--port", "0", "--secret", std::string("k=") + kSecret, "--access-log",
                           "-", "--access-log-format", "json"});
  Http http("127.0.0.1", process.port(), kSecret);
  http.emit("to-stdout");
  std::string line;
  do {
    line = process.read_line();
  } while (!line.empty() && line.find("\"path\":\"/emit\"") == std::string::npos);
  EXPECT_EQ(process.stop(), 0);
  const json entry = json::parse(line, nullptr, false);
  EXPECT_EQ(entry["method"], "POST") << process.output();
  EXPECT_EQ(entry["status"], 200);
  // The banner prints the key; the log lines never hold it.
  const std::string output = process.output();
  const auto banner_end = output.find("export BUILDABLE_SECRET_KEY");
  ASSERT_NE(banner_end, std::string::npos);
  EXPECT_EQ(output.find(kSecret, output.find('\n', banner_end)), std::string::npos);
}

TEST(AccessLog, ADestinationThatDoesNotReadCostsDroppedLinesNotRequests) {
  TempDir dir;
  const std::string fifo = dir.file("stalled.fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // A reader that never reads: the pipe fills up, then the writer thread waits on it.
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  std::thread drain;
  {
    EmulatorOptions options;
    options.access_log = fifo;
    Emulator emulator(options);
    emulator.start();
    Http http(emulator);
    // ~560-byte lines: the 64 KiB pipe and the 1 MiB buffer hold fewer than 2,000 of them.
    const std::string path = "/" + std::string(500, 'x');
    for (int i = 0; i < 3000; ++i)
      ASSERT_EQ(http.get(path).status, 404) << i;  // answered whatever the log does
    double dropped = 0;
    ASSERT_TRUE(wait_until([&] {
      const std::string text = http.get("/metrics").raw;
      const std::string series = "buildable_access_log_dropped_lines_total ";
      const auto at = text.find("\n" + series);
      if (at == std::string::npos) return false;
      dropped = std::stod(text.substr(at + 1 + series.size()));
      return dropped > 0;
    }));
    EXPECT_LE(dropped, 3000);
    // Let the log go: read until the writer closes the FIFO (the emulator's destruction).
    drain = std::thread([reader] {
      ::fcntl(reader, F_SETFL, 0);  // blocking
      char buffer[64 * 1024];
      while (::read(reader, buffer, sizeof buffer) > 0) {
      }
    });
  }
  drain.join();  // EOF: the emulator and its log are gone
  ::close(reader);
}

TEST(AccessLog, UnopenableDestinationFailsStart) {
  EmulatorOptions options;
  options.access_log = "/nonexistent-dir/access.log";
  Emulator emulator(options);
  try {
    emulator.start();
    FAIL() << "start() should throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/access.log"), std::string::npos)
        << e.what();
  }
}

TEST(AccessLogLine, PrintableEscapesControlsAndBrokenUtf8AndCuts) {
  using detail::printable;
  EXPECT_EQ(printable("/plain/path-1.2_~%20", 512), "/plain/path-1.2_~%20");
  EXPECT_EQ(printable("/a\x01 b\"c\\d\x7f", 512), "/a\\x01\\x20b\\x22c\\x5Cd\\x7F");
  EXPECT_EQ(printable("/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 512),
            "/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");                            // é € 😀 kept
  EXPECT_EQ(printable("/\xff\xc3\x28\xc2\x85", 512), "/\\xFF\\xC3(\\xC2\\x85");  // C1: escaped
  EXPECT_EQ(printable("/\xe0\x80\xaf\xed\xa0\x80", 512),  // overlong '/' and a surrogate
            "/\\xE0\\x80\\xAF\\xED\\xA0\\x80");
  EXPECT_EQ(printable(std::string("\n\r\0", 3), 512), "\\x0A\\x0D\\x00");
  EXPECT_EQ(printable(std::string(600, 'a'), 512), std::string(512, 'a') + "...");
  EXPECT_EQ(printable("/\xc3\xa9", 2), "/\\xC3...");  // cut inside a character
}

TEST(AccessLogLine, TimesAreRfc3339UtcWithMilliseconds) {
  const auto when = std::chrono::system_clock::from_time_t(784111777) + 7ms;
  EXPECT_EQ(detail::rfc3339_utc_millis(when), "1994-11-06T08:49:37.007Z");
  EXPECT_EQ(detail::rfc3339_utc_millis(std::chrono::system_clock::from_time_t(0) - 1ms),
            "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace buildable::emulator
