#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <buildable/client_options.hpp>
#include <buildable/errors.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>

namespace {

using std::chrono::milliseconds;

constexpr const char* kCanary = "sk_canary_7f3a9c21";

buildable::ClientOptions valid_options() {
  buildable::ClientOptions options;
  options.secret = kCanary;
  return options;
}

/// The message of the InvalidArgument validate() throws, or nullopt when it accepts.
std::optional<std::string> rejection(const buildable::ClientOptions& options) {
  try {
    options.validate();
  } catch (const buildable::InvalidArgument& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

#define EXPECT_REJECTED_NAMING(options, field)                                              \
  do {                                                                                      \
    const auto message_ = rejection(options);                                               \
    ASSERT_TRUE(message_.has_value()) << "accepted, expected a rejection of " field;        \
    EXPECT_NE(message_->find("ClientOptions::" field ":"), std::string::npos) << *message_; \
    EXPECT_EQ(message_->find(kCanary), std::string::npos) << *message_;                     \
  } while (false)

std::string printed(const buildable::ClientOptions& options) {
  std::ostringstream out;
  out << options;
  return out.str();
}

/// Sets or unsets an environment variable for the lifetime of the object, restoring it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

TEST(ClientOptionsTest, DefaultsWithASecretAreValid) {
  EXPECT_NO_THROW(valid_options().validate());
  EXPECT_EQ(valid_options().base_url, "https://events.buildable.dev");
}

TEST(ClientOptionsTest, EmptySecretIsRejectedWithTheNodeSdkMessage) {
  auto options = valid_options();
  options.secret.clear();
  const auto message = rejection(options);
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("ClientOptions::secret:"), std::string::npos) << *message;
  EXPECT_NE(message->find("a valid Buildable secret is required"), std::string::npos) << *message;
  EXPECT_NE(message->find("BUILDABLE_SECRET_KEY"), std::string::npos) << *message;
}

TEST(ClientOptionsTest, SecretWithLineBreakIsRejectedWithoutEchoingIt) {
  for (const char* bad : {"sk_canary_7f3a9c21\n", "sk_canary_7f3a9c21\r\nX-Evil: 1"}) {
    auto options = valid_options();
    options.secret = bad;
    EXPECT_REJECTED_NAMING(options, "secret");
  }
}

TEST(ClientOptionsTest, SecretWithAnyControlCharacterIsRejectedWithoutEchoingIt) {
  // A NUL used to be accepted, and the secret was then silently cut there when sent.
  for (const std::string& tail :
       {std::string("\0", 1), std::string("\0rest", 5), std::string("\t"), std::string("\x01"),
        std::string("\x1b[0m"), std::string("\x1f"), std::string("\x7f"), std::string("\v")}) {
    auto options = valid_options();
    options.secret = std::string(kCanary) + tail;
    SCOPED_TRACE(::testing::PrintToString(options.secret));
    EXPECT_REJECTED_NAMING(options, "secret");
    const auto message = rejection(options);
    ASSERT_TRUE(message);
    EXPECT_NE(message->find("control characters"), std::string::npos) << *message;
  }
  auto leading = valid_options();
  leading.secret = std::string("\0", 1) + kCanary;
  EXPECT_REJECTED_NAMING(leading, "secret");
}

TEST(ClientOptionsTest, SecretWithPrintableAndNonAsciiBytesIsAccepted) {
  auto options = valid_options();
  options.secret = std::string(kCanary) + " ~!@#$%^&*()_+-=[]{}|;':,./<>?\x80\xff";
  EXPECT_EQ(rejection(options), std::nullopt);
}

TEST(ClientOptionsTest, MalformedBaseUrlsAreRejected) {
  for (const char* url :
       {"", "events.buildable.dev", "ftp://events.buildable.dev", "https://",
        "https://user:pw@events.buildable.dev", "https://host/path?x=1", "https://host#frag",
        "https://host:0", "https://host:65536", "https://host:abc",
        "https://host:", "https://ho st", "https://[::1", "https://[::1]x"}) {
    auto options = valid_options();
    options.base_url = url;
    SCOPED_TRACE(url);
    EXPECT_REJECTED_NAMING(options, "base_url");
  }
}

TEST(ClientOptionsTest, HttpToNonLoopbackIsRejectedUnlessAllowed) {
  auto options = valid_options();
  options.base_url = "http://events.buildable.dev";
  const auto message = rejection(options);
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("ClientOptions::base_url:"), std::string::npos);
  EXPECT_NE(message->find("allow_insecure_http"), std::string::npos) << *message;

  options.allow_insecure_http = true;
  EXPECT_NO_THROW(options.validate());
}

TEST(ClientOptionsTest, HttpLookalikesOfLoopbackAreRejected) {
  for (const char* url : {"http://127.0.0.1.evil.example", "http://localhost.evil.example",
                          "http://128.0.0.1", "http://10.0.0.1:8080", "http://[::2]",
                          "http://127.0.0.09:8080", "http://127.08.0.1", "http://[::127.0.0.1]"}) {
    auto options = valid_options();
    options.base_url = url;
    SCOPED_TRACE(url);
    EXPECT_REJECTED_NAMING(options, "base_url");
  }
}

TEST(ClientOptionsTest, HttpToLoopbackIsAccepted) {
  for (const char* url : {"http://127.0.0.1:8080", "http://127.1.2.3", "http://localhost:9000/v1",
                          "http://LOCALHOST", "http://[::1]:8080", "HTTP://127.0.0.1",
                          "http://[0:0:0:0:0:0:0:1]:8080", "http://[::1%25lo]:8080"}) {
    auto options = valid_options();
    options.base_url = url;
    SCOPED_TRACE(url);
    EXPECT_FALSE(rejection(options).has_value()) << rejection(options).value_or("");
  }
}

TEST(ClientOptionsTest, HttpsToAnyHostIsAccepted) {
  for (const char* url : {"https://events.buildable.dev", "https://example.com:8443/prefix/",
                          "https://[2001:db8::1]:443"}) {
    auto options = valid_options();
    options.base_url = url;
    SCOPED_TRACE(url);
    EXPECT_FALSE(rejection(options).has_value()) << rejection(options).value_or("");
  }
}

TEST(ClientOptionsTest, BaseUrlRejectionNeverEchoesTheSecret) {
  auto options = valid_options();
  options.base_url = std::string("https://") + kCanary + "@events.buildable.dev";
  EXPECT_REJECTED_NAMING(options, "base_url");
}

TEST(ClientOptionsTest, NonPositiveTimeoutsAreRejected) {
  for (const milliseconds bad : {milliseconds(0), milliseconds(-1)}) {
    {
      auto options = valid_options();
      options.connect_timeout = bad;
      EXPECT_REJECTED_NAMING(options, "connect_timeout");
    }
    {
      auto options = valid_options();
      options.request_timeout = bad;
      EXPECT_REJECTED_NAMING(options, "request_timeout");
    }
    {
      auto options = valid_options();
      options.poll_interval = bad;
      EXPECT_REJECTED_NAMING(options, "poll_interval");
    }
  }
  auto options = valid_options();
  options.connect_timeout = milliseconds(1);
  options.request_timeout = milliseconds(1);
  EXPECT_NO_THROW(options.validate());
}

TEST(ClientOptionsTest, PageSizeMustBeFrom1To100) {
  for (int bad : {0, -1, 101}) {
    auto options = valid_options();
    options.page_size = bad;
    SCOPED_TRACE(bad);
    EXPECT_REJECTED_NAMING(options, "page_size");
  }
  for (int good : {1, 100}) {
    auto options = valid_options();
    options.page_size = good;
    EXPECT_NO_THROW(options.validate());
  }
}

TEST(ClientOptionsTest, PollJitterMustBeInHalfOpenUnitInterval) {
  for (double bad : {1.0, -0.01, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    auto options = valid_options();
    options.poll_jitter = bad;
    SCOPED_TRACE(bad);
    EXPECT_REJECTED_NAMING(options, "poll_jitter");
  }
  for (double good : {0.0, 0.5, 0.999}) {
    auto options = valid_options();
    options.poll_jitter = good;
    EXPECT_NO_THROW(options.validate());
  }
}

TEST(ClientOptionsTest, CountsMustBeAtLeastOne) {
  {
    auto options = valid_options();
    options.max_connections = 0;
    EXPECT_REJECTED_NAMING(options, "max_connections");
  }
  {
    auto options = valid_options();
    options.handler_threads = 0;
    EXPECT_REJECTED_NAMING(options, "handler_threads");
  }
  {
    auto options = valid_options();
    options.max_outstanding_messages = 0;
    EXPECT_REJECTED_NAMING(options, "max_outstanding_messages");
  }
  {
    auto options = valid_options();
    options.max_body_bytes = 0;
    EXPECT_REJECTED_NAMING(options, "max_body_bytes");
  }
}

TEST(ClientOptionsTest, MaxPollBackoffMustCoverPollInterval) {
  auto options = valid_options();
  options.poll_interval = milliseconds(5000);
  options.max_poll_backoff = milliseconds(4999);
  EXPECT_REJECTED_NAMING(options, "max_poll_backoff");
  options.max_poll_backoff = milliseconds(5000);
  EXPECT_NO_THROW(options.validate());
}

TEST(ClientOptionsTest, NegativeShutdownTimeoutIsRejectedZeroAccepted) {
  auto options = valid_options();
  options.shutdown_timeout = milliseconds(-1);
  EXPECT_REJECTED_NAMING(options, "shutdown_timeout");
  options.shutdown_timeout = milliseconds(0);
  EXPECT_NO_THROW(options.validate());
}

TEST(ClientOptionsTest, UserAgentWithLineBreakIsRejected) {
  auto options = valid_options();
  options.user_agent = "agent\r\nX-Injected: 1";
  EXPECT_REJECTED_NAMING(options, "user_agent");
}

TEST(ClientOptionsTest, UserAgentThatWouldNotArriveIntactIsRejected) {
  using namespace std::string_literals;
  // A NUL would cut it short; a blank value is dropped by libcurl; other control bytes are
  // not allowed in a header value.
  for (const std::string& agent :
       {"abc\0def"s, "\0"s, "a\x01b"s, "a\x7f"s, "a\x0b"s, " "s, "\t"s, " \t \t"s,
        std::string(buildable::ClientOptions::kMaxUserAgentBytes + 1, 'a')}) {
    auto options = valid_options();
    options.user_agent = agent;
    SCOPED_TRACE(agent.size() > 20 ? "long" : agent);
    EXPECT_REJECTED_NAMING(options, "user_agent");
  }
  for (const std::string& agent :
       {"svc/1.0\t(tabbed)"s, "  padded/1.0  "s, "caf\xc3\xa9/2"s,
        std::string(buildable::ClientOptions::kMaxUserAgentBytes, 'a')}) {
    auto options = valid_options();
    options.user_agent = agent;
    EXPECT_NO_THROW(options.validate()) << agent.size();
  }
}

TEST(ClientOptionsTest, RetryFieldsAreValidated) {
  {
    auto options = valid_options();
    options.retry.max_attempts = 0;
    EXPECT_REJECTED_NAMING(options, "retry.max_attempts");
  }
  {
    auto options = valid_options();
    options.retry.initial_backoff = milliseconds(-1);
    EXPECT_REJECTED_NAMING(options, "retry.initial_backoff");
  }
  {
    auto options = valid_options();
    options.retry.initial_backoff = milliseconds(200);
    options.retry.max_backoff = milliseconds(100);
    EXPECT_REJECTED_NAMING(options, "retry.max_backoff");
  }
  for (double bad : {0.5, std::numeric_limits<double>::quiet_NaN()}) {
    auto options = valid_options();
    options.retry.multiplier = bad;
    EXPECT_REJECTED_NAMING(options, "retry.multiplier");
  }
  {
    auto options = valid_options();
    options.retry.max_total_time = milliseconds(-1);
    EXPECT_REJECTED_NAMING(options, "retry.max_total_time");
  }
  auto options = valid_options();
  options.retry.max_attempts = 1;
  options.retry.multiplier = 1.0;
  options.retry.initial_backoff = milliseconds(0);
  options.retry.max_total_time = milliseconds(0);
  EXPECT_NO_THROW(options.validate());
}

TEST(ClientOptionsTest, FromEnvReadsBothVariables) {
  ScopedEnv secret("BUILDABLE_SECRET_KEY", kCanary);
  ScopedEnv url("BLD_EVENTS_BASE_URL", "http://127.0.0.1:4010");
  const auto options = buildable::ClientOptions::from_env();
  EXPECT_EQ(options.secret, kCanary);
  EXPECT_EQ(options.base_url, "http://127.0.0.1:4010");
  EXPECT_NO_THROW(options.validate());
}

TEST(ClientOptionsTest, FromEnvWithVariablesUnsetKeepsDefaults) {
  ScopedEnv secret("BUILDABLE_SECRET_KEY", nullptr);
  ScopedEnv url("BLD_EVENTS_BASE_URL", nullptr);
  const auto options = buildable::ClientOptions::from_env();
  EXPECT_EQ(options.secret, "");
  EXPECT_EQ(options.base_url, buildable::kDefaultBaseUrl);
  const auto message = rejection(options);
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("ClientOptions::secret:"), std::string::npos);
}

TEST(ClientOptionsTest, FromEnvIgnoresEmptyBaseUrlVariable) {
  ScopedEnv secret("BUILDABLE_SECRET_KEY", kCanary);
  ScopedEnv url("BLD_EVENTS_BASE_URL", "");
  EXPECT_EQ(buildable::ClientOptions::from_env().base_url, buildable::kDefaultBaseUrl);
}

TEST(ClientOptionsTest, ExplicitValuesSetAfterFromEnvWin) {
  ScopedEnv url("BLD_EVENTS_BASE_URL", "http://127.0.0.1:4010");
  auto options = buildable::ClientOptions::from_env();
  options.base_url = "https://override.example";
  EXPECT_EQ(options.base_url, "https://override.example");
}

TEST(ClientOptionsTest, FromEnvReadsTheCaBundleAndProxyVariables) {
  ScopedEnv bundle("BUILDABLE_CA_BUNDLE", "/etc/my-ca.pem");
  ScopedEnv proxy("BUILDABLE_PROXY", "http://proxy.internal:3128");
  const auto options = buildable::ClientOptions::from_env();
  EXPECT_EQ(options.ca_bundle, "/etc/my-ca.pem");
  EXPECT_EQ(options.proxy, "http://proxy.internal:3128");
}

TEST(ClientOptionsTest, FromEnvWithoutCaBundleAndProxyVariablesKeepsThemEmpty) {
  for (const char* value : {static_cast<const char*>(nullptr), ""}) {
    SCOPED_TRACE(value == nullptr ? "unset" : "empty");
    ScopedEnv bundle("BUILDABLE_CA_BUNDLE", value);
    ScopedEnv proxy("BUILDABLE_PROXY", value);
    // libcurl's own variables are left to libcurl: from_env() does not copy them.
    ScopedEnv https_proxy("HTTPS_PROXY", "http://proxy.internal:3128");
    const auto options = buildable::ClientOptions::from_env();
    EXPECT_EQ(options.ca_bundle, "");
    EXPECT_EQ(options.proxy, "");
  }
}

TEST(ClientOptionsTest, CaBundleFromEnvIsValidatedLikeAnExplicitOne) {
  ScopedEnv secret("BUILDABLE_SECRET_KEY", kCanary);
  ScopedEnv bundle("BUILDABLE_CA_BUNDLE", "/nonexistent/buildable-ca.pem");
  const auto message = rejection(buildable::ClientOptions::from_env());
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("ClientOptions::ca_bundle:"), std::string::npos) << *message;
  EXPECT_NE(message->find("BUILDABLE_CA_BUNDLE"), std::string::npos) << *message;
}

