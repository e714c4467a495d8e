#include "security_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace security_test {
namespace {

/// A TCP socket bound to 127.0.0.1 on an ephemeral port; returns the fd and sets `port`.
int bind_loopback(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "bind");
  }
  port = ntohs(address.sin_port);
  return fd;
}

}  // namespace

// --- TempDir ---------------------------------------------------------------------------

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "buildable-security-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

// --- LocalServer -----------------------------------------------------------------------

LocalServer::LocalServer() : tls_(false), server_(std::make_unique<httplib::Server>()) {}

LocalServer::LocalServer(const std::string& cert_file, const std::string& key_file)
    : tls_(true),
      server_(std::make_unique<httplib::SSLServer>(cert_file.c_str(), key_file.c_str())) {
  if (!server_->is_valid()) throw std::runtime_error("the TLS server rejected its certificate/key");
}

LocalServer::~LocalServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void LocalServer::on_post(const std::string& path, Handler handler) {
  routes_.insert(path);
  server_->Post(path, [this, handler = std::move(handler)](const httplib::Request& request,
                                                           httplib::Response& response) {
    record(request);  // here, not before routing: only now has the body been read
    handler(request, response);
  });
}

void LocalServer::start() {
  // Requests to paths without a handler are recorded too (with their headers, without body).
  server_->set_pre_routing_handler([this](const httplib::Request& request, httplib::Response&) {
    if (request.method != "POST" || routes_.count(request.path) == 0) record(request);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("the test server could not bind to 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // The socket already accepts connections (they wait in the backlog); waiting for the loop
  // to run makes stop() in the destructor reliable (it is a no-op before the loop starts).
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!server_->is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the test server did not start within 10 s");
    }
    std::this_thread::sleep_for(1ms);
  }
}

std::string LocalServer::base_url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

void LocalServer::record(const httplib::Request& request) {
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(
        {request.method, request.path, request.get_header_value(kSecretHeader), request.body});
  }
  changed_.notify_all();
}

std::vector<SeenRequest> LocalServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t LocalServer::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

std::size_t LocalServer::count(const std::string& path) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& r : requests_)
    n += r.path == path ? 1 : 0;
  return n;
}

bool LocalServer::wait_for(const std::string& path, std::size_t n,
                           std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    std::size_t seen = 0;
    for (const auto& r : requests_)
      seen += r.path == path ? 1 : 0;
    return seen >= n;
  });
}

// --- Ports -----------------------------------------------------------------------------

int closed_port() {
  int port = 0;
  const int fd = bind_loopback(port);  // bound but not listening: nothing accepts on it
  ::close(fd);
  return port;
}

SilentPort::SilentPort() {
  fd_ = bind_loopback(port_);
  if (::listen(fd_, 16) != 0) {
    const int error = errno;
    ::close(fd_);
    throw std::system_error(error, std::generic_category(), "listen");
  }
}

SilentPort::~SilentPort() {
  ::close(fd_);
}

// --- Witness ---------------------------------------------------------------------------

buildable::LogHandler Witness::logger() {
  return [this](buildable::LogLevel level, std::string_view line) {
    {
      std::lock_guard lock(mutex_);
      log_lines_.emplace_back(line);
      texts_.push_back(
          {std::string("log line (") + buildable::to_string(level) + ")", std::string(line)});
    }
    changed_.notify_all();
  };
}

buildable::ErrorHandler Witness::on_error() {
  return [this](const buildable::ListenerError& error) {
    {
      std::lock_guard lock(mutex_);
      errors_.push_back(error);
      const std::string kind = buildable::to_string(error.kind);
      texts_.push_back({"ListenerError(" + kind + ")::message", error.message});
      texts_.push_back({"ListenerError(" + kind + ")::listener", error.listener});
      texts_.push_back({"ListenerError(" + kind + ")::message_key", error.message_key});
    }
    changed_.notify_all();
  };
}

void Witness::add(const std::string& where, std::string text) {
  std::lock_guard lock(mutex_);
  texts_.push_back({where, std::move(text)});
}

std::vector<buildable::ListenerError> Witness::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

std::vector<std::string> Witness::log_lines() const {
  std::lock_guard lock(mutex_);
  return log_lines_;
}

bool Witness::wait_for_error(const std::function<bool(const buildable::ListenerError&)>& predicate,
                             std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    for (const auto& e : errors_)
      if (predicate(e)) return true;
    return false;
  });
}

bool Witness::wait_for_log(const std::string& fragment, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    for (const auto& line : log_lines_)
      if (line.find(fragment) != std::string::npos) return true;
    return false;
  });
}

std::size_t Witness::expect_free_of(const std::string& secret) const {
  std::lock_guard lock(mutex_);
  for (const auto& t : texts_) {
    EXPECT_EQ(t.text.find(secret), std::string::npos)
        << "the secret leaked into " << t.where << ": " << t.text;
  }
  return texts_.size();
}

// --- Options ---------------------------------------------------------------------------

buildable::ClientOptions fast_options(const std::string& base_url, std::string secret) {
  buildable::ClientOptions options;
  options.secret = std::move(secret);
  options.base_url = base_url;
  options.connect_timeout = 2s;
  options.request_timeout = 5s;
  options.retry.initial_backoff = 1ms;
  options.retry.max_backoff = 10ms;
  options.retry.max_total_time = 2s;
  options.poll_interval = 20ms;
  options.poll_jitter = 0.0;
  options.max_poll_backoff = 100ms;
  options.shutdown_timeout = 2s;
  return options;
}

}  // namespace security_test
