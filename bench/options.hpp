#pragma once
/// @file options.hpp
/// The benchmark's command line: which sections run, how many repetitions, how large.

#include <chrono>
#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace bench {

/// Sections `--only` may name (the soak runs only with `--soak`).
extern const std::set<std::string> kSections;

struct Options {
  std::set<std::string> only = kSections;
  int reps = 5;
  std::uint64_t requests = 10'000;
  std::vector<int> inflight = {8, 32, 128};
  int wrk_seconds = 2;
  std::uint64_t drain_n = 2'000;
  std::uint64_t drain_n_slow = 200;
  int latency_samples_default = 8;
  int latency_samples_short = 100;
  std::chrono::milliseconds short_interval{50};
  std::vector<int> scale_counts = {1, 100, 1'000};
  std::chrono::milliseconds scale_settle{2'500};
  std::chrono::milliseconds scale_window{5'000};
  int soak_seconds = 0;
  int soak_every = 5;
  double soak_faults = 0.0;  // share of the soak's requests that meet an injected fault
  bool smoke = false;
  bool pin = true;
  int nice = 0;  // applied to the whole benchmark (servers included) when not 0
  std::string json_path;
  std::string chart_path;
};

void usage(std::ostream& out);

/// Parses the command line; prints usage and exits on `--help` (0) or a bad option (2).
Options parse_args(int argc, char** argv);

}  // namespace bench
