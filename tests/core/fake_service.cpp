#include "fake_service.hpp"

namespace core_test {

using buildable::detail::HttpResponse;

std::vector<std::string> FakeService::add(const std::string& event, int count) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> keys;
  for (int i = 0; i < count; ++i) {
    keys.push_back(event + "-" + std::to_string(next_++));
    rows_.push_back({keys.back(), event});
  }
  return keys;
}

void FakeService::serve(ScriptedTransport& transport) {
  transport.on("/query", [this](const Request& r) { return query(r); });
  transport.on("/init", [this](const Request& r) { return claim(r); });
  transport.on("/transact", [this](const Request& r) { return record(r); });
}

std::optional<HttpResponse> FakeService::query(const Request& request) {
  std::lock_guard lock(mutex_);
  const auto event = request.body.value("eventName", "");
  const auto tx_key = request.body.value("txKey", "");
  const auto limit = request.body.value("pageSize", 100);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : rows_) {
    if (row.event != event || states_.count({row.key, tx_key}) != 0) continue;
    if (static_cast<int>(rows.size()) >= limit) break;
    rows.push_back({{"key", row.key}, {"eventName", row.event}, {"payload", {{"n", 1}}}});
  }
  return answer_json(200, {{"rows", rows}});
}

std::optional<HttpResponse> FakeService::claim(const Request& request) {
  std::lock_guard lock(mutex_);
  const auto key = std::make_pair(request.body.value("key", ""), request.body.value("txKey", ""));
  const std::string token = request.body.value("claimToken", "");
  if (!states_.emplace(key, "processing").second) {
    const bool again =
        honour_tokens_ && !token.empty() && tokens_[key] == token && states_[key] == "processing";
    if (!again && honour_tokens_ && !token.empty() && tokens_[key] != token) {
      return answer_json(409, {{"status", "error"}, {"name", "claimed-by-another"}});
    }
    if (!again) return answer_status(409);
  }
  tokens_[key] = token;
  return answer_json(200, {{"status", "success"}});
}

std::optional<HttpResponse> FakeService::record(const Request& request) {
  std::lock_guard lock(mutex_);
  const auto key = std::make_pair(request.body.value("key", ""), request.body.value("txKey", ""));
  states_[key] = request.body.value("state", "");
  return answer_json(200, {{"status", "success"}});
}

std::string FakeService::state(const std::string& key, const std::string& tx_key) const {
  std::lock_guard lock(mutex_);
  const auto found = states_.find({key, tx_key});
  return found == states_.end() ? std::string() : found->second;
}

std::size_t FakeService::count_in_state(const std::string& state) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [key, s] : states_)
    n += s == state ? 1 : 0;
  return n;
}

}  // namespace core_test
