#include "protocol.hpp"

#include <cmath>
#include <limits>
#include <optional>

#include "errors.hpp"

namespace buildable::emulator::detail {

namespace {

[[noreturn]] void missing(const char* field, const char* what) {
  throw RequestError(400, "missing-field",
                     std::string("`") + field + "` is required (" + what + ")");
}

[[noreturn]] void invalid(const char* field, const std::string& what) {
  throw RequestError(400, "invalid-field", std::string("`") + field + "` must be " + what);
}

// Names and keys stay well within what either store can index (PostgreSQL's B-tree rows hold
// at most 2,704 bytes), and hold no NUL character (libpq's text parameters end at one, SQLite
// would store it): the same answer from both stores.
constexpr std::size_t kMaxNameBytes = 1024;
constexpr const char* kNameRule =
    "a non-empty string of at most 1,024 bytes without NUL characters";

bool usable_name(const std::string& text) {
  return !text.empty() && text.size() <= kMaxNameBytes && text.find('\0') == std::string::npos;
}

// Typed access to the fields of a request body (a JSON object). A field set to null counts as
// absent; unknown fields are ignored.
class Fields {
 public:
  explicit Fields(const nlohmann::json& body) : body_(body) {}

  const nlohmann::json* find(const char* name) const {
    auto it = body_.find(name);
    if (it == body_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  std::string required_string(const char* name) const {
    const auto* value = find(name);
    if (!value) missing(name, kNameRule);
    if (!value->is_string() || !usable_name(value->get_ref<const std::string&>())) {
      invalid(name, kNameRule);
    }
    return value->get<std::string>();
  }

  std::optional<std::string> optional_string(const char* name, bool allow_dot = true) const {
    const auto* value = find(name);
    if (!value) return std::nullopt;
    if (!value->is_string() || !usable_name(value->get_ref<const std::string&>())) {
      invalid(name, std::string(kNameRule) + " when given");
    }
    auto text = value->get<std::string>();
    if (!allow_dot && text.find('.') != std::string::npos) invalid(name, "free of dots");
    return text;
  }

  std::string required_enum(const char* name, std::initializer_list<const char*> allowed,
                            std::optional<std::string> fallback = std::nullopt) const {
    std::string list;
    for (const char* a : allowed)
      list += (list.empty() ? "" : ", ") + std::string(a);
    const auto* value = find(name);
    if (!value) {
      if (fallback) return *fallback;
      missing(name, ("one of " + list).c_str());
    }
    if (value->is_string()) {
      for (const char* a : allowed) {
        if (value->get_ref<const std::string&>() == a) return a;
      }
    }
    invalid(name, "one of " + list);
  }

  // A number; fractional values round up (createdAt is whole milliseconds).
  std::int64_t required_time(const char* name) const {
    const auto* value = find(name);
    if (!value) missing(name, "a number, epoch milliseconds");
    if (value->is_number_integer()) return value->get<std::int64_t>();
    if (value->is_number_unsigned()) {
      const auto u = value->get<std::uint64_t>();
      return u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                 ? std::numeric_limits<std::int64_t>::max()
                 : static_cast<std::int64_t>(u);
    }
    if (value->is_number_float()) {
      const double d = std::ceil(value->get<double>());
      if (d >= 9.2e18) return std::numeric_limits<std::int64_t>::max();
      if (d <= -9.2e18) return std::numeric_limits<std::int64_t>::min();
      return static_cast<std::int64_t>(d);
    }
    invalid(name, "a number, epoch milliseconds");
  }

  // An integer in [min, max] (integral floats such as 2.0 accepted), or `fallback` when absent.
  std::int64_t optional_int(const char* name, std::int64_t fallback, std::int64_t min,
                            std::int64_t max) const {
    const auto* value = find(name);
    if (!value) return fallback;
    const std::string what =
        "an integer from " + std::to_string(min) +
        (max == std::numeric_limits<std::int64_t>::max() ? std::string(" up")
                                                         : " to " + std::to_string(max));
    double number = 0;
    if (value->is_number_integer() || value->is_number_float()) {
      number = value->get<double>();
    } else {
      invalid(name, what);
    }
    if (std::floor(number) != number || number < static_cast<double>(min) ||
        number > static_cast<double>(max) || number > 1e15) {
      invalid(name, what);
    }
    return static_cast<std::int64_t>(number);
  }

 private:
  const nlohmann::json& body_;
};

ApiResponse ok(nlohmann::json body) {
  return ApiResponse{200, std::move(body)};
}

ApiResponse fail(int status, const std::string& name, const std::string& message) {
  return ApiResponse{status, error_body(status, name, message)};
}

}  // namespace

const std::vector<std::string>& Protocol::endpoints() {
  static const std::vector<std::string> kEndpoints = {
      "/emit", "/query", "/init", "/transact", "/update", "/get-full-event-name"};
  return kEndpoints;
}

ApiResponse Protocol::handle(const std::string& endpoint, const SecretKey& caller,
                             const nlohmann::json& body) {
  try {
    if (!body.is_object())
      throw RequestError(400, "invalid-body", "the body must be a JSON object");
    if (endpoint == "/emit") return emit(caller, body);
    if (endpoint == "/query") return query(caller, body);
    if (endpoint == "/init") return init(caller, body);
    if (endpoint == "/transact") return transact(caller, body);
    if (endpoint == "/update") return update(caller, body);
    if (endpoint == "/get-full-event-name") return full_event_name(caller, body);
    return fail(404, "not-found", "no endpoint " + endpoint);
  } catch (const RequestError& e) {
    return ApiResponse{e.status(), e.body()};
  }
}

ApiResponse Protocol::emit(const SecretKey& caller, const nlohmann::json& body) {
  Fields fields(body);
  NewMessage message;
  message.event_name = fields.required_string("event");
  const auto* payload = fields.find("payload");
  if (!payload) missing("payload", "a JSON object");
  if (!payload->is_object()) invalid("payload", "a JSON object");
  message.payload = payload->dump();
  message.environment = caller.environment;
  message.platform = "custom";
  message.label = caller.name;
  const auto stored = store_.insert_message(message);
  return ok({{"status", "success"}, {"key", stored.key}});
}

ApiResponse Protocol::query(const SecretKey& caller, const nlohmann::json& body) {
  Fields fields(body);
  QueryFilter filter;
  filter.environment = caller.environment;
  filter.event_name = fields.required_string("eventName");
  filter.tx_key = fields.required_string("txKey");
  filter.since = fields.required_time("since");
  filter.platform = fields.optional_string("platform");
  filter.label = fields.optional_string("label");
  filter.tx_state = fields.required_enum(
      "txState", {"does-not-exist", "pending", "processing", "finished", "failed"},
      std::string("does-not-exist"));
  filter.page = fields.optional_int("page", 1, 1, std::numeric_limits<std::int64_t>::max());
  filter.page_size = fields.optional_int("pageSize", 10, 1, kMaxPageSize);
  const auto result = store_.query(filter);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : result.rows)
    rows.push_back(to_json(row));
  const std::int64_t total_pages = (result.total + filter.page_size - 1) / filter.page_size;
  return ok({{"rows", std::move(rows)},
             {"total", result.total},
             {"page", filter.page},
             {"pageSize", filter.page_size},
             {"totalPages", total_pages}});
}

ApiResponse Protocol::init(const SecretKey& caller, const nlohmann::json& body) {
  Fields fields(body);
  const auto key = fields.required_string("key");
  const auto tx_key = fields.required_string("txKey");
  fields.optional_string("eventName");
  // [ours] A client's token for this claim: the same claim sent again (its answer was lost)
  // gets the transaction it made instead of 409. Servers that ignore it answer 409 as before.
  const auto* token = fields.find("claimToken");
  const bool token_too_long = token && token->is_string() &&
                              token->get_ref<const std::string&>().size() > kMaxClaimTokenBytes;
  const std::string claim_token =
      token_too_long ? "" : fields.optional_string("claimToken").value_or("");
  if (token_too_long) {
    throw RequestError(
        400, "invalid-claim-token",
        "claimToken is longer than " + std::to_string(kMaxClaimTokenBytes) + " bytes");
  }
  const auto result = store_.claim(caller.environment, key, tx_key, caller.name, claim_token);
  switch (result.status) {
    case ClaimStatus::claimed:
      return ok(to_json(result.transaction));
    case ClaimStatus::exists:
      return fail(409, "transaction-exists",
                  "a transaction for message " + key + " and txKey '" + tx_key + "' exists");
    case ClaimStatus::taken:
      return fail(409, "claimed-by-another",
                  "message " + key + " is claimed for txKey '" + tx_key +
                      "' by another claimant (not with this claimToken)");
    case ClaimStatus::no_message:
      break;
  }
  return fail(404, "message-not-found", "no message with key " + key);
}

ApiResponse Protocol::transact(const SecretKey& caller, const nlohmann::json& body) {
  Fields fields(body);
  const auto key = fields.required_string("key");
  const auto tx_key = fields.required_string("txKey");
  const auto state = fields.required_enum("state", {"finished", "failed"});
  fields.optional_string("eventName");
  auto it = body.find("output");
  const std::string output = it == body.end() ? "null" : it->dump();
  const auto result = store_.finish(caller.environment, key, tx_key, state, output, caller.name);
  switch (result.status) {
    case FinishStatus::finished:
      return ok(to_json(result.transaction));
    case FinishStatus::already_ended:
      return fail(409, "transaction-ended",
                  "the transaction for message " + key + " and txKey '" + tx_key + "' is already " +
                      result.transaction.state);
    case FinishStatus::no_transaction:
      break;
  }
  return fail(404, "transaction-not-found",
              "no transaction for message " + key + " and txKey '" + tx_key + "'");
}

ApiResponse Protocol::update(const SecretKey& caller, const nlohmann::json& body) {
  Fields fields(body);
  const auto key = fields.required_string("key");
  const auto tx_key = fields.required_string("txKey");
  const auto state = fields.required_enum("txState", {"processing", "finished", "failed"});
  fields.optional_string("eventName");
  const auto message = store_.set_state(caller.environment, key, tx_key, state, caller.name);
  if (!message) return fail(404, "message-not-found", "no message with key " + key);
  return ok(to_json(*message));
}

ApiResponse Protocol::full_event_name(const SecretKey& caller, const nlohmann::json& body) {
  Fields fields(body);
  const auto event = fields.required_string("eventName");
  const auto platform = fields.optional_string("platform", false).value_or("custom");
  const auto label = fields.optional_string("label", false).value_or(caller.name);
  return ok({{"fullEventName", platform + "." + label + "." + event}});
}

}  // namespace buildable::emulator::detail
