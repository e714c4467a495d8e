#pragma once

#include <buildable/client.hpp>
#include <memory>
#include <mutex>
#include <vector>

#include "detail/emit/emitter.hpp"
#include "detail/listen/error_reporter.hpp"
#include "detail/transport/event_loop.hpp"
#include "detail/listen/handler_pool.hpp"
#include "detail/listen/listener_registry.hpp"
#include "detail/support/logger.hpp"
#include "detail/support/metrics_recorder.hpp"
#include "detail/listen/poller.hpp"
#include "detail/transport/sync_transport.hpp"
#include "detail/transport/transport_config.hpp"

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
