// Raw HTTP claim+record rate, without the SDK: emits COUNT messages of EVENT (not timed), then
// CONNECTIONS threads, each with one kept-alive libcurl handle, claim a message (/init) and
// record it finished (/transact) until all are done. Prints claim+record pairs per second.
//   claim_record_through BASE_URL SECRET EVENT TXKEY COUNT CONNECTIONS
#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

// One kept-alive connection that POSTs JSON and returns the status and the answer's body.
class Connection {
 public:
  Connection(std::string base_url, const std::string& secret) : base_url_(std::move(base_url)) {
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
    headers_ = curl_slist_append(headers_, ("X-Buildable-Secret: " + secret).c_str());
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &Connection::append);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &answer_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    curl_easy_cleanup(easy_);
    curl_slist_free_all(headers_);
  }

  long post(const std::string& path, const nlohmann::json& body) {
    const std::string url = base_url_ + path, text = body.dump();
    answer_.clear();
    curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, text.c_str());
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE, static_cast<long>(text.size()));
    if (curl_easy_perform(easy_) != CURLE_OK) return 0;
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }
  const std::string& answer() const { return answer_; }

 private:
  static size_t append(char* data, size_t size, size_t count, void* to) {
    static_cast<std::string*>(to)->append(data, size * count);
    return size * count;
  }

  std::string base_url_;
  CURL* easy_ = curl_easy_init();
  curl_slist* headers_ = nullptr;
  std::string answer_;
};

std::vector<std::string> emit_messages(Connection& connection, const std::string& event,
                                       long count) {
  std::vector<std::string> keys;
  for (long i = 0; i < count; ++i) {
    if (connection.post("/emit", {{"event", event}, {"payload", {{"i", i}}}}) != 200) {
      throw std::runtime_error("emit failed: " + connection.answer());
    }
    keys.push_back(nlohmann::json::parse(connection.answer()).at("key").get<std::string>());
  }
  return keys;
}

// Claims and records keys[next...] until none is left; counts the answers that were not 200.
void claim_and_record(Connection& connection, const std::vector<std::string>& keys,
                      const std::string& tx_key, std::atomic<size_t>& next,
                      std::atomic<long>& refused) {
  for (size_t i = next++; i < keys.size(); i = next++) {
    const nlohmann::json claim = {{"key", keys[i]}, {"txKey", tx_key}};
    if (connection.post("/init", claim) != 200) {
      ++refused;
      continue;
    }
    nlohmann::json record = claim;
    record["output"] = nullptr;
    record["state"] = "finished";
    if (connection.post("/transact", record) != 200) ++refused;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: claim_record_through BASE_URL SECRET EVENT TXKEY COUNT CONNECTIONS\n";
    return 2;
  }
  const std::string base_url = argv[1], secret = argv[2], tx_key = argv[4];
  const long count = std::atol(argv[5]);
  const int connections = std::atoi(argv[6]);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::vector<std::string> keys;
  {
    Connection emitter(base_url, secret);
    keys = emit_messages(emitter, argv[3], count);
  }
  std::atomic<size_t> next{0};
  std::atomic<long> refused{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back([&] {
      Connection connection(base_url, secret);
      claim_and_record(connection, keys, tx_key, next, refused);
    });
  }
  for (auto& thread : threads)
    thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  curl_global_cleanup();
  if (refused > 0) {
    std::cerr << "claim_record_through: " << refused << " claims or records not answered 200\n";
    return 1;
  }
  std::cout << static_cast<long>(static_cast<double>(count) / seconds) << "\n";
  return 0;
}
