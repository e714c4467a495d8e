#include "test_server.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#if defined(__SANITIZE_THREAD__)
#define BUILDABLE_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BUILDABLE_TEST_TSAN 1
#endif
#endif

#ifdef BUILDABLE_TEST_TSAN
// ThreadSanitizer's dynamic annotations (part of its runtime).
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
#endif

namespace buildable::testing {
namespace {

/// Inspecting descriptors that other threads own (and may be closing) is deliberate in
/// for_each_connected_socket(); ThreadSanitizer would report each fstat() racing a close().
struct IgnoreDescriptorRaces {
#ifdef BUILDABLE_TEST_TSAN
  IgnoreDescriptorRaces() {
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
  }
  ~IgnoreDescriptorRaces() {
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
  }
#endif
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

/// The port of a socket address, or -1 for a family other than IPv4/IPv6.
int port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return -1;
}

/// Calls `f(fd, local port, peer port)` for every connected IPv4/IPv6 socket of this process.
/// cpp-httplib does not expose its sockets, hence the walk through /proc/self/fd.
template <class F>
void for_each_connected_socket(F&& f) {
  [[maybe_unused]] const IgnoreDescriptorRaces ignore;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long number = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    const int fd = static_cast<int>(number);
    struct stat info {};
    if (fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) continue;
    sockaddr_storage local{};
    socklen_t local_size = sizeof local;
    sockaddr_storage peer{};
    socklen_t peer_size = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0) continue;
    f(fd, port_of(local), port_of(peer));
  }
  closedir(dir);
}

/// Shuts down (both directions) this process's server-side socket of the connection between
/// `local_port` and `remote_port`, so the client sees the connection closed without an answer.
/// The descriptor is only shut down, not closed, so cpp-httplib still owns it.
bool shutdown_connection(int local_port, int remote_port) {
  bool found = false;
  for_each_connected_socket([&](int fd, int local, int peer) {
    if (local == local_port && peer == remote_port) {
      ::shutdown(fd, SHUT_RDWR);
      found = true;
    }
  });
  return found;
}

