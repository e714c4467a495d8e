#include "buildable/emulator/emulator.hpp"

#include <stdexcept>

#include "access_log.hpp"
#include "auth.hpp"
#include "context.hpp"
#include "faults.hpp"
#include "http/http_server.hpp"
#include "operations_state.hpp"
#include "router.hpp"
#include "stats.hpp"
#include "store/store.hpp"

namespace buildable::emulator {

struct Emulator::Impl {
  explicit Impl(EmulatorOptions o)
      : options(std::move(o)), keys(options.keys), faults(options.faults) {
    if (options.threads < 1) throw std::invalid_argument("EmulatorOptions::threads must be >= 1");
    if (options.port < 0 || options.port > 65535) {
      throw std::invalid_argument("EmulatorOptions::port must be in 0..65535");
    }
    if (options.db_connections < 1) {
      throw std::invalid_argument("EmulatorOptions::db_connections must be >= 1");
    }
    if (options.max_connections < 1) {
      throw std::invalid_argument("EmulatorOptions::max_connections must be >= 1");
    }
    if (options.keep_alive_timeout.count() < 1 || options.header_timeout.count() < 1 ||
        options.body_timeout.count() < 1) {
      throw std::invalid_argument(
          "EmulatorOptions: keep_alive_timeout, header_timeout and body_timeout must be >= 1 s");
    }
    if (options.drain_timeout.count() < 0) {
      throw std::invalid_argument("EmulatorOptions::drain_timeout must be >= 0 s");
    }
    options.keys = keys.keys();
  }

  detail::Store& store() {
    std::lock_guard lock(store_mutex);
    if (!store_) {
      detail::StoreOptions store_options;
      store_options.max_connections = options.db_connections;
      store_options.busy_retry_budget_ms = options.db_retry_budget.count();
      store_ = detail::open_store(options.db_path, store_options);
      context = std::make_unique<detail::ServerContext>(keys, *store_, faults, stats, operations);
      router = std::make_unique<detail::Router>(*context);
    }
    return *store_;
  }

  detail::DashboardLogin& context_for_dashboard() {
    store();
    return context->dashboard_login;
  }

  EmulatorOptions options;
  detail::KeyRing keys;
  detail::FaultInjector faults;
  detail::StatsCollector stats;
  detail::OperationsState operations;  // before the store and router, which refer to it

  std::mutex store_mutex;
  std::unique_ptr<detail::Store> store_;
  std::unique_ptr<detail::ServerContext> context;
  std::unique_ptr<detail::Router> router;

  std::mutex lifecycle_mutex;
  std::unique_ptr<detail::http::HttpServer> server;
  std::atomic<bool> running{false};
  std::atomic<int> port{0};
  std::string bound_address;   // guarded by lifecycle_mutex
  bool loopback_only = false;  // guarded by lifecycle_mutex
};

Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Emulator::~Emulator() {
  stop();
}

void Emulator::start() {
  std::lock_guard lock(impl_->lifecycle_mutex);
  if (impl_->running) return;
  impl_->store();
  const auto& options = impl_->options;
  if (!options.access_log.empty() && !impl_->operations.access_log) {
    try {
      impl_->operations.access_log =
          std::make_unique<detail::AccessLog>(options.access_log, options.access_log_format);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("buildable emulator: ") + e.what());
    }
  }
  detail::http::HttpServerOptions http;
  http.host = options.host;
  http.port = options.port;
  http.threads = options.threads;
  // A database call may wait (a network round trip, a lock, retries through an outage): on
  // worker threads, one per pooled connection, it never holds up the I/O threads.
  if (detail::is_postgresql_location(options.db_path)) {
    http.worker_threads = options.db_connections;
    // A request queued behind others waits at most its own budget for a worker, too.
    http.max_worker_wait = std::max(options.db_retry_budget, std::chrono::milliseconds(1000));
  }
  http.max_connections = static_cast<std::size_t>(options.max_connections);
  http.limits.idle_timeout = options.keep_alive_timeout;
  http.limits.header_timeout = options.header_timeout;
  http.limits.body_timeout = options.body_timeout;
  http.gauges = &impl_->operations.gauges;
  impl_->operations.draining = false;  // a restart serves again
  auto server = std::make_unique<detail::http::HttpServer>(*impl_->router, http);
  try {
    server->start();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("buildable emulator: ") + e.what());
  }
  impl_->port = server->port();
  impl_->bound_address = server->bound_address();
  impl_->loopback_only = server->loopback_only();
  impl_->server = std::move(server);
  impl_->running = true;
}

void Emulator::stop() {
  std::lock_guard lock(impl_->lifecycle_mutex);
  if (!impl_->running) return;
  begin_drain();
  impl_->server->stop(impl_->options.drain_timeout);
  impl_->server.reset();
  if (impl_->operations.access_log) impl_->operations.access_log->flush();
  impl_->running = false;
}

void Emulator::begin_drain() {
  impl_->operations.draining = true;
}

bool Emulator::draining() const {
  return impl_->operations.draining;
}

bool Emulator::running() const {
  return impl_->running;
}

int Emulator::port() const {
  return impl_->port;
}

std::string Emulator::base_url() const {
  // Every interface ("0.0.0.0", "::", but also "0" or "[::]"): name the local one.
  const std::string bound = bound_address();
  const std::string& host = impl_->options.host;
  const std::string shown = bound == "0.0.0.0" ? "127.0.0.1" : bound == "::" ? "::1" : host;
  const bool v6 = shown.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + shown + "]" : shown) + ":" + std::to_string(port());
}

std::string Emulator::bound_address() const {
  std::lock_guard lock(impl_->lifecycle_mutex);
  return impl_->bound_address;
}

bool Emulator::loopback_only() const {
  std::lock_guard lock(impl_->lifecycle_mutex);
  return impl_->running && impl_->loopback_only;
}

std::string Emulator::dashboard_url() {
  auto& login = impl_->context_for_dashboard();
  if (!loopback_only()) {
    login.revoke();
    return base_url() + "/";
  }
  return base_url() + "/#login=" + login.issue(impl_->keys.keys().front());
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
