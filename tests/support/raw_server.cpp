#include "raw_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

namespace buildable::testing {
namespace {

/// The Content-Length of a request head (0 when absent).
std::size_t content_length(std::string_view head) {
  std::string lower(head);
  for (auto& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return static_cast<std::size_t>(std::strtoul(lower.c_str() + at + 17, nullptr, 10));
}

/// Reads one request (head and body) from `fd` and stores its head in `head`; false when the
/// peer closed first.
bool read_request(int fd, std::string& head) {
  std::string data;
  char buffer[4096];
  std::size_t needed = std::string::npos;
  while (needed == std::string::npos || data.size() < needed) {
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return false;
    data.append(buffer, static_cast<std::size_t>(got));
    if (needed == std::string::npos) {
      const auto end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        head = data.substr(0, end + 2);
        needed = end + 4 + content_length(head);
      }
    }
  }
  return true;
}

}  // namespace

RawServer::RawServer(std::string answer) : answer_(std::move(answer)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener_ < 0) throw std::runtime_error("RawServer: socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listener_);
    throw std::runtime_error("RawServer: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

RawServer::~RawServer() {
  ::shutdown(listener_, SHUT_RDWR);  // wakes accept() with an error
  thread_.join();
  ::close(listener_);
}

std::string RawServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<std::string> RawServer::heads() const {
  std::lock_guard lock(mutex_);
  return heads_;
}

void RawServer::run() {
  for (;;) {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    std::string head;
    if (read_request(fd, head)) {
      {
        std::lock_guard lock(mutex_);
        heads_.push_back(std::move(head));
      }
      ++requests_;
      std::string_view rest = answer_;
      while (!rest.empty()) {
        const ssize_t sent = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (sent <= 0) break;
        rest.remove_prefix(static_cast<std::size_t>(sent));
      }
    }
    ::close(fd);
  }
}

}  // namespace buildable::testing
