#include "detail/listen/poller.hpp"

#include <algorithm>
#include <buildable/errors.hpp>
#include <optional>
#include <utility>

#include "detail/protocol/listen_requests.hpp"
#include "detail/protocol/response_parsing.hpp"
#include "detail/retry/retry_after.hpp"

namespace buildable::detail {
namespace {

using Clock = std::chrono::steady_clock;

std::string describe(const HttpResponse& response) {
  try {
    std::rethrow_exception(failure_exception(response, {}));
  } catch (const std::exception& e) {
    return e.what();
  }
}

/// A failed claim whose request may have been acted on: the service may hold our claim.
bool claim_outcome_unknown(const HttpResponse& response) {
  if (response.transport_failed()) return response.maybe_sent;
  return response.status == 500 || response.status == 502 || response.status == 504;
}

}  // namespace

/// The rows of one query, claimed concurrently and released to the handlers in row order.
struct Poller::Page {
  ListenerPtr listener;
  std::vector<QueryRow> rows;
  std::vector<bool> claimed;  // resolved claim succeeded
  std::vector<bool> resolved;
  std::size_t next_release = 0;
  std::size_t unresolved = 0;
  bool full = false;
};

/// One /transact across its attempts.
struct Poller::Record {
  ListenerPtr listener;
  std::string key;
  std::string body;
  int attempts = 0;
  Clock::time_point started = Clock::now();
};

Poller::Poller(Settings settings, EventLoop& loop, HandlerPool& pool, ErrorReporter& reporter,
               MetricsRecorder& metrics, RetryPolicy record_policy, JitterSource jitter)
    : settings_(settings),
      loop_(loop),
      pool_(pool),
      reporter_(reporter),
      metrics_(metrics),
      record_policy_(std::move(record_policy)),
      jitter_(jitter),
      poll_backoff_(settings.poll_interval, settings.max_poll_backoff, 2.0, std::move(jitter)) {}

void Poller::add(const ListenerPtr& listener) {
  loop_.post([this, listener] { poll(listener); });
}

void Poller::stop() {
  stopped_ = true;
}

// --- Polling ---------------------------------------------------------------------------

int Poller::room_for(const Listener& listener) const {
  const int own_room = 2 * settings_.page_size - listener.backlog;
  const auto client_room = settings_.max_outstanding > outstanding_
                               ? settings_.max_outstanding - outstanding_
                               : std::size_t{0};
  return static_cast<int>(
      std::min<std::size_t>({static_cast<std::size_t>(std::max(own_room, 0)), client_room,
                             static_cast<std::size_t>(settings_.page_size)}));
}

void Poller::poll(const ListenerPtr& listener) {
  if (stopped_ || listener->removed || listener->polling) return;
  const int asked = room_for(*listener);
  if (asked <= 0) {
    if (!listener->waiting_for_budget) {
      listener->waiting_for_budget = true;
      waiting_.push_back(listener);
    }
    return;
  }
  listener->polling = true;
  ++listener->schedule_generation;  // a pending timer for this listener is now stale
  const bool sent = loop_.submit("/query", make_query_body(listener->query, asked),
                                 [this, listener, asked](HttpResponse&& response) {
                                   on_query(listener, asked, std::move(response));
                                 });
  if (!sent) listener->polling = false;
}

void Poller::schedule(const ListenerPtr& listener, std::chrono::milliseconds delay) {
  const auto generation = ++listener->schedule_generation;
  loop_.post_at(Clock::now() + delay, [this, listener, generation] {
    if (listener->schedule_generation == generation) poll(listener);
  });
}

std::chrono::milliseconds Poller::jittered_interval() const {
  const double spread = settings_.poll_jitter * (2.0 * jitter_() - 1.0);
  const double ms = static_cast<double>(settings_.poll_interval.count()) * (1.0 + spread);
  return std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(ms)));
}

