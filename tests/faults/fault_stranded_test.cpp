// F15: the faults that strand messages (claim answers lost after the service acted, a process
// killed between claim and record, a record whose answer is lost) and the stranded-message
// calls that find and resolve what they leave behind.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <set>
#include <string>

#include "fault_fixture.hpp"

extern char** environ;

namespace fault_test {
namespace {

using buildable::Client;
using buildable::ListenerError;
using buildable::Message;
using buildable::Resolution;
using buildable::StrandedQuery;
using Status = buildable::ResolveResult::Status;

StrandedQuery stranded_query(std::string event, std::string tx_key = {}) {
  StrandedQuery q;
  q.event = std::move(event);
  q.tx_key = std::move(tx_key);
  return q;
}

std::set<std::string> keys_of(const buildable::StrandedList& list) {
  std::set<std::string> keys;
  for (const auto& m : list.messages)
    keys.insert(m.message.key);
  return keys;
}

TEST_F(FaultTest, F15_MessagesWhoseClaimAnswersWereLostAreFoundAndHandledAgain) {
  Client producer(fast_options());
  std::vector<std::string> emitted;  // one after the other: their order is createdAt order
  for (int i = 0; i < 4; ++i)
    emitted.push_back(producer.emit("f15.lost", {{"i", i}}).key);
  emulator_.set_faults(faults({rule("/init", FaultKind::close_after_acting, 1.0)}));
  {
    Client client(fast_options());
    listen_test::Tally handled;
    buildable::ListenOptions lo;
    lo.since = long_ago();
    client.on(
        "f15.lost", [&](const Message& m) { handled.add(m.key); }, lo);
    ASSERT_TRUE(buildable::testing::wait_until(
        [&] {
          std::set<std::string> ambiguous;
          for (const auto& e : errors_.errors())
            if (e.kind == ListenerError::Kind::claim_ambiguous) ambiguous.insert(e.message_key);
          return ambiguous.size() == emitted.size();
        },
        20s))
        << "every claim's answer is lost";
    client.close();
    EXPECT_EQ(handled.total(), 0u);
  }
  emulator_.set_faults({});

  Client rescuer(fast_options());
  const auto list = rescuer.stranded(stranded_query("f15.lost"));
  EXPECT_EQ(keys_of(list), std::set<std::string>(emitted.begin(), emitted.end()))
      << "the service holds every claim the listener could not be sure of";
  std::vector<std::string> handled_again;
  const auto results = rescuer.handle_stranded(stranded_query("f15.lost"), [&](const Message& m) {
    handled_again.push_back(m.key);
    return nlohmann::json{{"rescued", m.payload.at("i")}};
  });
  EXPECT_EQ(handled_again, emitted) << "oldest first, once each";
  ASSERT_EQ(results.size(), emitted.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].status, Status::recorded) << results[i].error;
    const auto tx = emulator_.transaction(emitted[i], buildable::kDefaultTxKey);
    EXPECT_EQ(tx["state"], "finished");
    EXPECT_EQ(tx["output"], (nlohmann::json{{"rescued", i}}));
  }
  EXPECT_TRUE(rescuer.stranded(stranded_query("f15.lost")).messages.empty());
}

/// A stranded_worker process with its standard output on a pipe.
class Worker {
 public:
  Worker(const std::string& base_url, const std::string& secret, const std::string& event,
         const std::string& tx_key) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<std::string> args = {STRANDED_WORKER_PATH, base_url, secret, event, tx_key};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc =
        posix_spawn(&pid_, STRANDED_WORKER_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    stdout_ = out[0];
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
  }
  ~Worker() {
    if (pid_ > 0) kill_and_reap();
    if (stdout_ >= 0) close(stdout_);
  }

  /// The first line the worker prints, waiting up to `timeout`; empty when none came.
  std::string first_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string text;
    for (;;) {
      if (const auto nl = text.find('\n'); nl != std::string::npos) return text.substr(0, nl);
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      pollfd fd{stdout_, POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[256];
      const ssize_t n = read(stdout_, buffer, sizeof buffer);
      if (n <= 0) return {};
      text.append(buffer, static_cast<std::size_t>(n));
    }
  }

