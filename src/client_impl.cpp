#include "client_impl.hpp"

#include <system_error>
#include <utility>

#include "detail/transport/event_loop.hpp"

namespace buildable::detail {
namespace {

Poller::Settings poller_settings(const ClientOptions& o) {
  return {
      o.poll_interval, o.poll_jitter, o.max_poll_backoff, o.page_size, o.max_outstanding_messages,
      o.secret};
}

RetryPolicy::WallClock wall_clock_of(const std::shared_ptr<const Clock>& clock) {
  return [clock] { return clock->wall_now(); };
}

/// Reports beyond the messages a client may hold claimed: room for the ones that carry no
/// message of their own (poll errors), which merge anyway.
constexpr std::size_t kReportHeadroom = 1024;

}  // namespace

ClientImpl::ClientImpl(ClientOptions options, ClientSeams seams)
    : options_((options.validate(), std::move(options))),
      config_(TransportConfig::from_options(options_)),
      clock_(seams.clock ? std::move(seams.clock) : system_clock_source()),
      jitter_(seams.jitter ? std::move(seams.jitter) : default_jitter()),
      logger_(options_.logger, options_.log_level),
      tracer_(logger_, config_, options_.secret),
      reporter_(options_.on_error, logger_, options_.secret),
      sync_(config_),
      transport_(seams.transport ? std::move(seams.transport)
                                 : std::make_shared<EventLoop>(config_)),
      emitter_(
          options_.secret, options_.max_body_bytes,
          {options_.max_pending_emits, options_.max_pending_bytes, options_.when_emit_queue_full},
          RetryPolicy(options_.retry, jitter_, wall_clock_of(clock_),
                      std::make_shared<RetryBudget>()),
          sync_, [this]() -> AsyncTransport& { return started_transport(); }, clock_, metrics_,
          tracer_),
      blocking_(sync_, RetryPolicy(options_.retry, jitter_, wall_clock_of(clock_)), metrics_,
                tracer_),
      stranded_({options_.secret, options_.max_body_bytes, options_.page_size}, blocking_, clock_),
      pool_(options_.handler_threads, options_.max_outstanding_messages + kReportHeadroom,
            {[this](const ListenerPtr& listener, const Message& message, HandlerOutcome outcome) {
               metrics_.handler_call(outcome.elapsed, outcome.failed);
               recorder_.record(listener, message, std::move(outcome));
             },
             [this](const ListenerPtr& listener, std::vector<Message> messages) {
               poller_.abandon(listener, std::move(messages));
             },
             [this](const ListenerError& error) { reporter_.deliver(error); },
             [this] { MetricsRecorder::add(metrics_.reports_dropped); },
             [this](LogLevel level, const std::string& line) { logger_.log(level, line); }}),
      poller_(
          poller_settings(options_), *transport_, clock_, pool_,
          [this](const ListenerPtr& listener, const Message& message, HandlerOutcome outcome) {
            recorder_.record(listener, message, std::move(outcome));
          },
          metrics_, jitter_, tracer_),
      recorder_(*transport_, clock_, RetryPolicy(options_.retry, jitter_, wall_clock_of(clock_)),
                pool_, reporter_, metrics_, tracer_, options_.max_body_bytes,
                [this](const ListenerPtr& listener) { poller_.settled(listener); }) {
  tracer_.set_defer(
      [this](LogLevel level, std::string line) { pool_.log(level, std::move(line)); });
}

ClientImpl::~ClientImpl() {
  close();
}

Client ClientImpl::make_client(ClientOptions options, ClientSeams seams) {
  return Client(std::make_shared<ClientImpl>(std::move(options), std::move(seams)));
}

AsyncTransport& ClientImpl::started_transport() {
  // The trace lines of asynchronous requests go to the handler pool: start it here, not on
  // the I/O thread at the first line. A refused thread must not fail the emit: the first
  // line queued tries again.
  if (tracer_.tracing()) {
    try {
      pool_.start();
    } catch (const std::system_error&) {
    }
  }
  const bool running = transport_->start();  // a no-op once running; refuses after close()
  if (running && !io_started_.load(std::memory_order_relaxed) && !io_started_.exchange(true)) {
    tracer_.info("I/O thread started (asynchronous requests to " + config_->base_url + ", proxy " +
                 config_->proxy_label + ")");
  }
  return *transport_;
}

EmitResult ClientImpl::emit(std::string_view event, const nlohmann::json& payload) {
  return emitter_.emit(event, payload);
}

std::future<EmitResult> ClientImpl::emit_async(std::string_view event,
                                               const nlohmann::json& payload) {
  return emitter_.emit_async(event, payload);
}

std::future<std::vector<EmitOutcome>> ClientImpl::emit_batch_async(
    const std::vector<OutgoingEvent>& events) {
  return emitter_.emit_batch_async(events);
}

bool ClientImpl::flush(std::optional<std::chrono::steady_clock::time_point> deadline) {
  return emitter_.flush(deadline);
}

Subscription ClientImpl::on(std::string event, Handler handler, ListenOptions options) {
  ListenerPtr listener = registry_.add(std::move(event), std::move(handler), std::move(options));
  try {
    pool_.start();  // before the first poll: see start()
    started_transport();
  } catch (...) {
    // Out of threads: this on() fails as a whole, and leaves no listener behind.
    registry_.take(listener->subscription.id());
    registry_.forget(listener);
    throw;
  }
  poller_.add(listener);
  tracer_.info("listener added: " + listener->identity);
  return listener->subscription;
}

bool ClientImpl::off(const Subscription& subscription) {
  const auto taken = registry_.take(subscription.id());
  if (!taken.listener) return false;
  if (!taken.first) {
    // Someone else is removing it: the same promise holds for this caller.
    pool_.wait_drained(taken.listener);
    return false;
  }
  taken.listener->health->removed();
  if (pool_.remove(taken.listener)) registry_.forget(taken.listener);
  tracer_.info("listener removed: " + taken.listener->identity);
  return true;
}

std::vector<Subscription> ClientImpl::off(const ListenerFilter& filter) {
  const auto listeners = registry_.take_matching(filter);
  std::vector<Subscription> removed;
  removed.reserve(listeners.size());
  // Mark all first so none of them starts another handler while we wait for the others.
  for (const auto& listener : listeners) {
    listener->removed = true;
    listener->health->removed();
  }
  for (const auto& listener : listeners) {
    if (pool_.remove(listener)) registry_.forget(listener);
    removed.push_back(listener->subscription);
    tracer_.info("listener removed: " + listener->identity);
  }
  return removed;
}

void ClientImpl::close() {
  if (!shutdown_.begin()) {
    // Another close() is under way or done: wait for it and for the callback it may have
    // been called from, unless this is itself a callback (which that close() waits for).
    if (!pool_.in_callback()) {
      shutdown_.wait_closed();
      pool_.wait_idle();
    }
    return;
  }
  const auto listeners = registry_.close();
  tracer_.info("closing: " + std::to_string(listeners.size()) + " listeners, " +
               std::to_string(metrics_.snapshot().pending_emits) + " emits pending");
  poller_.stop();  // no claim is sent from here on
  emitter_.close();
  blocking_.close();  // stranded-message calls: no new request, no further retry
  const auto deadline = std::chrono::steady_clock::now() + options_.shutdown_timeout;
  // Claims already sent are answered (or time out): claimed messages reach the pool.
  poller_.wait_for_claims(deadline);
  // Claimed messages may start until the deadline; running handlers are waited for.
  pool_.drain(deadline);
  for (const auto& listener : listeners) {
    listener->removed = true;
    listener->health->removed();
  }
  // Results of finished handlers get a request timeout to reach the service.
  recorder_.wait(std::chrono::steady_clock::now() + options_.request_timeout);
  config_->aborting = true;
  transport_->stop();  // what is still in flight ends here, each with a report
  recorder_.report_unfinished();
  report_own_message();
  pool_.finish();  // delivers the reports still queued, then nothing of the SDK runs
  registry_.clear();
  const Metrics totals = metrics_.snapshot();
  tracer_.info("closed after " + std::to_string(totals.emits) + " emits (" +
               std::to_string(totals.emit_failures) + " failed) and " +
               std::to_string(totals.messages_dispatched) + " handler calls");
  shutdown_.complete();
}

void ClientImpl::report_own_message() {
  const Message* message = pool_.current_message();
  const Listener* listener = pool_.current_listener();
  if (message == nullptr || listener == nullptr) return;
  MetricsRecorder::add(metrics_.abandoned);
  pool_.report({ListenerError::Kind::abandoned, listener->identity, message->key,
                "close() was called from inside this message's handler, so its result cannot "
                "be recorded; it stays 'processing' for this txKey"});
}

}  // namespace buildable::detail
