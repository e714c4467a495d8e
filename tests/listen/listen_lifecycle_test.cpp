// The promises of off(), close() and registration.
#include <dirent.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "listen_fixture.hpp"
#include "test_server.hpp"

namespace listen_test {
namespace {

using buildable::Client;
using buildable::ListenOptions;
using buildable::Message;
using buildable::Subscription;

/// Threads of this process whose name starts with `prefix` (the SDK names its threads
/// buildable-io and buildable-hdl; the in-process emulator's threads are not counted).
int thread_count(const std::string& prefix) {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      std::ifstream comm(std::string("/proc/self/task/") + entry->d_name + "/comm");
      std::string name;
      std::getline(comm, name);
      if (name.rfind(prefix, 0) == 0) ++count;
    }
    closedir(dir);
  }
  return count;
}

TEST_F(ListenTest, SameIdentityTwiceIsRejected) {
  Client client(options());
  ListenOptions o;
  o.platform = "custom";
  o.label = "demo";
  client.on(
      "dup", [](const Message&) {}, o);
  EXPECT_THROW(client.on(
                   "dup", [](const Message&) {}, o),
               buildable::InvalidArgument);
  o.tx_key = "another";
  EXPECT_NO_THROW(client.on(
      "dup", [](const Message&) {}, o));
  EXPECT_THROW(client.on("", [](const Message&) {}), buildable::InvalidArgument);
  ListenOptions dotted;
  dotted.platform = "a.b";
  EXPECT_THROW(client.on(
                   "x", [](const Message&) {}, dotted),
               buildable::InvalidArgument);
  ListenOptions zero;
  zero.max_concurrency = 0;
  EXPECT_THROW(client.on(
                   "x", [](const Message&) {}, zero),
               buildable::InvalidArgument);
  client.close();
  EXPECT_THROW(client.on("late", [](const Message&) {}), buildable::ClosedError);
}

TEST_F(ListenTest, OffFromInsideTheHandlerStopsFurtherCalls) {
  Client client(options());
  Client producer(options());
  Tally tally;
  Gate removed;
  Subscription self;
  std::mutex mutex;
  ListenOptions o;
  o.since = long_ago();
  emit_many(producer, "once", 20);
  {
    // The handler may start before on() returns: it waits here until `self` is assigned.
    std::lock_guard lock(mutex);
    self = client.on(
        "once",
        [&](const Message& m) {
          tally.add(m.key);
          std::lock_guard handler_lock(mutex);
          EXPECT_TRUE(client.off(self));  // must not deadlock on itself
          removed.open();
        },
        o);
  }
  ASSERT_TRUE(removed.wait());
  client.close();
  EXPECT_EQ(tally.total(), 1u);
  EXPECT_TRUE(client.subscriptions().empty());
}

TEST_F(ListenTest, OffFromAnotherThreadWaitsForTheRunningHandler) {
  Client client(options());
  Gate entered;
  Gate release;
  std::atomic<bool> handler_running{false};
  std::atomic<int> calls_after_off{0};
  std::atomic<bool> off_returned{false};
  auto sub = client.on("slow", [&](const Message&) {
    if (off_returned) calls_after_off.fetch_add(1);
    handler_running = true;
    entered.open();
    release.wait(10s);
    handler_running = false;
  });
  Client producer(options());
  emit_many(producer, "slow", 5);
  ASSERT_TRUE(entered.wait());

  std::thread remover([&] {
    client.off(sub);
    // The promise: once off() returns, the handler is not running.
    EXPECT_FALSE(handler_running.load());
    off_returned = true;
  });
  // off() must still be waiting while the handler is held.
  EXPECT_FALSE(off_returned.load());
  release.open();
  remover.join();
  EXPECT_TRUE(off_returned.load());
  producer.emit("slow", {{"late", true}});
  client.close();
  EXPECT_EQ(calls_after_off.load(), 0);
}

TEST_F(ListenTest, CloseDuringABurstLeavesNoHandlerRunningAfterwards) {
  auto o = options();
  o.shutdown_timeout = 200ms;
  auto client = std::make_unique<Client>(o);
  Client producer(options());
  std::atomic<bool> closed{false};
  std::atomic<int> calls_after_close{0};
  Tally tally;
  ListenOptions lo;
  lo.since = long_ago();
  lo.max_concurrency = 4;
  emit_many(producer, "burst", 300);
  client->on(
      "burst",
      [&](const Message& m) {
        if (closed) calls_after_close.fetch_add(1);
        tally.add(m.key);
      },
      lo);
  ASSERT_TRUE(tally.wait_for_total(20));
  client->close();
  closed = true;
  client.reset();  // the destructor after close() is a no-op
  EXPECT_EQ(calls_after_close.load(), 0);
}

TEST_F(ListenTest, CloseFromInsideAHandlerDoesNotDeadlock) {
  Client client(options());
  Gate emitted;
  Gate done;
  client.on("stop", [&](const Message&) {
    // close() aborts what is in flight, so wait for the test's own emit to have returned.
    emitted.wait();
    client.close();
    done.open();
  });
  client.emit("stop", {{"now", true}});
  emitted.open();
  ASSERT_TRUE(done.wait());
  client.close();  // again, from the test thread: idempotent
}

