// End-to-end regression tests of the promises of the listening core ("Threading and
// lifecycle" in README.md, Client's class comment) that the old core broke: callbacks that
// call off() or close(), a second close(), flow control across listeners, error reports that
// must not starve handlers, and a permanent poll error reported once.
//
// Every wait has a deadline, so a deadlock shows as a failed EXPECT, not as a hung test. When
// a pool thread is stuck for good (an off() that never returns), the test leaks the objects
// that thread still uses, the client included, instead of destroying them: destroying the
// client would wait for the stuck thread forever.
#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <stdexcept>
#include <thread>

#include "client_probes.hpp"
#include "listen_fixture.hpp"
#include "test_server.hpp"

namespace listen_test {
namespace {

using buildable::Client;
using buildable::ListenerError;
using buildable::ListenOptions;
using buildable::Message;
using buildable::Subscription;
using Kind = buildable::ListenerError::Kind;

using buildable::testing::close_has_begun;

/// Waits until `done` holds; false on timeout.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  return buildable::testing::wait_until(done, timeout);
}

/// Opens a gate when it goes out of scope. Declared after the client, it is destroyed first,
/// so a handler blocked on the gate is released before the client's destructor waits for it,
/// whichever way the test ends.
class OpenOnExit {
 public:
  explicit OpenOnExit(Gate& gate) : gate_(gate) {}
  ~OpenOnExit() { gate_.open(); }
  OpenOnExit(const OpenOnExit&) = delete;
  OpenOnExit& operator=(const OpenOnExit&) = delete;

