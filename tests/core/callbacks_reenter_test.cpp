// Scenarios 1-4 of the listening-core issue: callbacks that re-enter the client, and close()
// racing close() or off(). Each failed (deadlock, use-after-free, early return) before.

#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "core_fixture.hpp"

namespace core_test {
namespace {

using Kind = buildable::ListenerError::Kind;

// Scenario 1: the handler still counted as running while its failure was reported.
TEST_F(CoreTest, OffFromOnErrorRightAfterTheHandlerThrewReturns) {
  service_.add("ev", 1);
  service_.serve(*transport_);
  Gate registered, off_returned;
  buildable::Client* client = nullptr;
  buildable::Subscription sub;
  reports_.hook = [&](const buildable::ListenerError& e) {
    if (e.kind != Kind::handler) return;
    EXPECT_TRUE(client->off(sub));
    off_returned.open();
  };
  auto owned = make(options());
  client = owned.get();
  sub = client->on("ev", [&](const buildable::Message&) -> nlohmann::json {
    registered.wait();
    throw std::runtime_error("boom");
  });
  registered.open();
  ASSERT_TRUE(off_returned.wait()) << "off() from on_error never returned";
  EXPECT_EQ(sub.status().state, buildable::ListenerStatus::State::removed);
  EXPECT_TRUE(eventually([&] { return service_.count_in_state("failed") == 1; }));
}

TEST_F(CoreTest, CloseFromOnErrorRightAfterTheHandlerThrewReturns) {
  service_.add("ev", 1);
  service_.serve(*transport_);
  Gate registered, close_returned;
  buildable::Client* client = nullptr;
  reports_.hook = [&](const buildable::ListenerError& e) {
    if (e.kind != Kind::handler) return;
    client->close();
    close_returned.open();
  };
  auto owned = make(options());
  client = owned.get();
  client->on("ev", [&](const buildable::Message&) -> nlohmann::json {
    registered.wait();
    throw std::runtime_error("boom");
  });
  registered.open();
  ASSERT_TRUE(close_returned.wait()) << "close() from on_error never returned";
  EXPECT_THROW(client->on("other", [](const buildable::Message&) {}), buildable::ClosedError);
  EXPECT_EQ(service_.count_in_state("failed"), 1u) << "the failure was recorded before closing";
}

// Scenario 2: on_error ran under the reporter's lock, and off()'s `abandoned` reports
// re-entered it on the same thread.
TEST_F(CoreTest, OffFromOnErrorWhileMessagesAreQueuedReturnsAndAccountsForEveryMessage) {
  const auto keys = service_.add("ev", 5);
  service_.serve(*transport_);
  transport_->on("/query", [this](const Request& r) {
    auto answer = service_.query(r);
    auto body = nlohmann::json::parse(answer->body);
    body["rows"].push_back({{"no", "key"}});  // one malformed row: a `poll` report
    return answer_json(200, body);
  });
  Gate handler_started, release_handler, off_returned, registered;
  buildable::Client* client = nullptr;
  buildable::Subscription sub;
  reports_.hook = [&](const buildable::ListenerError& e) {
    if (e.kind != Kind::poll) return;
    handler_started.wait();
    transport_->wait_sent("/init", 5);
    client->off(sub);
    off_returned.open();
  };
  auto owned = make(options());
  client = owned.get();
  sub = client->on("ev", [&](const buildable::Message&) {
    registered.wait();
    handler_started.open();
    release_handler.wait();
  });
  registered.open();
  ASSERT_TRUE(handler_started.wait());
  EXPECT_FALSE(off_returned.wait(200ms)) << "off() must wait for the running handler";
  release_handler.open();
  ASSERT_TRUE(off_returned.wait()) << "off() from on_error deadlocked";
  // Every claimed message ends recorded or reported `abandoned` with its key.
  ASSERT_TRUE(reports_.wait_for([&](const auto& all) {
    std::size_t abandoned = 0;
    for (const auto& e : all)
      abandoned += e.kind == Kind::abandoned ? 1 : 0;
    return abandoned + service_.count_in_state("finished") == keys.size();
  })) << "some claimed message was neither recorded nor reported";
  EXPECT_EQ(service_.count_in_state("finished"), 1u);
}

// Scenario 3: with one handler thread, reports queued behind a handler that closes and
// destroys the client used to run afterwards on the detached thread, into freed memory.
TEST_F(CoreTest, CloseFromInsideAHandlerThenDestroyingTheClientIsSafe) {
  service_.add("ev", 2);
  service_.serve(*transport_);
  transport_->on("/query", [this](const Request& r) {
    auto answer = service_.query(r);
    auto body = nlohmann::json::parse(answer->body);
    for (int i = 0; i < 3; ++i)
      body["rows"].push_back({{"no", "key"}});
    return answer_json(200, body);
  });
  auto o = options();
  o.handler_threads = 1;
  std::unique_ptr<buildable::Client> client = make(o);
  Gate registered, done;
  client->on("ev", [&](const buildable::Message&) {
    registered.wait();
    client->close();
    client.reset();  // documented as allowed once close() returned
    done.open();
  });
  registered.open();
  ASSERT_TRUE(done.wait());
  // close() delivered every report before it returned: the malformed rows, the message whose
  // handler closed, and the one still queued.
  std::uint64_t malformed = 0;
  for (const auto& e : reports_.all())
    if (e.kind == Kind::poll) malformed += 1 + e.coalesced;
  EXPECT_EQ(malformed, 3u);
  EXPECT_EQ(reports_.count(Kind::abandoned), 2u);
}

// Found by review: a later close() (or the destructor) returned while the handler that had
// closed the client was still running.
TEST_F(CoreTest, ALaterCloseWaitsForTheHandlerThatClosedTheClient) {
  service_.add("ev", 1);
  service_.serve(*transport_);
  Gate closed_inside, may_finish;
  std::atomic<bool> handler_done{false};
  auto client = make(options());
  client->on("ev", [&](const buildable::Message&) {
    client->close();
    closed_inside.open();
    may_finish.wait();
    handler_done = true;
  });
  ASSERT_TRUE(closed_inside.wait());
  auto later = std::async(std::launch::async, [&] {
    client->close();
    return handler_done.load();
  });
  EXPECT_EQ(later.wait_for(300ms), std::future_status::timeout)
      << "close() returned while a handler still ran";
  may_finish.open();
  EXPECT_TRUE(later.get()) << "close() returned before the closing handler did";
}

// Found by review: destroying the client from inside on_error (or logger) destroyed the
// callback itself while it still ran. ASan sees the callback read its own captures.
class DestroyFromReportTest : public CoreTest {
 protected:
  void destroy_client_from_a_report(bool through_logger) {
    service_.add("ev", 1);
    service_.serve(*transport_);
    auto holder = std::make_shared<std::unique_ptr<buildable::Client>>();
    std::mutex holder_mutex;
    Gate done, registered;
    auto destroy = [holder, &holder_mutex, &done](auto&&...) {
      std::unique_ptr<buildable::Client> mine;
      {
        std::lock_guard lock(holder_mutex);
        mine = std::move(*holder);
      }
      if (!mine) return;
      mine->close();
      mine.reset();
      done.open();  // reads this closure's captures after the client is gone
    };
    auto o = options();
    if (through_logger) {
      o.on_error = nullptr;
      o.logger = destroy;
    } else {
      o.on_error = destroy;
    }
    {
      std::lock_guard lock(holder_mutex);
      *holder = make(o);
      (*holder)->on("ev", [&](const buildable::Message&) -> nlohmann::json {
        registered.wait();
        throw std::runtime_error("boom");
      });
    }
    registered.open();
    EXPECT_TRUE(done.wait());
  }
};

TEST_F(DestroyFromReportTest, DestroyingTheClientFromOnErrorKeepsTheCallbackAlive) {
  destroy_client_from_a_report(false);
}

TEST_F(DestroyFromReportTest, DestroyingTheClientFromTheLoggerKeepsTheCallbackAlive) {
  destroy_client_from_a_report(true);
}

// Scenario 4: a second close() returned at once while the first still waited.
TEST_F(CoreTest, ASecondConcurrentCloseWaitsForTheFirst) {
  service_.add("ev", 1);
  service_.serve(*transport_);
  BlockingHandler blocking;
  auto client = make(options());
  client->on("ev", blocking.handler());
  ASSERT_TRUE(blocking.started.wait());
  auto first = std::async(std::launch::async, [&] { client->close(); });
  ASSERT_TRUE(eventually([&] { return close_has_begun(*client); }));
  auto second = std::async(std::launch::async, [&] { client->close(); });
  EXPECT_EQ(second.wait_for(300ms), std::future_status::timeout)
      << "the second close() returned while a handler still ran";
  blocking.release.open();
  first.get();
  second.get();
  EXPECT_EQ(service_.count_in_state("finished"), 1u);
}

TEST_F(CoreTest, OffRacingCloseWaitsForTheRunningHandler) {
  service_.add("ev", 1);
  service_.serve(*transport_);
  BlockingHandler blocking;
  auto client = make(options());
  auto sub = client->on("ev", blocking.handler());
  ASSERT_TRUE(blocking.started.wait());
  auto closing = std::async(std::launch::async, [&] { client->close(); });
  ASSERT_TRUE(eventually([&] { return close_has_begun(*client); }));
  auto removing = std::async(std::launch::async, [&] {
    client->off(sub);
    return blocking.running.load();
  });
  EXPECT_EQ(removing.wait_for(300ms), std::future_status::timeout)
      << "off() returned while the handler still ran";
  blocking.release.open();
  EXPECT_FALSE(removing.get()) << "off() returned before the handler did";
  closing.get();
}

TEST_F(CoreTest, ASecondConcurrentOffOfTheSameListenerAlsoWaitsForItsHandler) {
  service_.add("ev", 1);
  service_.serve(*transport_);
  BlockingHandler blocking;
  auto client = make(options());
  auto sub = client->on("ev", blocking.handler());
  ASSERT_TRUE(blocking.started.wait());
  auto first = std::async(std::launch::async, [&] { return client->off(sub); });
  ASSERT_TRUE(eventually([&] { return client->subscriptions().empty(); }));
  auto second = std::async(std::launch::async, [&] {
    const bool removed = client->off(sub);
    return std::make_pair(removed, blocking.running.load());
  });
  EXPECT_EQ(second.wait_for(300ms), std::future_status::timeout)
      << "the second off() returned while the handler still ran";
  blocking.release.open();
  EXPECT_TRUE(first.get());
  const auto [removed, running] = second.get();
  EXPECT_FALSE(removed) << "only the first off() removes";
  EXPECT_FALSE(running);
}

TEST_F(CoreTest, HandlersMayOffEachOtherWithoutDeadlock) {
  service_.add("a", 1);
  service_.add("b", 1);
  service_.serve(*transport_);
  Gate both_running_a, both_running_b;
  buildable::Subscription sub_a, sub_b;
  Gate registered;
  std::atomic<int> returned{0};
  auto client = make(options());  // two handler threads: both handlers run at once
  sub_a = client->on("a", [&](const buildable::Message&) {
    registered.wait();
    both_running_a.open();
    both_running_b.wait();
    client->off(sub_b);  // waits for b's handler, which waits for a's: one of them must not
    ++returned;
  });
  sub_b = client->on("b", [&](const buildable::Message&) {
    registered.wait();
    both_running_b.open();
    both_running_a.wait();
    client->off(sub_a);
    ++returned;
  });
  registered.open();
  EXPECT_TRUE(eventually([&] { return returned == 2; })) << "mutual off() deadlocked";
}

}  // namespace
}  // namespace core_test
