#include "dashboard_api.hpp"

#include <charconv>

#include "errors.hpp"
#include "records.hpp"

namespace buildable::emulator::detail {

namespace {

constexpr std::int64_t kMaxEventNames = 500;
constexpr std::size_t kMaxSearchLength = 1000;

[[noreturn]] void invalid(const char* parameter, const std::string& what) {
  throw RequestError(400, "invalid-field", std::string("`") + parameter + "` must be " + what);
}

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// A parameter's value; absent and empty both mean "no filter".
bool valid_utf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();  // the serializer checks every sequence
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

std::optional<std::string> parameter(const QueryParameters& parameters, const char* name) {
  auto it = parameters.find(name);
  if (it == parameters.end() || it->second.empty()) return std::nullopt;
  // Matched by neither store (libpq's text ends at a NUL; PostgreSQL refuses invalid UTF-8):
  // refused the same way by both.
  if (it->second.find('\0') != std::string::npos) invalid(name, "free of NUL characters");
  if (!valid_utf8(it->second)) invalid(name, "valid UTF-8 (percent-decoded)");
  return it->second;
}

// The message's state at a glance, from its transactions. A failure is never hidden behind
// the others: `failed` (all failed), else `partly-failed` (some failed, the others finished or
// still processing), else `processing` (some still processing), else `finished`.
const char* summary_of(const std::vector<TransactionRecord>& transactions) {
  if (transactions.empty()) return "no-transactions";
  std::size_t failed = 0;
  bool processing = false;
  for (const auto& tx : transactions) {
    if (tx.state == "failed") ++failed;
    if (tx.state == "processing") processing = true;
  }
  if (failed == transactions.size()) return "failed";
  if (failed > 0) return "partly-failed";
  return processing ? "processing" : "finished";
}

nlohmann::json to_dashboard_json(const TransactionRecord& record) {
  nlohmann::json tx = to_json(record);
  // The page does not need the copy of the payload nor the ids of the message it sits in.
  tx.erase("input");
  tx.erase("event");
  tx.erase("key");
  tx.erase("ttl");
  if (record.ended_at) tx["durationMs"] = *record.ended_at - record.started_at;
  return tx;
}

// The stored text a message brings into a page (what its JSON answer is made of).
std::size_t stored_size(const BrowsedMessage& browsed) {
  std::size_t size = browsed.message.payload.size() + browsed.message.headers.size() +
                     browsed.message.query.size();
  for (const auto& tx : browsed.transactions)
    size += tx.history.size() + (tx.output ? tx.output->size() : 0);
  return size;
}

nlohmann::json to_dashboard_json(const BrowsedMessage& browsed) {
  nlohmann::json row = to_json(browsed.message, StoredJsonForm::value);
  row["summary"] = summary_of(browsed.transactions);
  row["cursor"] = encode_cursor({browsed.message.created_at, browsed.message.seq});
  nlohmann::json transactions = nlohmann::json::array();
  for (const auto& tx : browsed.transactions)
    transactions.push_back(to_dashboard_json(tx));
  row["transactions"] = std::move(transactions);
  return row;
}

}  // namespace

std::string encode_cursor(const MessageCursor& cursor) {
  return std::to_string(cursor.created_at) + ":" + std::to_string(cursor.seq);
}

std::optional<MessageCursor> decode_cursor(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const auto created_at = parse_int(text.substr(0, colon));
  const auto seq = parse_int(text.substr(colon + 1));
  if (!created_at || !seq) return std::nullopt;
  return MessageCursor{*created_at, *seq};
}

const std::vector<std::string>& DashboardApi::endpoints() {
  static const std::vector<std::string> kEndpoints = {
      "/_dashboard/api/session", "/_dashboard/api/messages", "/_dashboard/api/events"};
  return kEndpoints;
}

ApiResponse DashboardApi::handle(const std::string& endpoint, const SecretKey& caller,
                                 const QueryParameters& parameters) {
  try {
    if (endpoint == "/_dashboard/api/session") return session(caller);
    if (endpoint == "/_dashboard/api/messages") return messages(caller, parameters);
    if (endpoint == "/_dashboard/api/events") return events(caller);
    return {404, error_body(404, "not-found", "no endpoint " + endpoint)};
  } catch (const RequestError& e) {
    return {e.status(), e.body()};
  }
}

ApiResponse DashboardApi::session(const SecretKey& caller) {
  // Who the secret belongs to, never the secret itself.
  return {200, {{"keyName", caller.name}, {"environment", caller.environment}}};
}

ApiResponse DashboardApi::messages(const SecretKey& caller, const QueryParameters& parameters) {
  BrowseFilter filter;
  filter.environment = caller.environment;
  filter.event_name = parameter(parameters, "event");
  filter.tx_key = parameter(parameters, "txKey");
  filter.tx_state = parameter(parameters, "state");
  if (filter.tx_state && *filter.tx_state != "processing" && *filter.tx_state != "finished" &&
      *filter.tx_state != "failed") {
    invalid("state", "one of processing, finished, failed");
  }
  filter.payload_text = parameter(parameters, "search");
  if (filter.payload_text && filter.payload_text->size() > kMaxSearchLength) {
    invalid("search", "at most " + std::to_string(kMaxSearchLength) + " bytes");
  }
  if (const auto before = parameter(parameters, "before")) {
    filter.before = decode_cursor(*before);
    if (!filter.before) invalid("before", "a nextCursor returned by this endpoint");
  }
  filter.limit = kDashboardDefaultLimit;
  if (const auto limit = parameter(parameters, "limit")) {
    const auto value = parse_int(*limit);
    if (!value || *value < 1 || *value > kDashboardMaxLimit) {
      invalid("limit", "an integer from 1 to " + std::to_string(kDashboardMaxLimit));
    }
    filter.limit = *value;
  }

  const BrowsePage page = store_.browse(filter);
  nlohmann::json messages = nlohmann::json::array();
  std::size_t bytes = 0;
  bool cut = false;  // the page ends early: big messages filled it
  for (const auto& browsed : page.messages) {
    if (bytes >= kDashboardMaxPageBytes) {
      cut = true;
      break;
    }
    bytes += stored_size(browsed);
    messages.push_back(to_dashboard_json(browsed));
  }
  nlohmann::json next = nullptr;
  if (page.has_more || cut) {
    const auto& last = page.messages[messages.size() - 1].message;
    next = encode_cursor({last.created_at, last.seq});
  }
  return {200, {{"messages", std::move(messages)}, {"nextCursor", std::move(next)}}};
}

ApiResponse DashboardApi::events(const SecretKey& caller) {
  return {200, {{"events", store_.event_names(caller.environment, kMaxEventNames)}}};
}

}  // namespace buildable::emulator::detail
