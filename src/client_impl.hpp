#pragma once

#include <buildable/client.hpp>
#include <memory>
#include <mutex>
#include <vector>

#include "detail/emitter.hpp"
#include "detail/error_reporter.hpp"
#include "detail/event_loop.hpp"
#include "detail/handler_pool.hpp"
#include "detail/listener_registry.hpp"
#include "detail/logger.hpp"
#include "detail/metrics_recorder.hpp"
#include "detail/poller.hpp"
#include "detail/sync_transport.hpp"
#include "detail/transport_config.hpp"

namespace buildable::detail {

/// Everything behind a buildable::Client. Members are declared in dependency order, so they
/// are built and destroyed in the right order.
class ClientImpl {
 public:
  explicit ClientImpl(ClientOptions options);
  ~ClientImpl();
  ClientImpl(const ClientImpl&) = delete;
  ClientImpl& operator=(const ClientImpl&) = delete;

  static std::weak_ptr<ClientImpl> weak_from(Client& client) { return client.impl_; }

  EmitResult emit(std::string_view event, const nlohmann::json& payload);
  std::future<EmitResult> emit_async(std::string_view event, const nlohmann::json& payload);
  Subscription on(std::string event, Handler handler, ListenOptions options);
  bool off(const Subscription& subscription);
  std::vector<Subscription> off(const ListenerFilter& filter);
  std::vector<Subscription> subscriptions() const { return registry_.subscriptions(); }
  void close();
  const ClientOptions& options() const noexcept { return options_; }
  Metrics metrics() const noexcept { return metrics_.snapshot(); }

 private:
  EventLoop& started_loop();
  std::vector<Subscription> remove_all(const std::vector<ListenerPtr>& listeners);

  const ClientOptions options_;
  std::shared_ptr<TransportConfig> config_;
  Logger logger_;
  MetricsRecorder metrics_;
  ErrorReporter reporter_;
  SyncTransport sync_;
  EventLoop loop_;
  Emitter emitter_;
  HandlerPool pool_;
  Poller poller_;
  ListenerRegistry registry_;

  std::mutex close_mutex_;
  bool closed_ = false;
};

}  // namespace buildable::detail
