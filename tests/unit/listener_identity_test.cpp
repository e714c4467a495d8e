#include "detail/protocol/listener_identity.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace {

using buildable::detail::format_identity;
using buildable::detail::listener_separator;
using buildable::detail::ListenerIdentity;
using buildable::detail::parse_identity;

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

void expect_same(const ListenerIdentity& a, const ListenerIdentity& b) {
  EXPECT_EQ(a.platform, b.platform);
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.event, b.event);
  EXPECT_EQ(a.tx_key, b.tx_key);
}

TEST(ListenerIdentityTest, DefaultSeparator) {
  ScopedEnv env("BLD_LISTENER_SEPARATOR", nullptr);
  EXPECT_EQ(listener_separator(), "$$$");
  EXPECT_EQ(format_identity({"custom", "demo", "user.created", "worker"}),
            "custom.demo.user.created$$$worker");
}

TEST(ListenerIdentityTest, EmptyPlatformAndLabelAreShownAsStar) {
  ScopedEnv env("BLD_LISTENER_SEPARATOR", nullptr);
  EXPECT_EQ(format_identity({"", "", "e", "tx"}), "*.*.e$$$tx");
  EXPECT_EQ(format_identity({"stripe", "", "e", "tx"}), "stripe.*.e$$$tx");
}

TEST(ListenerIdentityTest, SeparatorOverride) {
  ScopedEnv env("BLD_LISTENER_SEPARATOR", "::");
  EXPECT_EQ(listener_separator(), "::");
  EXPECT_EQ(format_identity({"custom", "demo", "a.b", "tx"}), "custom.demo.a.b::tx");
}

TEST(ListenerIdentityTest, EmptySeparatorOverrideFallsBackToDefault) {
  ScopedEnv env("BLD_LISTENER_SEPARATOR", "");
  EXPECT_EQ(listener_separator(), "$$$");
}

TEST(ListenerIdentityTest, RoundTrips) {
  ScopedEnv env("BLD_LISTENER_SEPARATOR", nullptr);
  for (const ListenerIdentity& identity :
       {ListenerIdentity{"custom", "demo", "user.created", "worker-1"},
        ListenerIdentity{"", "", "e", "tx"}, ListenerIdentity{"stripe", "", "a.b.c.d", "t"},
        ListenerIdentity{"", "label", "x", "tx.with.dots"},
        ListenerIdentity{"p", "l", "e", "tx$$$with-separator"}}) {
    const std::string text = format_identity(identity);
    SCOPED_TRACE(text);
    const auto parsed = parse_identity(text, listener_separator());
    ASSERT_TRUE(parsed.has_value());
    expect_same(*parsed, identity);
  }
}

TEST(ListenerIdentityTest, RoundTripsWithOverriddenSeparator) {
  ScopedEnv env("BLD_LISTENER_SEPARATOR", "|");
  const ListenerIdentity identity{"custom", "demo", "order.paid", "billing"};
  const std::string text = format_identity(identity);
  EXPECT_EQ(text, "custom.demo.order.paid|billing");
  const auto parsed = parse_identity(text, "|");
  ASSERT_TRUE(parsed);
  expect_same(*parsed, identity);
  EXPECT_FALSE(parse_identity(text, "$$$").has_value());
}

TEST(ListenerIdentityTest, ParsesEventsWithDots) {
  const auto parsed = parse_identity("custom.demo.user.profile.updated$$$tx", "$$$");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->platform, "custom");
  EXPECT_EQ(parsed->label, "demo");
  EXPECT_EQ(parsed->event, "user.profile.updated");
  EXPECT_EQ(parsed->tx_key, "tx");
}

TEST(ListenerIdentityTest, StarParsesAsAny) {
  const auto parsed = parse_identity("*.*.e$$$tx", "$$$");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->platform, "");
  EXPECT_EQ(parsed->label, "");
}

TEST(ListenerIdentityTest, MalformedInputsAreNullopt) {
  for (const char* text :
       {"", "$$$", "custom.demo.e", "custom.demo.e$$$", "custom.demo$$$tx", "custom$$$tx",
        "custom.demo.$$$tx", "$$$custom.demo.e", "..e$$$tx", ".demo.e$$$tx", "custom..e$$$tx",
        "custom.demo.e$$tx", "no dots at all"}) {
    SCOPED_TRACE(text);
    EXPECT_NO_THROW(EXPECT_FALSE(parse_identity(text, "$$$").has_value()));
  }
}

TEST(ListenerIdentityTest, EmptySeparatorIsNullopt) {
  EXPECT_FALSE(parse_identity("custom.demo.e$$$tx", "").has_value());
}

TEST(ListenerIdentityTest, BinaryGarbageNeverThrows) {
  const std::string garbage("\0\xff.\x01.$$$\0", 10);
  EXPECT_NO_THROW(parse_identity(garbage, "$$$"));
  EXPECT_NO_THROW(parse_identity(std::string(100'000, '.'), "$$$"));
}

}  // namespace
