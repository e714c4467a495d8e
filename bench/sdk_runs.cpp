#include "sdk_runs.hpp"

#include <atomic>
#include <buildable/buildable.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "measure.hpp"

namespace bench {
namespace {

buildable::ClientOptions client_options(const SdkTarget& target) {
  buildable::ClientOptions o;
  o.secret = target.secret;
  o.base_url = target.base_url;
  // The benchmark counts failures itself; keep stderr for the table.
  o.logger = [](buildable::LogLevel, std::string_view) {};
  o.on_error = [](const buildable::ListenerError&) {};
  return o;
}

std::chrono::system_clock::time_point from_epoch_ms(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

}  // namespace

SdkDefaults sdk_defaults() {
  const buildable::ClientOptions o;
  SdkDefaults d;
  d.user_agent =
      o.user_agent.empty() ? std::string("buildable-cpp/") + buildable::kVersion : o.user_agent;
  d.page_size = o.page_size;
  d.poll_interval = o.poll_interval;
  d.handler_threads = o.handler_threads;
  return d;
}

RunResult sdk_emit_loop(const SdkTarget& target, const std::string& event,
                        const nlohmann::json& payload, std::uint64_t n) {
  buildable::Client client(client_options(target));
  RunResult result;
  Stopwatch watch;
  for (std::uint64_t i = 0; i < n; ++i) {
    try {
      const buildable::EmitResult r = client.emit(event, payload);
      if (r.key.empty()) {
        ++result.failed;
      } else {
        ++result.ok;
      }
    } catch (const buildable::Error&) {
      ++result.failed;
    }
  }
  const Span span = watch.stop();
  result.set(span);
  return result;
}

RunResult sdk_emit_async(const SdkTarget& target, const std::string& event,
                         const nlohmann::json& payload, std::uint64_t n, int inflight) {
  buildable::ClientOptions options = client_options(target);
  options.max_connections = inflight;
  buildable::Client client(options);
  RunResult result;
  std::deque<std::future<buildable::EmitResult>> window;
  const auto settle_oldest = [&] {
    try {
      const buildable::EmitResult r = window.front().get();
      if (r.key.empty()) {
        ++result.failed;
      } else {
        ++result.ok;
      }
    } catch (const buildable::Error&) {
      ++result.failed;
    }
    window.pop_front();
  };
  Stopwatch watch;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (window.size() >= static_cast<std::size_t>(inflight)) settle_oldest();
    window.push_back(client.emit_async(event, payload));
  }
  while (!window.empty())
    settle_oldest();
  const Span span = watch.stop();
  result.set(span);
  return result;
}

RunResult sdk_emit_batch(const SdkTarget& target, const std::string& event,
                         const nlohmann::json& payload, std::uint64_t n, int batch, int connections,
                         bool overlap) {
  buildable::ClientOptions options = client_options(target);
  options.max_connections = connections;
  buildable::Client client(options);
  const std::vector<buildable::OutgoingEvent> events(static_cast<std::size_t>(batch),
                                                     buildable::OutgoingEvent{event, payload});
  RunResult result;
  const auto count = [&result](const std::vector<buildable::EmitOutcome>& outcomes) {
    for (const auto& outcome : outcomes) {
      if (outcome.ok() && !outcome.result->key.empty()) {
        ++result.ok;
      } else {
        ++result.failed;
      }
    }
  };
  const std::uint64_t batches = (n + events.size() - 1) / events.size();
  Stopwatch watch;
  std::future<std::vector<buildable::EmitOutcome>> queued;
  for (std::uint64_t i = 0; i < batches; ++i) {
    if (!overlap) {
      count(client.emit_batch(events));
      continue;
    }
    auto next = client.emit_batch_async(events);
    if (queued.valid()) count(queued.get());
    queued = std::move(next);
  }
  if (queued.valid()) count(queued.get());
  const Span span = watch.stop();
  result.set(span);
  return result;
}

RunResult sdk_drain(const SdkTarget& target, const std::string& event, std::int64_t since_ms,
                    std::uint64_t expected, std::chrono::milliseconds timeout) {
  buildable::Client client(client_options(target));
  std::mutex mutex;
  std::condition_variable done_cv;
  std::uint64_t handled = 0;
  Span span;
  bool done = false;
  buildable::ListenOptions listen;
  listen.since = from_epoch_ms(since_ms);
  Stopwatch watch;
  client.on(
      event,
      [&](const buildable::Message&) {
        std::lock_guard<std::mutex> lock(mutex);
        if (++handled == expected) {
          span = watch.stop();
          done = true;
          done_cv.notify_all();
        }
      },
      listen);
  RunResult result;
  {
    std::unique_lock<std::mutex> lock(mutex);
    done_cv.wait_for(lock, timeout, [&] { return done; });
    result.ok = handled;
    if (!done) {
      span = watch.stop();
      result.failed = expected - handled;
    }
  }
  client.close();
  result.set(span);
  return result;
}

std::function<void()> sdk_start_listeners(
    const SdkTarget& target, const std::vector<std::string>& events,
    std::chrono::milliseconds poll_interval,
    std::function<void(const nlohmann::json& payload)> handler) {
  buildable::ClientOptions options = client_options(target);
  options.poll_interval = poll_interval;
  auto client = std::make_shared<buildable::Client>(options);
  for (const auto& event : events) {
    client->on(event, [handler](const buildable::Message& m) { handler(m.payload); });
  }
  return [client] { client->close(); };
}

ScaleResult sdk_scale(const SdkTarget& target, int listeners, std::chrono::milliseconds settle,
                      std::chrono::milliseconds window,
                      const std::function<double()>& query_count) {
  ScaleResult r;
  r.threads_before = thread_count();
  r.rss_before = rss_bytes();
  r.heap_before = heap_in_use_bytes();
  r.fds_before = fd_count();
  {
    buildable::Client client(client_options(target));
    const double t0 = now_seconds();
    for (int i = 0; i < listeners; ++i) {
      client.on("scale." + std::to_string(listeners) + "." + std::to_string(i),
                [](const buildable::Message&) {});
    }
    r.register_s = now_seconds() - t0;
    std::this_thread::sleep_for(settle);
    r.threads_after = thread_count();
    r.rss_after = rss_bytes();
    r.heap_after = heap_in_use_bytes();
    r.fds_after = fd_count();
    const double q0 = query_count ? query_count() : -1;
    const Stopwatch watch;
    std::this_thread::sleep_for(window);
    const Span span = watch.stop();
    if (query_count) r.polls = query_count() - q0;
    r.window_s = span.wall_s;
    r.idle_cpu_per_s = span.wall_s > 0 ? span.cpu_s / span.wall_s : 0;
    const double c0 = now_seconds();
    client.close();
    r.close_s = now_seconds() - c0;
  }
  return r;
}

void sdk_soak(const SdkTarget& target, std::chrono::seconds duration, std::chrono::seconds every,
              const std::function<void(double elapsed_s, std::uint64_t emitted,
                                       std::uint64_t handled)>& sample) {
  buildable::ClientOptions options = client_options(target);
  options.poll_interval = std::chrono::milliseconds(50);
  buildable::Client client(options);
  std::atomic<std::uint64_t> handled{0};
  buildable::ListenOptions listen;
  client.on(
      "soak", [&handled](const buildable::Message&) { handled.fetch_add(1); }, listen);
  std::uint64_t emitted = 0;
  std::deque<std::future<buildable::EmitResult>> window;
  const nlohmann::json payload = {{"soak", true}};
  const double start = now_seconds();
  double next_sample = start;
  std::uint64_t issued = 0;
  constexpr double kRate = 200;  // messages per second: a steady load, not a stress test
  while (now_seconds() - start < static_cast<double>(duration.count())) {
    while (static_cast<double>(issued) > kRate * (now_seconds() - start)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (now_seconds() >= next_sample) {
      sample(now_seconds() - start, emitted, handled.load());
      next_sample += static_cast<double>(every.count());
    }
    if (window.size() >= 8) {
      try {
        window.front().get();
        ++emitted;
      } catch (const buildable::Error&) {
      }
      window.pop_front();
    }
    window.push_back(client.emit_async("soak", payload));
    ++issued;
  }
  while (!window.empty()) {
    try {
      window.front().get();
      ++emitted;
    } catch (const buildable::Error&) {
    }
    window.pop_front();
  }
  sample(now_seconds() - start, emitted, handled.load());
  client.close();
}

}  // namespace bench
