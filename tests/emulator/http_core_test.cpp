// The socket-free pieces of the emulator's HTTP core: target splitting and answer framing.
#include <gtest/gtest.h>

#include "http/answer_text.hpp"
#include "http/target.hpp"

namespace buildable::emulator::detail::http {
namespace {

TEST(HttpTarget, SplitsThePathAndDecodesTheQuery) {
  HttpRequest request;
  request.target = "/_dashboard/api/messages?limit=5&search=a%20b+c&empty&=v&x=%zz%4&x=2";
  split_target(request);
  EXPECT_EQ(request.path, "/_dashboard/api/messages");
  const QueryParameters expected{{"limit", "5"}, {"search", "a b c"}, {"empty", ""},
                                 {"", "v"},      {"x", "%zz%4"},      {"x", "2"}};
  EXPECT_EQ(request.query, expected);
}

TEST(HttpTarget, KeepsThePathUndecodedAndAcceptsAnyBytes) {
  HttpRequest request;
  request.target = "/em%69t";
  split_target(request);
  EXPECT_EQ(request.path, "/em%69t");  // routes match the path as sent
  EXPECT_TRUE(request.query.empty());
  EXPECT_EQ(percent_decode("%FF%c3%28%", false), std::string("\xff\xc3(%"));
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
}

TEST(HttpAnswerText, FramesTheBodyAndNeverLetsAValueAddAHeader) {
  HttpAnswer answer;
  answer.status = 429;
  answer.body = R"({"a":1})";
  answer.headers.emplace_back("Retry-After", "1\r\nSet-Cookie: evil=1");
  const std::string text = answer_text(answer, /*close=*/true);
  EXPECT_EQ(text,
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
            "Content-Length: 7\r\nConnection: close\r\nRetry-After: 1\r\n\r\n{\"a\":1}");
  answer.status = 299;
  EXPECT_EQ(answer_text(answer, false).rfind("HTTP/1.1 299 Unknown\r\n", 0), 0u);
  EXPECT_EQ(answer_text(answer, false).find("Connection"), std::string::npos);
}

}  // namespace
}  // namespace buildable::emulator::detail::http
