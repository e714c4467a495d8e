#pragma once
/// @file memory_runs.hpp
/// Peak memory of the client against servers that answer hugely or never: each run is a
/// fresh forked process, so its peak resident size belongs to that run alone.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "child_process.hpp"

namespace bench {

/// A server in a child process, one of three kinds:
/// - `huge_answer`: every POST gets a 200 JSON body of `bytes`
///   (`{"status":"success","key":...,"pad":"xxx..."}`);
/// - `silent`: requests are read and discarded, never answered, connections kept open;
/// - `query_page`: `/query` gets a legitimate page of 100 messages of about `bytes` in all
///   (each payload a JSON-encoded string, as Buildable sends it), and every claim (`/init`)
///   409, as if another consumer had won it.
class HostileServer {
 public:
  enum class Kind { huge_answer, silent, query_page };
  HostileServer(Kind kind, std::size_t bytes, int cpu);
  int port() const { return port_; }

 private:
  std::unique_ptr<ForkedChild> child_;
  int port_ = -1;
};

/// The baseline for a large answer: one POST of `body` to `url` with a plain libcurl easy
/// handle, the answer appended to a std::string as it arrives. Returns the answer's size.
std::size_t raw_post_into_string(const std::string& url, const std::string& body);

/// Runs `work` in a forked child and returns by how many MiB its peak resident size rose
/// above its resident size just before `work` (the peak is reset first). `work` runs with no
/// other thread in the child at its start. Throws std::runtime_error when the child fails.
double peak_growth_mib(const std::function<void()>& work, int cpu);

}  // namespace bench
