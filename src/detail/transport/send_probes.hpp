#pragma once

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace buildable::detail {

/// Tells whether the peer's application can have read a request. libcurl re-sends a request on
/// a fresh connection when a reused one closed before any answer; that re-send is safe only
/// when the peer never read the request. Two signs prove it, read from TCP_INFO (Linux;
/// elsewhere nothing is ever proven unread):
/// - nothing sent since the request started was acknowledged: the connection was closed before
///   our bytes arrived (a TCP acknowledges what it receives, and every segment it sends
///   afterwards, its FIN included, carries that acknowledgement);
/// - the peer reset the connection: a TCP closed with received data still unread resets
///   instead of closing normally, so the request was not read to its end (a server that read
///   it whole and then closed sent a FIN). Only a server that reads a whole request, acts on it
///   and then aborts the connection on purpose (SO_LINGER 0) without answering defeats this.
/// Both happen when a proxy or server closes a keep-alive connection just as a request is sent
/// on it.
///
/// Reading TCP_INFO costs a system call per request, so a connection that answered less than
/// kRecentAnswer ago is not probed before a request is sent on it: peers close idle keep-alive
/// connections after seconds, not milliseconds, and one that closes right after answering is
/// caught by peer_closes_after_answers(). Should such a connection die under a request all the
/// same, a reset still proves the request unread (it needs no earlier reading); a plain close
/// proves nothing, and the request counts as maybe read (it is never sent twice).
class SendProbes {
 public:
  /// Starts watching, for the request `owner`, the connection between `local_port` and
  /// `remote_port` (replacing the owner's earlier watch). Returns false when the peer has
  /// already closed that connection (its FIN or reset arrived after libcurl's own liveness
  /// check): nothing should be sent on it.
  bool watch(const void* owner, int local_port, int remote_port);

  /// True when the request `owner` watched is proven unread by the peer (see above). Forgets
  /// the watch.
  bool proven_unread(const void* owner);

  /// Forgets the watch of `owner` (its transfer ended). The owner keeps its place, so that
  /// the next watch() allocates nothing.
  void forget(const void* owner);

  /// Forgets `owner` altogether (it is being destroyed).
  void release(const void* owner);

  /// Notes that the request `owner` watched was answered on its connection.
  void answered(const void* owner);

  /// True once the peer twice closed (or reset) a connection within kQuickClose of answering
  /// on it (as tinyproxy does after every answer, without saying so): reusing its connections
  /// is then a race with its close, so every request takes a fresh connection from then on.
  bool peer_closes_after_answers() const {
    return quick_closes_.load(std::memory_order_relaxed) >= kQuickClosesToStopReuse;
  }

  static constexpr std::chrono::milliseconds kQuickClose{1000};
  static constexpr std::chrono::milliseconds kRecentAnswer{10};
  static constexpr int kQuickClosesToStopReuse = 2;

  /// libcurl's CURLOPT_SOCKOPTFUNCTION (data: the SendProbes): remembers a new socket.
  static int on_open(void* probes, curl_socket_t socket, curlsocktype purpose);
  /// libcurl's CURLOPT_CLOSESOCKETFUNCTION (data: the SendProbes): notes what a watched socket
  /// showed last, forgets the socket, then closes it.
  static int close_socket(void* probes, curl_socket_t socket);

  /// What a socket showed: bytes the peer acknowledged, and whether it reset the connection.
  struct Observation {
    std::uint64_t acked = 0;
    bool reset = false;
    bool closed_by_peer = false;  ///< the peer closed its side first (we got its FIN)
    bool open() const { return !reset && !closed_by_peer; }
  };

 private:
  struct Watch {
    curl_socket_t socket = CURL_SOCKET_BAD;
    std::optional<std::uint64_t> acked_before;  // nullopt: TCP_INFO unavailable
    std::optional<Observation> at_close;        // once libcurl closed the socket
  };

  struct Socket {
    std::optional<std::uint32_t> id;  // connection_id() once its ports were looked up
    std::optional<std::chrono::steady_clock::time_point> last_answer;
  };

  /// A connection's name: its (local, remote) ports, since two connections to different
  /// addresses may share a local port.
  static std::uint32_t connection_id(int local_port, int remote_port);
  /// Looks up the ports of the sockets opened since the last call (each once).
  void name_new_sockets_locked();
  /// True when `socket` answered less than kRecentAnswer ago (mutex_ held).
  bool answered_recently(curl_socket_t socket) const;

  std::mutex mutex_;
  std::unordered_map<const void*, Watch> watches_;  // guarded by mutex_
  // libcurl's open sockets; guarded by mutex_. The prerequest callback names a connection by
  // its ports, not by its socket: by_connection_ finds the socket in one step, whatever the
  // number of connections.
  std::unordered_map<curl_socket_t, Socket> sockets_;
  std::vector<curl_socket_t> unnamed_;
  std::unordered_map<std::uint32_t, curl_socket_t> by_connection_;
  std::atomic<int> quick_closes_{0};
};

}  // namespace buildable::detail
