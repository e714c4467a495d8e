#include "detail/stranded/stranded_service.hpp"

#include <algorithm>
#include <buildable/errors.hpp>
#include <buildable/listen_options.hpp>
#include <chrono>
#include <exception>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "detail/protocol/listen_requests.hpp"
#include "detail/protocol/message_parsing.hpp"
#include "detail/protocol/response_parsing.hpp"

namespace buildable::detail {
namespace {

/// At most this many StrandedList::skipped texts; the rest are counted in one more.
constexpr std::size_t kMaxSkippedTexts = 100;

std::string effective_tx_key(std::string_view tx_key) {
  return tx_key.empty() ? std::string(kDefaultTxKey) : std::string(tx_key);
}

void validate_event(std::string_view event, const char* call) {
  if (event.empty())
    throw InvalidArgument(std::string(call) + ": the event name must not be empty");
  const bool has_control = std::any_of(event.begin(), event.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (has_control) {
    throw InvalidArgument(std::string(call) +
                          ": the event name must not contain control characters");
  }
}

void validate_query(const StrandedQuery& query, const char* call) {
  validate_event(query.event, call);
  const std::string prefix = std::string(call) + ": StrandedQuery::";
  if (query.platform.find('.') != std::string::npos) {
    throw InvalidArgument(prefix + "platform must not contain a dot");
  }
  if (query.label.find('.') != std::string::npos) {
    throw InvalidArgument(prefix + "label must not contain a dot");
  }
  if (query.min_age.count() < 0) throw InvalidArgument(prefix + "min_age must not be negative");
  if (query.limit < 1 || query.limit > kMaxStrandedLimit) {
    throw InvalidArgument(prefix + "limit must be from 1 to " + std::to_string(kMaxStrandedLimit));
  }
}

/// The row's `createdAt` for a row whose content did not decode (decode_row stopped before
/// reading it), so that min_age and the age still apply.
std::chrono::system_clock::time_point raw_created_at(const nlohmann::json& row) {
  if (!row.is_object()) return {};
  const auto created = row.find("createdAt");
  if (created == row.end() || !created->is_number()) return {};
  constexpr double kLimitMs = 9.2e12;  // as decode_row: beyond it the conversion would overflow
  const double ms = created->get<double>();
  if (!(ms > -kLimitMs && ms < kLimitMs)) return {};
  return std::chrono::system_clock::time_point(
      std::chrono::milliseconds(static_cast<std::int64_t>(ms)));
}

/// Milliseconds since the epoch: differences of these cannot overflow, whatever a row says.
std::chrono::milliseconds ms_of(std::chrono::system_clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch());
}

ResolveResult error_result(std::string key, Resolution::State state, nlohmann::json output,
                           int attempts, std::exception_ptr error) {
  ResolveResult result;
  result.key = std::move(key);
  result.status = ResolveResult::Status::error;
  result.state = state;
  result.output = std::move(output);
  result.attempts = attempts;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    result.error = e.what();
  } catch (...) {
    result.error = "unknown error";
  }
  result.exception = std::move(error);
  return result;
}

bool is_failed(Resolution::State state) {
  return state == Resolution::State::failed;
}

}  // namespace

StrandedService::StrandedService(Settings settings, BlockingRequests& requests,
                                 std::shared_ptr<const Clock> clock)
    : settings_(std::move(settings)), requests_(requests), clock_(std::move(clock)) {}