/// A file in the test's temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& name, const std::string& content = "")
      : path_(::testing::TempDir() + "buildable_client_options_" + name) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ClientOptionsTest, MissingCaBundleIsRejectedNamingThePath) {
  auto options = valid_options();
  options.ca_bundle = "/nonexistent/buildable-ca.pem";
  EXPECT_REJECTED_NAMING(options, "ca_bundle");
  const auto message = rejection(options);
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("'/nonexistent/buildable-ca.pem' cannot be read"), std::string::npos)
      << *message;
  EXPECT_NE(message->find("No such file or directory"), std::string::npos) << *message;
}

TEST(ClientOptionsTest, DirectoryAsCaBundleIsRejected) {
  auto options = valid_options();
  options.ca_bundle = ::testing::TempDir();
  EXPECT_REJECTED_NAMING(options, "ca_bundle");
  EXPECT_NE(rejection(options)->find("is a directory"), std::string::npos) << *rejection(options);
}

TEST(ClientOptionsTest, AFifoAsCaBundleIsRejectedWithoutBlocking) {
  const std::string fifo = ::testing::TempDir() + "buildable-ca-fifo-" + std::to_string(::getpid());
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto options = valid_options();
  options.ca_bundle = fifo;  // opening it for reading would wait for a writer forever
  EXPECT_REJECTED_NAMING(options, "ca_bundle");
  EXPECT_NE(rejection(options)->find("not a regular file"), std::string::npos);
  ::unlink(fifo.c_str());
}

