// Finding the accepted sockets of our server, to break a connection on purpose (fault
// injection) or to close idle keep-alive connections at shutdown. cpp-httplib does not hand
// the socket to handlers, so we look it up among the process's descriptors by its addresses.
#pragma once

#include <string>

namespace buildable::emulator::detail {

/// Shuts down (both directions) the accepted TCP socket whose local port is `local_port` and
/// whose peer is `peer_addr`:`peer_port`. The peer then sees the connection closed. Returns
/// false when no such socket was found.
bool shutdown_connection(int local_port, const std::string& peer_addr, int peer_port);

/// Shuts down every connected socket whose local port is `local_port` (not the listener):
/// only the read side when `read_only` (a response being written still goes out, a worker
/// waiting for the next request on an idle keep-alive connection wakes up and closes it).
/// Returns how many.
int shutdown_all_connections(int local_port, bool read_only);

}  // namespace buildable::emulator::detail
