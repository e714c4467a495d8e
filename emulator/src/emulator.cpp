#include "buildable/emulator/emulator.hpp"

#include <httplib.h>

#include <future>
#include <stdexcept>
#include <thread>

#include "auth.hpp"
#include "context.hpp"
#include "dashboard_routes.hpp"
#include "faults.hpp"
#include "http_server.hpp"
#include "server.hpp"
#include "stats.hpp"
#include "store.hpp"

namespace buildable::emulator {

struct Emulator::Impl {
  explicit Impl(EmulatorOptions o)
      : options(std::move(o)), keys(options.keys), faults(options.faults) {
    if (options.threads < 1) throw std::invalid_argument("EmulatorOptions::threads must be >= 1");
    if (options.port < 0 || options.port > 65535) {
      throw std::invalid_argument("EmulatorOptions::port must be in 0..65535");
    }
    if (options.keep_alive_timeout.count() < 1) {
      throw std::invalid_argument("EmulatorOptions::keep_alive_timeout must be >= 1 s");
    }
    options.keys = keys.keys();
  }

  detail::Store& store() {
    std::lock_guard lock(store_mutex);
    if (!store_) {
      store_ = std::make_unique<detail::Store>(options.db_path);
      context = std::make_unique<detail::ServerContext>(keys, *store_, faults, stats);
    }
    return *store_;
  }

  EmulatorOptions options;
  detail::KeyRing keys;
  detail::FaultInjector faults;
  detail::StatsCollector stats;

  std::mutex store_mutex;
  std::unique_ptr<detail::Store> store_;
  std::unique_ptr<detail::ServerContext> context;

  std::mutex lifecycle_mutex;
  std::unique_ptr<detail::HttpServer> server;
  std::thread listener;
  std::future<void> listener_done;
  std::atomic<bool> running{false};
  std::atomic<int> port{0};
};

Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Emulator::~Emulator() {
  stop();
}

void Emulator::start() {
  std::lock_guard lock(impl_->lifecycle_mutex);
  if (impl_->running) return;
  impl_->store();
  auto& context = *impl_->context;
  auto server = std::make_unique<detail::HttpServer>();
  detail::configure_server(*server, context, impl_->options);
  detail::install_protocol_routes(*server, context);
  // The dashboard shares the port (GET / and /_dashboard/...; no protocol path is touched).
  detail::install_dashboard_routes(*server, context);

  const auto& host = impl_->options.host;
  int port = impl_->options.port;
  if (port == 0) {
    port = server->bind_to_any_port(host);
  } else if (!server->bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    throw std::runtime_error("buildable emulator: cannot listen on " + host + ":" +
                             std::to_string(impl_->options.port) +
                             " (address in use or not available)");
  }
  // Debian's compiled httplib listens with a backlog of 5: a burst of new connections (a
  // client opening its pool) overflows it and the kernel drops SYNs, stalling them for the
  // 1 s SYN retransmit. Calling listen() again on the bound socket raises the backlog.
  if (const int sock = context.listen_socket.load(); sock >= 0) ::listen(sock, SOMAXCONN);
  context.port = port;
  context.shutdown.reset();
  impl_->port = port;

  std::promise<void> done;
  impl_->listener_done = done.get_future();
  auto* raw = server.get();
  impl_->listener = std::thread([raw, done = std::move(done)]() mutable {
    raw->listen_after_bind();
    done.set_value();
  });
  // The socket already listens (connections queue in the kernel); wait until the accept loop
  // runs so that stop() cannot miss it.
  while (!raw->is_running() &&
         impl_->listener_done.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
  }
  if (!raw->is_running()) {
    impl_->listener.join();
    throw std::runtime_error("buildable emulator: the HTTP server failed to start");
  }
  impl_->server = std::move(server);
  impl_->running = true;
}

void Emulator::stop() {
  std::lock_guard lock(impl_->lifecycle_mutex);
  if (!impl_->running) return;
  impl_->context->shutdown.trigger();
  impl_->server->stop();
  // Worker threads wait on idle keep-alive connections for up to keep_alive_timeout; shutting
  // down the read side of the open connections ends those waits at once while a response being
  // written still goes out. (Connections registered later see the stopped server and close.)
  do {
    impl_->server->shutdown_connections();
  } while (impl_->listener_done.wait_for(std::chrono::milliseconds(50)) !=
           std::future_status::ready);
  impl_->listener.join();
  impl_->server.reset();
  impl_->running = false;
}

bool Emulator::running() const {
  return impl_->running;
}

int Emulator::port() const {
  return impl_->port;
}

std::string Emulator::base_url() const {
  const auto& host = impl_->options.host;
  const bool v6 = host.find(':') != std::string::npos;
  const std::string shown = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host;
  return "http://" + (v6 ? "[" + shown + "]" : shown) + ":" + std::to_string(port());
}

const std::vector<SecretKey>& Emulator::keys() const {
  return impl_->keys.keys();
}

const std::string& Emulator::default_secret() const {
  return impl_->keys.keys().front().secret;
}

void Emulator::set_faults(FaultOptions faults) {
  impl_->faults.set(std::move(faults));
}

EmulatorStats Emulator::stats() const {
  return impl_->stats.snapshot();
}

void Emulator::reset_stats() {
  impl_->stats.reset();
}

std::string Emulator::inject_message(const std::string& environment, const std::string& platform,
                                     const std::string& label, const std::string& event,
                                     const nlohmann::json& payload, const nlohmann::json& headers,
                                     const nlohmann::json& query,
                                     std::optional<std::int64_t> created_at_ms) {
  if (environment != "test" && environment != "live") {
    throw std::invalid_argument("inject_message: environment must be \"test\" or \"live\"");
  }
  if (event.empty()) throw std::invalid_argument("inject_message: empty event name");
  detail::NewMessage message;
  message.environment = environment;
  message.platform = platform;
  message.label = label;
  message.event_name = event;
  message.payload = payload.dump();
  message.headers = headers.dump();
  message.query = query.dump();
  message.created_at = created_at_ms;
  return impl_->store().insert_message(message).key;
}

nlohmann::json Emulator::message(const std::string& key) const {
  auto record = impl_->store().message(key);
  return record ? detail::to_json(*record) : nlohmann::json(nullptr);
}

nlohmann::json Emulator::transaction(const std::string& key, const std::string& tx_key) const {
  auto record = impl_->store().transaction(key, tx_key);
  return record ? detail::to_json(*record) : nlohmann::json(nullptr);
}

std::int64_t Emulator::message_count() const {
  return impl_->store().message_count();
}

}  // namespace buildable::emulator
