#include "connect_counter.hpp"

#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>

namespace buildable::testing {
namespace {

std::atomic<std::size_t> g_attempts[65536];

using ConnectFunction = int (*)(int, const sockaddr*, socklen_t);

ConnectFunction real_connect() {
  static const auto function = reinterpret_cast<ConnectFunction>(dlsym(RTLD_NEXT, "connect"));
  return function;
}

int destination_port(const sockaddr* address, socklen_t size) {
  if (address == nullptr) return -1;
  if (address->sa_family == AF_INET && size >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(address)->sin_port);
  }
  if (address->sa_family == AF_INET6 && size >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(address)->sin6_port);
  }
  return -1;
}

}  // namespace

std::size_t connect_attempts(int port) {
  if (port < 0 || port > 65535) return 0;
  return g_attempts[port].load();
}

}  // namespace buildable::testing

// The interposer: the executable's definition wins over libc's for every shared library.
extern "C" int connect(int fd, const sockaddr* address, socklen_t size) {
  const int port = buildable::testing::destination_port(address, size);
  if (port >= 0) buildable::testing::g_attempts[port].fetch_add(1);
  const auto forward = buildable::testing::real_connect();
  if (forward == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  return forward(fd, address, size);
}