TEST_F(ListenTest, OffByFilterAndOffAllReturnWhatWasRemoved) {
  Client client(options());
  ListenOptions a;
  a.tx_key = "a";
  ListenOptions b;
  b.tx_key = "b";
  client.on(
      "e1", [](const Message&) {}, a);
  client.on(
      "e1", [](const Message&) {}, b);
  client.on(
      "e2", [](const Message&) {}, a);
  buildable::ListenerFilter by_tx;
  by_tx.tx_key = "a";
  const auto removed = client.off(by_tx);
  ASSERT_EQ(removed.size(), 2u);
  for (const auto& s : removed)
    EXPECT_EQ(s.tx_key(), "a");
  EXPECT_EQ(client.subscriptions().size(), 1u);
  EXPECT_EQ(client.off_all().size(), 1u);
  EXPECT_TRUE(client.subscriptions().empty());
  EXPECT_FALSE(client.off(removed.front()));
}

TEST_F(ListenTest, ScopedSubscriptionRemovesItsListener) {
  Client client(options());
  {
    buildable::ScopedSubscription scoped(client, client.on("scoped", [](const Message&) {}));
    EXPECT_EQ(client.subscriptions().size(), 1u);
    EXPECT_EQ(scoped.get().identity(), "*.*.scoped$$$default");
  }
  EXPECT_TRUE(client.subscriptions().empty());
  // Outliving the client is harmless.
  buildable::ScopedSubscription outlives;
  {
    Client short_lived(options());
    outlives =
        buildable::ScopedSubscription(short_lived, short_lived.on("x", [](const Message&) {}));
  }
  outlives.reset();
}

TEST_F(ListenTest, AThousandListenersUseOnePollThreadPlusTheHandlerPool) {
  auto o = options();
  o.handler_threads = 4;
  o.poll_interval = 200ms;
  // Threads of clients from earlier tests in this process may still be ending.
  const int io_before = thread_count("buildable-io");
  const int handlers_before = thread_count("buildable-hdl");
  Client client(o);
  EXPECT_LE(thread_count("buildable-"), io_before + handlers_before);  // threads start lazily
  Tally tally;
  for (int i = 0; i < 1000; ++i) {
    client.on("scale." + std::to_string(i), [&](const Message& m) { tally.add(m.key); });
  }
  client.emit("scale.999", {{"last", true}});
  client.emit("scale.0", {{"first", true}});
  ASSERT_TRUE(tally.wait_for_total(2, 30s));
  // One I/O thread plus the handler pool, whatever the number of listeners.
  EXPECT_LE(thread_count("buildable-io") - io_before, 1);
  EXPECT_GE(thread_count("buildable-io"), 1);
  EXPECT_LE(thread_count("buildable-hdl") - handlers_before, o.handler_threads);
  EXPECT_GE(thread_count("buildable-hdl"), o.handler_threads);
  client.close();
}

/// Waits until no SDK thread of an earlier test is left, so that counts are this test's own.
::testing::AssertionResult no_sdk_threads_left() {
  if (buildable::testing::wait_until([] { return thread_count("buildable-") == 0; }, 10s)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << thread_count("buildable-") << " SDK threads never ended";
}

TEST_F(ListenTest, TheHandlerPoolRunsAsSoonAsTheFirstOnReturns) {
  ASSERT_TRUE(no_sdk_threads_left());
  auto o = options();
  o.handler_threads = 3;
  Client client(o);
  client.emit("pool.other", {{"i", 0}});
  EXPECT_EQ(thread_count("buildable-"), 0) << "emit() alone must start no thread";
  // Nothing is ever emitted for this event, so no message or error can start the pool: only
  // on() itself can have.
  client.on("pool.idle", [](const Message&) {});
  EXPECT_EQ(thread_count("buildable-io"), 1);
  EXPECT_EQ(thread_count("buildable-hdl"), 3);
  client.on("pool.idle.too", [](const Message&) {});
  EXPECT_EQ(thread_count("buildable-"), 4) << "a second on() must start no thread";
  client.close();
}

TEST_F(ListenTest, EmitAsyncStartsTheHandlerPoolOnlyWhenTracing) {
  // Every emit is held at the emulator, so no answer, and no trace line of one, can start
  // the pool while the test counts.
  buildable::emulator::FaultRule hold;
  hold.endpoint = "/emit";
  hold.kind = buildable::emulator::FaultKind::delay;
  hold.probability = 1.0;
  hold.delay = 2s;
  buildable::emulator::FaultOptions faults;
  faults.rules.push_back(hold);
  emulator_.set_faults(faults);
  auto quiet = options();
  quiet.shutdown_timeout = 100ms;
  {
    ASSERT_TRUE(no_sdk_threads_left());
    Client client(quiet);
    auto held = client.emit_async("pool.quiet", {{"i", 0}});
    EXPECT_EQ(thread_count("buildable-io"), 1);
    EXPECT_EQ(thread_count("buildable-hdl"), 0) << "no listener and no tracing: no pool";
    client.close();
  }
  auto traced = quiet;
  traced.log_level = buildable::LogLevel::debug;
  traced.logger = [](buildable::LogLevel, std::string_view) {};
  {
    ASSERT_TRUE(no_sdk_threads_left());
    Client client(traced);
    auto held = client.emit_async("pool.traced", {{"i", 0}});
    EXPECT_EQ(thread_count("buildable-io"), 1);
    EXPECT_EQ(thread_count("buildable-hdl"), traced.handler_threads)
        << "the pool that will deliver the trace lines must be started by emit_async() itself";
    client.close();
  }
  emulator_.set_faults({});
}

}  // namespace
}  // namespace listen_test
