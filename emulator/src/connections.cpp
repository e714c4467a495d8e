#include "connections.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <functional>

namespace buildable::emulator::detail {

namespace {

struct Endpoint {
  std::string addr;
  int port = -1;
};

bool endpoint_of(const sockaddr_storage& storage, Endpoint& out) {
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    if (!inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) return false;
    out.port = ntohs(in->sin_port);
  } else if (storage.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    if (!inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text)) return false;
    out.port = ntohs(in6->sin6_port);
  } else {
    return false;
  }
  out.addr = text;
  return true;
}

// Calls `visit(fd, peer)` for each connected TCP socket of this process bound to local_port.
void for_each_connection(int local_port, const std::function<bool(int, const Endpoint&)>& visit) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  const int own = dirfd(dir);
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long fd_long = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    const int fd = static_cast<int>(fd_long);
    if (fd == own) continue;
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) continue;
    Endpoint local_endpoint;
    if (!endpoint_of(local, local_endpoint) || local_endpoint.port != local_port) continue;
    sockaddr_storage peer{};
    length = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) continue;  // listener
    Endpoint peer_endpoint;
    if (!endpoint_of(peer, peer_endpoint)) continue;
    if (!visit(fd, peer_endpoint)) break;
  }
  closedir(dir);
}

// "::ffff:127.0.0.1" and "127.0.0.1" name the same peer.
std::string normalize(const std::string& addr) {
  static const std::string kMapped = "::ffff:";
  if (addr.compare(0, kMapped.size(), kMapped) == 0 && addr.find('.') != std::string::npos) {
    return addr.substr(kMapped.size());
  }
  return addr;
}

}  // namespace

bool shutdown_connection(int local_port, const std::string& peer_addr, int peer_port) {
  bool found = false;
  const std::string wanted = normalize(peer_addr);
  for_each_connection(local_port, [&](int fd, const Endpoint& peer) {
    if (peer.port != peer_port || normalize(peer.addr) != wanted) return true;
    ::shutdown(fd, SHUT_RDWR);
    found = true;
    return false;
  });
  return found;
}

int shutdown_all_connections(int local_port, bool read_only) {
  int count = 0;
  for_each_connection(local_port, [&](int fd, const Endpoint&) {
    ::shutdown(fd, read_only ? SHUT_RD : SHUT_RDWR);
    ++count;
    return true;
  });
  return count;
}

}  // namespace buildable::emulator::detail
