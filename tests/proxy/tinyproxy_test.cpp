// The SDK through a real forward proxy (tinyproxy) in front of the emulator, over plain HTTP
// (allow_insecure_http: a plain-http base URL never uses a proxy otherwise).
#include "tinyproxy.hpp"

#include <gtest/gtest.h>

#include <buildable/buildable.hpp>
#include <buildable/emulator/emulator.hpp>
#include <future>
#include <vector>

namespace proxy_test {
namespace {

class ThroughTinyproxy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!tinyproxy_installed()) GTEST_SKIP() << "tinyproxy is not installed";
    proxy_ = std::make_unique<Tinyproxy>();
    emulator_.start();
  }

  buildable::ClientOptions options() const {
    buildable::ClientOptions o;
    o.secret = emulator_.default_secret();
    o.base_url = emulator_.base_url();
    o.allow_insecure_http = true;
    o.proxy = proxy_->url();
    return o;
  }

  buildable::emulator::Emulator emulator_;
  std::unique_ptr<Tinyproxy> proxy_;
};

TEST_F(ThroughTinyproxy, EveryAsyncEmitSucceedsOnceAndIsStoredOnce) {
  buildable::Client client(options());
  constexpr int kEmits = 300;
  std::vector<std::future<buildable::EmitResult>> pending;
  for (int i = 0; i < kEmits; ++i) {
    pending.push_back(client.emit_async("proxied.async", {{"n", i}}));
  }
  int failed = 0;
  for (auto& result : pending) {
    try {
      EXPECT_EQ(result.get().key.size(), 32u);
    } catch (const std::exception& e) {
      ++failed;
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(emulator_.message_count(), kEmits);
}

TEST_F(ThroughTinyproxy, SequentialEmitsSucceedOnceEach) {
  buildable::Client client(options());
  constexpr int kEmits = 100;
  for (int i = 0; i < kEmits; ++i)
    EXPECT_EQ(client.emit("proxied.sync", {{"n", i}}).key.size(), 32u);
  EXPECT_EQ(emulator_.message_count(), kEmits);
}

}  // namespace
}  // namespace proxy_test