StrandedList StrandedService::list(const StrandedQuery& query) const {
  validate_query(query, "stranded");
  QuerySpec spec;
  spec.event = query.event;
  spec.tx_key = effective_tx_key(query.tx_key);
  spec.platform = query.platform;
  spec.label = query.label;
  spec.since_ms =
      query.since
          ? std::chrono::duration_cast<std::chrono::milliseconds>(query.since->time_since_epoch())
                .count()
          : 0;
  const auto now = clock_->wall_now();
  // A min_age reaching back before the epoch leaves nothing old enough (and `now - min_age`
  // would overflow the clock's range).
  const std::chrono::milliseconds now_ms = ms_of(now);
  if (query.min_age >= now_ms) return {};
  const auto newest = now - query.min_age;  // rows created later are too young
  const std::unordered_set<std::string> wanted(query.keys.begin(), query.keys.end());
  std::unordered_set<std::string> listed;  // at most `limit` keys
  std::size_t scanned = 0;
  std::size_t skipped = 0;

  StrandedList list;
  std::vector<std::string> previous_page;  // a service that repeats a page is cut short
  bool done = false;
  for (std::int64_t page = 1; !done; ++page) {
    const RequestBody body =
        share_body(make_query_body(spec, settings_.page_size, "processing", page));
    int attempts = 0;
    HttpResponse response = requests_.perform("/query", RequestKind::query, body, attempts);
    if (!response.ok()) std::rethrow_exception(failure_exception(response, settings_.secret));
    QueryPage rows = parse_query_page(std::move(response.body), spec.tx_key, settings_.secret);
    const std::size_t rows_in_page = rows.rows.size() + rows.row_errors.size();
    scanned += rows_in_page;
    for (auto& why : rows.row_errors) {
      if (++skipped <= kMaxSkippedTexts) list.skipped.push_back(std::move(why));
    }
    std::vector<std::string> page_keys;
    for (const auto& row : rows.rows)
      page_keys.push_back(row.message.key);
    if (!page_keys.empty() && page_keys == previous_page) {
      list.truncated = true;  // the same page again: more would only repeat it
      break;
    }
    previous_page = std::move(page_keys);
    for (auto& row : rows.rows) {
      Message& message = row.message;
      if (!row.decode_error.empty()) message.created_at = raw_created_at(message.raw);
      // No usable createdAt (the epoch): its age is unknown, so it is never old enough.
      const bool age_known = message.created_at != std::chrono::system_clock::time_point{};
      if (query.min_age.count() > 0 && !age_known) continue;
      // Rows come oldest first: from the first one too young, all are.
      if (query.min_age.count() > 0 && message.created_at > newest) {
        done = true;
        break;
      }
      if (!wanted.empty() && wanted.count(message.key) == 0) continue;
      if (listed.count(message.key) != 0) continue;  // shifted onto this page meanwhile
      if (list.messages.size() == query.limit) {
        list.truncated = true;
        done = true;
        break;
      }
      listed.insert(message.key);
      StrandedMessage stranded;
      if (age_known)
        stranded.age = std::max(std::chrono::milliseconds(0), now_ms - ms_of(message.created_at));
      stranded.decode_error = std::move(row.decode_error);
      stranded.message = std::move(message);
      list.messages.push_back(std::move(stranded));
    }
    if (!wanted.empty() && listed.size() == wanted.size()) break;             // every key found
    if (rows_in_page < static_cast<std::size_t>(settings_.page_size)) break;  // the last page
    if (scanned >= kMaxStrandedRowsScanned) {
      list.truncated = true;
      break;
    }
  }
  if (skipped > kMaxSkippedTexts) {
    list.skipped.push_back("(and " + std::to_string(skipped - kMaxSkippedTexts) +
                           " more rows skipped for the same kind of reason)");
  }
  return list;
}

void StrandedService::send_record(const RequestBody& body, ResolveResult& result) const {
  HttpResponse response =
      requests_.perform("/transact", RequestKind::record, body, result.attempts);
  if (response.ok()) {
    result.status = ResolveResult::Status::recorded;
  } else if (!response.transport_failed() && response.status == 409) {
    result.status = ResolveResult::Status::already_ended;
  } else {
    std::rethrow_exception(failure_exception(response, settings_.secret));
  }
}

ResolveResult StrandedService::resolve(std::string_view event, std::string_view key,
                                       const Resolution& resolution,
                                       std::string_view tx_key) const {
  ResolveResult result;
  resolve_into(event, key, resolution, tx_key, "resolve", result);
  return result;
}

