#include "raw_curl.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <vector>

#include "measure.hpp"

namespace bench {
namespace {

std::size_t append_to_string(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

curl_slist* sdk_headers(const std::string& secret) {
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Content-Type: application/json");
  list = curl_slist_append(list, "Accept: application/json");
  list = curl_slist_append(list, ("X-Buildable-Secret: " + secret).c_str());
  list = curl_slist_append(list, "Expect:");
  return list;
}

// Sets up `easy` for POSTs of `body` (kept alive by the caller) to `url`.
void setup_post(CURL* easy, const std::string& url, curl_slist* headers, const std::string& body,
                const std::string& user_agent, std::string* response) {
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, response);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 30'000L);
  if (!user_agent.empty()) curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent.c_str());
}

// What every client must check at least: 2xx and a key in the body.
bool emit_succeeded(CURL* easy, const std::string& response) {
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  return status >= 200 && status < 300 && response.find("\"key\"") != std::string::npos;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

void ensure_curl_global() {
  static CurlGlobal global;
}

}  // namespace

void RunResult::set(const Span& span) {
  wall_s = span.wall_s;
  cpu_s = span.cpu_s;
  switches = span.switches;
}

std::string emit_body(const std::string& event, const nlohmann::json& payload) {
  return nlohmann::json{{"event", event}, {"payload", payload}}.dump();
}

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

RunResult raw_emit_loop(const EmitRequest& request, std::uint64_t n) {
  ensure_curl_global();
  CURL* easy = curl_easy_init();
  curl_slist* headers = sdk_headers(request.secret);
  std::string response;
  const std::string url = request.base_url + "/emit";
  setup_post(easy, url, headers, request.body, request.user_agent, &response);

  RunResult result;
  Stopwatch watch;
  for (std::uint64_t i = 0; i < n; ++i) {
    response.clear();
    const CURLcode rc = curl_easy_perform(easy);
    if (rc == CURLE_OK && emit_succeeded(easy, response)) {
      ++result.ok;
    } else {
      ++result.failed;
    }
  }
  const Span span = watch.stop();
  result.set(span);
  curl_easy_cleanup(easy);
  curl_slist_free_all(headers);
  return result;
}

RunResult raw_emit_multi(const EmitRequest& request, std::uint64_t n, int inflight) {
  ensure_curl_global();
  struct Slot {
    CURL* easy = nullptr;
    std::string response;
  };
  const std::size_t slots_wanted =
      static_cast<std::size_t>(std::min<std::uint64_t>(n, static_cast<std::uint64_t>(inflight)));
  std::vector<Slot> slots(slots_wanted);
  curl_slist* headers = sdk_headers(request.secret);
  const std::string url = request.base_url + "/emit";
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(inflight));
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(inflight));

  RunResult result;
  Stopwatch watch;
  std::uint64_t started = 0;
  for (Slot& slot : slots) {
    slot.easy = curl_easy_init();
    setup_post(slot.easy, url, headers, request.body, request.user_agent, &slot.response);
    curl_easy_setopt(slot.easy, CURLOPT_PRIVATE, &slot);
    curl_multi_add_handle(multi, slot.easy);
    ++started;
  }
  int running = 0;
  while (result.ok + result.failed < n) {
    curl_multi_perform(multi, &running);
    int queued = 0;
    bool any_done = false;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      any_done = true;
      CURL* easy = msg->easy_handle;
      Slot* slot = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&slot));
      if (msg->data.result == CURLE_OK && emit_succeeded(easy, slot->response)) {
        ++result.ok;
      } else {
        ++result.failed;
      }
      curl_multi_remove_handle(multi, easy);
      if (started < n) {
        slot->response.clear();
        curl_multi_add_handle(multi, easy);
        ++started;
      }
    }
    // Re-added transfers start in the next perform; wait only when nothing finished.
    if (!any_done) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  const Span span = watch.stop();
  result.set(span);
  for (Slot& slot : slots) {
    curl_multi_remove_handle(multi, slot.easy);
    curl_easy_cleanup(slot.easy);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);
  return result;
}

RawHttp::RawHttp(std::string base_url, std::string secret, std::string user_agent)
    : base_url_(std::move(base_url)), user_agent_(std::move(user_agent)) {
  ensure_curl_global();
  easy_ = curl_easy_init();
  headers_ = sdk_headers(secret);
}

