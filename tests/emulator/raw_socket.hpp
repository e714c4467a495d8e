// Raw loopback TCP for tests that misbehave on purpose (connections that say nothing, heads
// sent a byte at a time, bodies that never end): a non-blocking client socket that sends exact
// bytes and parses the HTTP/1.1 answers it gets, plus process probes (open-file limit, RSS).
// No gtest here: the connection_storm tool uses it too.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace buildable::emulator::testing {

using Clock = std::chrono::steady_clock;

/// Milliseconds left until `deadline` (0 when past), as poll() wants them.
inline int millis_until(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1'000'000));
}

/// Raises this process's soft RLIMIT_NOFILE to its hard limit; returns the soft limit now.
inline rlim_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

/// This process's resident set (VmRSS of /proc/self/status) in bytes, 0 when unknown. The
/// emulator runs in-process, so this is its memory (plus the test's).
inline std::size_t resident_set_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "… kB"
  }
  return 0;
}

/// One HTTP/1.1 answer as received.
struct RawResponse {
  int status = 0;
  std::string status_line;                                   ///< without CRLF
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
  std::string body;                                          ///< de-chunked

  /// The first header `name` (lower case), or nullopt.
  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [key, value] : headers)
      if (key == name) return value;
    return std::nullopt;
  }
  /// The body as JSON (discarded value when it is not).
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  /// `Connection: close` was sent.
  bool closes() const {
    auto value = header("connection").value_or("");
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return value.find("close") != std::string::npos;
  }
};

