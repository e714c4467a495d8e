// The dashboard's read-only JSON API as plain functions of (caller's key, query parameters):
// parameter validation and response shapes. No HTTP here (see dashboard_routes.cpp).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "buildable/emulator/emulator.hpp"
#include "protocol.hpp"
#include "store/store.hpp"

namespace buildable::emulator::detail {

/// A request's query string, name -> value (the type of httplib::Params).
using QueryParameters = std::multimap<std::string, std::string>;

/// Messages per page of /_dashboard/api/messages: default and most a `limit` may ask for.
inline constexpr std::int64_t kDashboardDefaultLimit = 50;
inline constexpr std::int64_t kDashboardMaxLimit = 200;
/// A page stops early (with a nextCursor) once its messages hold this much stored text, so
/// that one answer stays a few MiB whatever `limit` asks for (at least one message is sent).
inline constexpr std::size_t kDashboardMaxPageBytes = 4 * 1024 * 1024;

class DashboardApi {
 public:
  explicit DashboardApi(Store& store) : store_(store) {}

  /// /_dashboard/api/session, /_dashboard/api/messages, /_dashboard/api/events.
  static const std::vector<std::string>& endpoints();

  /// Answers `endpoint` for `caller` (already authenticated): only messages of the caller's
  /// environment are visible. Invalid parameters come back as 400 responses.
  ApiResponse handle(const std::string& endpoint, const SecretKey& caller,
                     const QueryParameters& parameters);

 private:
  ApiResponse session(const SecretKey& caller);
  ApiResponse messages(const SecretKey& caller, const QueryParameters& parameters);
  ApiResponse events(const SecretKey& caller);

  Store& store_;
};

/// The opaque `nextCursor` of a page ("<createdAt>:<seq>"), and back (nullopt when malformed).
std::string encode_cursor(const MessageCursor& cursor);
std::optional<MessageCursor> decode_cursor(const std::string& text);

}  // namespace buildable::emulator::detail
