#include "http_server.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

namespace buildable::emulator::detail {

namespace {

thread_local socket_t current_socket = INVALID_SOCKET;

void address_of(const sockaddr_storage& addr, socklen_t length, std::string& ip, int& port) {
  char host[NI_MAXHOST] = {};
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), length, host, sizeof host, nullptr, 0,
                  NI_NUMERICHOST) == 0) {
    ip = host;
  }
  if (addr.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  }
}

timeval to_timeval(time_t sec, time_t usec) {
  timeval tv{};
  tv.tv_sec = sec;
  tv.tv_usec = static_cast<suseconds_t>(usec);
  return tv;
}

// A blocking socket with SO_RCVTIMEO/SO_SNDTIMEO, read through a buffer (httplib reads the
// request head byte by byte). Lives as long as the connection, so pipelined bytes survive.
class SocketStream final : public httplib::Stream {
 public:
  SocketStream(socket_t sock, time_t read_timeout_sec, time_t read_timeout_usec)
      : sock_(sock),
        read_timeout_ms_(static_cast<int>(read_timeout_sec * 1000 + read_timeout_usec / 1000)) {
    sockaddr_storage addr{};
    socklen_t length = sizeof addr;
    if (getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
      address_of(addr, length, remote_ip_, remote_port_);
    }
    length = sizeof addr;
    if (getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
      address_of(addr, length, local_ip_, local_port_);
    }
  }

  /// Waits up to `timeout_ms` for the first byte of a request.
  bool wait_for_request(int timeout_ms) const {
    if (begin_ < end_) return true;
    pollfd pfd{sock_, POLLIN, 0};
    int rc;
    do {
      rc = ::poll(&pfd, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    return rc > 0;
  }

  bool is_readable() const override { return wait_for_request(read_timeout_ms_); }
  bool is_writable() const override { return true; }  // send() has SO_SNDTIMEO

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      if (size >= sizeof buffer_) return receive(ptr, size);
      const ssize_t n = receive(buffer_, sizeof buffer_);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    for (;;) {
      const ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
      if (n >= 0 || errno != EINTR) return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return sock_; }

 private:
  ssize_t receive(char* ptr, size_t size) {
    for (;;) {
      const ssize_t n = ::recv(sock_, ptr, size, 0);
      if (n >= 0 || errno != EINTR) return n;
    }
  }

  socket_t sock_;
  int read_timeout_ms_;
  std::string remote_ip_;
  int remote_port_ = -1;
  std::string local_ip_;
  int local_port_ = -1;
  char buffer_[16 * 1024];
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace

bool HttpServer::process_and_close_socket(socket_t sock) {
  {
    std::lock_guard lock(mutex_);
    open_.insert(sock);
  }
  current_socket = sock;
  int yes = 1;
  setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  const timeval read_timeout = to_timeval(read_timeout_sec_, read_timeout_usec_);
  const timeval write_timeout = to_timeval(write_timeout_sec_, write_timeout_usec_);
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &read_timeout, sizeof read_timeout);
  setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &write_timeout, sizeof write_timeout);

  bool ok = false;
  {
    SocketStream stream(sock, read_timeout_sec_, read_timeout_usec_);
    const time_t keep_alive_ms = keep_alive_timeout_sec_ * 1000;
    const int wait_ms =
        static_cast<int>(std::min<time_t>(keep_alive_ms, std::numeric_limits<int>::max()));
    size_t left = keep_alive_max_count_;
    while (svr_sock_ != INVALID_SOCKET && left > 0 && stream.wait_for_request(wait_ms)) {
      bool connection_closed = false;
      ok = process_request(stream, /*close_connection=*/left == 1, connection_closed, nullptr);
      if (!ok || connection_closed) break;
      --left;
    }
  }

  current_socket = INVALID_SOCKET;
  {
    std::lock_guard lock(mutex_);
    open_.erase(sock);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

void HttpServer::shutdown_connections() {
  std::lock_guard lock(mutex_);
  for (const socket_t sock : open_)
    ::shutdown(sock, SHUT_RD);
}

bool HttpServer::shutdown_current_connection() {
  if (current_socket == INVALID_SOCKET) return false;
  ::shutdown(current_socket, SHUT_RDWR);
  return true;
}

}  // namespace buildable::emulator::detail