void StrandedService::resolve_into(std::string_view event, std::string_view key,
                                   const Resolution& resolution, std::string_view tx_key,
                                   const char* call, ResolveResult& result) const {
  validate_event(event, call);
  if (const char* problem = key_problem(key, settings_.secret)) {
    // Not quoted: it may be anything, the secret included.
    throw InvalidArgument(std::string(call) + ": the message key cannot be used (" + problem + ")");
  }
  result.key = std::string(key);
  result.state = resolution.state;
  RecordRequest request = make_checked_record_body(
      result.key, effective_tx_key(tx_key), std::string(event), resolution.output,
      is_failed(resolution.state), settings_.max_body_bytes,
      std::string(call) + ": the resolution's output");
  if (!request.unsendable.empty()) throw InvalidArgument(request.unsendable);
  result.output = resolution.output;
  send_record(request.body, result);
}

std::vector<ResolveResult> StrandedService::resolve_all(const StrandedQuery& query,
                                                        const Resolution& resolution) const {
  validate_query(query, "resolve_all");
  // The output is the same for every message: refuse it before anything is sent. (A body
  // just over the limit because of a long key is refused per message below.)
  const RecordRequest probe =
      make_checked_record_body("", effective_tx_key(query.tx_key), query.event, resolution.output,
                               is_failed(resolution.state), settings_.max_body_bytes,
                               "resolve_all: the resolution's output");
  if (!probe.unsendable.empty()) throw InvalidArgument(probe.unsendable);

  const StrandedList stranded = list(query);
  std::vector<ResolveResult> results;
  results.reserve(stranded.messages.size());
  for (const auto& entry : stranded.messages) {
    const Message& message = entry.message;
    ResolveResult result;
    try {
      resolve_into(message.event.empty() ? query.event : message.event, message.key, resolution,
                   message.tx_key, "resolve_all", result);
      results.push_back(std::move(result));
    } catch (...) {
      results.push_back(error_result(message.key, resolution.state, resolution.output,
                                     result.attempts, std::current_exception()));
    }
  }
  return results;
}

std::vector<ResolveResult> StrandedService::handle(const StrandedQuery& query,
                                                   const Handler& handler) const {
  if (!handler) throw InvalidArgument("handle_stranded: the handler must not be empty");
  validate_query(query, "handle_stranded");
  StrandedList stranded = list(query);
  std::vector<ResolveResult> results;
  results.reserve(stranded.messages.size());
  for (auto& entry : stranded.messages) {
    const Message& message = entry.message;
    const std::string event = message.event.empty() ? query.event : message.event;
    if (requests_.closed()) {
      // No handler starts once the client is closed: its result could not be recorded.
      results.push_back(error_result(message.key, Resolution::State::failed, nullptr, 0,
                                     std::make_exception_ptr(ClosedError())));
      continue;
    }
    // As the listener runs a handler and records its outcome (CallbackPool, ResultRecorder).
    bool failed = false;
    nlohmann::json output;
    if (!entry.decode_error.empty()) {
      failed = true;
      output = "the message could not be decoded: " + entry.decode_error;
    } else {
      try {
        output = handler(message);
      } catch (const std::exception& e) {
        failed = true;
        output = std::string(e.what());
      } catch (...) {
        failed = true;
        output = "the handler threw a non-standard exception";
      }
    }
    // The failure text becomes the stored output: never with the secret in it.
    if (failed && output.is_string()) output = redact(output.get<std::string>(), settings_.secret);
    RecordRequest request =
        make_checked_record_body(message.key, message.tx_key, event, output, failed,
                                 settings_.max_body_bytes, "the handler's output");
    if (!request.unsendable.empty()) {
      failed = true;
      output = std::move(request.unsendable);
      request.body = share_body(make_record_body(message.key, message.tx_key, event, output, true));
    }
    ResolveResult result;
    result.key = message.key;
    result.state = failed ? Resolution::State::failed : Resolution::State::finished;
    try {
      send_record(request.body, result);
      result.output = std::move(output);
      results.push_back(std::move(result));
    } catch (...) {
      results.push_back(error_result(message.key, result.state, std::move(output), result.attempts,
                                     std::current_exception()));
    }
  }
  return results;
}

}  // namespace buildable::detail