/// A non-blocking TCP connection to `ipv4`:`port` that sends exactly what it is told.
class RawConnection {
 public:
  RawConnection() = default;
  /// Starts connecting; check connected() / wait_connected().
  explicit RawConnection(int port, const std::string& ipv4 = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, ipv4.c_str(), &address.sin_addr) != 1) {
      close();
      return;
    }
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      connected_ = true;
    } else if (errno != EINPROGRESS) {
      close();
    }
  }
  /// Connects, waiting until `deadline`; check valid() afterwards.
  RawConnection(int port, Clock::time_point deadline, const std::string& ipv4 = "127.0.0.1")
      : RawConnection(port, ipv4) {
    wait_connected(deadline);
  }
  ~RawConnection() { close(); }
  RawConnection(RawConnection&& other) noexcept { *this = std::move(other); }
  RawConnection& operator=(RawConnection&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = std::exchange(other.fd_, -1);
      connected_ = other.connected_;
      peer_closed_ = other.peer_closed_;
      buffer_ = std::move(other.buffer_);
    }
    return *this;
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// True while the socket exists and has not failed to connect.
  bool valid() const { return fd_ >= 0; }
  bool connected() const { return valid() && connected_; }
  int fd() const { return fd_; }

  /// Waits for a pending connect(); false (and closed) when it failed or `deadline` passed.
  bool wait_connected(Clock::time_point deadline) {
    if (!valid()) return false;
    if (connected_) return true;
    pollfd pfd{fd_, POLLOUT, 0};
    if (poll_retrying(&pfd, 1, millis_until(deadline)) <= 0) {
      close();
      return false;
    }
    return finish_connect();
  }
  /// Completes a connect() that poll() reported writable; false (and closed) on failure.
  bool finish_connect() {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
      close();
      return false;
    }
    connected_ = true;
    return true;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    connected_ = false;
  }

  /// One send() without waiting: bytes sent, 0 when the socket buffer is full, -1 when the
  /// connection is broken (EPIPE/ECONNRESET: the peer closed it).
  long send_some(std::string_view data) {
    if (!valid()) return -1;
    for (;;) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      return -1;
    }
  }
  /// Sends all of `data` by `deadline`; false when the connection broke or time ran out.
  bool send_all(std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
      const long n = send_some(data);
      if (n < 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
      if (data.empty()) break;
      pollfd pfd{fd_, POLLOUT, 0};
      if (poll_retrying(&pfd, 1, millis_until(deadline)) <= 0) return false;
    }
    return true;
  }

  /// Reads whatever has arrived without waiting. False once the peer closed (EOF or reset).
  bool receive_available() {
    if (!valid()) return false;
    char chunk[16 * 1024];
    for (;;) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        buffer_.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      peer_closed_ = true;  // 0 = FIN, otherwise ECONNRESET and the like
      return false;
    }
  }

  /// True once the peer was seen closing the connection (EOF or reset).
  bool peer_closed() const { return peer_closed_; }
  /// Bytes received and not yet consumed by a parsed response.
  const std::string& received() const { return buffer_; }

  /// Waits until the peer closes the connection; bytes that arrive meanwhile are kept in
  /// received(). False when `deadline` passed first.
  bool wait_closed(Clock::time_point deadline) {
    while (receive_available()) {
      pollfd pfd{fd_, POLLIN, 0};
      if (poll_retrying(&pfd, 1, millis_until(deadline)) <= 0) return false;
    }
    return true;
  }

  /// Waits for one whole response (a 1xx interim one counts) and removes it from the buffer;
  /// nullopt when the connection closed before it was complete or `deadline` passed.
  std::optional<RawResponse> read_response(Clock::time_point deadline) {
    for (;;) {
      const bool open = receive_available();
      if (auto response = take_response()) return response;
      if (!open) return std::nullopt;
      pollfd pfd{fd_, POLLIN, 0};
      if (poll_retrying(&pfd, 1, millis_until(deadline)) <= 0) return std::nullopt;
    }
  }

  /// Parses one complete response at the front of the buffer (after a close, a body without
  /// framing ends at EOF) and removes it; nullopt when it is not complete yet.
  std::optional<RawResponse> take_response() {
    const auto head_end = buffer_.find("\r\n\r\n");
    if (head_end == std::string::npos) return std::nullopt;
    RawResponse response;
    std::size_t line_end = buffer_.find("\r\n");
    response.status_line = buffer_.substr(0, line_end);
    if (response.status_line.size() < 12 || response.status_line.rfind("HTTP/1.", 0) != 0) {
      return std::nullopt;
    }
    response.status = std::atoi(response.status_line.c_str() + 9);
    while (line_end < head_end) {
      const std::size_t start = line_end + 2;
      line_end = buffer_.find("\r\n", start);
      const std::string line = buffer_.substr(start, line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      value.erase(value.find_last_not_of(" \t") + 1);
      response.headers.emplace_back(std::move(name), std::move(value));
    }
    std::size_t end = head_end + 4;
    const bool no_body = response.status < 200 || response.status == 204 || response.status == 304;
    const auto length = response.header("content-length");
    const auto encoding = response.header("transfer-encoding");
    if (no_body) {
    } else if (encoding && encoding->find("chunked") != std::string::npos) {
      for (;;) {
        const auto size_end = buffer_.find("\r\n", end);
        if (size_end == std::string::npos) return std::nullopt;
        const std::size_t size = std::stoul(buffer_.substr(end, size_end - end), nullptr, 16);
        if (size == 0) {
          const auto trailer_end = buffer_.find("\r\n\r\n", size_end);
          if (trailer_end == std::string::npos) return std::nullopt;
          end = trailer_end + 4;
          break;
        }
        if (buffer_.size() < size_end + 2 + size + 2) return std::nullopt;
        response.body.append(buffer_, size_end + 2, size);
        end = size_end + 2 + size + 2;
      }
    } else if (length) {
      const std::size_t size = std::stoul(*length);
      if (buffer_.size() < end + size) return std::nullopt;
      response.body = buffer_.substr(end, size);
      end += size;
    } else {
      if (!peer_closed_) return std::nullopt;  // the body ends at EOF
      response.body = buffer_.substr(end);
      end = buffer_.size();
    }
    buffer_.erase(0, end);
    return response;
  }

 private:
  static int poll_retrying(pollfd* fds, nfds_t count, int timeout_ms) {
    for (;;) {
      const int rc = ::poll(fds, count, timeout_ms);
      if (rc >= 0 || errno != EINTR) return rc;
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  bool peer_closed_ = false;
  std::string buffer_;
};

/// Opens `count` connections to `ipv4`:`port` at once and waits for all of them until `deadline`.
/// Connections that failed are left invalid (check valid()).
inline std::vector<RawConnection> open_connections(int port, std::size_t count,
                                                   Clock::time_point deadline,
                                                   const std::string& ipv4 = "127.0.0.1") {
  std::vector<RawConnection> connections;
  connections.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    connections.emplace_back(port, ipv4);
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < count; ++i)
    if (connections[i].valid() && !connections[i].connected()) pending.push_back(i);
  while (!pending.empty()) {
    std::vector<pollfd> fds;
    for (const std::size_t i : pending)
      fds.push_back({connections[i].fd(), POLLOUT, 0});
    const int rc = ::poll(fds.data(), fds.size(), millis_until(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) {  // deadline: give up on the rest
      for (const std::size_t i : pending)
        connections[i].close();
      break;
    }
    std::vector<std::size_t> still;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      if (fds[k].revents == 0) {
        still.push_back(pending[k]);
      } else {
        connections[pending[k]].finish_connect();
      }
    }
    pending.swap(still);
  }
  return connections;
}

/// Waits until the peer has closed every connection in `connections` (or `deadline`);
/// returns how many it closed. Bytes received meanwhile stay in each one's received().
inline std::size_t wait_all_closed(std::vector<RawConnection>& connections,
                                   Clock::time_point deadline) {
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<RawConnection*> open;
    std::size_t closed = 0;
    for (auto& connection : connections) {
      if (connection.peer_closed() || !connection.receive_available()) {
        ++closed;
      } else {
        fds.push_back({connection.fd(), POLLIN, 0});
      }
    }
    if (fds.empty()) return closed;
    const int rc = ::poll(fds.data(), fds.size(), millis_until(deadline));
    if (rc == 0 || (rc < 0 && errno != EINTR)) return closed;
  }
}

/// A request to POST `body` to `path` with the given extra header lines (each "Name: value").
inline std::string http_post(const std::string& path, const std::string& body,
                             const std::vector<std::string>& header_lines) {
  std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& line : header_lines)
    request += line + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return request;
}

}  // namespace buildable::emulator::testing
