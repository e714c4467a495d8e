#pragma once
// A minimal in-memory Buildable service for ScriptedTransport rules: /query pages the
// messages a txKey has not claimed, /init claims (409 when taken), /transact records.

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "scripted_transport.hpp"

namespace core_test {

class FakeService {
 public:
  /// Adds `count` messages of `event`; returns their keys.
  std::vector<std::string> add(const std::string& event, int count);
  /// Installs the /query, /init and /transact rules on `transport`.
  void serve(ScriptedTransport& transport);
  /// Whether a claim sent again with the token of the claim it made gets 200 (as this project's
  /// server does) instead of 409 (as a service that ignores tokens does). Off by default.
  void honour_claim_tokens(bool honour) { honour_tokens_ = honour; }

  std::optional<buildable::detail::HttpResponse> query(const Request& request);
  std::optional<buildable::detail::HttpResponse> claim(const Request& request);
  std::optional<buildable::detail::HttpResponse> record(const Request& request);

  /// The state recorded for (key, txKey): "processing", "finished", "failed" or "".
  std::string state(const std::string& key, const std::string& tx_key = "default") const;
  std::size_t count_in_state(const std::string& state) const;

 private:
  struct Row {
    std::string key;
    std::string event;
  };
  mutable std::mutex mutex_;
  std::vector<Row> rows_;
  std::map<std::pair<std::string, std::string>, std::string> states_;  // (key, txKey)
  std::map<std::pair<std::string, std::string>, std::string> tokens_;  // (key, txKey)
  std::atomic<bool> honour_tokens_{false};
  int next_ = 0;
};

}  // namespace core_test
