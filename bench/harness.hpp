#pragma once
/// @file harness.hpp
/// What the benchmark's sections share: the run's context, repetitions taken in turn, the
/// samples of one variant, and the helpers that turn them into rows of the report.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "fast_server.hpp"
#include "options.hpp"
#include "raw_curl.hpp"
#include "report.hpp"

namespace bench {

// Everything the sections share.
struct Context {
  Options opt;
  Report report;
  std::string user_agent;
  std::unique_ptr<FastServer> fast;
  std::string secret = "bench-secret-0123456789abcdef";
  std::string emu_url;  // 0 ms emulator
  std::string emu_secret;
  std::string emu_slow_url;  // 20 ms emulator
  std::string emu_slow_secret;
  std::string emu_soak_url;  // the soak's emulator when it injects faults, else emu_url
  std::string emu_soak_secret;
  int page_size = 100;
  std::chrono::milliseconds default_poll{1000};
  int handler_threads = 4;
  std::function<nlohmann::json()> emu_stats;  // the 0 ms emulator's counters, when available
  int errors = 0;                             // sections that threw
  std::uint64_t failed_ops = 0;
  // Seeded anew each run (the seed is in the report's meta): with a fixed seed every run drew
  // the same emit times, so the latency sections' sampling error repeated itself instead of
  // averaging out over runs.
  std::uint32_t seed = std::random_device{}();
  std::mt19937 rng{seed};
};

// Samples of one variant across repetitions.
struct Series {
  std::vector<double> rate;
  std::vector<double> cpu_us;
  std::vector<double> connections;
  std::vector<double> switches;
  void add(const RunResult& r) {
    rate.push_back(r.rate());
    cpu_us.push_back(r.cpu_us_per_op());
    switches.push_back(r.switches_per_op());
  }
};

/// The payload every emit of the throughput sections carries.
const nlohmann::json& emit_payload();

/// One line of progress on stderr.
void progress(const std::string& line);

/// Runs `a` and `b` once per repetition, alternating which goes first, then `after` (if any):
/// neither variant always meets a warmer or a colder machine.
void interleave(int reps, const std::function<void(int)>& a, const std::function<void(int)>& b,
                const std::function<void(int)>& after = nullptr);

/// Counts the failed operations of `r` and notes them under `what`.
void check_failures(Context& ctx, const std::string& what, const RunResult& r);

/// Runs one emit run against the fast server: adds it to `s`, with the TCP connections the
/// server accepted meanwhile, and checks its failures.
RunResult measure_emits(Context& ctx, Series& s, const std::string& what,
                        const std::function<RunResult()>& run);

/// A raw listener on `event` from now on, with the SDK's page size and user agent.
RawListenerConfig raw_listener(const Context& ctx, const std::string& base_url,
                               const std::string& secret, const std::string& event,
                               std::chrono::milliseconds poll_interval);

void add_row(Report& report, std::string section, std::string metric, std::string unit, Summary sdk,
             std::string baseline, Summary base, Goal goal, std::string note = "");

/// The rate, client CPU and context-switch rows of a throughput comparison; `op` names the
/// operation in the units ("req", "msg").
void add_throughput_rows(Report& report, const std::string& section, const std::string& op,
                         const std::string& baseline, const Series& sdk, const Series& base,
                         Goal rate_goal, Goal cpu_goal);

/// A point of the throughput chart: the SDK beside the raw libcurl baseline.
ConcurrencyPoint concurrency_point(int inflight, const Series& sdk, const Series& raw);

/// A summary of one sample (figures measured once per run).
Summary single(double value);

/// Runs one section, turning an exception into a failed section and noting SYNs the kernel
/// dropped meanwhile.
void run_section(Context& ctx, const std::string& name, void (*section)(Context&));

}  // namespace bench
