// F9: off()/close()/destruction racing with running handlers, from several threads, in random
// interleavings. Run under ThreadSanitizer in CI.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <random>
#include <thread>

#include "fault_fixture.hpp"

namespace fault_test {
namespace {

using buildable::Client;
using buildable::Message;

/// A handler's view of whether it may still run: set once off()/close() returned.
struct Watch {
  std::atomic<bool> gone{false};
};

struct Registered {
  buildable::Subscription subscription;
  std::shared_ptr<Watch> watch;
};

/// One client generation and the listeners registered on it.
struct Generation {
  std::shared_ptr<Client> client;
  std::mutex mutex;
  std::vector<Registered> listeners;
};

int iterations() {
  const char* text = std::getenv("BUILDABLE_F9_ITERATIONS");
  return text != nullptr ? std::atoi(text) : 1000;
}

TEST_F(FaultTest, F9_RandomOnOffCloseInterleavingsKeepThePromises) {
  auto o = fast_options();
  o.poll_interval = 5ms;
  o.handler_threads = 2;
  o.shutdown_timeout = 50ms;
  Client producer(o);
  buildable::ListenOptions replay;
  replay.since = long_ago();
  for (int i = 0; i < 30; ++i)
    producer.emit("f9." + std::to_string(i % 3), {{"i", i}});

  std::atomic<int> violations{0};
  std::atomic<int> handled{0};
  std::mutex current_mutex;
  auto current = std::make_shared<Generation>();
  current->client = std::make_shared<Client>(o);
  const int total = iterations();

  auto worker = [&](unsigned seed, int operations) {
    std::mt19937 rng(seed);
    for (int step = 0; step < operations; ++step) {
      std::shared_ptr<Generation> generation;
      {
        std::lock_guard lock(current_mutex);
        generation = current;
      }
      switch (rng() % 6) {
        case 0:
        case 1: {  // on(), with a tx key of its own so the backlog replays for it
          auto watch = std::make_shared<Watch>();
          buildable::ListenOptions lo = replay;
          lo.tx_key = "t" + std::to_string(seed) + "-" + std::to_string(step);
          try {
            auto sub = generation->client->on(
                "f9." + std::to_string(rng() % 3),
                [watch, &violations, &handled](const Message&) {
                  if (watch->gone) violations.fetch_add(1);
                  handled.fetch_add(1);
                },
                lo);
            std::lock_guard lock(generation->mutex);
            generation->listeners.push_back({sub, watch});
          } catch (const buildable::ClosedError&) {
            // Lost the race with close(): fine.
          }
          break;
        }
        case 2: {  // off() of a random listener
          Registered victim;
          {
            std::lock_guard lock(generation->mutex);
            if (generation->listeners.empty()) break;
            const auto at = rng() % generation->listeners.size();
            victim = generation->listeners[at];
            generation->listeners.erase(generation->listeners.begin() +
                                        static_cast<std::ptrdiff_t>(at));
          }
          generation->client->off(victim.subscription);
          victim.watch->gone = true;
          break;
        }
        case 3:  // emit something new
          generation->client->emit_async("f9." + std::to_string(rng() % 3), {{"step", step}});
          break;
        case 5: {  // give handlers a moment to run: wait for one more call (or 20 ms)
          const int before = handled.load();
          buildable::testing::wait_until([&] { return handled.load() > before; }, 20ms);
          break;
        }
        case 4: {                     // close() and move on to a new client
          if (rng() % 4 != 0) break;  // rarer than the rest
          auto next = std::make_shared<Generation>();
          next->client = std::make_shared<Client>(o);
          {
            std::lock_guard lock(current_mutex);
            if (current != generation) break;
            current = next;
          }
          generation->client->close();
          std::lock_guard lock(generation->mutex);
          for (auto& r : generation->listeners)
            r.watch->gone = true;
          break;
        }
      }
    }
  };
  std::thread a(worker, 1u, total / 2);
  std::thread b(worker, 2u, total - total / 2);
  a.join();
  b.join();
  {
    std::lock_guard lock(current_mutex);
    current->client->close();
    for (auto& r : current->listeners)
      r.watch->gone = true;
  }
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(handled.load(), 0);  // the interleavings really ran handlers
}

}  // namespace
}  // namespace fault_test