 private:
  Gate& gate_;
};

class ListenPromisesTest : public ListenTest {
 protected:
  /// Listener options that replay the messages emitted before on().
  static ListenOptions replay() {
    ListenOptions o;
    o.since = long_ago();
    return o;
  }
};

bool reported(const std::vector<ListenerError>& errors, Kind kind, const std::string& key) {
  return std::any_of(errors.begin(), errors.end(), [&](const ListenerError& e) {
    return e.kind == kind && e.message_key == key;
  });
}

// Scenario 1
TEST_F(ListenPromisesTest, OffFromOnErrorRightAfterTheHandlerThrewReturns) {
  // Everything the pool threads use lives here: leaked if off() never returns.
  struct World {
    Gate off_returned;
    std::mutex mutex;
    Subscription sub;
    std::atomic<bool> removed{false};
    std::unique_ptr<Client> client;
  };
  auto world = std::make_unique<World>();
  World* w = world.get();
  auto o = options();
  o.on_error = [w](const ListenerError& e) {
    if (e.kind != Kind::handler || w->off_returned.is_open()) return;
    Subscription sub;
    {
      std::lock_guard lock(w->mutex);
      sub = w->sub;
    }
    w->removed = w->client->off(sub);
    w->off_returned.open();
  };
  w->client = std::make_unique<Client>(o);
  {
    // The handler may run before on() returns: on_error reads `sub` under the same lock.
    std::lock_guard lock(w->mutex);
    w->sub = w->client->on(
        "s1.throws", [](const Message&) { throw std::runtime_error("boom"); }, replay());
  }
  w->client->emit("s1.throws", {{"i", 1}});

  const bool returned = w->off_returned.wait(10s);
  EXPECT_TRUE(returned) << "off() called from on_error after the handler threw never returned";
  if (!returned) {
    (void)world.release();  // a pool thread is stuck in off() and still uses the client
    return;
  }
  EXPECT_TRUE(w->removed.load());
  EXPECT_TRUE(w->client->subscriptions().empty());
  w->client->close();
}

// Scenario 2
TEST_F(ListenPromisesTest, OffFromOnErrorWithMessagesQueuedReturnsAndAccountsForEveryMessage) {
  struct World {
    Gate queued_entered;  // the queued listener's first handler call has started
    Gate in_on_error;     // on_error has been entered (opens the queued listener's gate)
    Gate off_returned;
    std::mutex mutex;
    Subscription queued_sub;
    std::atomic<bool> removed{false};
    ErrorLog log;
    buildable::ErrorHandler record = log.handler();
    std::unique_ptr<Client> client;
  };
  auto world = std::make_unique<World>();
  World* w = world.get();
  auto o = options();
  o.handler_threads = 2;
  o.shutdown_timeout = 2s;
  o.on_error = [w](const ListenerError& e) {
    w->record(e);
    if (e.kind != Kind::handler || w->in_on_error.is_open()) return;
    w->in_on_error.open();
    Subscription sub;
    {
      std::lock_guard lock(w->mutex);
      sub = w->queued_sub;
    }
    w->removed = w->client->off(sub);
    w->off_returned.open();
  };
  w->client = std::make_unique<Client>(o);
  Client producer(options());
  const auto keys = emit_many(producer, "s2.queued", 5);

  auto queued_options = replay();
  queued_options.max_concurrency = 1;
  {
    std::lock_guard lock(w->mutex);
    w->queued_sub = w->client->on(
        "s2.queued",
        [w](const Message&) {
          w->queued_entered.open();
          // Blocked until on_error has been entered, then until its off() has taken the
          // listener out (subscriptions() no longer lists it), so the other messages are
          // still queued when off() gets to them.
          w->in_on_error.wait(10s);
          std::uint64_t id = 0;
          {
            std::lock_guard handler_lock(w->mutex);
            id = w->queued_sub.id();
          }
          eventually(
              [&] {
                const auto subs = w->client->subscriptions();
                return std::none_of(subs.begin(), subs.end(),
                                    [&](const Subscription& s) { return s.id() == id; });
              },
              5s);
          // Grace for off() to go from the registry to the handler pool, which no public
          // call shows.
          std::this_thread::sleep_for(50ms);
        },
        queued_options);
  }
  ASSERT_TRUE(w->queued_entered.wait());
  // All five are claimed: the first runs, four are queued behind it.
  EXPECT_TRUE(eventually([&] { return w->client->metrics().outstanding_messages >= 5; }));

  // Another listener's failure brings on_error, on the second pool thread.
  w->client->on(
      "s2.throws", [](const Message&) { throw std::runtime_error("boom"); }, replay());
  producer.emit("s2.throws", {{"i", 0}});

  const bool returned = w->off_returned.wait(15s);
  EXPECT_TRUE(returned) << "off() called from on_error with messages queued never returned";
  if (!returned) {
    (void)world.release();  // the on_error thread is stuck and still uses the client
    return;
  }
  EXPECT_TRUE(w->removed.load());
  w->client->close();  // the first message's result is recorded by now
  const auto errors = w->log.errors();
  // The premise: off() found messages still queued.
  EXPECT_GE(std::count_if(errors.begin(), errors.end(),
                          [](const ListenerError& e) { return e.kind == Kind::abandoned; }),
            1);
  for (const auto& key : keys) {
    const auto tx = emulator_.transaction(key, buildable::kDefaultTxKey);
    const bool finished = !tx.is_null() && tx["state"] == "finished";
    EXPECT_TRUE(finished || reported(errors, Kind::abandoned, key))
        << key << " neither finished nor reported abandoned; transaction: " << tx.dump();
  }
}

// Scenario 3
TEST_F(ListenPromisesTest, CloseAndDestroyFromAHandlerWithReportsQueuedBehindIt) {
  struct World {
    Gate entered;
    Gate go;
    Gate done;
    std::mutex mutex;
    std::vector<ListenerError> errors;
    std::atomic<bool> close_returned{false};
    std::atomic<int> reports_after_close{0};
    std::unique_ptr<Client> client;
  };
  auto world = std::make_unique<World>();
  World* w = world.get();
  auto o = options();
  o.handler_threads = 1;
  o.shutdown_timeout = 2s;
  o.poll_interval = 20ms;
  o.max_poll_backoff = 100ms;
  o.on_error = [w](const ListenerError& e) {
    if (w->close_returned) w->reports_after_close.fetch_add(1);
    std::lock_guard lock(w->mutex);
    w->errors.push_back(e);
  };
  w->client = std::make_unique<Client>(o);
  w->client->emit("s3.close", {{"i", 0}});
  w->client->on(
      "s3.close",
      [w](const Message&) {
        w->entered.open();
        w->go.wait(10s);
        w->client->close();
        w->close_returned = true;
        w->client.reset();  // allowed once close() returned, since no other thread uses it
        w->done.open();
      },
      replay());
  ASSERT_TRUE(w->entered.wait());

  // Failing polls while the only pool thread is busy: their reports queue behind the handler.
  emulator_.reset_stats();
  buildable::emulator::FaultRule fail_polls;
  fail_polls.endpoint = "/query";
  fail_polls.kind = buildable::emulator::FaultKind::status_500;
  fail_polls.probability = 1.0;
  buildable::emulator::FaultOptions faults;
  faults.rules.push_back(fail_polls);
  emulator_.set_faults(faults);
  EXPECT_TRUE(eventually([&] { return requests_to(emulator_, "/query") >= 3; }));
  w->go.open();

  const bool done = w->done.wait(20s);
  EXPECT_TRUE(done) << "the handler that closed and destroyed the client never finished";
  // A report still queued would run after close() returned, on the destroyed client (under
  // ASan: heap-use-after-free); give such a late one time to show.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(w->reports_after_close.load(), 0) << "on_error ran after close() had returned";
  {
    std::lock_guard lock(w->mutex);
    EXPECT_TRUE(std::any_of(w->errors.begin(), w->errors.end(), [](const ListenerError& e) {
      return e.kind == Kind::poll;
    })) << "the queued poll reports were not delivered";
  }
  if (!done || w->reports_after_close.load() != 0) {
    (void)world.release();  // a pool thread may still use it
  }
}

// Scenario 4
TEST_F(ListenPromisesTest, ASecondConcurrentCloseWaitsForTheRunningHandler) {
  Gate entered;
  Gate release;
  auto o = options();
  o.shutdown_timeout = 2s;
  Client client(o);
  OpenOnExit release_on_exit(release);
  client.emit("s4.slow", {{"i", 0}});
  client.on(
      "s4.slow",
      [&](const Message&) {
        entered.open();
        release.wait(20s);
      },
      replay());
  ASSERT_TRUE(entered.wait());

  auto first = std::async(std::launch::async, [&] { client.close(); });
  EXPECT_TRUE(eventually([&] { return close_has_begun(client); }, 5s));
  auto second = std::async(std::launch::async, [&] { client.close(); });
  EXPECT_EQ(second.wait_for(300ms), std::future_status::timeout)
      << "the second close() returned while a handler was still running";
  EXPECT_EQ(first.wait_for(0ms), std::future_status::timeout);
  release.open();
  EXPECT_EQ(first.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(second.wait_for(10s), std::future_status::ready);
}

// Scenario 7
TEST_F(ListenPromisesTest, AListenerBlockedByItsOwnBacklogDoesNotStopAnother) {
  Gate stuck_entered;
  Gate release;
  Tally tally;
  Client producer(options());
  emit_many(producer, "s7.stuck", 5);
  const auto free_keys = emit_many(producer, "s7.free", 10);
  auto o = options();
  o.page_size = 1;
  o.max_outstanding_messages = 3;
  o.shutdown_timeout = 2s;
  Client client(o);
  OpenOnExit release_on_exit(release);
  client.on(
      "s7.stuck",
      [&](const Message&) {
        stuck_entered.open();
        release.wait(20s);
      },
      replay());
  ASSERT_TRUE(stuck_entered.wait());
  // The stuck listener fills its own room (two pages of one message).
  EXPECT_TRUE(eventually([&] { return client.metrics().outstanding_messages >= 2; }));

  client.on(
      "s7.free", [&](const Message& m) { tally.add(m.key); }, replay());
  EXPECT_TRUE(tally.wait_for_total(free_keys.size(), 10s))
      << "the second listener handled " << tally.total() << " of " << free_keys.size();
  release.open();
  client.close();
}

// Scenario 8
TEST_F(ListenPromisesTest, AFloodOfErrorReportsDoesNotStarveAHealthyListener) {
  Gate on_error_entered;
  Gate healthy_ran;
  std::atomic<int> on_error_timeouts{0};
  Tally healthy;
  auto o = options();
  o.handler_threads = 2;
  o.shutdown_timeout = 2s;
  // A slow on_error: each call waits (up to 5 s) for the healthy listener's handler.
  o.on_error = [&](const ListenerError&) {
    on_error_entered.open();
    if (!healthy_ran.wait(5s)) on_error_timeouts.fetch_add(1);
  };
  Client producer(options());
  emit_many(producer, "s8.bad", 20);
  Client client(o);
  OpenOnExit release_on_exit(healthy_ran);
  auto bad_options = replay();
  bad_options.max_concurrency = 2;
  client.on(
      "s8.bad", [](const Message&) { throw std::runtime_error("bad"); }, bad_options);
  ASSERT_TRUE(on_error_entered.wait());

  client.on(
      "s8.healthy",
      [&](const Message& m) {
        healthy.add(m.key);
        healthy_ran.open();
      },
      replay());
  producer.emit("s8.healthy", {{"i", 0}});
  EXPECT_TRUE(healthy.wait_for_total(1, 4s))
      << "the healthy listener's message waited behind the error reports";
  EXPECT_EQ(on_error_timeouts.load(), 0);
  healthy_ran.open();
  client.close();
}

// Scenario 10
TEST_F(ListenPromisesTest, APermanentPollErrorIsReportedOncePerStreak) {
  auto o = options();
  o.secret = "not-the-secret";  // every /query is answered 401
  o.poll_interval = 50ms;
  o.max_poll_backoff = 200ms;
  Client client(o);
  client.on("s10.any", [](const Message&) {});
  EXPECT_TRUE(eventually([&] { return requests_to(emulator_, "/query") >= 8; }));
  client.close();  // delivers the reports still queued
  const auto errors = errors_.errors();
  const auto polls = std::count_if(errors.begin(), errors.end(),
                                   [](const ListenerError& e) { return e.kind == Kind::poll; });
  EXPECT_EQ(polls, 1) << "over " << requests_to(emulator_, "/query") << " polls answered 401";
}

}  // namespace
}  // namespace listen_test
