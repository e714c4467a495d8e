#include "detail/transport/easy_request.hpp"

#include <strings.h>

#include <algorithm>
#include <exception>
#include <new>
#include <string>
#include <utility>

#include "detail/transport/curl_global.hpp"

namespace buildable::detail {

EasyRequest::EasyRequest(std::shared_ptr<const TransportConfig> config, Interruption interruption)
    : config_(std::move(config)) {
  ensure_curl_initialized();
  easy_.reset(curl_easy_init());
  if (!easy_) throw std::bad_alloc();
  CURL* h = easy_.get();
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, config_->headers.get());
  // Only with a list: for plain http through a proxy libcurl sends both lists to it.
  if (config_->proxy_headers)
    curl_easy_setopt(h, CURLOPT_PROXYHEADER, config_->proxy_headers.get());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, config_->connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, config_->request_timeout_ms);
  // Never follow redirects: the secret header would travel to wherever they point.
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, config_->protocols.c_str());
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!config_->ca_bundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config_->ca_bundle.c_str());
  if (config_->direct) {
    curl_easy_setopt(h, CURLOPT_PROXY, "");  // "" also disables the environment's proxies
  } else if (!config_->proxy.empty()) {
    curl_easy_setopt(h, CURLOPT_PROXY, config_->proxy.c_str());
  }
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, config_->max_idle_connection_age_s);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, &EasyRequest::on_prereq);
  curl_easy_setopt(h, CURLOPT_PREREQDATA, this);
  curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, &SendProbes::on_open);
  curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, &config_->send_probes);
  curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, &SendProbes::close_socket);
  curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, &config_->send_probes);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &EasyRequest::on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &EasyRequest::on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, this);
  if (interruption == Interruption::progress_callback) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &EasyRequest::on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, config_.get());
  }
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(h, CURLOPT_PRIVATE, this);
}

void EasyRequest::prepare(std::string_view path, RequestBody body) {
  if (path != path_) {
    path_.assign(path);
    set_url(config_->base_url + path_);
  }
  // Sent from this buffer (libcurl does not copy it) in the same write as the headers.
  body_ = std::move(body);
  curl_easy_setopt(easy_.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(body_->size()));
  curl_easy_setopt(easy_.get(), CURLOPT_POSTFIELDS, body_->data());
  // Only a /query page is legitimately large; every other answer is a small JSON object.
  answer_limit_ = path_ == "/query" ? config_->max_response_bytes
                                    : std::min(config_->max_response_bytes, kMaxSmallAnswerBytes);
  // Refused from Content-Length at once; bodies without one are checked in on_body().
  curl_easy_setopt(easy_.get(), CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(answer_limit_));
  sends_ = 0;
  config_->send_probes.forget(this);
  // A peer that closes connections right after answering makes every reuse a race.
  const long fresh =
      (config_->fresh_connections || config_->send_probes.peer_closes_after_answers()) ? 1L : 0L;
  curl_easy_setopt(easy_.get(), CURLOPT_FRESH_CONNECT, fresh);
  curl_easy_setopt(easy_.get(), CURLOPT_FORBID_REUSE, fresh);
  response_body_.clear();
  answer_too_large_ = false;
  stale_connection_ = false;
  retry_after_.clear();
  error_buffer_[0] = '\0';
}

void EasyRequest::set_url(const std::string& url) {
  // Parsed once here, not by libcurl at every request: parsing the text is about a tenth of
  // libcurl's instructions for a small request. Same flags as libcurl's own parse.
  if (!url_) url_.reset(curl_url());
  constexpr unsigned int kFlags = CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME;
  if (url_ && curl_url_set(url_.get(), CURLUPART_URL, url.c_str(), kFlags) == CURLUE_OK) {
    curl_easy_setopt(easy_.get(), CURLOPT_CURLU, url_.get());
    return;
  }
  // Given as text instead, so that libcurl reports what is wrong with it as it always did.
  curl_easy_setopt(easy_.get(), CURLOPT_CURLU, nullptr);
  curl_easy_setopt(easy_.get(), CURLOPT_URL, url.c_str());  // libcurl copies the string
}

HttpResponse EasyRequest::perform() {
  return finish(curl_easy_perform(easy_.get()));
}

EasyRequest::~EasyRequest() {
  config_->send_probes.release(this);
}

int EasyRequest::on_prereq(void* self, char*, char*, int remote_port, int local_port) {
  auto& request = *static_cast<EasyRequest*>(self);
  // A second call within one transfer is libcurl about to re-send on its own, on a fresh
  // connection, because the reused one closed before any answer ("Connection died, retrying a
  // fresh connect"). An emit or a claim the server read may have been acted on: re-sending is
  // allowed only when the peer provably never read it (see SendProbes); otherwise the
  // transfer ends and the SDK's own retry policy decides, knowing it may have been received.
  if (request.sends_ > 0 && !request.config_->send_probes.proven_unread(&request)) {
    ++request.sends_;
    return CURL_PREREQFUNC_ABORT;
  }
  if (!request.config_->send_probes.watch(&request, local_port, remote_port)) {
    request.stale_connection_ = true;  // closed under our feet: send nothing, fail as unsent
    return CURL_PREREQFUNC_ABORT;
  }
  ++request.sends_;
  return CURL_PREREQFUNC_OK;
}