void Poller::on_query(const ListenerPtr& listener, int asked, HttpResponse&& response) {
  if (!response.ok()) {
    listener->polling = false;
    on_poll_failed(listener, describe(response), &response);
    return;
  }
  QueryPage parsed;
  try {
    parsed = parse_query_page(response.body, listener->query.tx_key);
  } catch (const std::exception& e) {
    listener->polling = false;
    on_poll_failed(listener, e.what(), nullptr);
    return;
  }
  MetricsRecorder::add(metrics_.polls);
  listener->failures = 0;
  for (auto& why : parsed.row_errors) {
    report({ListenerError::Kind::poll, listener->identity, {}, std::move(why)});
  }
  if (parsed.rows.empty() || stopped_ || listener->removed) {
    on_page_done(listener, false);
    return;
  }
  auto page = std::make_shared<Page>();
  page->listener = listener;
  page->full = static_cast<int>(parsed.rows.size() + parsed.row_errors.size()) >= asked;
  page->rows = std::move(parsed.rows);
  page->claimed.assign(page->rows.size(), false);
  page->resolved.assign(page->rows.size(), false);
  page->unresolved = page->rows.size();
  for (std::size_t i = 0; i < page->rows.size(); ++i) {
    const auto& message = page->rows[i].message;
    const bool sent = loop_.submit(
        "/init", make_claim_body(message.key, listener->query.tx_key, listener->query.event),
        [this, page, i](HttpResponse&& claim) { on_claim(page, i, std::move(claim)); });
    if (!sent) return;  // the loop is stopping; nothing was claimed
  }
}

void Poller::on_poll_failed(const ListenerPtr& listener, const std::string& why,
                            const HttpResponse* response) {
  MetricsRecorder::add(metrics_.poll_failures);
  ++listener->failures;
  auto wait = poll_backoff_.ceiling(listener->failures - 1);
  wait = wait / 2 + std::chrono::milliseconds(static_cast<std::int64_t>(
                        static_cast<double>(wait.count()) / 2.0 * jitter_()));
  if (response != nullptr && !response->retry_after.empty()) {
    if (auto asked = parse_retry_after(response->retry_after, std::chrono::system_clock::now())) {
      wait = std::clamp(*asked, wait, settings_.max_poll_backoff);
    }
  }
  report({ListenerError::Kind::poll,
          listener->identity,
          {},
          why + " (next poll in " + std::to_string(wait.count()) + " ms)"});
  schedule(listener, wait);
}

// --- Claiming --------------------------------------------------------------------------

void Poller::on_claim(const std::shared_ptr<Page>& page, std::size_t index,
                      HttpResponse&& response) {
  const auto& listener = page->listener;
  const auto& message = page->rows[index].message;
  page->resolved[index] = true;
  --page->unresolved;
  if (response.ok()) {
    page->claimed[index] = true;
    ++listener->backlog;
    metrics_.set_outstanding(++outstanding_);
  } else if (!response.transport_failed() && response.status == 409) {
    // Another consumer with this txKey won the race; skipping the message is the protocol.
    MetricsRecorder::add(metrics_.claims_lost);
  } else {
    const bool unknown = claim_outcome_unknown(response);
    std::string why = describe(response);
    why += unknown ? "; the service may have recorded the claim, in which case the message "
                     "stays 'processing' for this txKey (find it with txState: processing)"
                   : "; the message stays unclaimed and will be offered again";
    report({unknown ? ListenerError::Kind::claim_ambiguous : ListenerError::Kind::claim,
            listener->identity, message.key, std::move(why)});
  }
  release_in_order(*page);
  if (page->unresolved == 0) on_page_done(listener, page->full);
}

void Poller::release_in_order(Page& page) {
  while (page.next_release < page.rows.size() && page.resolved[page.next_release]) {
    const std::size_t i = page.next_release++;
    if (!page.claimed[i]) continue;
    QueryRow& row = page.rows[i];
    if (!row.decode_error.empty()) {
      // Claimed so it is not offered again; recorded failed without calling the handler.
      report({ListenerError::Kind::handler, page.listener->identity, row.message.key,
              "the message could not be decoded: " + row.decode_error});
      HandlerOutcome outcome;
      outcome.failed = true;
      outcome.output = "the message could not be decoded: " + row.decode_error;
      record(page.listener, row.message, std::move(outcome));
      continue;
    }
    pool_.enqueue(page.listener, std::move(row.message));
  }
}

void Poller::on_page_done(const ListenerPtr& listener, bool full) {
  listener->polling = false;
  if (stopped_ || listener->removed) return;
  if (full) {
    poll(listener);
  } else {
    schedule(listener, jittered_interval());
  }
}

