// F10: several processes share one txKey while the emulator injects faults; every message is
// handled exactly once across them. Also: a claim whose answer is lost after the service
// acted is reported as ambiguous, and the message is findable in state `processing`.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "fault_fixture.hpp"

extern char** environ;

namespace fault_test {
namespace {

using buildable::Client;
using buildable::ListenerError;
using buildable::Message;
using Clock = std::chrono::steady_clock;

/// A child process running fault_worker, with its stdin and stdout as pipes.
class Worker {
 public:
  Worker(const std::string& base_url, const std::string& secret, const std::string& event,
         const std::string& tx_key) {
    int in[2];
    int out[2];
    // Close-on-exec, so that a later worker does not inherit this one's pipe ends (an
    // inherited stdin write end would keep this worker from ever seeing end-of-file).
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<std::string> args = {FAULT_WORKER_PATH, base_url, secret, event, tx_key};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, FAULT_WORKER_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~Worker() {
    finish();
    if (stdout_ >= 0) close(stdout_);
  }

  int output_fd() const { return stdout_; }

  /// Closes the worker's stdin (it then closes its client and exits) and reaps it.
  int finish() {
    if (stdin_ >= 0) {
      close(stdin_);
      stdin_ = -1;
    }
    if (pid_ <= 0) return status_;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  int status_ = -1;
};

/// Reads whatever the workers printed so far into `lines`, waiting up to `wait`.
void read_lines(std::vector<std::unique_ptr<Worker>>& workers, std::vector<std::string>& partial,
                std::vector<std::string>& lines, std::chrono::milliseconds wait) {
  std::vector<pollfd> fds;
  for (auto& w : workers)
    fds.push_back({w->output_fd(), POLLIN, 0});
  if (::poll(fds.data(), fds.size(), static_cast<int>(wait.count())) <= 0) return;
  char buffer[4096];
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
    const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
    if (n <= 0) continue;
    partial[i].append(buffer, static_cast<std::size_t>(n));
    for (auto nl = partial[i].find('\n'); nl != std::string::npos; nl = partial[i].find('\n')) {
      lines.push_back(partial[i].substr(0, nl));
      partial[i].erase(0, nl + 1);
    }
  }
}

TEST_F(FaultTest, F10_ProcessesSharingATxKeyHandleEveryMessageExactlyOnceDespiteFaults) {
  constexpr int kWorkers = 3;
  constexpr int kMessages = 300;
  // 10% of requests fail in ways that stop them before the service acts.
  emulator_.set_faults(
      faults({rule("", FaultKind::status_500, 0.04), rule("", FaultKind::status_503, 0.03),
              rule("", FaultKind::close_before_acting, 0.03)},
             /*seed=*/2026));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.push_back(std::make_unique<Worker>(emulator_.base_url(), emulator_.default_secret(),
                                               "f10", "shared"));
  }
  auto o = fast_options();
  Client producer(o);
  std::vector<std::string> keys;
  for (int i = 0; i < kMessages; ++i) {
    for (int attempt = 0;; ++attempt) {  // the caller retries a failed emit
      try {
        keys.push_back(producer.emit("f10", {{"i", i}}).key);
        break;
      } catch (const buildable::Error&) {
        ASSERT_LT(attempt, 50);
      }
    }
  }

  std::map<std::string, int> handled;
  std::set<std::string> unhandled(keys.begin(), keys.end());
  std::vector<std::string> partial(workers.size());
  std::vector<std::string> lines;
  const auto deadline = Clock::now() + 90s;
  std::size_t seen = 0;
  while (!unhandled.empty() && Clock::now() < deadline) {
    read_lines(workers, partial, lines, 200ms);
    for (; seen < lines.size(); ++seen) {
      std::istringstream line(lines[seen]);
      std::string what;
      std::string key;
      line >> what >> key;
      if (what != "handled") continue;
      ++handled[key];
      unhandled.erase(key);
    }
  }
  for (auto& w : workers)
    EXPECT_EQ(w->finish(), 0);
  emulator_.set_faults({});
  // Lines printed while the workers closed.
  read_lines(workers, partial, lines, 100ms);
  for (; seen < lines.size(); ++seen) {
    std::istringstream line(lines[seen]);
    std::string what;
    std::string key;
    line >> what >> key;
    if (what == "handled") ++handled[key];
  }
  EXPECT_EQ(handled.size(), keys.size());
  for (const auto& key : keys) {
    EXPECT_EQ(handled[key], 1) << key;
    EXPECT_EQ(emulator_.transaction(key, "shared")["state"], "finished") << key;
  }
}

TEST_F(FaultTest, F10_AClaimWhoseAnswerIsLostIsReportedAsAmbiguous) {
  Client producer(fast_options());
  const auto key = producer.emit("ambiguous", {{"x", 1}}).key;
  emulator_.set_faults(faults({rule("/init", FaultKind::close_after_acting, 1.0)}));
  Client client(fast_options());
  listen_test::Tally tally;
  buildable::ListenOptions lo;
  lo.since = long_ago();
  client.on(
      "ambiguous", [&](const Message& m) { tally.add(m.key); }, lo);
  ASSERT_TRUE(errors_.wait_for_kind(ListenerError::Kind::claim_ambiguous));
  emulator_.set_faults({});
  // The service holds the claim, so the message is not offered again to this txKey...
  const auto polls = client.metrics().polls;
  ASSERT_TRUE(
      buildable::testing::wait_until([&] { return client.metrics().polls >= polls + 3; }, 10s));
  client.close();
  EXPECT_EQ(tally.total(), 0u);
  bool reported_with_key = false;
  for (const auto& e : errors_.errors()) {
    if (e.kind == ListenerError::Kind::claim_ambiguous && e.message_key == key) {
      reported_with_key = true;
      EXPECT_NE(e.message.find("processing"), std::string::npos) << e.message;
    }
  }
  EXPECT_TRUE(reported_with_key);
  // ...and it is findable in state `processing`, as the README says.
  EXPECT_EQ(emulator_.transaction(key, buildable::kDefaultTxKey)["state"], "processing");
}

}  // namespace
}  // namespace fault_test
