// The protocol's endpoints as plain functions of (caller's key, JSON body): validation, storage
// calls and response shapes. No HTTP here (see server.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "buildable/emulator/emulator.hpp"
#include "store/store.hpp"

namespace buildable::emulator::detail {

struct ApiResponse {
  int status = 200;
  nlohmann::json body;
};

/// Longest claimToken accepted by /init.
inline constexpr std::size_t kMaxClaimTokenBytes = 128;

/// Largest pageSize accepted by /query; larger values are rejected with 400.
inline constexpr std::int64_t kMaxPageSize = 100;

class Protocol {
 public:
  explicit Protocol(Store& store) : store_(store) {}

  /// The protocol paths: /emit, /query, /init, /transact, /update, /get-full-event-name.
  static const std::vector<std::string>& endpoints();

  /// Handles `body` (already parsed) for `endpoint`, on behalf of `caller`. Validation errors
  /// come back as error responses; storage failures throw.
  ApiResponse handle(const std::string& endpoint, const SecretKey& caller,
                     const nlohmann::json& body);

 private:
  ApiResponse emit(const SecretKey& caller, const nlohmann::json& body);
  ApiResponse query(const SecretKey& caller, const nlohmann::json& body);
  ApiResponse init(const SecretKey& caller, const nlohmann::json& body);
  ApiResponse transact(const SecretKey& caller, const nlohmann::json& body);
  ApiResponse update(const SecretKey& caller, const nlohmann::json& body);
  ApiResponse full_event_name(const SecretKey& caller, const nlohmann::json& body);

  Store& store_;
};

}  // namespace buildable::emulator::detail
