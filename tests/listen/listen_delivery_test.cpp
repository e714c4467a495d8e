// What a handler receives and what gets recorded.
#include <httplib.h>

#include <atomic>
#include <thread>

#include "listen_fixture.hpp"

namespace listen_test {
namespace {

using buildable::Client;
using buildable::ListenOptions;
using buildable::Message;
using nlohmann::json;

/// POST /query on the emulator, as any other consumer would.
json query(buildable::emulator::Emulator& emulator, const std::string& event,
           const std::string& tx_key, const std::string& tx_state) {
  httplib::Client http("127.0.0.1", emulator.port());
  const json body = {{"eventName", event},
                     {"txKey", tx_key},
                     {"since", 0},
                     {"txState", tx_state},
                     {"pageSize", 100}};
  auto response = http.Post("/query", {{"X-Buildable-Secret", emulator.default_secret()}},
                            body.dump(), "application/json");
  if (!response || response->status != 200) return json();
  return json::parse(response->body);
}

TEST_F(ListenTest, HandlerReceivesExactlyTheEmittedMessage) {
  Client client(options());
  std::mutex mutex;
  std::vector<Message> received;
  Gate got_one;
  client.on("user.created", [&](const Message& m) {
    std::lock_guard lock(mutex);
    received.push_back(m);
    got_one.open();
  });
  const json payload = {{"name", "Ada"}, {"tags", {"a", "b"}}, {"nested", {{"x", 1.5}}}};
  const auto before = std::chrono::system_clock::now() - 1s;
  const auto result = client.emit("user.created", payload);
  ASSERT_TRUE(got_one.wait());
  client.close();
  ASSERT_EQ(received.size(), 1u);
  const Message& m = received.front();
  EXPECT_EQ(m.key, result.key);
  EXPECT_EQ(m.event, "user.created");
  EXPECT_EQ(m.payload, payload);
  EXPECT_EQ(m.headers, json::object());
  EXPECT_EQ(m.query, json::object());
  EXPECT_EQ(m.environment, "test");
  EXPECT_EQ(m.platform, "custom");
  EXPECT_EQ(m.label, "demo");
  EXPECT_EQ(m.tx_key, buildable::kDefaultTxKey);
  EXPECT_GE(m.created_at, before);
  EXPECT_TRUE(m.raw.is_object());
  EXPECT_EQ(m.raw.value("key", ""), result.key);
}

TEST_F(ListenTest, OutputsAndFailuresAreRecorded) {
  Client client(options());
  Tally tally;
  client.on("order.placed", [&](const Message& m) -> json {
    tally.add(m.key);
    if (m.payload.at("ok").get<bool>()) return {{"charged", m.payload.at("amount")}};
    throw std::runtime_error("card declined");
  });
  const auto good = client.emit("order.placed", {{"ok", true}, {"amount", 42}});
  const auto bad = client.emit("order.placed", {{"ok", false}, {"amount", 7}});
  ASSERT_TRUE(tally.wait_for_total(2));
  client.close();  // waits for the results to be recorded

  const json finished = query(emulator_, "order.placed", buildable::kDefaultTxKey, "finished");
  ASSERT_EQ(finished.at("rows").size(), 1u);
  EXPECT_EQ(finished["rows"][0]["key"], good.key);
  const json failed = query(emulator_, "order.placed", buildable::kDefaultTxKey, "failed");
  ASSERT_EQ(failed.at("rows").size(), 1u);
  EXPECT_EQ(failed["rows"][0]["key"], bad.key);

  EXPECT_EQ(emulator_.transaction(good.key, buildable::kDefaultTxKey)["output"],
            json({{"charged", 42}}));
  const json failure = emulator_.transaction(bad.key, buildable::kDefaultTxKey);
  EXPECT_EQ(failure["state"], "failed");
  EXPECT_NE(failure["output"].dump().find("card declined"), std::string::npos);
  EXPECT_TRUE(errors_.wait_for_kind(buildable::ListenerError::Kind::handler));

  const buildable::Metrics metrics = client.metrics();
  EXPECT_EQ(metrics.emits, 2u);
  EXPECT_EQ(metrics.emit_failures, 0u);
  EXPECT_EQ(metrics.messages_dispatched, 2u);
  EXPECT_EQ(metrics.handler_failures, 1u);
  EXPECT_EQ(metrics.outstanding_messages, 0u);
  EXPECT_EQ(metrics.records_failed, 0u);
  EXPECT_GE(metrics.polls, 1u);
  EXPECT_GT(metrics.handler_time_total.count(), 0);
  EXPECT_GE(metrics.handler_time_total, metrics.handler_time_max);
}

TEST_F(ListenTest, SinceInThePastReplaysHistoryAndDefaultSinceDoesNot) {
  Client producer(options());
  const auto old_keys = emit_many(producer, "history.event", 5);
  // `since` has millisecond resolution: start listening in a later millisecond than the
  // emits, or a message of the same millisecond would count as new.
  const auto emitted = std::chrono::system_clock::now();
  while (std::chrono::system_clock::now() - emitted < 2ms)
    std::this_thread::yield();

  Client client(options());
  Tally replayed;
  Tally fresh_only;
  ListenOptions replay;
  replay.since = long_ago();
  replay.tx_key = "replayer";
  client.on(
      "history.event", [&](const Message& m) { replayed.add(m.key); }, replay);
  ListenOptions now;
  now.tx_key = "fresh";
  client.on(
      "history.event", [&](const Message& m) { fresh_only.add(m.key); }, now);

  ASSERT_TRUE(replayed.wait_for_total(5));
  const auto new_key = producer.emit("history.event", {{"i", 99}}).key;
  ASSERT_TRUE(replayed.wait_for_total(6));
  ASSERT_TRUE(fresh_only.wait_for_total(1));
  client.close();
  for (const auto& key : old_keys)
    EXPECT_EQ(replayed.counts()[key], 1) << key;
  EXPECT_EQ(fresh_only.counts(), (std::map<std::string, int>{{new_key, 1}}));
}

TEST_F(ListenTest, PlatformLabelAndTxKeyFilterMessages) {
  const auto since = std::chrono::system_clock::now() - 1s;
  const auto stripe =
      emulator_.inject_message("test", "stripe", "shop", "charge.succeeded", {{"amount", 1}},
                               {{"stripe-signature", "t=1"}}, {{"debug", "1"}});
  const auto paypal =
      emulator_.inject_message("test", "paypal", "shop", "charge.succeeded", {{"amount", 2}});
  const auto other_label =
      emulator_.inject_message("test", "stripe", "other", "charge.succeeded", {{"amount", 3}});

  Client client(options());
  Tally stripe_shop;
  Tally any_stripe;
  Tally anything;
  std::mutex mutex;
  Message stripe_message;
  ListenOptions o1;
  o1.platform = "stripe";
  o1.label = "shop";
  o1.since = since;
  client.on(
      "charge.succeeded",
      [&](const Message& m) {
        {
          std::lock_guard lock(mutex);
          stripe_message = m;
        }
        stripe_shop.add(m.key);
      },
      o1);
  ListenOptions o2;
  o2.platform = "stripe";
  o2.since = since;
  o2.tx_key = "all-stripe";
  client.on(
      "charge.succeeded", [&](const Message& m) { any_stripe.add(m.key); }, o2);
  ListenOptions o3;
  o3.since = since;
  o3.tx_key = "everything";
  client.on(
      "charge.succeeded", [&](const Message& m) { anything.add(m.key); }, o3);

  ASSERT_TRUE(stripe_shop.wait_for_total(1));
  ASSERT_TRUE(any_stripe.wait_for_total(2));
  ASSERT_TRUE(anything.wait_for_total(3));
  client.close();
  EXPECT_EQ(stripe_shop.counts(), (std::map<std::string, int>{{stripe, 1}}));
  EXPECT_EQ(any_stripe.counts(), (std::map<std::string, int>{{stripe, 1}, {other_label, 1}}));
  EXPECT_EQ(anything.counts(),
            (std::map<std::string, int>{{stripe, 1}, {paypal, 1}, {other_label, 1}}));
  // Webhook headers and query arrive decoded.
  EXPECT_EQ(stripe_message.headers, json({{"stripe-signature", "t=1"}}));
  EXPECT_EQ(stripe_message.query, json({{"debug", "1"}}));
  EXPECT_EQ(stripe_message.platform, "stripe");
  EXPECT_EQ(stripe_message.label, "shop");
}

struct Signup {
  std::string email;
  int plan = 0;
};
void from_json(const json& j, Signup& s) {
  j.at("email").get_to(s.email);
  j.at("plan").get_to(s.plan);
}
void to_json(json& j, const Signup& s) {
  j = {{"email", s.email}, {"plan", s.plan}};
}

TEST_F(ListenTest, TypedHandlerConvertsPayloadAndBadPayloadIsAFailedTransaction) {
  Client client(options());
  Tally tally;
  std::mutex mutex;
  std::vector<std::string> emails;
  client.on<Signup>("signup", [&](const Signup& s, const Message& m) {
    {
      std::lock_guard lock(mutex);
      emails.push_back(s.email);
    }
    tally.add(m.key);
    return json{{"plan", s.plan}};
  });
  const auto good = client.emit("signup", Signup{"ada@example.com", 2});
  const auto bad = client.emit("signup", {{"email", 12}});  // does not convert
  ASSERT_TRUE(tally.wait_for_total(1));
  ASSERT_TRUE(errors_.wait_for_kind(buildable::ListenerError::Kind::handler));
  client.close();
  EXPECT_EQ(emails, std::vector<std::string>{"ada@example.com"});
  EXPECT_EQ(emulator_.transaction(good.key, buildable::kDefaultTxKey)["state"], "finished");
  EXPECT_EQ(emulator_.transaction(bad.key, buildable::kDefaultTxKey)["state"], "failed");
}

TEST_F(ListenTest, ThrowingOrGarbageHandlersDoNotStopTheLoop) {
  Client client(options());
  Tally tally;
  client.on("flaky", [&](const Message& m) -> json {
    tally.add(m.key);
    const int i = m.payload.at("i").get<int>();
    if (i % 3 == 0) throw std::runtime_error("boom");
    if (i % 3 == 1) throw 42;  // not even a std::exception
    return std::string("\xff\xfe not UTF-8");
  });
  const auto keys = emit_many(client, "flaky", 30);
  ASSERT_TRUE(tally.wait_for_total(30));
  client.close();
  for (const auto& key : keys) {
    EXPECT_EQ(emulator_.transaction(key, buildable::kDefaultTxKey)["state"], "failed") << key;
  }
}

TEST_F(ListenTest, DefaultListenerRunsOneAtATimeInMessageOrder) {
  Client client(options());
  std::atomic<int> running{0};
  std::atomic<int> overlaps{0};
  std::mutex mutex;
  std::vector<int> order;
  Tally tally;
  ListenOptions o;
  o.since = long_ago();
  Client producer(options());
  for (int i = 0; i < 40; ++i)
    producer.emit("ordered", {{"i", i}});
  client.on(
      "ordered",
      [&](const Message& m) {
        if (running.fetch_add(1) != 0) overlaps.fetch_add(1);
        {
          std::lock_guard lock(mutex);
          order.push_back(m.payload.at("i").get<int>());
        }
        running.fetch_sub(1);
        tally.add(m.key);
      },
      o);
  ASSERT_TRUE(tally.wait_for_total(40));
  client.close();
  EXPECT_EQ(overlaps.load(), 0);
  std::vector<int> expected(40);
  for (int i = 0; i < 40; ++i)
    expected[static_cast<std::size_t>(i)] = i;
  EXPECT_EQ(order, expected);
}

TEST_F(ListenTest, MaxConcurrencyLetsHandlersOverlap) {
  auto o = options();
  o.handler_threads = 4;
  Client client(o);
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  Gate all_in;
  Tally tally;
  ListenOptions lo;
  lo.max_concurrency = 3;
  client.on(
      "parallel",
      [&](const Message& m) {
        const int now = running.fetch_add(1) + 1;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        if (now >= 3) all_in.open();
        all_in.wait(5s);  // hold until three run together (or give up)
        running.fetch_sub(1);
        tally.add(m.key);
      },
      lo);
  emit_many(client, "parallel", 6);
  ASSERT_TRUE(tally.wait_for_total(6));
  client.close();
  EXPECT_EQ(peak.load(), 3);
}

}  // namespace
}  // namespace listen_test