TEST(ClientOptionsTest, MaxResponseBytesIsZeroOrAtLeastAKibibyte) {
  auto options = valid_options();
  options.max_response_bytes = 1023;
  EXPECT_REJECTED_NAMING(options, "max_response_bytes");
  options.max_response_bytes = 1024;
  EXPECT_NO_THROW(options.validate());
  options.max_response_bytes = 0;
  EXPECT_NO_THROW(options.validate());
}

TEST(ClientOptionsTest, CaBundlePathWithNulIsRejected) {
  TempFile file("nul.pem", "-----BEGIN CERTIFICATE-----\n");
  auto options = valid_options();
  options.ca_bundle = file.path() + std::string("\0.ignored", 9);
  EXPECT_REJECTED_NAMING(options, "ca_bundle");
}

TEST(ClientOptionsTest, UnreadableCaBundleIsRejected) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempFile file("unreadable.pem", "-----BEGIN CERTIFICATE-----\n");
  ASSERT_EQ(::chmod(file.path().c_str(), 0), 0);
  auto options = valid_options();
  options.ca_bundle = file.path();
  EXPECT_REJECTED_NAMING(options, "ca_bundle");
  EXPECT_NE(rejection(options)->find("Permission denied"), std::string::npos);
}

TEST(ClientOptionsTest, ReadableCaBundleIsAccepted) {
  TempFile file("readable.pem", "-----BEGIN CERTIFICATE-----\n");
  auto options = valid_options();
  options.ca_bundle = file.path();
  EXPECT_EQ(rejection(options), std::nullopt);
}

