#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "detail/transport/easy_request.hpp"
#include "detail/transport/http_response.hpp"
#include "detail/transport/request_body.hpp"
#include "detail/transport/transport_config.hpp"

namespace buildable::detail {

/// Blocking requests on the caller's thread, over a pool of reused easy handles. A thread
/// takes the most recently returned handle, so sequential calls ride one keep-alive
/// connection; at most max_connections handles exist, further callers wait for one.
class SyncTransport {
 public:
  explicit SyncTransport(std::shared_ptr<const TransportConfig> config);

  HttpResponse perform(std::string_view path, RequestBody body);

 private:
  std::unique_ptr<EasyRequest> acquire();
  void release(std::unique_ptr<EasyRequest> request);

  std::shared_ptr<const TransportConfig> config_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<EasyRequest>> idle_;
  int created_ = 0;
};

}  // namespace buildable::detail
