#pragma once
/// @file wrk_driver.hpp
/// Runs `wrk` (a separate process) against the fast server: the ceiling of P2.

#include <cstdint>
#include <string>

#include "raw_curl.hpp"

namespace bench {

/// Path of the wrk executable, or empty when it is not installed.
std::string find_wrk();

struct WrkResult {
  bool ran = false;
  double rate = 0;             ///< Requests/sec as wrk reports it
  std::uint64_t requests = 0;  ///< requests completed
  std::uint64_t errors = 0;    ///< non-2xx answers and socket errors
  double cpu_s = 0;            ///< CPU of the wrk process
  double wall_s = 0;
  std::string output;  ///< wrk's stdout, or why it did not run
  double cpu_us_per_request() const {
    return requests > 0 ? cpu_s * 1e6 / static_cast<double>(requests) : 0;
  }
};

/// Runs `wrk -t1 -c<connections> -d<seconds>s` POSTing `request` (method, headers and body
/// set by a generated Lua script written to `script_path`).
WrkResult run_wrk(const std::string& wrk, const EmitRequest& request, int connections, int seconds,
                  const std::string& script_path);

}  // namespace bench