TEST(ClientOptionsTest, CaBundleRejectionNeverEchoesTheSecret) {
  auto options = valid_options();
  options.ca_bundle = std::string("/nonexistent/") + kCanary + ".pem";
  EXPECT_REJECTED_NAMING(options, "ca_bundle");
}

TEST(ClientOptionsTest, StreamOutputRedactsTheSecret) {
  auto options = valid_options();
  options.base_url = "http://127.0.0.1:4010";
  const std::string text = printed(options);
  EXPECT_EQ(text.find(kCanary), std::string::npos) << text;
  EXPECT_NE(text.find("<redacted>"), std::string::npos) << text;
  EXPECT_NE(text.find("http://127.0.0.1:4010"), std::string::npos) << text;
}

TEST(ClientOptionsTest, StreamOutputShowsAnEmptySecretAsEmpty) {
  buildable::ClientOptions options;
  EXPECT_NE(printed(options).find("secret=<empty>"), std::string::npos) << printed(options);
}

TEST(ClientOptionsTest, StreamOutputNeverPrintsTheSecretEvenWhenMisplacedInTheUrl) {
  auto options = valid_options();
  options.base_url = std::string("https://") + kCanary + "@events.buildable.dev";
  const std::string text = printed(options);
  EXPECT_EQ(text.find(kCanary), std::string::npos) << text;
}

}  // namespace