RawHttp::~RawHttp() {
  curl_easy_cleanup(static_cast<CURL*>(easy_));
  curl_slist_free_all(static_cast<curl_slist*>(headers_));
}

long RawHttp::post(const std::string& path, const std::string& body) {
  CURL* easy = static_cast<CURL*>(easy_);
  const std::string url = base_url_ + path;
  response_.clear();
  setup_post(easy, url, static_cast<curl_slist*>(headers_), body, user_agent_, &response_);
  if (curl_easy_perform(easy) != CURLE_OK) return 0;
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

namespace {

// One query + claim/handle/record of its rows. Returns the number of rows the page had.
// `on_handled` runs right after the handler, before the record.
std::size_t raw_cycle_once(RawHttp& http, const RawListenerConfig& config,
                           const std::function<void(const nlohmann::json&)>& handler,
                           const std::function<void()>& on_handled) {
  const nlohmann::json query = {{"eventName", config.event},
                                {"txKey", config.tx_key},
                                {"since", config.since_ms},
                                {"txState", "does-not-exist"},
                                {"page", 1},
                                {"pageSize", config.page_size}};
  if (http.post("/query", query.dump()) != 200) return 0;
  const nlohmann::json page = nlohmann::json::parse(http.response(), nullptr, false);
  if (!page.is_object() || !page.contains("rows") || !page["rows"].is_array()) return 0;
  const nlohmann::json& rows = page["rows"];
  for (const nlohmann::json& row : rows) {
    const std::string key = row.value("key", "");
    const nlohmann::json claim = {
        {"key", key}, {"txKey", config.tx_key}, {"eventName", config.event}};
    if (http.post("/init", claim.dump()) != 200) continue;
    nlohmann::json payload = nlohmann::json::object();
    if (auto it = row.find("payload"); it != row.end()) {
      payload =
          it->is_string() ? nlohmann::json::parse(it->get<std::string>(), nullptr, false) : *it;
    }
    handler(payload);
    on_handled();
    const nlohmann::json record = {{"key", key},
                                   {"txKey", config.tx_key},
                                   {"eventName", config.event},
                                   {"output", nullptr},
                                   {"state", "finished"}};
    http.post("/transact", record.dump());
  }
  return rows.size();
}

}  // namespace

RunResult raw_drain(const RawListenerConfig& config, std::uint64_t expected,
                    std::chrono::milliseconds timeout,
                    const std::function<void(const nlohmann::json& payload)>& handler) {
  RawHttp http(config.base_url, config.secret, config.user_agent);
  RunResult result;
  Stopwatch watch;
  bool done = false;
  const auto on_handled = [&] {
    if (++result.ok == expected) {
      const Span span = watch.stop();
      result.set(span);
      done = true;
    }
  };
  const auto deadline = Clock::now() + timeout;
  while (!done && Clock::now() < deadline) {
    const std::size_t rows = raw_cycle_once(http, config, handler, on_handled);
    if (!done && rows < static_cast<std::size_t>(config.page_size)) {
      std::this_thread::sleep_for(config.poll_interval);
    }
  }
  if (!done) {
    const Span span = watch.stop();
    result.set(span);
    result.failed = expected - result.ok;
  }
  return result;
}

void raw_listen_until(const RawListenerConfig& config, const std::atomic<bool>& stop,
                      const std::function<void(const nlohmann::json& payload)>& handler) {
  RawHttp http(config.base_url, config.secret, config.user_agent);
  while (!stop.load()) {
    const std::size_t rows = raw_cycle_once(http, config, handler, [] {});
    if (rows >= static_cast<std::size_t>(config.page_size)) continue;
    const auto wake = Clock::now() + config.poll_interval;
    while (!stop.load() && Clock::now() < wake) {
      std::this_thread::sleep_for(
          std::min<Clock::duration>(std::chrono::milliseconds(10), wake - Clock::now()));
    }
  }
}

double raw_empty_query_cpu_us(const RawListenerConfig& config, int n) {
  RawHttp http(config.base_url, config.secret, config.user_agent);
  const auto nothing = [](const nlohmann::json&) {};
  raw_cycle_once(http, config, nothing, [] {});  // connect outside the measurement
  const double cpu0 = thread_cpu_seconds();
  for (int i = 0; i < n; ++i)
    raw_cycle_once(http, config, nothing, [] {});
  return (thread_cpu_seconds() - cpu0) * 1e6 / static_cast<double>(n > 0 ? n : 1);
}

}  // namespace bench
