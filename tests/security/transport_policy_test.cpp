// X2: plain http:// only for loopback hosts unless explicitly allowed; only http(s) schemes;
// redirects are never followed, so the secret header never travels to where a Location points.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "security_support.hpp"

namespace security_test {
namespace {

constexpr const char* kSecret = "policy-test-secret-31b8";

buildable::ClientOptions options_with_url(const std::string& base_url) {
  buildable::ClientOptions options;
  options.secret = kSecret;
  options.base_url = base_url;
  return options;
}

// --- Plain http:// ---------------------------------------------------------------------

// TEST-NET addresses and reserved names: only ever used to construct a client, never to send.
class PlainHttpToRemoteHost : public ::testing::TestWithParam<const char*> {};

TEST_P(PlainHttpToRemoteHost, IsRefusedAtConstruction) {
  const std::string what = what_of<buildable::InvalidArgument>(
      [&] { buildable::Client client(options_with_url(GetParam())); });
  EXPECT_NE(what.find("allow_insecure_http"), std::string::npos) << what;
  EXPECT_NE(what.find("base_url"), std::string::npos) << what;
}

TEST_P(PlainHttpToRemoteHost, IsAcceptedWhenExplicitlyAllowed) {
  auto options = options_with_url(GetParam());
  options.allow_insecure_http = true;
  EXPECT_NO_THROW(buildable::Client client(options));  // constructing sends nothing
}

INSTANTIATE_TEST_SUITE_P(Hosts, PlainHttpToRemoteHost,
                         ::testing::Values("http://192.0.2.1", "http://192.0.2.1:8080/prefix",
                                           "HTTP://198.51.100.7", "http://example.invalid",
                                           "http://[2001:db8::1]:80", "http://128.0.0.1",
                                           "http://localhost.example.invalid",
                                           "http://127.0.0.1.example.invalid"));

class PlainHttpToLoopback : public ::testing::TestWithParam<const char*> {};

TEST_P(PlainHttpToLoopback, IsAcceptedWithoutTheEscapeHatch) {
  EXPECT_NO_THROW(buildable::Client client(options_with_url(GetParam())));
}

INSTANTIATE_TEST_SUITE_P(Hosts, PlainHttpToLoopback,
                         ::testing::Values("http://127.0.0.1:1", "http://127.1.2.3:8080",
                                           "http://localhost:1", "http://[::1]:1"));

TEST(TransportPolicy, HttpsToARemoteHostNeedsNoEscapeHatch) {
  EXPECT_NO_THROW(buildable::Client client(options_with_url("https://192.0.2.1")));
}

class UnsupportedScheme : public ::testing::TestWithParam<const char*> {};

TEST_P(UnsupportedScheme, IsRefusedAtConstructionEvenWithTheEscapeHatch) {
  auto options = options_with_url(GetParam());
  options.allow_insecure_http = true;
  const std::string what =
      what_of<buildable::InvalidArgument>([&] { buildable::Client client(options); });
  EXPECT_NE(what.find("base_url"), std::string::npos) << what;
}

INSTANTIATE_TEST_SUITE_P(Schemes, UnsupportedScheme,
                         ::testing::Values("ftp://192.0.2.1", "file:///etc/passwd",
                                           "gopher://127.0.0.1:70", "ws://127.0.0.1:1",
                                           "127.0.0.1:8080"));

// --- Redirects -------------------------------------------------------------------------

/// A target server that records whatever reaches it, and a redirecting server in front.
class Redirects : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    target_.on_post("/emit", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"key":"stolen"})", "application/json");
    });
    target_.on_post("/query", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"rows":[]})", "application/json");
    });
    target_.start();
    const int status = GetParam();
    const std::string target_url = target_.base_url();
    for (const char* path : {"/emit", "/query"}) {
      redirector_.on_post(
          path, [status, target_url, path](const httplib::Request&, httplib::Response& res) {
            res.status = status;
            res.set_header("Location", target_url + path);
            res.set_content("moved", "text/plain");
          });
    }
    redirector_.start();
  }

  buildable::ClientOptions options() const { return fast_options(redirector_.base_url(), kSecret); }

  LocalServer target_;
  LocalServer redirector_;
};

TEST_P(Redirects, EmitReportsTheRedirectAndNeverFollowsIt) {
  buildable::Client client(options());
  try {
    client.emit("redirect.check", {{"n", 1}});
    ADD_FAILURE() << "the redirect was followed to a server that answered";
  } catch (const buildable::HttpError& e) {
    EXPECT_EQ(e.status(), GetParam()) << e.what();
  }
  EXPECT_GE(redirector_.count("/emit"), 1u);
  EXPECT_EQ(target_.request_count(), 0u) << "the secret must not reach the redirect target";
}

TEST_P(Redirects, AsyncEmitReportsTheRedirectAndNeverFollowsIt) {
  buildable::Client client(options());
  auto future = client.emit_async("redirect.check", {{"n", 1}});
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  try {
    future.get();
    ADD_FAILURE() << "the redirect was followed to a server that answered";
  } catch (const buildable::HttpError& e) {
    EXPECT_EQ(e.status(), GetParam()) << e.what();
  }
  EXPECT_EQ(target_.request_count(), 0u);
}

TEST_P(Redirects, ListenerReportsAPollErrorAndNeverFollowsIt) {
  Witness witness;
  auto opts = options();
  opts.on_error = witness.on_error();
  buildable::Client client(opts);
  client.on("redirect.check", [](const buildable::Message&) {});

  const std::string status = std::to_string(GetParam());
  EXPECT_TRUE(witness.wait_for_error([&](const buildable::ListenerError& e) {
    return e.kind == buildable::ListenerError::Kind::poll &&
           e.message.find(status) != std::string::npos;
  })) << "expected a poll error naming HTTP "
      << status;
  client.close();
  EXPECT_GE(redirector_.count("/query"), 1u);
  EXPECT_EQ(target_.request_count(), 0u) << "the secret must not reach the redirect target";
}

INSTANTIATE_TEST_SUITE_P(Statuses, Redirects, ::testing::Values(301, 302, 303, 307, 308));

}  // namespace
}  // namespace security_test