  /// SIGKILL, then reaps it; returns the wait status.
  int kill_and_reap() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
};

TEST_F(FaultTest, F15_AProcessKilledBetweenClaimAndRecordLeavesAMessageThatIsHandledAgain) {
  Client producer(fast_options());
  const auto key = producer.emit("f15.killed", {{"order", 7}}).key;
  Worker worker(emulator_.base_url(), emulator_.default_secret(), "f15.killed", "fulfilment");
  // The worker's handler has started: the message is claimed, its result not recorded.
  ASSERT_EQ(worker.first_line(20s), "claimed " + key);
  const int status = worker.kill_and_reap();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(emulator_.transaction(key, "fulfilment")["state"], "processing");

  // Another listener with the same txKey never gets it again...
  Client client(fast_options());
  listen_test::Tally tally;
  buildable::ListenOptions lo;
  lo.since = long_ago();
  lo.tx_key = "fulfilment";
  client.on(
      "f15.killed", [&](const Message& m) { tally.add(m.key); }, lo);
  const auto polls = client.metrics().polls;
  ASSERT_TRUE(
      buildable::testing::wait_until([&] { return client.metrics().polls >= polls + 3; }, 10s));
  EXPECT_EQ(tally.total(), 0u);

  // ...but stranded() finds it, and handle_stranded() runs a handler for it again.
  auto q = stranded_query("f15.killed", "fulfilment");
  const auto list = client.stranded(q);
  ASSERT_EQ(list.messages.size(), 1u);
  EXPECT_EQ(list.messages[0].message.key, key);
  EXPECT_EQ(list.messages[0].message.payload, (nlohmann::json{{"order", 7}}));
  q.min_age = std::chrono::hours(1);
  EXPECT_TRUE(client.stranded(q).messages.empty()) << "too young for min_age";
  q.min_age = {};
  const auto results = client.handle_stranded(q, [](const Message& m) {
    return nlohmann::json{{"shipped", m.payload.at("order")}};
  });
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, Status::recorded) << results[0].error;
  const auto tx = emulator_.transaction(key, "fulfilment");
  EXPECT_EQ(tx["state"], "finished");
  EXPECT_EQ(tx["output"], (nlohmann::json{{"shipped", 7}}));
  client.close();
  EXPECT_EQ(tally.total(), 0u);
}

TEST_F(FaultTest, F15_AResolveWhoseAnswerIsLostIsRetriedAndSeenAsEnded) {
  Client client(fast_options());
  const auto key = client.emit("f15.record", nlohmann::json::object()).key;
  // Strand it: its claim's answer is lost.
  emulator_.set_faults(faults({rule("/init", FaultKind::close_after_acting, 1.0)}));
  {
    Client listener(fast_options());
    buildable::ListenOptions lo;
    lo.since = long_ago();
    listener.on(
        "f15.record", [](const Message&) {}, lo);
    ASSERT_TRUE(errors_.wait_for_kind(ListenerError::Kind::claim_ambiguous));
  }
  // Every /transact is applied and its answer lost, until the test lifts the fault.
  emulator_.set_faults(faults({rule("/transact", FaultKind::close_after_acting, 1.0)}));
  auto resolving = std::async(std::launch::async, [&] {
    return client.resolve("f15.record", key, Resolution::failed("by hand"));
  });
  ASSERT_TRUE(buildable::testing::wait_until(
      [&] { return emulator_.transaction(key, buildable::kDefaultTxKey)["state"] == "failed"; },
      10s));
  emulator_.set_faults({});
  ASSERT_EQ(resolving.wait_for(20s), std::future_status::ready);
  const auto result = resolving.get();
  EXPECT_EQ(result.status, Status::already_ended) << "the retry found its own record (409)";
  EXPECT_GE(result.attempts, 2);
  EXPECT_EQ(emulator_.transaction(key, buildable::kDefaultTxKey)["output"], "by hand");
}

}  // namespace
}  // namespace fault_test
