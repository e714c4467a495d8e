#include "records.hpp"

namespace buildable::emulator::detail {

namespace {

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

nlohmann::json to_json(const MessageRecord& m) {
  nlohmann::json row = nlohmann::json::object();
  row["_id"] = m.id;
  row["key"] = m.key;
  row["eventName"] = m.event_name;
  row["platform"] = m.platform;
  row["label"] = m.label;
  row["environment"] = m.environment;
  row["payload"] = m.payload;
  row["headers"] = m.headers;
  row["query"] = m.query;
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
  tx["history"] = nlohmann::json::parse(t.history, nullptr, false);
  if (tx["history"].is_discarded()) tx["history"] = nlohmann::json::array();
  tx["startedAt"] = t.started_at;
  tx["txKey"] = t.tx_key;
  if (t.ended_at) tx["endedAt"] = *t.ended_at;
  tx["input"] = t.input;
  if (t.output) {
    auto output = nlohmann::json::parse(*t.output, nullptr, false);
    tx["output"] = output.is_discarded() ? nlohmann::json(*t.output) : output;
  }
  return tx;
}

}  // namespace buildable::emulator::detail
