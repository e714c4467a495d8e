#pragma once

#include <buildable/handler.hpp>
#include <buildable/message.hpp>
#include <buildable/stranded.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detail/stranded/blocking_requests.hpp"
#include "detail/support/clock.hpp"
#include "detail/transport/request_body.hpp"

namespace buildable::detail {

/// Behind Client::stranded(), resolve(), resolve_all() and handle_stranded(): lists the
/// messages `processing` for a txKey by walking /query pages, and ends their transactions
/// with the listener's /transact body. Every call blocks on the caller's thread; the object
/// holds no state of its own between calls, so calls may run concurrently.
class StrandedService {
 public:
  struct Settings {
    std::string secret;          ///< for key checks and redaction
    std::size_t max_body_bytes;  ///< largest /transact body sent
    int page_size;               ///< rows per /query page
  };

  StrandedService(Settings settings, BlockingRequests& requests,
                  std::shared_ptr<const Clock> clock);

  StrandedList list(const StrandedQuery& query) const;
  ResolveResult resolve(std::string_view event, std::string_view key, const Resolution& resolution,
                        std::string_view tx_key) const;
  std::vector<ResolveResult> resolve_all(const StrandedQuery& query,
                                         const Resolution& resolution) const;
  std::vector<ResolveResult> handle(const StrandedQuery& query, const Handler& handler) const;

 private:
  /// Sends a /transact body; returns a result of status recorded or already_ended, or throws
  /// the failure's exception (HttpError, TransportError, ClosedError).
  void send_record(const RequestBody& body, ResolveResult& result) const;
  /// resolve() into `result`, which keeps the attempts made when it throws; `call` names the
  /// member in InvalidArgument texts.
  void resolve_into(std::string_view event, std::string_view key, const Resolution& resolution,
                    std::string_view tx_key, const char* call, ResolveResult& result) const;

  Settings settings_;
  BlockingRequests& requests_;
  std::shared_ptr<const Clock> clock_;
};

}  // namespace buildable::detail
