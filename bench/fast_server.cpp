#include "fast_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "measure.hpp"

namespace bench {
namespace {

struct Connection {
  int fd = -1;
  std::string in;
  std::size_t in_pos = 0;  // start of the first unparsed request in `in`
  std::string out;
  std::size_t out_pos = 0;  // bytes of `out` already written
  bool close_after_write = false;
  bool want_write = false;
};

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = text[i];
    char b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

void append_response(std::string& out, int status, std::string_view reason, std::string_view body,
                     bool close) {
  char head[160];
  const int n = std::snprintf(head, sizeof(head),
                              "HTTP/1.1 %d %.*s\r\nContent-Type: application/json\r\n"
                              "Content-Length: %zu\r\n%s\r\n",
                              status, static_cast<int>(reason.size()), reason.data(), body.size(),
                              close ? "Connection: close\r\n" : "");
  out.append(head, static_cast<std::size_t>(n));
  out.append(body.data(), body.size());
}

enum class Parse { need_more, done, close };

bool is_post(std::string_view request_line, std::string_view path) {
  const std::string_view prefix = "POST ";
  if (request_line.substr(0, prefix.size()) != prefix) return false;
  const std::string_view target = request_line.substr(prefix.size());
  return target.substr(0, path.size()) == path &&
         (target.size() == path.size() || target[path.size()] == ' ' || target[path.size()] == '?');
}

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::int64_t epoch_ms_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// The message number in a request body's "key":"<hex>" (0 when absent).
std::uint64_t key_of(std::string_view body) {
  const std::string_view marker = R"("key":")";
  auto pos = body.find(marker);
  if (pos == std::string_view::npos) return 0;
  pos += marker.size();
  std::uint64_t value = 0;
  for (; pos < body.size() && body[pos] != '"'; ++pos) {
    const char ch = body[pos];
    const int digit = ch >= '0' && ch <= '9'   ? ch - '0'
                      : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                      : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                               : -1;
    if (digit < 0) return 0;
    value = value * 16 + static_cast<std::uint64_t>(digit);
  }
  return value;
}

// A /query page with one new message.
std::string query_page(std::uint64_t seq) {
  char buf[1024];
  const long long created = epoch_ms_now();
  const int n = std::snprintf(
      buf, sizeof(buf),
      R"({"rows":[{"_id":"%032llx","key":"%032llx","eventName":"%s","environment":"test",)"
      R"("platform":"custom","label":"bench","payload":"{\"seq\":%llu}","headers":"{}",)"
      R"("query":"{}","createdAt":%lld,"state":"created","history":[],"ttl":0,"v":1}],)"
      R"("total":1,"page":1,"pageSize":100,"totalPages":1})",
      static_cast<unsigned long long>(seq), static_cast<unsigned long long>(seq), kFastServerEvent,
      static_cast<unsigned long long>(seq), created);
  return std::string(buf, static_cast<std::size_t>(n));
}

// A transaction object as /init and /transact return it.
std::string transaction(std::uint64_t seq, const char* state) {
  char buf[512];
  const long long now = epoch_ms_now();
  const int n = std::snprintf(
      buf, sizeof(buf),
      R"({"_id":"tx%030llx","key":"%032llx","txn":"%032llx","txKey":"default",)"
      R"("event":{"_id":"%032llx","eventName":"%s"},"createdAt":%lld,"startedAt":%lld,)"
      R"("state":"%s","history":[],"ttl":0,"input":"{}"})",
      static_cast<unsigned long long>(seq), static_cast<unsigned long long>(seq),
      static_cast<unsigned long long>(seq), static_cast<unsigned long long>(seq), kFastServerEvent,
      now, now, state);
  return std::string(buf, static_cast<std::size_t>(n));
}

// Parses and answers every complete request in c.in.
Parse handle_requests(Connection& c, ServerCounters& counters, std::uint64_t& next_key,
                      std::uint64_t& next_message) {
  for (;;) {
    const std::string_view buffered(c.in.data() + c.in_pos, c.in.size() - c.in_pos);
    const auto header_end = buffered.find("\r\n\r\n");
    if (header_end == std::string_view::npos) {
      return buffered.size() > 64 * 1024 ? Parse::close : Parse::need_more;
    }
    const std::string_view head = buffered.substr(0, header_end);
    const auto line_end = head.find("\r\n");
    const std::string_view request_line = head.substr(0, line_end);
    std::size_t content_length = 0;
    bool close = false;
    bool chunked = false;
    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      auto next = head.find("\r\n", pos);
      if (next == std::string_view::npos) next = head.size();
      const std::string_view header = head.substr(pos, next - pos);
      const auto colon = header.find(':');
      if (colon != std::string_view::npos) {
        const std::string_view name = header.substr(0, colon);
        const std::string_view value = trim(header.substr(colon + 1));
        if (name.size() == 14 && iequals_prefix(name, "content-length")) {
          content_length = 0;
          for (char ch : value) {
            if (ch < '0' || ch > '9') break;
            content_length = content_length * 10 + static_cast<std::size_t>(ch - '0');
          }
        } else if (name.size() == 10 && iequals_prefix(name, "connection")) {
          close = iequals_prefix(value, "close");
        } else if (name.size() == 17 && iequals_prefix(name, "transfer-encoding")) {
          chunked = true;
        }
      }
      pos = next + 2;
    }
    if (chunked) {
      append_response(c.out, 411, "Length Required", R"({"status":"error","code":411})", true);
      counters.bad_requests.fetch_add(1, std::memory_order_relaxed);
      c.close_after_write = true;
      return Parse::done;
    }
    const std::size_t total = header_end + 4 + content_length;
    if (buffered.size() < total) return Parse::need_more;

    const std::string_view body = buffered.substr(header_end + 4, content_length);
    if (is_post(request_line, "/emit")) {
      char answer[80];
      const int n = std::snprintf(answer, sizeof(answer), R"({"status":"success","key":"%032llx"})",
                                  static_cast<unsigned long long>(++next_key));
      append_response(c.out, 200, "OK", std::string_view(answer, static_cast<std::size_t>(n)),
                      close);
    } else if (is_post(request_line, "/query")) {
      append_response(c.out, 200, "OK", query_page(++next_message), close);
    } else if (is_post(request_line, "/init")) {
      const std::uint64_t seq = key_of(body);
      append_response(c.out, 200, "OK", transaction(seq, "processing"), close);
      counters.claim_answered_ns[seq % ServerCounters::kClaimSlots].store(
          monotonic_ns(), std::memory_order_relaxed);
    } else if (is_post(request_line, "/transact")) {
      append_response(c.out, 200, "OK", transaction(key_of(body), "finished"), close);
    } else {
      append_response(
          c.out, 404, "Not Found",
          R"({"status":"error","name":"not-found","message":"unknown path","code":404})", close);
      counters.bad_requests.fetch_add(1, std::memory_order_relaxed);
    }
    counters.requests.fetch_add(1, std::memory_order_relaxed);
    c.in_pos += total;
    if (close) {
      c.close_after_write = true;
      return Parse::done;
    }
    if (c.in_pos == c.in.size()) {
      c.in.clear();
      c.in_pos = 0;
      return Parse::done;
    }
  }
}

}  // namespace

