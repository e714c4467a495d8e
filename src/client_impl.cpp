#include "client_impl.hpp"

#include <algorithm>
#include <utility>

namespace buildable::detail {
namespace {

Poller::Settings poller_settings(const ClientOptions& o) {
  return {o.poll_interval, o.poll_jitter, o.max_poll_backoff, o.page_size,
          o.max_outstanding_messages};
}

}  // namespace

ClientImpl::ClientImpl(ClientOptions options)
    : options_((options.validate(), std::move(options))),
      config_(TransportConfig::from_options(options_)),
      logger_(options_.logger),
      reporter_(options_.on_error, logger_, options_.secret),
      sync_(config_),
      loop_(config_),
      emitter_(
          options_.secret, options_.max_body_bytes,
          RetryPolicy(
              options_.retry, default_jitter(), [] { return std::chrono::system_clock::now(); },
              std::make_shared<RetryBudget>()),
          sync_, [this]() -> EventLoop& { return started_loop(); }, metrics_),
      pool_(
          options_.handler_threads,
          [this](const ListenerPtr& listener, const Message& message, HandlerOutcome outcome) {
            metrics_.handler_call(outcome.elapsed, outcome.failed);
            poller_.record(listener, message, std::move(outcome));
          },
          [this](const ListenerPtr& listener, std::vector<Message> messages) {
            poller_.abandon(listener, std::move(messages));
          }),
      poller_(poller_settings(options_), loop_, pool_, reporter_, metrics_,
              RetryPolicy(options_.retry), default_jitter()) {}

ClientImpl::~ClientImpl() {
  close();
}

EventLoop& ClientImpl::started_loop() {
  loop_.start();  // a no-op once running; refuses after close(), and submissions then fail
  return loop_;
}

EmitResult ClientImpl::emit(std::string_view event, const nlohmann::json& payload) {
  return emitter_.emit(event, payload);
}

std::future<EmitResult> ClientImpl::emit_async(std::string_view event,
                                               const nlohmann::json& payload) {
  return emitter_.emit_async(event, payload);
}

Subscription ClientImpl::on(std::string event, Handler handler, ListenOptions options) {
  ListenerPtr listener = registry_.add(std::move(event), std::move(handler), std::move(options));
  started_loop();
  poller_.add(listener);
  return listener->subscription;
}

bool ClientImpl::off(const Subscription& subscription) {
  ListenerPtr listener = registry_.take(subscription.id());
  if (!listener) return false;
  pool_.remove(listener);
  return true;
}

std::vector<Subscription> ClientImpl::off(const ListenerFilter& filter) {
  return remove_all(registry_.take_matching(filter));
}

std::vector<Subscription> ClientImpl::remove_all(const std::vector<ListenerPtr>& listeners) {
  std::vector<Subscription> removed;
  removed.reserve(listeners.size());
  // Mark all first so none of them starts another handler while we wait for the others.
  for (const auto& listener : listeners)
    listener->removed = true;
  for (const auto& listener : listeners) {
    pool_.remove(listener);
    removed.push_back(listener->subscription);
  }
  return removed;
}

void ClientImpl::close() {
  {
    std::lock_guard lock(close_mutex_);
    if (closed_) return;
    closed_ = true;
  }
  const auto listeners = registry_.close();
  poller_.stop();
  emitter_.close();
  const auto now = std::chrono::steady_clock::now();
  // Claimed messages may still start until the deadline; running handlers are waited for.
  pool_.close(now + options_.shutdown_timeout);
  for (const auto& listener : listeners)
    listener->removed = true;
  // Results of finished handlers get a request timeout to reach the service.
  poller_.wait_for_records(std::chrono::steady_clock::now() + options_.request_timeout);
  config_->aborting = true;
  loop_.stop();
}

}  // namespace buildable::detail
