// A small JSON-over-HTTP client of one emulator (cpp-httplib, not the SDK), for the dashboard's
// tests and its measuring program: GETs of the dashboard API and POSTs of the protocol, each
// with a given secret.
#pragma once

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace buildable::emulator::testing {

struct DashboardReply {
  int status = 0;       // 0 = transport error
  nlohmann::json body;  // parsed, or discarded
  std::string raw;
  httplib::Headers headers;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class DashboardClient {
 public:
  DashboardClient(int port, std::string secret)
      : client_("127.0.0.1", port), secret_(std::move(secret)) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
    client_.set_connection_timeout(std::chrono::seconds(5));
    client_.set_read_timeout(std::chrono::seconds(30));
  }

  /// GET `path` with the query `params`; with this client's secret unless `with_secret` is
  /// false (an empty secret is sent as an empty header).
  DashboardReply get(const std::string& path, const httplib::Params& params = {},
                     bool with_secret = true) {
    httplib::Headers headers;
    if (with_secret) headers.emplace("X-Buildable-Secret", secret_);
    return reply(client_.Get(path, params, headers));
  }

  /// POST `body` as JSON with this client's secret (a protocol endpoint).
  DashboardReply post(const std::string& path, const nlohmann::json& body) {
    return reply(
        client_.Post(path, {{"X-Buildable-Secret", secret_}}, body.dump(), "application/json"));
  }

  /// POST /emit; returns the new message's key.
  std::string emit(const std::string& event, const nlohmann::json& payload) {
    auto answer = post("/emit", {{"event", event}, {"payload", payload}});
    if (answer.status != 200) throw std::runtime_error("emit failed: " + answer.raw);
    return answer.body.at("key").get<std::string>();
  }

  /// Claims (key, txKey) and, unless `state` is "processing", records `output` with `state`.
  void transact(const std::string& key, const std::string& tx_key, const std::string& state,
                const nlohmann::json& output = nullptr) {
    auto claim = post("/init", {{"key", key}, {"txKey", tx_key}});
    if (claim.status != 200) throw std::runtime_error("init failed: " + claim.raw);
    if (state == "processing") return;
    auto result =
        post("/transact", {{"key", key}, {"txKey", tx_key}, {"state", state}, {"output", output}});
    if (result.status != 200) throw std::runtime_error("transact failed: " + result.raw);
  }

 private:
  static DashboardReply reply(const httplib::Result& result) {
    DashboardReply answer;
    if (!result) return answer;
    answer.status = result->status;
    answer.raw = result->body;
    answer.headers = result->headers;
    answer.body = nlohmann::json::parse(result->body, nullptr, false);
    return answer;
  }

  httplib::Client client_;
  std::string secret_;
};

}  // namespace buildable::emulator::testing
