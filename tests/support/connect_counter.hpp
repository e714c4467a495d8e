// Counts this process's TCP connection attempts per destination port, including attempts the
// peer refuses (which no server can observe). Linking this object interposes libc's
// connect(): every call is counted and forwarded unchanged to the real one.
#pragma once

#include <cstddef>

namespace buildable::testing {

/// connect() calls of this process to any IPv4/IPv6 address with destination `port` so far.
std::size_t connect_attempts(int port);

}  // namespace buildable::testing
