// A loopback TCP server that answers every request with fixed raw bytes, for answers no HTTP
// server library would send (no status line, HTTP/0.9-style garbage).
//
// Each connection: read the request head and its Content-Length body, keep the head, count the
// request, write the answer bytes, close. The count is taken before the answer is written, so a
// client that saw the answer also sees the request counted.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace buildable::testing {

class RawServer {
 public:
  /// Binds 127.0.0.1 on an ephemeral port and starts serving `answer`.
  explicit RawServer(std::string answer);
  /// Stops accepting and joins the server thread.
  ~RawServer();
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  /// "http://127.0.0.1:<port>".
  std::string base_url() const;
  /// Requests read in full so far.
  std::size_t requests() const noexcept { return requests_.load(); }
  /// The heads (request line and header lines, up to the blank line) of the requests read in
  /// full so far, oldest first.
  std::vector<std::string> heads() const;

 private:
  void run();

  std::string answer_;
  int listener_ = -1;
  int port_ = -1;
  std::atomic<std::size_t> requests_{0};
  mutable std::mutex mutex_;  // guards heads_
  std::vector<std::string> heads_;
  std::thread thread_;
};

}  // namespace buildable::testing
