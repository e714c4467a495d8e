#pragma once
/// @file fast_server.hpp
/// A tiny single-threaded epoll HTTP/1.1 keep-alive server that answers POST /emit the way
/// Buildable does. It runs in a forked child process so that it is faster than any one client
/// thread it serves and its CPU time is not counted as the client's.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace bench {

class ForkedChild;

/// Counters the server child updates and the parent reads (shared memory).
struct ServerCounters {
  std::atomic<std::uint64_t> connections{0};   ///< TCP connections accepted
  std::atomic<std::uint64_t> requests{0};      ///< HTTP requests answered
  std::atomic<std::uint64_t> bad_requests{0};  ///< requests answered with an error status
  /// For the hand-off measurement: CLOCK_MONOTONIC nanoseconds at which the answer to
  /// `/init` of message number `seq` was handed to the kernel, at [seq % kClaimSlots].
  static constexpr std::size_t kClaimSlots = 4096;
  std::atomic<std::uint64_t> claim_answered_ns[kClaimSlots] = {};
};

/// Event name of the messages the fast server hands out on /query.
inline constexpr const char* kFastServerEvent = "bench.handoff";

/// Runs the server loop on `listen_fd` (non-blocking, listening) until `stop_fd` becomes
/// readable or hits end-of-file. Answers `POST /emit` with
/// `{"status":"success","key":"<32 hex>"}` (a counter). For the hand-off measurement it also
/// plays a minimal listener service: every `POST /query` returns one new message (event
/// kFastServerEvent, key = its number in 32 hex digits, payload `{"seq": number}`), `/init`
/// and `/transact` succeed, and the moment each claim is answered is stored in `counters`.
/// Anything else gets 404.
void run_fast_server(int listen_fd, int stop_fd, ServerCounters& counters);

/// The server in a forked child, listening on 127.0.0.1 (ephemeral port).
class FastServer {
 public:
  /// Binds, forks; the child pins itself to `cpu` when cpu >= 0.
  explicit FastServer(int cpu = -1);
  FastServer(const FastServer&) = delete;
  FastServer& operator=(const FastServer&) = delete;
  ~FastServer();

  int port() const { return port_; }
  int pid() const;
  /// `http://127.0.0.1:<port>`
  std::string base_url() const;
  std::uint64_t connections() const { return counters_->connections.load(); }
  std::uint64_t requests() const { return counters_->requests.load(); }
  std::uint64_t bad_requests() const { return counters_->bad_requests.load(); }
  /// CPU seconds the server process used so far.
  double cpu_seconds() const;
  /// CLOCK_MONOTONIC ns at which the claim of message `seq` was answered; 0 if not yet.
  std::uint64_t claim_answered_ns(std::uint64_t seq) const {
    return counters_->claim_answered_ns[seq % ServerCounters::kClaimSlots].load();
  }

 private:
  int port_ = 0;
  ServerCounters* counters_ = nullptr;
  std::unique_ptr<ForkedChild> child_;
};

}  // namespace bench