bool is_httplib_pseudo_header(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

ScriptedResponse builtin_fallback(const RecordedRequest& request) {
  if (request.path == "/emit" ||
      (request.path.size() > 5 && request.path.compare(request.path.size() - 5, 5, "/emit") == 0)) {
    return ScriptedResponse::emit_success(TestServer::make_key());
  }
  return ScriptedResponse::error(404, "not-found", "no scripted response for " + request.path);
}

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

nlohmann::json RecordedRequest::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

ScriptedResponse ScriptedResponse::emit_success(std::string key) {
  return json(200, {{"status", "success"}, {"key", std::move(key)}});
}

ScriptedResponse ScriptedResponse::json(int status, const nlohmann::json& body) {
  ScriptedResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

ScriptedResponse ScriptedResponse::error(int status, std::string name, std::string message) {
  return json(status, {{"status", "error"},
                       {"name", std::move(name)},
                       {"message", std::move(message)},
                       {"code", status}});
}

ScriptedResponse ScriptedResponse::raw(int status, std::string body, std::string content_type) {
  ScriptedResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(content_type);
  return response;
}

ScriptedResponse ScriptedResponse::drop(std::chrono::milliseconds delay) {
  ScriptedResponse response;
  response.close_without_answer = true;
  response.delay = delay;
  return response;
}

ScriptedResponse ScriptedResponse::delayed(std::chrono::milliseconds delay, ScriptedResponse then) {
  then.delay = delay;
  return then;
}

struct TestServer::State {
  httplib::Server server;
  std::thread thread;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;  // a request arrived, delays released, stopping
  std::vector<RecordedRequest> records;
  std::map<std::string, std::deque<ScriptedResponse>> queues;
  std::map<std::string, Handler> handlers;
  Handler fallback;
  std::uint64_t release_generation = 0;
  int listening_socket = -1;  // set while binding
  bool stopping = false;

  ScriptedResponse next_response(const RecordedRequest& request) {
    Handler handler;
    {
      std::lock_guard lock(mutex);
      auto queue = queues.find(request.path);
      if (queue != queues.end() && !queue->second.empty()) {
        ScriptedResponse response = std::move(queue->second.front());
        queue->second.pop_front();
        return response;
      }
      auto found = handlers.find(request.path);
      handler = found != handlers.end() ? found->second : fallback;
    }
    return handler ? handler(request) : builtin_fallback(request);
  }

  /// Waits `delay` unless release_delays() or the destructor cuts it short.
  void sleep_for(std::chrono::milliseconds delay) {
    if (delay.count() <= 0) return;
    std::unique_lock lock(mutex);
    const std::uint64_t generation = release_generation;
    changed.wait_for(lock, delay, [&] { return stopping || release_generation != generation; });
  }

  void serve(const httplib::Request& req, httplib::Response& res) {
    RecordedRequest request;
    request.method = req.method;
    request.path = req.path;
    for (const auto& [name, value] : req.headers) {
      if (!is_httplib_pseudo_header(name)) request.headers.emplace_back(name, value);
    }
    request.body = req.body;
    request.remote_port = req.remote_port;
    request.received_at = std::chrono::steady_clock::now();

    ScriptedResponse response;
    try {
      response = next_response(request);
    } catch (const std::exception& e) {
      response = ScriptedResponse::error(500, "test-server", e.what());
    }
    {
      std::lock_guard lock(mutex);
      records.push_back(request);
    }
    changed.notify_all();

    sleep_for(response.delay);
    if (response.close_without_answer) {
      if (!shutdown_connection(req.local_port, req.remote_port)) {
        std::fprintf(stderr, "test_server: could not find the socket of port %d to drop\n",
                     req.remote_port);
      }
      res.status = 500;  // never reaches the client: the socket is shut down
      return;
    }
    res.status = response.status;
    for (const auto& [name, value] : response.headers)
      res.set_header(name, value);
    res.set_content(response.body, response.content_type.c_str());
  }
};

TestServer::TestServer() : TestServer(Options{}) {}

TestServer::TestServer(Options options) : state_(std::make_shared<State>()) {
  // A write to a connection the client already closed must not kill the test process.
  ::signal(SIGPIPE, SIG_IGN);
  auto& server = state_->server;
  // The Debian build of cpp-httplib closes a keep-alive connection after 5 requests and
  // serves with a small pool; lift both so connection counts reflect the client.
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(std::max(1, options.keep_alive_timeout_s));
  // cpp-httplib writes headers and body with separate send() calls; without TCP_NODELAY,
  // Nagle's algorithm holds the body until the client's delayed ACK (~40 ms per request).
  // Accepted sockets inherit the option from the listening socket on Linux.
  State* const state = state_.get();
  server.set_socket_options([state](int sock) {
    httplib::default_socket_options(sock);
    int yes = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    state->listening_socket = sock;
  });
  const int threads = std::max(1, options.threads);
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  const auto handler = [state](const httplib::Request& req, httplib::Response& res) {
    state->serve(req, res);
  };
  server.Post(".*", handler);
  server.Get(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.Options(".*", handler);

  port_ = server.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("test_server: cannot bind 127.0.0.1");
  // cpp-httplib 0.11 listens with a backlog of 5: a client opening many connections at once
  // overflows it and sees resets and 1 s SYN retransmits. Listening again raises the backlog.
  if (state->listening_socket >= 0) ::listen(state->listening_socket, 1024);
  state_->thread = std::thread([state] { state->server.listen_after_bind(); });
  if (!wait_until([state] { return state->server.is_running(); }, std::chrono::seconds(10))) {
    state_->server.stop();
    state_->thread.join();
    throw std::runtime_error("test_server: the server did not start");
  }
}

TestServer::~TestServer() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  state_->server.stop();
  if (state_->thread.joinable()) state_->thread.join();
}

std::string TestServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void TestServer::enqueue(const std::string& path, ScriptedResponse response) {
  std::lock_guard lock(state_->mutex);
  state_->queues[path].push_back(std::move(response));
}

void TestServer::enqueue(const std::string& path, const ScriptedResponse& response, int count) {
  std::lock_guard lock(state_->mutex);
  for (int i = 0; i < count; ++i)
    state_->queues[path].push_back(response);
}

void TestServer::set_default(const std::string& path, ScriptedResponse response) {
  set_handler(path, [response = std::move(response)](const RecordedRequest&) { return response; });
}

void TestServer::set_handler(const std::string& path, Handler handler) {
  std::lock_guard lock(state_->mutex);
  state_->handlers[path] = std::move(handler);
}

void TestServer::set_fallback(Handler handler) {
  std::lock_guard lock(state_->mutex);
  state_->fallback = std::move(handler);
}

void TestServer::reset_script() {
  std::lock_guard lock(state_->mutex);
  state_->queues.clear();
  state_->handlers.clear();
  state_->fallback = nullptr;
}

void TestServer::release_delays() {
  {
    std::lock_guard lock(state_->mutex);
    ++state_->release_generation;
  }
  state_->changed.notify_all();
}

std::vector<RecordedRequest> TestServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->records;
}

std::size_t TestServer::request_count(const std::string& path) const {
  std::lock_guard lock(state_->mutex);
  if (path.empty()) return state_->records.size();
  return static_cast<std::size_t>(
      std::count_if(state_->records.begin(), state_->records.end(),
                    [&](const RecordedRequest& r) { return r.path == path; }));
}

bool TestServer::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout,
                                   const std::string& path) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] {
    if (path.empty()) return state_->records.size() >= count;
    return static_cast<std::size_t>(
               std::count_if(state_->records.begin(), state_->records.end(),
                             [&](const RecordedRequest& r) { return r.path == path; })) >= count;
  });
}

std::set<int> TestServer::remote_ports() const {
  std::lock_guard lock(state_->mutex);
  std::set<int> ports;
  for (const auto& record : state_->records)
    ports.insert(record.remote_port);
  return ports;
}

void TestServer::clear_requests() {
  std::lock_guard lock(state_->mutex);
  state_->records.clear();
}

std::size_t TestServer::open_connections() const {
  std::size_t count = 0;
  const int port = port_;
  for_each_connected_socket([&](int, int local, int) {
    if (local == port) ++count;
  });
  return count;
}

std::string TestServer::make_key() {
  static const std::uint64_t prefix = [] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }();
  static std::atomic<std::uint64_t> counter{0};
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(prefix),
                static_cast<unsigned long long>(++counter));
  return text;
}

int unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("unused_port: socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ::close(fd);
    throw std::runtime_error("unused_port: bind() failed");
  }
  ::close(fd);  // never listened on: connecting to it is refused
  return ntohs(address.sin_port);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace buildable::testing
