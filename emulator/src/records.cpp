#include "records.hpp"

#include "json_text.hpp"

namespace buildable::emulator::detail {

namespace {

// Stands for stored text that parse_request_json() did not accept.
nlohmann::json placeholder(ParsedBody::Status status) {
  if (status == ParsedBody::Status::too_deep) {
    return "<stored JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
           " levels: not shown>";
  }
  return "<stored text is not valid JSON: not shown>";
}

nlohmann::json stored_field(const std::string& text, StoredJsonForm form) {
  return form == StoredJsonForm::text ? nlohmann::json(stored_json_text(text)) : stored_json(text);
}

std::string message_state(const MessageRecord& m) {
  if (m.tx_processing > 0) return "processing";
  if (m.tx_total > 0) return "completed";
  return "received";
}

}  // namespace

nlohmann::json history_entry(const std::string& enter_state, const std::string& exit_state,
                             std::int64_t timestamp, const std::string& updated_by) {
  nlohmann::json entry = nlohmann::json::object();
  entry["enterState"] = enter_state;
  entry["exitState"] = exit_state.empty() ? nlohmann::json(nullptr) : nlohmann::json(exit_state);
  entry["timestamp"] = timestamp;
  entry["updatedBy"] = updated_by;
  return entry;
}

std::string append_history(const std::string& history, const nlohmann::json& entry) {
  // Depth-checked: dumping a history nested too deep (an old or edited --db file) would
  // overflow the stack. Such a history, like an unreadable one, starts over.
  ParsedBody parsed = parse_request_json(history);
  nlohmann::json array = parsed.status == ParsedBody::Status::ok && parsed.value.is_array()
                             ? std::move(parsed.value)
                             : nlohmann::json::array();
  array.push_back(entry);
  return array.dump();
}

nlohmann::json stored_json(const std::string& text) {
  ParsedBody parsed = parse_request_json(text);
  if (parsed.status != ParsedBody::Status::ok) return placeholder(parsed.status);
  return std::move(parsed.value);
}

std::string stored_json_text(const std::string& text) {
  const auto status = parse_request_json(text).status;
  return status == ParsedBody::Status::ok ? text : to_json_text(placeholder(status));
}

nlohmann::json to_json(const MessageRecord& m, StoredJsonForm form) {
  nlohmann::json row = nlohmann::json::object();
  row["_id"] = m.id;
  row["key"] = m.key;
  row["eventName"] = m.event_name;
  row["platform"] = m.platform;
  row["label"] = m.label;
  row["environment"] = m.environment;
  row["payload"] = stored_field(m.payload, form);
  row["headers"] = stored_field(m.headers, form);
  row["query"] = stored_field(m.query, form);
  row["createdAt"] = m.created_at;
  row["state"] = message_state(m);
  row["history"] = nlohmann::json::array({history_entry("received", "", m.created_at, m.label)});
  row["ttl"] = m.created_at + kTtlMs;
  row["v"] = 0;
  row["ownership"] = {{"buildableId", "emulator"}, {"userId", "emulator"}, {"clientId", m.label}};
  row["processing"] = {{"hasTransactions", m.tx_total > 0},
                       {"totalTransactions", m.tx_total},
                       {"hasFutureTransactions", false},
                       {"isCompleted", m.tx_total > 0 && m.tx_processing == 0}};
  return row;
}

nlohmann::json to_json(const TransactionRecord& t) {
  nlohmann::json tx = nlohmann::json::object();
  tx["_id"] = t.id;
  tx["key"] = t.message_key;
  tx["txn"] = t.txn;
  tx["event"] = {{"_id", t.message_id}, {"eventName", t.event_name}};
  tx["createdAt"] = t.created_at;
  tx["ttl"] = t.created_at + kTtlMs;
  tx["state"] = t.state;
  tx["history"] = stored_json(t.history);
  tx["startedAt"] = t.started_at;
  tx["txKey"] = t.tx_key;
  if (t.ended_at) tx["endedAt"] = *t.ended_at;
  tx["input"] = stored_json_text(t.input);
  if (t.output) tx["output"] = stored_json(*t.output);
  return tx;
}

}  // namespace buildable::emulator::detail
