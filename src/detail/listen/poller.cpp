#include "detail/listen/poller.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "detail/listen/response_text.hpp"
#include "detail/protocol/listen_requests.hpp"
#include "detail/protocol/message_parsing.hpp"
#include "detail/protocol/response_parsing.hpp"
#include "detail/retry/retry_after.hpp"
#include "detail/support/random_token.hpp"

namespace buildable::detail {
namespace {

/// How many times a claim whose answer was lost is sent again with its token.
constexpr int kClaimResends = 3;

/// A failed claim whose request may have been acted on: the service may hold our claim.
bool claim_outcome_unknown(const HttpResponse& response) {
  if (response.transport_failed()) return response.maybe_sent;
  return response.status == 500 || response.status == 502 || response.status == 504;
}

/// 401 and 403 do not go away by retrying: reported once per failure streak, not per poll.
bool permanent(long status) {
  return status == 401 || status == 403;
}

}  // namespace

/// The rows of one query, claimed concurrently and released to the handlers in row order.
struct Poller::Page {
  ListenerPtr listener;
  std::vector<QueryRow> rows;
  std::vector<bool> claimed;  // resolved claim succeeded
  std::vector<bool> resolved;
  std::vector<std::string> claim_tokens;
  std::vector<int> resends;         // of each row's claim so far
  std::vector<bool> maybe_claimed;  // an answer was lost: the service may hold our claim
  std::size_t next_release = 0;
  std::size_t unresolved = 0;
  bool full = false;
  std::optional<ListenerError> claim_error;  ///< the latest failed claim (not 409)
  std::string retry_after;                   ///< the latest failed claim's Retry-After
};

/// Why a poll, or the claims of a page, failed.
struct Poller::Failure {
  ListenerError error;
  long status = 0;  ///< HTTP status, 0 for a transport or protocol failure
  std::string retry_after;
  bool reported = false;  ///< already reported (each failed claim is reported on its own)
};

Poller::Poller(Settings settings, AsyncTransport& transport, std::shared_ptr<const Clock> clock,
               CallbackPool& pool, CallbackPool::HandledCallback record_failed,
               MetricsRecorder& metrics, JitterSource jitter, const RequestTracer& tracer)
    : settings_(settings),
      transport_(transport),
      clock_(std::move(clock)),
      pool_(pool),
      record_failed_(std::move(record_failed)),
      metrics_(metrics),
      tracer_(tracer),
      jitter_(jitter),
      poll_backoff_(settings.poll_interval, settings.max_poll_backoff, 2.0, std::move(jitter)) {}

void Poller::add(const ListenerPtr& listener) {
  transport_.post([this, listener] { poll(listener); });
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

void Poller::poll(const ListenerPtr& listener,
                  std::optional<std::chrono::steady_clock::time_point> scheduled) {
  if (stopped_ || listener->removed || listener->polling) return;
  const int asked = room_for(*listener);
  if (asked <= 0) {
    if (!listener->waiting_for_room) {
      listener->waiting_for_room = true;
      waiting_.push_back(listener);
    }
    return;
  }
  listener->polling = true;
  // A timer's poll counts from its scheduled time, so that a late wake-up does not lengthen
  // the period after it.
  listener->poll_started = scheduled.value_or(clock_->now());
  ++listener->schedule_generation;  // a pending timer for this listener is now stale
  const bool sent = transport_.submit("/query", share_body(make_query_body(listener->query, asked)),
                                      [this, listener, asked](HttpResponse&& response) {
                                        on_query(listener, asked, std::move(response));
                                      });
  if (!sent) listener->polling = false;
}

void Poller::schedule(const ListenerPtr& listener, std::chrono::milliseconds delay) {
  schedule_at(listener, clock_->now() + delay);
}

void Poller::schedule_at(const ListenerPtr& listener, std::chrono::steady_clock::time_point when) {
  const auto generation = ++listener->schedule_generation;
  transport_.post_at(when, [this, listener, generation, when] {
    if (listener->schedule_generation == generation) poll(listener, when);
  });
}

void Poller::schedule_idle_poll(const ListenerPtr& listener) {
  // Start to start, so that the time a poll takes does not stretch the period and an emit
  // waits half an interval on average. A poll slower than half the period still leaves half
  // a period of rest after it: an idle listener never polls a slow service back to back.
  const auto period = jittered_interval();
  const auto rested = clock_->now() + period / 2;
  schedule_at(listener, std::max(listener->poll_started + period, rested));
}

std::chrono::microseconds Poller::jittered_interval() const {
  const double spread = settings_.poll_jitter * (2.0 * jitter_() - 1.0);
  const auto interval = std::chrono::duration<double, std::micro>(settings_.poll_interval);
  const auto us = static_cast<std::int64_t>(interval.count() * (1.0 + spread));
  return std::chrono::microseconds(std::max<std::int64_t>(1'000, us));
}

void Poller::on_query(const ListenerPtr& listener, int asked, HttpResponse&& response) {
  tracer_.attempt_deferred("/query", 0, response);
  const auto fail = [&](std::string why, const HttpResponse* answer) {
    listener->polling = false;
    MetricsRecorder::add(metrics_.poll_failures);
    Failure failure;
    failure.error = {ListenerError::Kind::poll, listener->identity, {}, std::move(why)};
    if (answer != nullptr && !answer->transport_failed()) failure.status = answer->status;
    failure.error.http_status = static_cast<int>(failure.status);
    if (answer != nullptr) failure.retry_after = answer->retry_after;
    on_failure(listener, std::move(failure));
  };
  if (stopped_) {
    // Closing: nothing will be claimed, and a poll cut short by close() is no error.
    listener->polling = false;
    return;
  }
  if (!response.ok()) return fail(describe_failure(response), &response);
  QueryPage parsed;
  try {
    parsed = parse_query_page(std::move(response.body), listener->query.tx_key, settings_.secret);
  } catch (const std::exception& e) {
    return fail(e.what(), nullptr);
  }
  MetricsRecorder::add(metrics_.polls);
  for (auto& why : parsed.row_errors) {
    pool_.report({ListenerError::Kind::poll, listener->identity, {}, std::move(why)});
  }
  const auto limit = static_cast<std::size_t>(asked);
  if (parsed.rows.size() > limit) {
    pool_.report({ListenerError::Kind::poll,
                  listener->identity,
                  {},
                  "the service answered " + std::to_string(parsed.rows.size()) +
                      " rows to a query for at most " + std::to_string(asked) +
                      "; only the first " + std::to_string(asked) +
                      " are claimed, the rest will be offered again"});
    parsed.rows.resize(limit);
  }
  auto page = std::make_shared<Page>();
  page->listener = listener;
  // Unusable rows do not count: they come back on every poll, and re-polling at once for
  // them would be a retry storm.
  page->full = parsed.rows.size() >= limit;
  page->rows = std::move(parsed.rows);
  page->claimed.assign(page->rows.size(), false);
  page->resends.assign(page->rows.size(), 0);
  page->maybe_claimed.assign(page->rows.size(), false);
  page->claim_tokens.reserve(page->rows.size());
  for (std::size_t i = 0; i < page->rows.size(); ++i)
    page->claim_tokens.push_back(random_token());
  page->resolved.assign(page->rows.size(), false);
  page->unresolved = page->rows.size();
  if (page->rows.empty() || stopped_ || listener->removed) {
    page->full = false;
    on_page_done(*page);
    return;
  }
  claim_rows(page);
}

void Poller::claim_rows(const std::shared_ptr<Page>& page) {
  {
    std::lock_guard lock(claims_mutex_);
    claims_in_flight_ += page->rows.size();
  }
  for (std::size_t i = 0; i < page->rows.size(); ++i) {
    if (submit_claim(page, i)) continue;
    // Closing: the remaining rows are never claimed, so nothing is lost by skipping them.
    const std::size_t skipped = page->rows.size() - i;
    for (std::size_t j = i; j < page->rows.size(); ++j)
      page->resolved[j] = true;
    page->unresolved -= skipped;
    page->full = false;
    release_in_order(*page);
    if (page->unresolved == 0) on_page_done(*page);
    claims_done(skipped);
    return;
  }
}

bool Poller::submit_claim(const std::shared_ptr<Page>& page, std::size_t index) {
  const auto& listener = page->listener;
  return !stopped_ && transport_.submit("/init",
                                        share_body(make_claim_body(
                                            page->rows[index].message.key, listener->query.tx_key,
                                            listener->query.event, page->claim_tokens[index])),
                                        [this, page, index](HttpResponse&& claim) {
                                          on_claim(page, index, std::move(claim));
                                        });
}

void Poller::on_failure(const ListenerPtr& listener, Failure failure) {
  ++listener->failures;
  const auto wait = backoff_wait(listener->failures, failure.retry_after);
  failure.error.message += " (next poll in " + std::to_string(wait.count()) + " ms)";
  listener->health->failed(failure.error);
  const bool repeat = permanent(failure.status) && listener->permanent_status == failure.status;
  if (!failure.reported && !repeat) pool_.report(std::move(failure.error));
  listener->permanent_status = permanent(failure.status) ? failure.status : 0;
  if (stopped_ || listener->removed) return;
  schedule(listener, wait);
}

std::chrono::milliseconds Poller::backoff_wait(int failures, const std::string& retry_after) const {
  auto wait = poll_backoff_.ceiling(failures - 1);
  wait = wait / 2 + std::chrono::milliseconds(static_cast<std::int64_t>(
                        static_cast<double>(wait.count()) / 2.0 * jitter_()));
  if (!retry_after.empty()) {
    if (auto asked = parse_retry_after(retry_after, clock_->wall_now())) {
      wait = std::clamp(*asked, wait, std::max(wait, settings_.max_poll_backoff));
    }
  }
  return wait;
}

// --- Claiming --------------------------------------------------------------------------

void Poller::on_claim(const std::shared_ptr<Page>& page, std::size_t index,
                      HttpResponse&& response) {
  tracer_.attempt_deferred("/init", page->resends[index] == 0 ? 0 : page->resends[index] + 1,
                           response);
  const auto& listener = page->listener;
  const auto& message = page->rows[index].message;
  const bool lost_answer = !response.ok() && claim_outcome_unknown(response);
  if (lost_answer) page->maybe_claimed[index] = true;
  const bool failed = !response.ok() && (response.transport_failed() || response.status != 409);
  // [ours] A server that honours claim tokens says when the claim is certainly another's.
  const bool taken =
      !failed && !response.ok() && parse_error_body(response.body).name == "claimed-by-another";
  if (taken) page->maybe_claimed[index] = false;
  if (failed && page->maybe_claimed[index] && page->resends[index] < kClaimResends) {
    // Same token again: a server that honours it answers with the claim it may have made.
    ++page->resends[index];
    if (submit_claim(page, index)) return;
  }
  page->resolved[index] = true;
  --page->unresolved;
  if (response.ok()) {
    page->claimed[index] = true;
    ++listener->backlog;
    metrics_.set_outstanding(++outstanding_);
  } else if (!failed && !page->maybe_claimed[index]) {
    // Another consumer with this txKey won the race; skipping the message is the protocol.
    MetricsRecorder::add(metrics_.claims_lost);
  } else {
    MetricsRecorder::add(metrics_.claim_failures);
    const bool unknown = page->maybe_claimed[index];
    std::string why = describe_failure(response);
    why += unknown ? "; the service may have recorded the claim, in which case the message "
                     "stays 'processing' for this txKey (list it with Client::stranded() or "
                     "'buildable stranded')"
                   : "; the message stays unclaimed and will be offered again";
    ListenerError error{unknown ? ListenerError::Kind::claim_ambiguous : ListenerError::Kind::claim,
                        listener->identity, message.key, std::move(why)};
    if (!response.transport_failed()) error.http_status = static_cast<int>(response.status);
    page->claim_error = error;
    if (!response.retry_after.empty()) page->retry_after = response.retry_after;
    pool_.report(std::move(error));
  }
  release_in_order(*page);
  if (page->unresolved == 0) on_page_done(*page);
  claims_done(1);
}

void Poller::release_in_order(Page& page) {
  while (page.next_release < page.rows.size() && page.resolved[page.next_release]) {
    const std::size_t i = page.next_release++;
    if (!page.claimed[i]) continue;
    QueryRow& row = page.rows[i];
    if (!row.decode_error.empty()) {
      // Claimed so it is not offered again; recorded failed without calling the handler.
      HandlerOutcome outcome;
      outcome.failed = true;
      outcome.output = "the message could not be decoded: " + row.decode_error;
      record_failed_(page.listener, row.message, std::move(outcome));
      continue;
    }
    pool_.enqueue(page.listener, std::move(row.message));
  }
}

void Poller::on_page_done(const Page& page) {
  const auto& listener = page.listener;
  listener->polling = false;
  if (page.claim_error) {
    // Failed claims count like a failed poll: never "full", and the listener backs off.
    Failure failure;
    failure.error = *page.claim_error;
    failure.retry_after = page.retry_after;
    failure.reported = true;
    on_failure(listener, std::move(failure));
    return;
  }
  listener->failures = 0;
  listener->permanent_status = 0;
  listener->health->succeeded();
  if (stopped_ || listener->removed) return;
  if (page.full) {
    poll(listener);
  } else {
    schedule_idle_poll(listener);
  }
}

void Poller::claims_done(std::size_t count) {
  {
    std::lock_guard lock(claims_mutex_);
    claims_in_flight_ -= count;
  }
  claims_changed_.notify_all();
}

bool Poller::wait_for_claims(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(claims_mutex_);
  return claims_changed_.wait_until(lock, deadline, [&] { return claims_in_flight_ == 0; });
}

// --- Room ------------------------------------------------------------------------------

void Poller::free_room(const ListenerPtr& listener, int messages) {
  listener->backlog -= messages;
  outstanding_ -= static_cast<std::size_t>(messages);
  metrics_.set_outstanding(outstanding_);
  // Wake every waiting listener that has room now; the others keep waiting.
  std::vector<ListenerPtr> woken;
  const auto still_waiting =
      std::stable_partition(waiting_.begin(), waiting_.end(),
                            [&](const auto& l) { return !l->removed && room_for(*l) <= 0; });
  woken.assign(std::make_move_iterator(still_waiting), std::make_move_iterator(waiting_.end()));
  waiting_.erase(still_waiting, waiting_.end());
  for (const auto& next : woken) {
    next->waiting_for_room = false;
    poll(next);
  }
}

void Poller::abandon(const ListenerPtr& listener, std::vector<Message> messages) {
  MetricsRecorder::add(metrics_.abandoned, messages.size());
  for (const auto& message : messages) {
    pool_.report({ListenerError::Kind::abandoned, listener->identity, message.key,
                  "claimed but not handled because the listener was removed or the client "
                  "closed; it stays 'processing' for this txKey"});
  }
  const int count = static_cast<int>(messages.size());
  transport_.post([this, listener, count] { free_room(listener, count); });
}

}  // namespace buildable::detail