void Poller::free_room(const ListenerPtr& listener, int messages) {
  listener->backlog -= messages;
  outstanding_ -= static_cast<std::size_t>(messages);
  metrics_.set_outstanding(outstanding_);
  // Wake listeners that stopped for lack of room, oldest first, until one is still blocked.
  while (!waiting_.empty()) {
    ListenerPtr next = waiting_.front();
    if (room_for(*next) <= 0) break;
    waiting_.pop_front();
    next->waiting_for_budget = false;
    poll(next);
  }
}

// --- Recording -------------------------------------------------------------------------

void Poller::record(const ListenerPtr& listener, const Message& message, HandlerOutcome outcome) {
  if (outcome.failed) {
    // The failure text becomes the transaction's stored output: a handler exception quoting
    // the secret must not put it there (X1), just as it must not reach on_error.
    if (outcome.output.is_string()) {
      outcome.output = reporter_.redact_secret(outcome.output.get<std::string>());
    }
    report(
        {ListenerError::Kind::handler, listener->identity, message.key,
         outcome.output.is_string() ? outcome.output.get<std::string>() : outcome.output.dump()});
  }
  auto job = std::make_shared<Record>();
  job->listener = listener;
  job->key = message.key;
  try {
    job->body = make_record_body(message.key, listener->query.tx_key, listener->query.event,
                                 outcome.output, outcome.failed);
  } catch (const std::exception& e) {
    const std::string why = std::string("the handler's output is not valid JSON: ") + e.what();
    report({ListenerError::Kind::handler, listener->identity, message.key, why});
    job->body = make_record_body(message.key, listener->query.tx_key, listener->query.event, why,
                                 /*failed=*/true);
  }
  {
    std::lock_guard lock(records_mutex_);
    ++records_in_flight_;
  }
  send_record(job);
}

void Poller::send_record(const std::shared_ptr<Record>& job) {
  ++job->attempts;
  const bool sent = loop_.submit("/transact", job->body, [this, job](HttpResponse&& response) {
    on_record(job, std::move(response));
  });
  if (!sent) {
    MetricsRecorder::add(metrics_.records_failed);
    report({ListenerError::Kind::record, job->listener->identity, job->key,
            "the client closed before the result could be recorded; the message stays "
            "'processing' for this txKey"});
    record_finished();
  }
}

void Poller::on_record(const std::shared_ptr<Record>& job, HttpResponse&& response) {
  // 409: already finished or failed, e.g. our earlier attempt landed but its answer was lost.
  const bool done = response.ok() || (!response.transport_failed() && response.status == 409);
  if (!done) {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - job->started);
    if (auto wait =
            record_policy_.next_delay(RequestKind::record, response, job->attempts, elapsed)) {
      MetricsRecorder::add(metrics_.retries);
      loop_.post_at(Clock::now() + *wait, [this, job] { send_record(job); });
      return;
    }
    MetricsRecorder::add(metrics_.records_failed);
    report({ListenerError::Kind::record, job->listener->identity, job->key,
            describe(response) + "; the message stays 'processing' for this txKey"});
  }
  free_room(job->listener, 1);
  record_finished();
}

void Poller::record_finished() {
  {
    std::lock_guard lock(records_mutex_);
    --records_in_flight_;
  }
  records_changed_.notify_all();
}

bool Poller::wait_for_records(Clock::time_point deadline) {
  std::unique_lock lock(records_mutex_);
  return records_changed_.wait_until(lock, deadline, [&] { return records_in_flight_ == 0; });
}

void Poller::abandon(const ListenerPtr& listener, std::vector<Message> messages) {
  MetricsRecorder::add(metrics_.abandoned, messages.size());
  for (const auto& message : messages) {
    report({ListenerError::Kind::abandoned, listener->identity, message.key,
            "claimed but not handled because the listener was removed or the client closed; "
            "it stays 'processing' for this txKey"});
  }
  const int count = static_cast<int>(messages.size());
  loop_.post([this, listener, count] { free_room(listener, count); });
}

void Poller::report(ListenerError error) {
  if (loop_.in_loop_thread()) {
    // User callbacks never run on the I/O thread.
    pool_.post([this, error = std::move(error)]() mutable { reporter_.report(std::move(error)); });
  } else {
    reporter_.report(std::move(error));
  }
}

}  // namespace buildable::detail
