#include "detail/transport/send_probes.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#if defined(__linux__)
#include <linux/tcp.h>
#endif

namespace buildable::detail {
namespace {

// TCP states of <netinet/tcp.h>, which cannot be included beside <linux/tcp.h>.
constexpr std::uint8_t kTcpClose = 7;
constexpr std::uint8_t kTcpCloseWait = 8;

// What the peer's TCP has done with `socket`, or nullopt when the OS does not say.
std::optional<SendProbes::Observation> observe(curl_socket_t socket) {
#if defined(__linux__)
  tcp_info info{};
  socklen_t length = sizeof info;
  if (getsockopt(socket, IPPROTO_TCP, TCP_INFO, &info, &length) == 0 &&
      length >= offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked) {
    // TCP_CLOSE while libcurl still holds the socket: the peer reset the connection.
    return SendProbes::Observation{info.tcpi_bytes_acked, info.tcpi_state == kTcpClose,
                                   info.tcpi_state == kTcpCloseWait};
  }
#else
  (void)socket;
#endif
  return std::nullopt;
}

int port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return -1;
}

// The socket's (local, remote) ports (-1 for a socket that is not TCP/IP), or nullopt while
// it is not connected yet.
std::optional<std::pair<int, int>> ports_of(curl_socket_t socket) {
  sockaddr_storage local{};
  sockaddr_storage remote{};
  socklen_t local_length = sizeof local;
  socklen_t remote_length = sizeof remote;
  if (getsockname(socket, reinterpret_cast<sockaddr*>(&local), &local_length) != 0 ||
      getpeername(socket, reinterpret_cast<sockaddr*>(&remote), &remote_length) != 0) {
    return std::nullopt;
  }
  return std::pair{port_of(local), port_of(remote)};
}

}  // namespace

std::uint32_t SendProbes::connection_id(int local_port, int remote_port) {
  return (static_cast<std::uint32_t>(local_port & 0xffff) << 16) |
         static_cast<std::uint32_t>(remote_port & 0xffff);
}

void SendProbes::name_new_sockets_locked() {
  std::vector<curl_socket_t> still_connecting;
  for (const curl_socket_t socket : unnamed_) {
    const auto found = sockets_.find(socket);
    if (found == sockets_.end()) continue;  // closed meanwhile
    const auto ports = ports_of(socket);
    if (!ports) {
      still_connecting.push_back(socket);  // another transfer's: named at a later watch()
      continue;
    }
    if (ports->first < 0 || ports->second < 0) continue;  // not TCP/IP: never watched
    found->second.id = connection_id(ports->first, ports->second);
    by_connection_[*found->second.id] = socket;
  }
  unnamed_ = std::move(still_connecting);
}

bool SendProbes::watch(const void* owner, int local_port, int remote_port) {
  std::lock_guard lock(mutex_);
  if (!unnamed_.empty()) name_new_sockets_locked();
  Watch watch;
  bool open = true;
  const auto found = by_connection_.find(connection_id(local_port, remote_port));
  if (found != by_connection_.end()) {
    watch.socket = found->second;
    // A connection that answered just now is not probed (see the class comment).
    const auto now = answered_recently(watch.socket) ? std::nullopt : observe(watch.socket);
    if (now) {
      watch.acked_before = now->acked;
      open = now->open();
    }
  }
  watches_[owner] = watch;
  return open;
}

bool SendProbes::answered_recently(curl_socket_t socket) const {
  const auto found = sockets_.find(socket);
  return found != sockets_.end() && found->second.last_answer &&
         std::chrono::steady_clock::now() - *found->second.last_answer < kRecentAnswer;
}

bool SendProbes::proven_unread(const void* owner) {
  std::lock_guard lock(mutex_);
  const auto found = watches_.find(owner);
  if (found == watches_.end()) return false;
  const Watch watch = std::exchange(found->second, Watch{});
  // Still open (libcurl has not closed the dead connection yet): ask it now.
  const auto seen = watch.at_close ? watch.at_close : observe(watch.socket);
  if (!seen) return false;
  // A reset needs no baseline: the requests before this one were answered, so the data the
  // peer left unread was this one's.
  return seen->reset || (watch.acked_before && seen->acked == *watch.acked_before);
}

void SendProbes::answered(const void* owner) {
  std::lock_guard lock(mutex_);
  const auto watch = watches_.find(owner);
  if (watch == watches_.end()) return;
  const auto socket = sockets_.find(watch->second.socket);
  if (socket != sockets_.end()) socket->second.last_answer = std::chrono::steady_clock::now();
}

void SendProbes::forget(const void* owner) {
  std::lock_guard lock(mutex_);
  if (const auto found = watches_.find(owner); found != watches_.end()) found->second = Watch{};
}

void SendProbes::release(const void* owner) {
  std::lock_guard lock(mutex_);
  watches_.erase(owner);
}

int SendProbes::on_open(void* probes, curl_socket_t socket, curlsocktype) {
  auto& self = *static_cast<SendProbes*>(probes);
  std::lock_guard lock(self.mutex_);
  self.sockets_[socket] = Socket{};
  self.unnamed_.push_back(socket);  // its ports are known once it is connected
  return CURL_SOCKOPT_OK;
}

int SendProbes::close_socket(void* probes, curl_socket_t socket) {
  auto& self = *static_cast<SendProbes*>(probes);
  {
    std::lock_guard lock(self.mutex_);
    if (const auto found = self.sockets_.find(socket); found != self.sockets_.end()) {
      const auto answered_at = found->second.last_answer;
      if (answered_at && std::chrono::steady_clock::now() - *answered_at < kQuickClose) {
        // Closed (or reset, when a request was already on its way) by the peer.
        const auto seen = observe(socket);
        if (seen && !seen->open()) self.quick_closes_.fetch_add(1, std::memory_order_relaxed);
      }
      const auto id = found->second.id;
      if (id) {
        const auto named = self.by_connection_.find(*id);
        if (named != self.by_connection_.end() && named->second == socket) {
          self.by_connection_.erase(named);
        }
      }
      self.sockets_.erase(found);
    }
    for (auto& [owner, watch] : self.watches_) {
      if (watch.socket == socket) {
        watch.at_close = observe(socket);
        watch.socket = CURL_SOCKET_BAD;  // the number may be reused from here on
      }
    }
  }
  return ::close(socket);
}

}  // namespace buildable::detail
