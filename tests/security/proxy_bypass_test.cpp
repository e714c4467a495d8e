// Plain http:// (allowed for loopback) never goes through a proxy, neither ClientOptions::proxy
// nor the environment's: the proxy would receive the secret in clear text. With
// allow_insecure_http the user has accepted clear text, and proxies apply as usual.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <string>

#include "security_support.hpp"
#include "test_server.hpp"

namespace security_test {
namespace {

using buildable::testing::ScriptedResponse;
using buildable::testing::TestServer;

constexpr const char* kSecret = "proxy-bypass-secret-5e21";

// Sets a variable for the test's lifetime and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class ProxyBypass : public ::testing::Test {
 protected:
  ProxyBypass() {
    // The "proxy" answers whatever reaches it as the service would, so a proxied emit succeeds.
    proxy_.set_fallback(
        [](const auto&) { return ScriptedResponse::emit_success(TestServer::make_key()); });
  }

  buildable::ClientOptions options() const {
    buildable::ClientOptions o;
    o.secret = kSecret;
    o.base_url = service_.base_url();
    return o;
  }

  TestServer service_;
  TestServer proxy_;
};

TEST_F(ProxyBypass, TheEnvironmentsProxyIsNotUsedForPlainHttp) {
  const ScopedEnv http_proxy("http_proxy", proxy_.base_url());
  const ScopedEnv all_proxy("ALL_PROXY", proxy_.base_url());
  buildable::Client client(options());
  EXPECT_FALSE(client.emit("bypass.sync", {{"n", 1}}).key.empty());
  EXPECT_FALSE(client.emit_async("bypass.async", {{"n", 2}}).get().key.empty());
  EXPECT_EQ(service_.request_count("/emit"), 2u);
  EXPECT_EQ(proxy_.request_count(), 0u);
}

TEST_F(ProxyBypass, AnExplicitProxyIsNotUsedForPlainHttp) {
  auto o = options();
  o.proxy = proxy_.base_url();
  buildable::Client client(o);
  EXPECT_FALSE(client.emit("bypass.explicit", {{"n", 1}}).key.empty());
  EXPECT_EQ(service_.request_count("/emit"), 1u);
  EXPECT_EQ(proxy_.request_count(), 0u);
}

TEST_F(ProxyBypass, ProxiesApplyOnceClearTextIsAllowed) {
  const ScopedEnv http_proxy("http_proxy", proxy_.base_url());
  auto o = options();
  o.allow_insecure_http = true;
  buildable::Client client(o);
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(client.emit("through.proxy", {{"n", i}}).key.empty());
  EXPECT_EQ(proxy_.request_count(), 3u);
  EXPECT_EQ(service_.request_count(), 0u);
  // Plain-HTTP forward proxies often close after each answer without saying so: a connection
  // per request, never a reused one that may be closing.
  EXPECT_EQ(proxy_.remote_ports().size(), 3u);
}

}  // namespace
}  // namespace security_test
