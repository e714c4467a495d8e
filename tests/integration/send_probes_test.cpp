// SendProbes over real loopback TCP: what the peer's TCP shows proves (or not) that a request
// was never read, and a peer that closes right after answering is noticed.
#include "detail/transport/send_probes.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

namespace buildable::detail {
namespace {

// A listening socket on 127.0.0.1 and one client connection to it, accepted.
class TcpPair {
 public:
  TcpPair() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 1);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    server_port_ = ntohs(address.sin_port);
    client_ = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(::connect(client_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    server_ = ::accept(listener_, nullptr, nullptr);
    sockaddr_in local{};
    length = sizeof local;
    ::getsockname(client_, reinterpret_cast<sockaddr*>(&local), &length);
    client_port_ = ntohs(local.sin_port);
  }
  ~TcpPair() {
    if (server_ >= 0) ::close(server_);
    ::close(listener_);
  }
  TcpPair(const TcpPair&) = delete;
  TcpPair& operator=(const TcpPair&) = delete;

  int client() const { return client_; }
  int client_port() const { return client_port_; }
  int server_port() const { return server_port_; }
  void close_server() {
    ::close(server_);
    server_ = -1;
  }
  std::string server_read(std::size_t count) {
    std::string data(count, '\0');
    std::size_t got = 0;
    while (got < count) {
      const ssize_t n = ::recv(server_, data.data() + got, count - got, 0);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    data.resize(got);
    return data;
  }
  // Waits (up to 5 s) until the client socket has something to report: data, EOF or an error.
  bool client_sees_peer_close() const {
    pollfd fd{client_, POLLIN, 0};
    return ::poll(&fd, 1, 5000) == 1;
  }

 private:
  int listener_ = -1;
  int client_ = -1;
  int server_ = -1;
  int client_port_ = 0;
  int server_port_ = 0;
};

constexpr int kOwnerTag = 0;
const void* const kOwner = &kOwnerTag;
const std::string kRequest = "POST /emit HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";

TEST(SendProbes, ARequestSentAfterThePeerClosedIsProvenUnread) {
  SendProbes probes;
  TcpPair pair;
  SendProbes::on_open(&probes, pair.client(), CURLSOCKTYPE_IPCXN);
  pair.close_server();
  ASSERT_TRUE(pair.client_sees_peer_close());  // its FIN arrived: a stale keep-alive connection
  probes.watch(kOwner, pair.client_port(), pair.server_port());
  ASSERT_EQ(::send(pair.client(), kRequest.data(), kRequest.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(kRequest.size()));
  // The closed peer answers our bytes with a reset; wait for it before libcurl would close.
  for (int i = 0; i < 500; ++i) {
    char byte;
    if (::recv(pair.client(), &byte, 1, MSG_DONTWAIT) < 0 && errno == ECONNRESET) break;
    pollfd fd{pair.client(), POLLIN, 0};
    ::poll(&fd, 1, 10);
  }
  SendProbes::close_socket(&probes, pair.client());
  EXPECT_TRUE(probes.proven_unread(kOwner));
}

TEST(SendProbes, ARequestThePeerReadBeforeClosingIsNotProvenUnread) {
  SendProbes probes;
  TcpPair pair;
  SendProbes::on_open(&probes, pair.client(), CURLSOCKTYPE_IPCXN);
  probes.watch(kOwner, pair.client_port(), pair.server_port());
  ASSERT_EQ(::send(pair.client(), kRequest.data(), kRequest.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(kRequest.size()));
  EXPECT_EQ(pair.server_read(kRequest.size()), kRequest);  // read: it may have acted
  pair.close_server();
  ASSERT_TRUE(pair.client_sees_peer_close());
  SendProbes::close_socket(&probes, pair.client());
  EXPECT_FALSE(probes.proven_unread(kOwner));
}

TEST(SendProbes, AConnectionIsNamedByBothPorts) {
  SendProbes probes;
  TcpPair pair;
  SendProbes::on_open(&probes, pair.client(), CURLSOCKTYPE_IPCXN);
  pair.close_server();
  ASSERT_TRUE(pair.client_sees_peer_close());
  // The same local port towards another peer is another connection: nothing is known of it.
  EXPECT_TRUE(probes.watch(kOwner, pair.client_port(), pair.server_port() + 1));
  SendProbes::close_socket(&probes, pair.client());
  EXPECT_FALSE(probes.proven_unread(kOwner));
}

TEST(SendProbes, AConnectionThePeerClosedBeforeTheWriteIsNotWrittenTo) {
  SendProbes probes;
  TcpPair pair;
  SendProbes::on_open(&probes, pair.client(), CURLSOCKTYPE_IPCXN);
  EXPECT_TRUE(probes.watch(kOwner, pair.client_port(), pair.server_port()));
  pair.close_server();
  ASSERT_TRUE(pair.client_sees_peer_close());
  EXPECT_FALSE(probes.watch(kOwner, pair.client_port(), pair.server_port()));
  SendProbes::close_socket(&probes, pair.client());
}

TEST(SendProbes, AnUnknownOrForgottenRequestIsNeverProvenUnread) {
  SendProbes probes;
  EXPECT_FALSE(probes.proven_unread(kOwner));
  TcpPair pair;
  SendProbes::on_open(&probes, pair.client(), CURLSOCKTYPE_IPCXN);
  probes.watch(kOwner, pair.client_port(), pair.server_port());
  probes.forget(kOwner);
  EXPECT_FALSE(probes.proven_unread(kOwner));
  SendProbes::close_socket(&probes, pair.client());
}

TEST(SendProbes, APeerThatClosesRightAfterAnsweringTwiceStopsReuse) {
  SendProbes probes;
  for (int round = 0; round < SendProbes::kQuickClosesToStopReuse; ++round) {
    EXPECT_FALSE(probes.peer_closes_after_answers()) << round;
    TcpPair pair;
    SendProbes::on_open(&probes, pair.client(), CURLSOCKTYPE_IPCXN);
    probes.watch(kOwner, pair.client_port(), pair.server_port());
    probes.answered(kOwner);
    probes.forget(kOwner);
    pair.close_server();
    ASSERT_TRUE(pair.client_sees_peer_close());
    SendProbes::close_socket(&probes, pair.client());
  }
  EXPECT_TRUE(probes.peer_closes_after_answers());
}

TEST(SendProbes, AConnectionThatAnsweredJustNowIsNotProbedUntilKRecentAnswerPasses) {
  SendProbes probes;
  TcpPair pair;
  SendProbes::on_open(&probes, pair.client(), CURLSOCKTYPE_IPCXN);
  probes.watch(kOwner, pair.client_port(), pair.server_port());
  pair.close_server();
  ASSERT_TRUE(pair.client_sees_peer_close());
  const auto answered_at = std::chrono::steady_clock::now();
  probes.answered(kOwner);
  probes.forget(kOwner);
  // Probed, this watch would see the peer's FIN and say "do not send"; unprobed it cannot,
  // and nothing sent on it can be proven unread (so it is never sent twice).
  const bool watched_without_probe = probes.watch(kOwner, pair.client_port(), pair.server_port());
  if (std::chrono::steady_clock::now() - answered_at < SendProbes::kRecentAnswer) {
    EXPECT_TRUE(watched_without_probe);
    EXPECT_FALSE(probes.proven_unread(kOwner));
  }
  // Once the answer is older, the connection is probed again and its close is seen.
  bool probed = false;
  for (int i = 0; i < 200 && !probed; ++i) {
    probed = !probes.watch(kOwner, pair.client_port(), pair.server_port());
    if (!probed) std::this_thread::sleep_for(SendProbes::kRecentAnswer / 2);
  }
  EXPECT_TRUE(probed) << "the connection was never probed again";
  SendProbes::close_socket(&probes, pair.client());
}

// The peer answered, then closed without reading the next request: it resets, which proves
// the request unread whether or not the connection was probed before it (see kRecentAnswer).
TEST(SendProbes, ARequestThePeerResetRightAfterAnAnswerIsProvenUnread) {
  SendProbes probes;
  for (int round = 0; round < SendProbes::kQuickClosesToStopReuse; ++round) {
    TcpPair pair;
    SendProbes::on_open(&probes, pair.client(), CURLSOCKTYPE_IPCXN);
    probes.watch(kOwner, pair.client_port(), pair.server_port());
    probes.answered(kOwner);
    probes.forget(kOwner);
    EXPECT_TRUE(probes.watch(kOwner, pair.client_port(), pair.server_port()));
    ASSERT_EQ(::send(pair.client(), kRequest.data(), kRequest.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(kRequest.size()));
    pair.close_server();  // with our request unread: a reset
    bool reset = false;
    for (int i = 0; i < 500 && !reset; ++i) {
      char byte;
      reset = ::recv(pair.client(), &byte, 1, MSG_DONTWAIT) < 0 && errno == ECONNRESET;
      pollfd fd{pair.client(), POLLIN, 0};
      if (!reset) ::poll(&fd, 1, 10);
    }
    ASSERT_TRUE(reset);
    SendProbes::close_socket(&probes, pair.client());
    EXPECT_TRUE(probes.proven_unread(kOwner)) << round;
  }
  // Each was reset within kQuickClose of an answer: from now on, fresh connections.
  EXPECT_TRUE(probes.peer_closes_after_answers());
}

TEST(SendProbes, ConnectionsWeCloseOurselvesDoNotCount) {
  SendProbes probes;
  for (int round = 0; round < 3; ++round) {
    TcpPair pair;
    SendProbes::on_open(&probes, pair.client(), CURLSOCKTYPE_IPCXN);
    probes.watch(kOwner, pair.client_port(), pair.server_port());
    probes.answered(kOwner);
    probes.forget(kOwner);
    SendProbes::close_socket(&probes, pair.client());  // the peer still has it open
  }
  EXPECT_FALSE(probes.peer_closes_after_answers());
}

}  // namespace
}  // namespace buildable::detail
