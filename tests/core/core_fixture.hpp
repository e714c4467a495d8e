#pragma once
// The listening core under test seams: a Client over a ScriptedTransport and a ManualClock,
// with a FakeService answering by default. Waits have deadlines; nothing sleeps.

#include <gtest/gtest.h>

#include <atomic>
#include <buildable/buildable.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client_impl.hpp"
#include "client_probes.hpp"
#include "fake_service.hpp"
#include "gate.hpp"
#include "scripted_transport.hpp"
#include "test_server.hpp"

namespace core_test {

using namespace std::chrono_literals;

using buildable::testing::close_has_begun;
using buildable::testing::Gate;

/// A handler that blocks until `release` opens; `running` says whether it is inside. Declare it
/// before the client, so it outlives the client's handler threads.
struct BlockingHandler {
  Gate started, release;
  std::atomic<bool> running{false};

  buildable::Handler handler() {
    return [this](const buildable::Message&) {
      running = true;
      started.open();
      release.wait();
      running = false;
    };
  }
};

/// Collects on_error reports; `hook` (set before the client exists) runs inside on_error.
class Reports {
 public:
  std::function<void(const buildable::ListenerError&)> hook;

  buildable::ErrorHandler handler() {
    return [this](const buildable::ListenerError& e) {
      {
        std::lock_guard lock(mutex_);
        all_.push_back(e);
        changed_.notify_all();
      }
      if (hook) hook(e);
    };
  }
  bool wait_for(const std::function<bool(const std::vector<buildable::ListenerError>&)>& done,
                std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(all_); });
  }
  std::vector<buildable::ListenerError> all() const {
    std::lock_guard lock(mutex_);
    return all_;
  }
  std::size_t count(buildable::ListenerError::Kind kind) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& e : all_)
      n += e.kind == kind ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<buildable::ListenerError> all_;
};

class CoreTest : public ::testing::Test {
 protected:
  buildable::ClientOptions options() {
    buildable::ClientOptions o;
    o.secret = "core-test-secret";
    o.base_url = "http://127.0.0.1:9";  // never dialled: the scripted transport answers
    o.poll_interval = 1s;
    o.poll_jitter = 0;
    o.handler_threads = 2;
    o.shutdown_timeout = 5s;
    o.request_timeout = 5s;
    o.on_error = reports_.handler();
    return o;
  }
  /// A client whose random draws (poll jitter, backoff) all read `jitter`, in [0, 1]; 0.5 is
  /// the middle: no poll jitter.
  std::unique_ptr<buildable::Client> make(buildable::ClientOptions o, double jitter = 0.5) {
    return std::make_unique<buildable::Client>(buildable::detail::ClientImpl::make_client(
        std::move(o), {transport_, clock_, [jitter] { return jitter; }}));
  }
  /// Waits, with a deadline, until `done` holds (for state the SDK changes on its threads).
  static bool eventually(const std::function<bool()>& done,
                         std::chrono::milliseconds timeout = 10s) {
    return buildable::testing::wait_until(done, timeout);
  }

  /// Holds the first claim (install before the listener starts: `transport_->on("/init",
  /// nullptr)`), lets `act` do what the service did with it meanwhile, serves the claims after
  /// it as usual, and then loses its answer: the client gets `lost` instead.
  void lose_first_claim_answer(const std::function<void(Request&)>& act,
                               buildable::detail::HttpResponse lost) {
    ASSERT_TRUE(transport_->wait_held("/init", 1));
    Request claim = transport_->held("/init").front();
    const auto id = claim.id;
    act(claim);
    transport_->on("/init", [this](const Request& r) { return service_.claim(r); });
    transport_->answer(id, std::move(lost));
  }

  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  std::shared_ptr<ScriptedTransport> transport_ = std::make_shared<ScriptedTransport>(clock_);
  FakeService service_;
  Reports reports_;
};

}  // namespace core_test
