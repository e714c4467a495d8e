// cpp-httplib's Server with our own connection loop, so that the emulator knows its accepted
// sockets: a handler can break its own connection (fault injection) and stop() can wake the
// workers that wait on idle keep-alive connections, both without racing the socket's close.
#pragma once

#include <httplib.h>

#include <mutex>
#include <unordered_set>

namespace buildable::emulator::detail {

class HttpServer : public httplib::Server {
 public:
  /// Shuts down the read side of every open connection: a worker waiting for the next request
  /// wakes up and closes it; a response being written still goes out. Call after stop().
  void shutdown_connections();

  /// From inside a handler: shuts the handler's connection down in both directions, so the
  /// client gets no (further) response byte. False when not called on a connection thread.
  static bool shutdown_current_connection();

 private:
  // Replaces httplib's: same keep-alive loop, plus registration of the socket, one buffered
  // stream per connection, and socket timeouts instead of a poll() before every read/write.
  bool process_and_close_socket(socket_t sock) override;

  std::mutex mutex_;
  std::unordered_set<socket_t> open_;  // guarded by mutex_; closed only after removal
};

}  // namespace buildable::emulator::detail
