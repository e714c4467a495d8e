// Hostile requests against the emulator (part of the hardening issue): bytes that are not
// UTF-8 in the path, JSON nested deep enough to overflow a recursive walk, and endless
// distinct paths. Each must get a 4xx JSON answer, leave the process serving, and leave its
// bookkeeping bounded.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <buildable/emulator/emulator.hpp>
#include <string>

#include "emulator_test_support.hpp"
#include "json_text.hpp"

namespace buildable::emulator {
namespace {

using testing::Http;
using testing::json;

/// Sends `request` as raw bytes on a fresh connection and returns the whole answer (the
/// emulator closes the connection: the request asks for it).
std::string raw_exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
      answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

/// An /emit body nesting `arrays` arrays inside its payload object: arrays + 2 levels in all,
/// with `innermost` (JSON text) in the deepest array.
std::string nested_payload(int arrays, const std::string& innermost = "") {
  return R"({"event":"deep","payload":{"a":)" + std::string(static_cast<std::size_t>(arrays), '[') +
         innermost + std::string(static_cast<std::size_t>(arrays), ']') + "}}";
}

class HostileRequests : public ::testing::Test {
 protected:
  void SetUp() override { emulator_.start(); }
  /// The emulator still answers an ordinary request.
  void expect_still_serving() {
    Http http(emulator_);
    EXPECT_FALSE(http.emit("still.alive").empty());
  }
  Emulator emulator_;
};

TEST_F(HostileRequests, PathsThatAreNotUtf8GetA404JsonAnswer) {
  for (const std::string path : {"/%FF", "/_dashboard/%C3%28", "/emit%FE", "/\xff\xfe"}) {
    const std::string answer = raw_exchange(
        emulator_.port(), "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_NE(answer.find("HTTP/1.1 4"), std::string::npos) << path << ": " << answer;
    const auto body = json::parse(answer.substr(answer.find("\r\n\r\n") + 4), nullptr, false);
    ASSERT_TRUE(body.is_object()) << path << ": " << answer;
    EXPECT_EQ(body.value("status", ""), "error");
  }
  expect_still_serving();
}

TEST_F(HostileRequests, HeadAnswersCarryNoBodySoTheNextAnswerStaysInStep) {
  const std::string answer =
      raw_exchange(emulator_.port(),
                   "HEAD /nothing HTTP/1.1\r\nHost: x\r\n\r\n"
                   "HEAD /emit HTTP/1.1\r\nHost: x\r\n\r\n"
                   "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  // Three answers, each starting right where the headers of the one before end.
  std::size_t at = 0;
  for (const char* status : {"HTTP/1.1 404 ", "HTTP/1.1 405 ", "HTTP/1.1 404 "}) {
    ASSERT_EQ(answer.compare(at, std::string(status).size(), status), 0) << answer;
    at = answer.find("\r\n\r\n", at) + 4;
  }
  const auto body = json::parse(answer.substr(at), nullptr, false);
  EXPECT_EQ(body.value("name", ""), "not-found") << answer;
}

TEST_F(HostileRequests, DashboardFilesAnswerHeadAndRefuseOtherMethods) {
  const std::string answer =
      raw_exchange(emulator_.port(),
                   "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
                   "POST /_dashboard/app.js HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                   "HEAD /_dashboard/nothing.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  // The HEAD answer has headers only: the 405 starts right after them.
  const std::size_t second = answer.find("\r\n\r\n") + 4;
  EXPECT_EQ(answer.compare(0, 13, "HTTP/1.1 200 "), 0) << answer;
  EXPECT_EQ(answer.compare(second, 13, "HTTP/1.1 405 "), 0) << answer;
  EXPECT_NE(answer.find("HTTP/1.1 404 ", second), std::string::npos) << answer;
  EXPECT_NE(answer.find("Allow: GET, HEAD"), std::string::npos) << answer;
}

TEST_F(HostileRequests, TransferCodingsOtherThanChunkedAreRefusedNotSmuggled) {
  // Were the gzip body taken as empty, the emit hidden in it would run as the next request.
  const std::string hidden =
      "POST /emit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "X-Buildable-Secret: " +
      emulator_.default_secret() +
      "\r\nContent-Length: 29\r\n\r\n{\"event\":\"hidden\",\"payload\":{}}";
  for (const std::string coding : {"gzip", "xchunked", "chunked, gzip", "gzip, chunked"}) {
    const std::string answer = raw_exchange(
        emulator_.port(),
        "POST /emit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "X-Buildable-Secret: " +
            emulator_.default_secret() + "\r\nTransfer-Encoding: " + coding + "\r\n\r\n" + hidden);
    EXPECT_EQ(answer.rfind("HTTP/1.1 501 ", 0), 0u) << coding << ": " << answer;
    EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << coding << ": " << answer;
  }
  EXPECT_EQ(emulator_.message_count(), 0);
  expect_still_serving();
}

TEST_F(HostileRequests, Http10KeepAliveIsAnnouncedAndTheDefaultIsToClose) {
  const std::string answer =
      raw_exchange(emulator_.port(),
                   "GET /nothing HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                   "GET /nothing HTTP/1.0\r\n\r\nGET /never HTTP/1.0\r\n\r\n");
  const std::size_t second = answer.find("HTTP/1.1 404", 1);
  ASSERT_NE(second, std::string::npos) << answer;
  EXPECT_NE(answer.substr(0, second).find("Connection: keep-alive\r\n"), std::string::npos)
      << answer;
  EXPECT_NE(answer.find("Connection: close\r\n", second), std::string::npos) << answer;
  EXPECT_EQ(answer.find("/never"), std::string::npos) << "answered after the close: " << answer;
}

TEST_F(HostileRequests, DeepJsonIsRefusedWithA400BeforeAnythingWalksIt) {
  Http http(emulator_);
  const auto reply =
      http.raw("/emit", nested_payload(100'000),
               {{"X-Buildable-Secret", emulator_.default_secret()}}, "application/json");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body.value("name", ""), "too-deep");
  const auto output =
      http.raw("/transact",
               R"({"key":"unknown","txKey":"t","eventName":"e","state":"finished","output":)" +
                   std::string(60'000, '[') + std::string(60'000, ']') + "}",
               {{"X-Buildable-Secret", emulator_.default_secret()}}, "application/json");
  EXPECT_EQ(output.status, 400);
  expect_still_serving();
}

TEST_F(HostileRequests, ABodyWithANulByteIsNotJson) {
  Http http(emulator_);
  const auto reply =
      http.raw("/emit", std::string("{\"event\":\"e\",\"payload\":{}}\0garbage{{", 36),
               {{"X-Buildable-Secret", emulator_.default_secret()}}, "application/json");
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_EQ(reply.body.value("name", ""), "invalid-json");
  EXPECT_EQ(emulator_.message_count(), 0);
}

TEST_F(HostileRequests, NestingUpToTheLimitIsStored) {
  Http http(emulator_);
  const auto reply =
      http.raw("/emit", nested_payload(detail::kMaxJsonDepth - 2),
               {{"X-Buildable-Secret", emulator_.default_secret()}}, "application/json");
  EXPECT_EQ(reply.status, 200) << reply.raw;
  // Values inside the deepest allowed array do not count as one more level.
  const auto with_value =
      http.raw("/emit", nested_payload(detail::kMaxJsonDepth - 2, R"(1,"x",{})"),
               {{"X-Buildable-Secret", emulator_.default_secret()}}, "application/json");
  EXPECT_EQ(with_value.status, 400) << "{} inside is one level too many: " << with_value.raw;
  const auto scalars =
      http.raw("/emit", nested_payload(detail::kMaxJsonDepth - 2, R"(1,"x",null)"),
               {{"X-Buildable-Secret", emulator_.default_secret()}}, "application/json");
  EXPECT_EQ(scalars.status, 200) << scalars.raw;
  const auto over =
      http.raw("/emit", nested_payload(detail::kMaxJsonDepth - 1, "1"),
               {{"X-Buildable-Secret", emulator_.default_secret()}}, "application/json");
  EXPECT_EQ(over.status, 400) << over.raw;
}

TEST_F(HostileRequests, DistinctPathsDoNotGrowTheStatistics) {
  Http http(emulator_);
  for (int i = 0; i < 500; ++i)
    http.client().Get(("/unknown/" + std::to_string(i) + std::string(200, 'x')).c_str());
  http.emit("counted");
  const auto stats = emulator_.stats();
  EXPECT_EQ(stats.requests_by_path.size(), 2u);  // "/emit" and "other"
  EXPECT_EQ(stats.requests_by_path.at("other"), 500u);
  EXPECT_EQ(stats.requests_by_path.at("/emit"), 1u);
}

}  // namespace
}  // namespace buildable::emulator
