#pragma once

#include <atomic>
#include <buildable/client.hpp>
#include <memory>
#include <vector>

#include "detail/emit/emitter.hpp"
#include "detail/listen/callback_pool.hpp"
#include "detail/listen/error_reporter.hpp"
#include "detail/listen/listener_registry.hpp"
#include "detail/listen/poller.hpp"
#include "detail/listen/result_recorder.hpp"
#include "detail/listen/shutdown_state.hpp"
#include "detail/retry/backoff.hpp"
#include "detail/stranded/blocking_requests.hpp"
#include "detail/stranded/stranded_service.hpp"
#include "detail/support/clock.hpp"
#include "detail/support/logger.hpp"
#include "detail/support/metrics_recorder.hpp"
#include "detail/transport/async_transport.hpp"
#include "detail/transport/request_tracer.hpp"
#include "detail/transport/sync_transport.hpp"
#include "detail/transport/transport_config.hpp"

namespace buildable::detail {

/// What a client reaches the network and the time through. The defaults are the real ones;
/// unit tests put a scripted transport, a hand-moved clock and fixed jitter in their place.
struct ClientSeams {
  std::shared_ptr<AsyncTransport> transport;  ///< null: an EventLoop over libcurl
  std::shared_ptr<const Clock> clock;         ///< null: the machine's clocks
  JitterSource jitter;                        ///< empty: random
};

/// Everything behind a buildable::Client. Members are declared in dependency order, so they
/// are built and destroyed in the right order.
class ClientImpl {
 public:
  explicit ClientImpl(ClientOptions options, ClientSeams seams = {});
  ~ClientImpl();
  ClientImpl(const ClientImpl&) = delete;
  ClientImpl& operator=(const ClientImpl&) = delete;

  /// A Client over these seams (for tests).
  static Client make_client(ClientOptions options, ClientSeams seams);
  static std::weak_ptr<ClientImpl> weak_from(Client& client) { return client.impl_; }

  EmitResult emit(std::string_view event, const nlohmann::json& payload);
  std::future<EmitResult> emit_async(std::string_view event, const nlohmann::json& payload);
  std::future<std::vector<EmitOutcome>> emit_batch_async(const std::vector<OutgoingEvent>& events);
  bool flush(std::optional<std::chrono::steady_clock::time_point> deadline);
  Subscription on(std::string event, Handler handler, ListenOptions options);
  bool off(const Subscription& subscription);
  std::vector<Subscription> off(const ListenerFilter& filter);
  std::vector<Subscription> subscriptions() const { return registry_.subscriptions(); }
  const StrandedService& stranded() const noexcept { return stranded_; }
  void close();
  const ClientOptions& options() const noexcept { return options_; }
  Metrics metrics() const noexcept { return metrics_.snapshot(); }

 private:
  AsyncTransport& started_transport();
  void report_own_message();

  const ClientOptions options_;
  std::shared_ptr<TransportConfig> config_;
  std::shared_ptr<const Clock> clock_;
  JitterSource jitter_;
  Logger logger_;
  RequestTracer tracer_;
  MetricsRecorder metrics_;
  ErrorReporter reporter_;
  SyncTransport sync_;
  std::shared_ptr<AsyncTransport> transport_;
  Emitter emitter_;
  BlockingRequests blocking_;  // the stranded-message calls' requests
  StrandedService stranded_;
  CallbackPool pool_;
  Poller poller_;
  ResultRecorder recorder_;
  ListenerRegistry registry_;
  ShutdownState shutdown_;
  std::atomic<bool> io_started_{false};  // for the one "I/O thread started" trace line
};

}  // namespace buildable::detail