void run_fast_server(int listen_fd, int stop_fd, ServerCounters& counters) {
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) throw std::runtime_error("epoll_create1 failed");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev);
  ev.data.fd = stop_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd, &ev);

  std::vector<Connection*> conns;
  std::uint64_t next_key = 0;
  std::uint64_t next_message = 0;
  std::vector<epoll_event> events(256);
  char buf[64 * 1024];

  auto close_conn = [&](Connection* c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    conns[static_cast<std::size_t>(c->fd)] = nullptr;
    delete c;
  };
  // Writes what is pending; false when the connection was closed.
  auto flush = [&](Connection* c) -> bool {
    while (c->out_pos < c->out.size()) {
      const ssize_t n =
          ::send(c->fd, c->out.data() + c->out_pos, c->out.size() - c->out_pos, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        close_conn(c);
        return false;
      }
      c->out_pos += static_cast<std::size_t>(n);
    }
    const bool pending = c->out_pos < c->out.size();
    if (!pending) {
      c->out.clear();
      c->out_pos = 0;
      if (c->close_after_write) {
        close_conn(c);
        return false;
      }
    }
    if (pending != c->want_write) {
      c->want_write = pending;
      epoll_event mod{};
      mod.events = EPOLLIN | (pending ? EPOLLOUT : 0u);
      mod.data.fd = c->fd;
      epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &mod);
    }
    return true;
  };

  for (;;) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
      if (fd == stop_fd) {
        for (Connection* c : conns) {
          if (c != nullptr) close_conn(c);
        }
        ::close(ep);
        return;
      }
      if (fd == listen_fd) {
        for (;;) {
          const int cfd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) break;
          const int one = 1;
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          if (conns.size() <= static_cast<std::size_t>(cfd)) {
            conns.resize(static_cast<std::size_t>(cfd) + 1, nullptr);
          }
          auto* c = new Connection;
          c->fd = cfd;
          conns[static_cast<std::size_t>(cfd)] = c;
          epoll_event add{};
          add.events = EPOLLIN;
          add.data.fd = cfd;
          epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &add);
          counters.connections.fetch_add(1, std::memory_order_relaxed);
        }
        continue;
      }
      Connection* c = static_cast<std::size_t>(fd) < conns.size()
                          ? conns[static_cast<std::size_t>(fd)]
                          : nullptr;
      if (c == nullptr) continue;
      if (what & EPOLLOUT) {
        if (!flush(c)) continue;
      }
      if (what & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        bool eof = false;
        for (;;) {
          const ssize_t r = ::recv(fd, buf, sizeof(buf), 0);
          if (r > 0) {
            c->in.append(buf, static_cast<std::size_t>(r));
            if (static_cast<std::size_t>(r) < sizeof(buf)) break;
            continue;
          }
          if (r < 0 && errno == EINTR) continue;
          if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
          eof = true;
          break;
        }
        if (!c->close_after_write &&
            handle_requests(*c, counters, next_key, next_message) == Parse::close) {
          c->close_after_write = true;
        }
        if (eof) {
          close_conn(c);
          continue;
        }
        flush(c);
      }
    }
  }
  ::close(ep);
}

FastServer::FastServer(int cpu) {
  void* mem = mmap(nullptr, sizeof(ServerCounters), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::runtime_error("mmap failed");
  counters_ = new (mem) ServerCounters();

  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 4096) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("bind/listen failed: ") + std::strerror(errno));
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);

  ServerCounters* counters = counters_;
  child_ = std::make_unique<ForkedChild>(
      [fd, counters](int command_fd, int reply_fd) {
        child_write_line(reply_fd, "ready");
        run_fast_server(fd, command_fd, *counters);
        return 0;
      },
      cpu);
  ::close(fd);  // the child owns the listening socket now
  const std::string ready = child_->read_line(10'000);
  if (ready != "ready") throw std::runtime_error("fast server failed to start: " + ready);
}

FastServer::~FastServer() {
  child_.reset();
  if (counters_ != nullptr) {
    counters_->~ServerCounters();
    munmap(counters_, sizeof(ServerCounters));
  }
}

int FastServer::pid() const {
  return child_->pid();
}

std::string FastServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

double FastServer::cpu_seconds() const {
  return pid_cpu_seconds(child_->pid());
}

}  // namespace bench
