#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "detail/transport/curl_handles.hpp"
#include "detail/transport/http_response.hpp"
#include "detail/transport/request_body.hpp"
#include "detail/transport/transport_config.hpp"

namespace buildable::detail {

/// One reusable libcurl easy handle configured for the service. Reusing it keeps its
/// connection alive between requests; the per-request work is setting the URL (only when the
/// path changes) and pointing libcurl at the body, without copying it.
class EasyRequest {
 public:
  /// How a transfer that close() interrupts ends: at its next progress callback, which reads
  /// TransportConfig::aborting (a blocking call on a caller's thread), or by its owner removing
  /// it (the event loop, whose transfers then need no progress callbacks: libcurl makes them
  /// on every round of every transfer).
  enum class Interruption { progress_callback, owner_removes };

  EasyRequest(std::shared_ptr<const TransportConfig> config, Interruption interruption);
  ~EasyRequest();
  EasyRequest(const EasyRequest&) = delete;
  EasyRequest& operator=(const EasyRequest&) = delete;

  /// Readies a POST of `body` to `path` (e.g. "/emit"). The body is shared, not copied, and
  /// kept alive until the next prepare(). When a reused connection dies before any answer, libcurl
  /// re-sends on a fresh one only if the peer provably never read the request (see
  /// SendProbes); otherwise the transfer fails (CURLE_GOT_NOTHING, maybe_sent).
  void prepare(std::string_view path, RequestBody body);

  /// Performs the prepared request on the calling thread.
  HttpResponse perform();

  /// Collects the response after the handle completed inside a multi handle with `code`.
  HttpResponse finish(CURLcode code);

  CURL* handle() const noexcept { return easy_.get(); }

 private:
  /// The most an answer other than a /query page may be: the protocol's other answers are
  /// small objects.
  static constexpr std::size_t kMaxSmallAnswerBytes = 1024 * 1024;

  /// Reserves the answer's announced length (within the limit) before its first bytes.
  void set_url(const std::string& url);
  void reserve_for_answer();
  /// Timing, connection and peer of the finished attempt, for trace lines.
  void add_trace(HttpResponse& response) const;
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
  static int on_progress(void* config, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
  static int on_prereq(void* self, char*, char*, int remote_port, int local_port);

  std::shared_ptr<const TransportConfig> config_;
  UrlHandle url_;  // the parsed URL easy_ uses: it must outlive easy_
  EasyHandle easy_;
  std::string path_;
  RequestBody body_;
  int sends_ = 0;  // times libcurl was about to send the current request (see on_prereq)
  std::string response_body_;
  std::size_t answer_limit_ = 0;   // max_response_bytes, or less for small answers
  bool answer_too_large_ = false;  // on_body() refused the answer (answer_limit_)
  bool stale_connection_ = false;  // on_prereq() found the connection closed by the peer
  std::string retry_after_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace buildable::detail