void EasyRequest::add_trace(HttpResponse& response) const {
  curl_off_t total_us = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_TOTAL_TIME_T, &total_us);
  response.elapsed = std::chrono::microseconds(total_us);
  long connects = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_NUM_CONNECTS, &connects);
  response.new_connection = connects > 0;
  char* ip = nullptr;
  long port = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_PRIMARY_IP, &ip);
  curl_easy_getinfo(easy_.get(), CURLINFO_PRIMARY_PORT, &port);
  if (ip != nullptr && *ip != '\0') {
    const bool v6 = std::string_view(ip).find(':') != std::string_view::npos;
    response.peer =
        (v6 ? "[" + std::string(ip) + "]" : std::string(ip)) + ":" + std::to_string(port);
  }
}

void EasyRequest::reserve_for_answer() {
  // Growing by doubling would cost up to twice the answer while it arrives.
  curl_off_t announced = -1;
  curl_easy_getinfo(easy_.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
  if (announced > 0 && static_cast<std::size_t>(announced) <= answer_limit_) {
    response_body_.reserve(static_cast<std::size_t>(announced));
  }
}

HttpResponse EasyRequest::finish(CURLcode code) {
  if (code == CURLE_OK) config_->send_probes.answered(this);
  config_->send_probes.forget(this);
  HttpResponse response;
  response.curl_code = static_cast<int>(code);
  if (code == CURLE_OK) {
    curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &response.status);
    response.body = std::move(response_body_);
    response.retry_after = std::move(retry_after_);
    response.maybe_sent = true;
  } else if (code == CURLE_ABORTED_BY_CALLBACK && stale_connection_) {
    response.curl_code = CURLE_GOT_NOTHING;
    response.error_detail =
        "the server closed the kept-alive connection just before the request was sent; nothing "
        "was sent";
    response.maybe_sent = sends_ > 0;  // a first send that died, then this stale retry
  } else if (code == CURLE_ABORTED_BY_CALLBACK && sends_ > 1) {
    // on_prereq(): the request went out on a connection that then died unanswered.
    response.curl_code = CURLE_GOT_NOTHING;
    response.error_detail =
        "the connection closed before any answer; the request may have been received, so it "
        "was not sent again";
    response.maybe_sent = true;
  } else if (answer_too_large_ || code == CURLE_FILESIZE_EXCEEDED) {
    const std::string limit =
        answer_limit_ == config_->max_response_bytes
            ? "max_response_bytes (" + std::to_string(answer_limit_) + " bytes)"
            : std::to_string(answer_limit_) +
                  " bytes, the limit of answers other than a /query page";
    response.error_detail =
        "the answer is larger than " + limit + "; it was refused while being received";
    response.maybe_sent = true;
  } else {
    response.error_detail = without_proxy_credentials(error_buffer_, *config_);
    long request_bytes = 0;
    curl_easy_getinfo(easy_.get(), CURLINFO_REQUEST_SIZE, &request_bytes);
    // libcurl's pre-request hook runs right before the request itself is written, after any
    // proxy CONNECT: before it, nothing of the request left (a refused CONNECT writes bytes, but
    // not ours); after it, written bytes may have reached the server whatever the code says (an
    // answer without a status line fails with CURLE_UNSUPPORTED_PROTOCOL).
    response.maybe_sent = sends_ > 0 && request_bytes > 0;
  }
  if (config_->trace) add_trace(response);
  response_body_ = std::string();
  return response;
}

std::size_t EasyRequest::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto* request = static_cast<EasyRequest*>(self);
  const std::size_t length = size * count;
  // Returning less than `length` makes libcurl fail the transfer (CURLE_WRITE_ERROR); nothing
  // may throw into libcurl's C code (std::bad_alloc on the I/O thread would end the process).
  if (length > request->answer_limit_ - request->response_body_.size()) {
    request->answer_too_large_ = true;
    return 0;
  }
  try {
    if (request->response_body_.empty()) request->reserve_for_answer();
    request->response_body_.append(data, length);
  } catch (const std::exception&) {
    request->answer_too_large_ = true;
    return 0;
  }
  return length;
}

std::size_t EasyRequest::on_header(char* data, std::size_t size, std::size_t count, void* self) {
  const std::size_t length = size * count;
  constexpr std::string_view kName = "retry-after:";
  if (length > kName.size() && strncasecmp(data, kName.data(), kName.size()) == 0) {
    std::string_view value(data + kName.size(), length - kName.size());
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    static_cast<EasyRequest*>(self)->retry_after_.assign(value);
  }
  return length;
}

int EasyRequest::on_progress(void* config, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  // Non-zero makes libcurl abort the transfer with CURLE_ABORTED_BY_CALLBACK.
  return static_cast<const TransportConfig*>(config)->aborting.load(std::memory_order_relaxed) ? 1
                                                                                               : 0;
}

}  // namespace buildable::detail
