// A storm of hostile connections held open against a server (idle ones that never send a byte,
// slow-drip ones that send a request head one byte at a time) and a timed run of ordinary
// POST /emit requests beside it. Shared by hostile_connections_test.cpp and the
// connection_storm tool; no gtest here.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "emulator_test_support.hpp"
#include "raw_socket.hpp"

namespace buildable::emulator::testing {

/// A request head that a slow-drip connection never finishes sending: ~4 KB, so even at one
/// byte every 200 ms it would take 800 s.
inline std::string endless_head() {
  return "POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "X-Padding: " +
         std::string(4000, 'p') + "\r\nContent-Length: 2\r\n\r\n{}";
}

/// Idle and slow-drip connections to a server, held open until destruction. A helper thread
/// sends every `interval` the next byte of endless_head() on each slow-drip connection, and
/// notes those the server closed (EOF, reset, or a failed send).
class Storm {
 public:
  Storm(int port, std::size_t idle, std::size_t drip, std::chrono::milliseconds interval,
        Clock::time_point connect_deadline, const std::string& ipv4 = "127.0.0.1")
      : interval_(interval), head_(endless_head()) {
    idle_ = open_connections(port, idle, connect_deadline, ipv4);
    auto drips = open_connections(port, drip, connect_deadline, ipv4);
    for (auto& connection : drips)
      drips_.push_back(Drip{std::move(connection), 0, false});
    thread_ = std::thread([this] { run(); });
  }
  ~Storm() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  Storm(const Storm&) = delete;
  Storm& operator=(const Storm&) = delete;

  /// Idle connections that connected.
  std::size_t idle_connected() const {
    return static_cast<std::size_t>(std::count_if(
        idle_.begin(), idle_.end(), [](const RawConnection& c) { return c.connected(); }));
  }
  /// Slow-drip connections that connected.
  std::size_t drip_connected() const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(
        drips_.begin(), drips_.end(), [](const Drip& d) { return d.connection.connected(); }));
  }
  /// Idle connections the server has closed so far (checked now).
  std::size_t idle_closed_by_server() {
    std::size_t closed = 0;
    for (auto& connection : idle_)
      if (connection.connected() && !connection.receive_available()) ++closed;
    return closed;
  }
  /// Slow-drip connections the server has closed so far (as of the last drip round).
  std::size_t drip_closed_by_server() const { return drip_closed_.load(); }
  /// Drip rounds done (a round sends one byte on every open slow-drip connection).
  std::size_t rounds() const { return rounds_.load(); }
  /// Bytes each closed slow-drip connection received before it was closed (e.g. a 408).
  std::vector<std::string> drip_answers() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> answers;
    for (const auto& drip : drips_)
      if (drip.closed) answers.push_back(drip.connection.received());
    return answers;
  }
  /// Fewest head bytes any slow-drip connection has sent.
  std::size_t min_bytes_dripped() const {
    std::lock_guard lock(mutex_);
    std::size_t least = head_.size();
    for (const auto& drip : drips_)
      if (drip.connection.connected()) least = std::min(least, drip.sent);
    return least;
  }
  std::vector<RawConnection>& idle() { return idle_; }

 private:
  struct Drip {
    RawConnection connection;
    std::size_t sent = 0;
    bool closed = false;
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      for (auto& drip : drips_) {
        if (drip.closed || !drip.connection.connected()) continue;
        const bool alive = drip.connection.receive_available();
        const long n = alive && drip.sent < head_.size()
                           ? drip.connection.send_some(std::string_view(head_).substr(drip.sent, 1))
                           : 0;
        if (!alive || n < 0) {
          drip.closed = true;
          ++drip_closed_;
        } else {
          drip.sent += static_cast<std::size_t>(n);
        }
      }
      ++rounds_;
      wake_.wait_for(lock, interval_, [this] { return stop_; });  // pacing, not synchronization
    }
  }

  std::chrono::milliseconds interval_;
  std::string head_;
  std::vector<RawConnection> idle_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::vector<Drip> drips_;
  std::atomic<std::size_t> drip_closed_{0};
  std::atomic<std::size_t> rounds_{0};
  std::thread thread_;
};

/// Latencies of a run of requests, in milliseconds.
struct LatencyRun {
  std::vector<double> millis;  ///< one per request answered 200
  std::size_t failed = 0;      ///< requests not answered 200 in time (and those never sent)
  std::string first_failure;   ///< what went wrong first

  /// The q-quantile (0..1) of the answered requests, nearest rank; 0 when none.
  double percentile(double q) const {
    if (millis.empty()) return 0;
    std::vector<double> sorted = millis;
    std::sort(sorted.begin(), sorted.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
  }
  double max() const {
    return millis.empty() ? 0 : *std::max_element(millis.begin(), millis.end());
  }
};

/// Sends `requests` ordinary POST /emit over `connections` keep-alive connections (one thread
/// each), each request allowed `deadline` (connect and read timeout). A connection stops at its
/// first failure; the requests it did not send count as failed.
inline LatencyRun timed_emits(const std::string& host, int port, const std::string& secret,
                              std::size_t requests, std::size_t connections,
                              std::chrono::seconds deadline) {
  LatencyRun run;
  std::mutex mutex;
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < connections; ++c) {
    const std::size_t share = requests / connections + (c < requests % connections ? 1 : 0);
    threads.emplace_back([&, c, share] {
      Http http(host, port, secret);
      http.client().set_connection_timeout(deadline);
      http.client().set_read_timeout(deadline);
      http.client().set_write_timeout(deadline);
      for (std::size_t i = 0; i < share; ++i) {
        const auto start = Clock::now();
        const Reply reply = http.post("/emit", {{"event", "storm.ordinary"},
                                                {"payload", {{"connection", c}, {"request", i}}}});
        const double millis =
            std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        std::lock_guard lock(mutex);
        if (reply.status == 200) {
          run.millis.push_back(millis);
          continue;
        }
        run.failed += share - i;
        if (run.first_failure.empty()) {
          run.first_failure = "status " + std::to_string(reply.status) + " (httplib error " +
                              httplib::to_string(reply.error) + ") after " +
                              std::to_string(millis) + " ms: " + reply.raw;
        }
        return;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  return run;
}

}  // namespace buildable::emulator::testing
