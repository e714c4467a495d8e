// buildable-bench: the SDK beside the raw libcurl floor and the wrk ceiling, in one run.
// See bench/README.md for what each section measures and how to run it.

#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "fast_server.hpp"
#include "measure.hpp"
#include "memory_runs.hpp"
#include "raw_curl.hpp"
#include "report.hpp"
#include "wrk_driver.hpp"

#if BENCH_HAVE_SDK
#include <buildable/buildable.hpp>
#include <future>

#include "sdk_runs.hpp"
#endif
#if BENCH_HAVE_EMULATOR
#include "emulator_child.hpp"
#endif

namespace bench {
namespace {

using std::chrono::milliseconds;

const std::set<std::string> kSections = {"emit",    "concurrent", "drain",
                                         "latency", "scale",      "memory"};

struct Options {
  std::set<std::string> only = kSections;
  int reps = 5;
  std::uint64_t requests = 10'000;
  std::vector<int> inflight = {8, 32, 128};
  int wrk_seconds = 2;
  std::uint64_t drain_n = 2'000;
  std::uint64_t drain_n_slow = 200;
  int latency_samples_default = 8;
  int latency_samples_short = 40;
  milliseconds short_interval{50};
  std::vector<int> scale_counts = {1, 100, 1'000};
  milliseconds scale_settle{2'500};
  milliseconds scale_window{5'000};
  int soak_seconds = 0;
  int soak_every = 5;
  double soak_faults = 0.0;  // share of the soak's requests that meet an injected fault
  bool smoke = false;
  bool pin = true;
  int nice = 0;  // applied to the whole benchmark (servers included) when not 0
  std::string json_path;
  std::string chart_path;
};

void usage(std::ostream& out) {
  out << "usage: buildable-bench [options]\n"
         "  --only LIST       sections to run, comma-separated: emit,concurrent,drain,latency,"
         "scale,memory (default all); `soak` alone runs only the soak\n"
         "  --reps N          repetitions of each comparison (default 5)\n"
         "  --requests N      emits per one-thread run (default 10000; concurrent runs use 2N)\n"
         "  --inflight LIST   concurrency levels (default 8,32,128)\n"
         "  --wrk-seconds N   duration of each wrk run (default 2)\n"
         "  --drain N         backlog size at 0 ms latency (default 2000; 20 ms: N/10)\n"
         "  --soak SECONDS    also run the soak (emit + listen), sampling every 5 s\n"
         "  --soak-faults P   during the soak, a share P (0..1) of requests meets an injected\n"
         "                    fault: 5xx, 429, connections closed before and after acting\n"
         "  --json PATH       results file (default <build dir>/bench-results.json)\n"
         "  --chart PATH      PNG chart (default <build dir>/bench-throughput.png)\n"
         "  --no-pin          do not pin client and servers to separate CPUs\n"
         "  --nice N          run at this nice value (e.g. -10 as root: steadier figures on a\n"
         "                    loaded machine, at the expense of everything else running)\n"
         "  --smoke           tiny counts, one repetition: checks that everything runs\n";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

Options parse_args(int argc, char** argv) {
  Options o;
  bool reps_set = false;
  bool requests_set = false;
  bool only_set = false;
  std::vector<std::pair<std::string, std::string>> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(std::cout);
      std::exit(0);
    }
    if (a == "--smoke" || a == "--no-pin") {
      args.emplace_back(a, "");
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "buildable-bench: " << a << " needs a value\n";
      usage(std::cerr);
      std::exit(2);
    }
    args.emplace_back(a, argv[++i]);
  }
  const auto number = [](const std::string& flag, const std::string& v) -> long long {
    try {
      std::size_t used = 0;
      const long long n = std::stoll(v, &used);
      if (used == v.size() && n >= 0) return n;
    } catch (const std::exception&) {
    }
    std::cerr << "buildable-bench: " << flag << " wants a non-negative number, got '" << v << "'\n";
    std::exit(2);
  };
  for (const auto& [flag, value] : args) {
    if (flag == "--smoke") {
      o.smoke = true;
    } else if (flag == "--no-pin") {
      o.pin = false;
    } else if (flag == "--only") {
      o.only.clear();
      only_set = true;
      for (const std::string& s : split(value, ',')) {
        // `soak` names no section of its own: `--only soak --soak N` runs just the soak.
        if (kSections.count(s) == 0 && s != "soak") {
          std::cerr << "buildable-bench: unknown section '" << s << "'\n";
          std::exit(2);
        }
        o.only.insert(s);
      }
    } else if (flag == "--reps") {
      o.reps = static_cast<int>(std::max(1LL, number(flag, value)));
      reps_set = true;
    } else if (flag == "--requests") {
      o.requests = static_cast<std::uint64_t>(std::max(1LL, number(flag, value)));
      requests_set = true;
    } else if (flag == "--inflight") {
      o.inflight.clear();
      for (const std::string& s : split(value, ',')) {
        o.inflight.push_back(static_cast<int>(std::max(1LL, number(flag, s))));
      }
    } else if (flag == "--wrk-seconds") {
      o.wrk_seconds = static_cast<int>(std::max(1LL, number(flag, value)));
    } else if (flag == "--drain") {
      o.drain_n = static_cast<std::uint64_t>(std::max(1LL, number(flag, value)));
      o.drain_n_slow = std::max<std::uint64_t>(1, o.drain_n / 10);
    } else if (flag == "--nice") {
      try {
        o.nice = std::stoi(value);
      } catch (const std::exception&) {
        std::cerr << "buildable-bench: --nice wants a number\n";
        std::exit(2);
      }
    } else if (flag == "--soak") {
      o.soak_seconds = static_cast<int>(number(flag, value));
    } else if (flag == "--soak-faults") {
      try {
        o.soak_faults = std::stod(value);
      } catch (const std::exception&) {
        o.soak_faults = -1;
      }
      if (!(o.soak_faults >= 0 && o.soak_faults <= 1)) {
        std::cerr << "buildable-bench: --soak-faults wants a share between 0 and 1\n";
        std::exit(2);
      }
    } else if (flag == "--json") {
      o.json_path = value;
    } else if (flag == "--chart") {
      o.chart_path = value;
    } else {
      std::cerr << "buildable-bench: unknown option " << flag << "\n";
      usage(std::cerr);
      std::exit(2);
    }
  }
  if (o.smoke) {
    if (!reps_set) o.reps = 1;
    if (!requests_set) o.requests = 200;
    if (!only_set) o.only = kSections;
    o.inflight = {8};
    o.wrk_seconds = 1;
    o.drain_n = 30;
    o.drain_n_slow = 10;
    o.latency_samples_default = 0;
    o.latency_samples_short = 3;
    o.scale_counts = {1, 10};
    o.scale_settle = milliseconds(200);
    o.scale_window = milliseconds(500);
    o.soak_every = 1;
  }
  const std::string dir = BENCH_DEFAULT_OUTPUT_DIR;
  if (o.json_path.empty()) {
    o.json_path = dir + (o.smoke ? "/bench-smoke.json" : "/bench-results.json");
  }
  if (o.chart_path.empty()) {
    o.chart_path = dir + (o.smoke ? "/bench-smoke.png" : "/bench-throughput.png");
  }
  return o;
}

std::string run_command(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof(buf), p) != nullptr)
      out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
}

void add_row(Report& report, std::string section, std::string metric, std::string unit, Summary sdk,
             std::string baseline, Summary base, Goal goal, std::string note = "") {
  Row row;
  row.section = std::move(section);
  row.metric = std::move(metric);
  row.unit = std::move(unit);
  row.sdk = std::move(sdk);
  row.baseline = std::move(baseline);
  row.base = std::move(base);
  row.goal = std::move(goal);
  row.note = std::move(note);
  report.rows.push_back(std::move(row));
}

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
  milliseconds default_poll{1000};
  int handler_threads = 4;
  std::function<nlohmann::json()> emu_stats;  // the 0 ms emulator's counters, when available
  int errors = 0;                             // sections that threw
  std::uint64_t failed_ops = 0;
  std::mt19937 rng{12345};
};

const nlohmann::json& emit_payload() {
  static const nlohmann::json payload = {
      {"orderId", "ord_7f3a9c21"},
      {"amount", 4999},
      {"currency", "EUR"},
      {"customer", {{"id", "cus_19af"}, {"email", "jane@example.com"}}},
      {"items", nlohmann::json::array({"sku-1", "sku-2"})}};
  return payload;
}

void progress(const std::string& line) {
  std::cerr << "[bench] " << line << std::endl;
}

// Runs `a` and `b` once per repetition, alternating which goes first.
void interleave(int reps, const std::function<void(int)>& a, const std::function<void(int)>& b) {
  for (int rep = 0; rep < reps; ++rep) {
    if (rep % 2 == 0) {
      a(rep);
      b(rep);
    } else {
      b(rep);
      a(rep);
    }
  }
}

void check_failures(Context& ctx, const std::string& what, const RunResult& r) {
  if (r.failed > 0) {
    ctx.failed_ops += r.failed;
    ctx.report.notes.push_back(what + ": " + std::to_string(r.failed) + " operations failed");
  }
}

// ---- emit, one thread --------------------------------------------------------------------
void section_emit(Context& ctx) {
  const std::uint64_t n = ctx.opt.requests;
  const std::string event = "bench.emit";
  const EmitRequest request{ctx.fast->base_url(), ctx.secret, emit_body(event, emit_payload()),
                            ctx.user_agent};
  Series sdk;
  Series raw;
  std::vector<double> server_cpu_us;
  progress("emit, one thread: " + std::to_string(n) + " requests x " +
           std::to_string(ctx.opt.reps) + " reps");
  raw_emit_loop(request, std::min<std::uint64_t>(n, 500));  // warm-up
#if BENCH_HAVE_SDK
  const SdkTarget target{ctx.fast->base_url(), ctx.secret};
  sdk_emit_loop(target, event, emit_payload(), std::min<std::uint64_t>(n, 500));
#endif
  const auto measure = [&](Series& s, const std::string& name,
                           const std::function<RunResult()>& run) {
    const std::uint64_t c0 = ctx.fast->connections();
    const double server0 = ctx.fast->cpu_seconds();
    const RunResult r = run();
    s.add(r);
    s.connections.push_back(static_cast<double>(ctx.fast->connections() - c0));
    if (r.ok > 0) {
      server_cpu_us.push_back((ctx.fast->cpu_seconds() - server0) * 1e6 /
                              static_cast<double>(r.ok));
    }
    check_failures(ctx, "emit 1 thread " + name, r);
  };
  interleave(
      ctx.opt.reps,
      [&](int) {
#if BENCH_HAVE_SDK
        measure(sdk, "sdk", [&] { return sdk_emit_loop(target, event, emit_payload(), n); });
#endif
      },
      [&](int) { measure(raw, "raw", [&] { return raw_emit_loop(request, n); }); });

  const std::string section = "emit 1 thread";
  const std::string base = "raw easy reused";
  add_row(ctx.report, section, "rate", "req/s", summarize(sdk.rate), base, summarize(raw.rate),
          Goal::min_ratio("P1", 0.90), "");
  add_row(ctx.report, section, "client CPU/req", "us", summarize(sdk.cpu_us), base,
          summarize(raw.cpu_us), Goal::max_ratio("P1", 1.15), "");
  add_row(ctx.report, section, "ctx switches/req", "count", summarize(sdk.switches), base,
          summarize(raw.switches), Goal::none());
  add_row(ctx.report, section, "TCP connections / " + std::to_string(n), "count",
          summarize(sdk.connections), base, summarize(raw.connections), Goal::sdk_equals("P1", 1),
          "");
  const Summary server = summarize(server_cpu_us);
  ctx.report.extra["emit_one_thread"] = {{"requests", n},
                                         {"server_cpu_us_per_request", server.median}};
  ctx.report.notes.push_back("fast server CPU per request: " + format_number(server.median) +
                             " us (it must stay below the client's to be a fair floor)");
  ConcurrencyPoint point;
  point.inflight = 1;
  point.sdk = summarize(sdk.rate);
  point.multi = summarize(raw.rate);
  point.sdk_cpu = summarize(sdk.cpu_us);
  point.multi_cpu = summarize(raw.cpu_us);
  ctx.report.concurrency.push_back(point);
}

// ---- emit, concurrent ----------------------------------------------------------------------
void section_concurrent(Context& ctx) {
  const std::uint64_t n = ctx.opt.requests * 2;
  const std::string event = "bench.emit";
  const EmitRequest request{ctx.fast->base_url(), ctx.secret, emit_body(event, emit_payload()),
                            ctx.user_agent};
  const std::string wrk = find_wrk();
  if (wrk.empty()) ctx.report.notes.push_back("wrk not installed: no ceiling figures");
  const std::string lua = std::string(BENCH_DEFAULT_OUTPUT_DIR) + "/bench-wrk-post.lua";
#if BENCH_HAVE_SDK
  const SdkTarget target{ctx.fast->base_url(), ctx.secret};
#endif
  for (const int inflight : ctx.opt.inflight) {
    progress("emit, " + std::to_string(inflight) + " in flight: " + std::to_string(n) +
             " requests x " + std::to_string(ctx.opt.reps) + " reps");
    Series sdk;
    Series multi;
    std::vector<double> wrk_rate;
    std::vector<double> wrk_cpu;
    const auto measure = [&](Series& s, const std::string& name,
                             const std::function<RunResult()>& run) {
      const std::uint64_t c0 = ctx.fast->connections();
      const RunResult r = run();
      s.add(r);
      s.connections.push_back(static_cast<double>(ctx.fast->connections() - c0));
      check_failures(ctx, "emit " + std::to_string(inflight) + " in flight " + name, r);
    };
    raw_emit_multi(request, std::min<std::uint64_t>(n, 1000), inflight);  // warm-up
    for (int rep = 0; rep < ctx.opt.reps; ++rep) {
      const auto run_sdk = [&] {
#if BENCH_HAVE_SDK
        measure(sdk, "sdk",
                [&] { return sdk_emit_async(target, event, emit_payload(), n, inflight); });
#endif
      };
      const auto run_multi = [&] {
        measure(multi, "raw multi", [&] { return raw_emit_multi(request, n, inflight); });
      };
      if (rep % 2 == 0) {
        run_sdk();
        run_multi();
      } else {
        run_multi();
        run_sdk();
      }
      if (!wrk.empty()) {
        const WrkResult w = run_wrk(wrk, request, inflight, ctx.opt.wrk_seconds, lua);
        if (w.ran) {
          wrk_rate.push_back(w.rate);
          wrk_cpu.push_back(w.cpu_us_per_request());
          if (w.errors > 0) {
            ctx.report.notes.push_back("wrk -c" + std::to_string(inflight) + ": " +
                                       std::to_string(w.errors) + " errors");
          }
        } else {
          ctx.report.notes.push_back("wrk did not run: " + w.output.substr(0, 200));
        }
      }
    }
    const std::string section = "emit " + std::to_string(inflight) + " in flight";
    add_row(ctx.report, section, "rate", "req/s", summarize(sdk.rate), "raw multi",
            summarize(multi.rate), Goal::min_ratio("P2", 0.90), "");
    add_row(ctx.report, section, "client CPU/req", "us", summarize(sdk.cpu_us), "raw multi",
            summarize(multi.cpu_us), Goal::none(), "");
    add_row(ctx.report, section, "ctx switches/req", "count", summarize(sdk.switches), "raw multi",
            summarize(multi.switches), Goal::none());
    add_row(ctx.report, section, "TCP connections", "count", summarize(sdk.connections),
            "raw multi", summarize(multi.connections), Goal::none(), "");
    if (!wrk_rate.empty()) {
      add_row(ctx.report, section, "rate vs ceiling", "req/s", summarize(sdk.rate), "wrk -t1",
              summarize(wrk_rate), Goal::none(), "");
      add_row(ctx.report, section, "CPU/req vs ceiling", "us", summarize(sdk.cpu_us), "wrk -t1",
              summarize(wrk_cpu), Goal::none(), "");
    }
    ConcurrencyPoint point;
    point.inflight = inflight;
    point.sdk = summarize(sdk.rate);
    point.multi = summarize(multi.rate);
    point.wrk = summarize(wrk_rate);
    point.sdk_cpu = summarize(sdk.cpu_us);
    point.multi_cpu = summarize(multi.cpu_us);
    point.wrk_cpu = summarize(wrk_cpu);
    ctx.report.concurrency.push_back(point);
  }
}

// ---- listener drain ------------------------------------------------------------------------
void section_drain(Context& ctx) {
  struct Variant {
    std::string url;
    std::string secret;
    int latency_ms;
    std::uint64_t n;
  };
  const std::vector<Variant> variants = {
      {ctx.emu_url, ctx.emu_secret, 0, ctx.opt.drain_n},
      {ctx.emu_slow_url, ctx.emu_slow_secret, 20, ctx.opt.drain_n_slow}};
  for (const Variant& v : variants) {
    if (v.url.empty()) continue;
    progress("listener drain, " + std::to_string(v.latency_ms) + " ms latency: backlog of " +
             std::to_string(v.n) + " x " + std::to_string(ctx.opt.reps) + " reps");
    Series sdk;
    Series raw;
    const auto timeout = milliseconds(60'000 + static_cast<long>(v.n) * (v.latency_ms * 3 + 5));
    // A fresh backlog for each run: its own event name.
    const auto backlog = [&](const std::string& event) {
      const EmitRequest req{v.url, v.secret, emit_body(event, emit_payload()), ctx.user_agent};
      const RunResult r = raw_emit_multi(req, v.n, 32);
      if (r.ok != v.n) throw std::runtime_error("could not emit the backlog for " + event);
    };
    const std::string prefix = "drain" + std::to_string(v.latency_ms) + ".";
    interleave(
        ctx.opt.reps,
        [&](int rep) {
#if BENCH_HAVE_SDK
          const std::string event = prefix + std::to_string(rep) + ".sdk";
          const std::int64_t since = epoch_ms() - 60'000;
          backlog(event);
          const RunResult r = sdk_drain({v.url, v.secret}, event, since, v.n, timeout);
          sdk.add(r);
          check_failures(ctx, "drain sdk", r);
#else
          (void)rep;
#endif
        },
        [&](int rep) {
          const std::string event = prefix + std::to_string(rep) + ".raw";
          RawListenerConfig config;
          config.base_url = v.url;
          config.secret = v.secret;
          config.user_agent = ctx.user_agent;
          config.event = event;
          config.since_ms = epoch_ms() - 60'000;
          config.page_size = ctx.page_size;
          config.poll_interval = milliseconds(5);
          backlog(event);
          const RunResult r = raw_drain(config, v.n, timeout, [](const nlohmann::json&) {});
          raw.add(r);
          check_failures(ctx, "drain raw", r);
        });
    const std::string section =
        "drain " + std::to_string(v.latency_ms) + "ms x" + std::to_string(v.n);
    const std::string base = "raw serial cycle";
    add_row(ctx.report, section, "rate", "msg/s", summarize(sdk.rate), base, summarize(raw.rate),
            Goal::min_ratio("P3", 0.80), "");
    add_row(ctx.report, section, "client CPU/msg", "us", summarize(sdk.cpu_us), base,
            summarize(raw.cpu_us), Goal::none());
    add_row(ctx.report, section, "ctx switches/msg", "count", summarize(sdk.switches), base,
            summarize(raw.switches), Goal::none());
  }
}

// ---- latency -------------------------------------------------------------------------------
// Waits for handler calls by sequence number.
class Arrivals {
 public:
  void arrived(std::int64_t seq) {
    const double t = now_seconds();
    std::lock_guard<std::mutex> lock(mutex_);
    times_[seq] = t;
    cv_.notify_all();
  }
  // Seconds at which `seq` arrived, or -1 on timeout.
  double wait(std::int64_t seq, milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return times_.count(seq) > 0; })) return -1;
    return times_[seq];
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::int64_t, double> times_;
};

// Percentile `q` over all samples pooled, with the range of the per-repetition values.
Summary pooled(const std::vector<double>& all, const std::vector<double>& per_rep, double q) {
  Summary s = summarize(per_rep);
  if (!all.empty()) s.median = percentile(all, q);
  return s;
}

// Collects "claim answered -> handler entered" samples (microseconds) until `wanted` arrived.
class HandoffSamples {
 public:
  HandoffSamples(const FastServer& server, std::size_t wanted) : server_(server), wanted_(wanted) {}
  void on_payload(const nlohmann::json& payload) {
    const auto entered = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
            .count());
    if (!payload.is_object() || !payload.contains("seq")) return;
    const std::uint64_t answered = server_.claim_answered_ns(payload["seq"].get<std::uint64_t>());
    std::lock_guard<std::mutex> lock(mutex_);
    if (answered == 0 || answered > entered || samples_.size() >= wanted_) return;
    samples_.push_back(static_cast<double>(entered - answered) / 1e3);
    if (samples_.size() == wanted_) cv_.notify_all();
  }
  std::vector<double> wait(milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return samples_.size() >= wanted_; });
    return samples_;
  }

 private:
  const FastServer& server_;
  std::size_t wanted_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<double> samples_;
};

// P4's second half: the SDK's own share of the latency, from the moment the server answered a
// claim to the handler being entered (the fast server stamps its answers in shared memory;
// CLOCK_MONOTONIC is the same clock in both processes), beside a raw loop doing the same.
void latency_handoff(Context& ctx) {
  if (!ctx.fast) return;
  const std::size_t wanted = ctx.opt.smoke ? 10 : 100;
  const milliseconds interval(20);
  const milliseconds timeout = interval * static_cast<long>(wanted) * 5 + milliseconds(10'000);
  progress("latency, claim answered -> handler entered: " + std::to_string(wanted) + " samples x " +
           std::to_string(ctx.opt.reps) + " reps");
  std::vector<double> sdk_p50, sdk_p99, raw_p50, raw_p99, sdk_all, raw_all;
  const auto keep = [](const std::vector<double>& got, std::vector<double>& p50,
                       std::vector<double>& p99, std::vector<double>& all) {
    if (got.empty()) return;
    p50.push_back(percentile(got, 0.50));
    p99.push_back(percentile(got, 0.99));
    all.insert(all.end(), got.begin(), got.end());
  };
  interleave(
      ctx.opt.reps,
      [&](int) {
#if BENCH_HAVE_SDK
        HandoffSamples samples(*ctx.fast, wanted);
        const auto stop = sdk_start_listener(
            {ctx.fast->base_url(), ctx.secret}, kFastServerEvent, interval,
            [&samples](const nlohmann::json& payload) { samples.on_payload(payload); });
        const auto got = samples.wait(timeout);
        stop();
        keep(got, sdk_p50, sdk_p99, sdk_all);
#endif
      },
      [&](int) {
        HandoffSamples samples(*ctx.fast, wanted);
        RawListenerConfig config;
        config.base_url = ctx.fast->base_url();
        config.secret = ctx.secret;
        config.user_agent = ctx.user_agent;
        config.event = kFastServerEvent;
        config.since_ms = epoch_ms();
        config.page_size = ctx.page_size;
        config.poll_interval = interval;
        std::atomic<bool> stop{false};
        std::thread listener([&] {
          raw_listen_until(config, stop, [&samples](const nlohmann::json& payload) {
            samples.on_payload(payload);
          });
        });
        const auto got = samples.wait(timeout);
        stop = true;
        listener.join();
        keep(got, raw_p50, raw_p99, raw_all);
      });
  const std::string section = "claim answered->handler";
  const std::string base = "raw poll loop";
  add_row(ctx.report, section, "p50", "us", pooled(sdk_all, sdk_p50, 0.50), base,
          pooled(raw_all, raw_p50, 0.50), Goal::none());
  add_row(ctx.report, section, "p99", "us", pooled(sdk_all, sdk_p99, 0.99), base,
          pooled(raw_all, raw_p99, 0.99), Goal::sdk_at_most("P4", 1000),
          "SDK's own share, fast server");
  ctx.report.extra["latency"]["claim_answered_to_handler_us"] = {{"sdk", sdk_all},
                                                                 {"raw", raw_all}};
}

void section_latency(Context& ctx) {
  latency_handoff(ctx);
  if (ctx.emu_url.empty()) return;
  // Round trip of a small request to the emulator, for P4's bound.
  RawListenerConfig probe;
  probe.base_url = ctx.emu_url;
  probe.secret = ctx.emu_secret;
  probe.user_agent = ctx.user_agent;
  probe.event = "latency.rtt-probe";
  probe.since_ms = epoch_ms();
  std::vector<double> rtts;
  {
    RawHttp http(ctx.emu_url, ctx.emu_secret, ctx.user_agent);
    const std::string body =
        nlohmann::json{{"eventName", probe.event}, {"txKey", "default"}, {"since", probe.since_ms}}
            .dump();
    http.post("/query", body);
    for (int i = 0; i < 20; ++i) {
      const double t0 = now_seconds();
      http.post("/query", body);
      rtts.push_back(now_seconds() - t0);
    }
  }
  const double rtt_ms = summarize(rtts).median * 1e3;
  ctx.report.extra["latency"]["round_trip_ms"] = rtt_ms;

  struct Level {
    milliseconds interval;
    int samples;
  };
  std::vector<Level> levels;
  if (ctx.opt.latency_samples_default > 0) {
    levels.push_back({ctx.default_poll, ctx.opt.latency_samples_default});
  }
  if (ctx.opt.latency_samples_short > 0) {
    levels.push_back({ctx.opt.short_interval, ctx.opt.latency_samples_short});
  }
  std::int64_t next_seq = 0;
  for (const Level& level : levels) {
    const long interval_ms = static_cast<long>(level.interval.count());
    progress("latency, poll interval " + std::to_string(interval_ms) +
             " ms: " + std::to_string(level.samples) + " samples x " +
             std::to_string(ctx.opt.reps) + " reps");
    std::vector<double> sdk_p50, sdk_p99, raw_p50, raw_p99;
    std::vector<double> sdk_all, raw_all;
    // Emits `samples` messages at random phases and records emit -> handler entered.
    const auto sample_run = [&](const std::string& event, Arrivals& arrivals,
                                std::vector<double>& p50, std::vector<double>& p99,
                                std::vector<double>& all) {
      RawHttp emitter(ctx.emu_url, ctx.emu_secret, ctx.user_agent);
      std::uniform_int_distribution<long> phase(0, interval_ms);
      std::this_thread::sleep_for(level.interval + milliseconds(20));  // first poll done
      std::vector<double> lat;
      for (int i = 0; i < level.samples; ++i) {
        std::this_thread::sleep_for(milliseconds(phase(ctx.rng)));
        const std::int64_t seq = ++next_seq;
        const std::string body = emit_body(event, {{"seq", seq}});
        const double t0 = now_seconds();
        if (emitter.post("/emit", body) != 200) {
          ++ctx.failed_ops;
          continue;
        }
        const double t1 = arrivals.wait(seq, level.interval * 4 + milliseconds(10'000));
        if (t1 < 0) {
          ++ctx.failed_ops;
          ctx.report.notes.push_back("latency: message " + std::to_string(seq) +
                                     " never reached the handler");
          continue;
        }
        lat.push_back((t1 - t0) * 1e3);
      }
      all.insert(all.end(), lat.begin(), lat.end());
      p50.push_back(percentile(lat, 0.50));
      p99.push_back(percentile(lat, 0.99));
    };
    const auto on_payload = [](Arrivals& arrivals) {
      return [&arrivals](const nlohmann::json& payload) {
        if (payload.is_object() && payload.contains("seq") && payload["seq"].is_number()) {
          arrivals.arrived(payload["seq"].get<std::int64_t>());
        }
      };
    };
    interleave(
        ctx.opt.reps,
        [&](int rep) {
#if BENCH_HAVE_SDK
          Arrivals arrivals;
          const std::string event =
              "latency" + std::to_string(interval_ms) + "." + std::to_string(rep) + ".sdk";
          const auto stop = sdk_start_listener({ctx.emu_url, ctx.emu_secret}, event, level.interval,
                                               on_payload(arrivals));
          sample_run(event, arrivals, sdk_p50, sdk_p99, sdk_all);
          stop();
#else
          (void)rep;
#endif
        },
        [&](int rep) {
          Arrivals arrivals;
          RawListenerConfig config = probe;
          config.event =
              "latency" + std::to_string(interval_ms) + "." + std::to_string(rep) + ".raw";
          config.since_ms = epoch_ms();
          config.page_size = ctx.page_size;
          config.poll_interval = level.interval;
          std::atomic<bool> stop{false};
          std::thread listener(
              [&, handler = on_payload(arrivals)] { raw_listen_until(config, stop, handler); });
          sample_run(config.event, arrivals, raw_p50, raw_p99, raw_all);
          stop = true;
          listener.join();
        });
    const std::string section = "latency poll " + std::to_string(interval_ms) + "ms";
    const std::string base = "raw poll loop";
    const double bound = static_cast<double>(interval_ms) / 2 + 3 * rtt_ms;
    add_row(ctx.report, section, "emit->handler p50", "ms", pooled(sdk_all, sdk_p50, 0.50), base,
            pooled(raw_all, raw_p50, 0.50), Goal::sdk_at_most("P4", bound),
            std::string("raw loop p50 ") +
                (percentile(raw_all, 0.5) <= bound ? "meets" : "misses") + " the bound too");
    add_row(ctx.report, section, "emit->handler p99", "ms", pooled(sdk_all, sdk_p99, 0.99), base,
            pooled(raw_all, raw_p99, 0.99), Goal::none());
    ctx.report.extra["latency"]["interval_" + std::to_string(interval_ms) + "ms"] = {
        {"sdk_ms", sdk_all}, {"raw_ms", raw_all}, {"p4_bound_ms", bound}};
  }
  ctx.report.notes.push_back(
      "latency: P4 bound = poll interval/2 + 3 round trips (round trip " + format_number(rtt_ms) +
      " ms); percentiles pool all samples, [min-max] is over repetitions; the SDK's own share "
      "is the 'claim answered->handler' rows (fast server stamps its /init answers)");
}

// ---- scale ---------------------------------------------------------------------------------
void section_scale(Context& ctx) {
#if BENCH_HAVE_SDK
  if (ctx.emu_url.empty()) return;
  RawListenerConfig probe;
  probe.base_url = ctx.emu_url;
  probe.secret = ctx.emu_secret;
  probe.user_agent = ctx.user_agent;
  probe.event = "scale.empty-probe";
  probe.since_ms = epoch_ms();
  probe.page_size = ctx.page_size;
  const double query_cpu_us = raw_empty_query_cpu_us(probe, ctx.opt.smoke ? 20 : 300);
  ctx.report.extra["scale"]["raw_empty_query_cpu_us"] = query_cpu_us;
  const std::function<double()> query_count = [&ctx]() -> double {
    if (!ctx.emu_stats) return -1;
    const nlohmann::json s = ctx.emu_stats();
    return s["by_path"].value("/query", 0.0);
  };
  const auto one = [](double v) { return summarize({v}); };
  const double handler_threads = ctx.handler_threads;
  std::optional<ScaleResult> single;  // the 1-listener run: baseline of the larger ones
  for (const int count : ctx.opt.scale_counts) {
    progress("scale: " + std::to_string(count) + " idle listeners");
    const ScaleResult r = sdk_scale({ctx.emu_url, ctx.emu_secret}, count, ctx.opt.scale_settle,
                                    ctx.opt.scale_window, ctx.emu_stats ? query_count : nullptr);
    const std::string section =
        "scale " + std::to_string(count) + " listener" + (count == 1 ? "" : "s");
    const bool marginal = single.has_value() && count > 1;
    const std::string vs_one = marginal ? "1 listener" : "";
    const double threads_added = r.threads_after - r.threads_before;
    add_row(ctx.report, section, "threads added", "count", one(threads_added), vs_one,
            marginal ? one(single->threads_after - single->threads_before) : Summary(),
            Goal::sdk_at_most("P5", 2 + handler_threads),
            "bound: I/O + poll thread + handler pool");
    const double fds_added = r.fds_after - r.fds_before;
    add_row(ctx.report, section, "fds added", "count", one(fds_added), vs_one,
            marginal ? one(single->fds_after - single->fds_before) : Summary(), Goal::none());
    if (marginal) {
      // Marginal cost of a listener beyond the first one.
      const double n = count - 1;
      const double heap_kb = static_cast<double>((r.heap_after - r.heap_before) -
                                                 (single->heap_after - single->heap_before)) /
                             1024.0 / n;
      const double rss_kb = static_cast<double>((r.rss_after - r.rss_before) -
                                                (single->rss_after - single->rss_before)) /
                            1024.0 / n;
      add_row(ctx.report, section, "heap / extra listener", "kB", one(heap_kb), "", Summary(),
              Goal::sdk_at_most("P5", 64));
      add_row(ctx.report, section, "RSS / extra listener", "kB", one(rss_kb), "", Summary(),
              Goal::sdk_at_most("P5", 64), "RSS reuses freed pages: heap is the firmer figure");
    } else {
      add_row(ctx.report, section, "heap growth", "kB",
              one(static_cast<double>(r.heap_after - r.heap_before) / 1024.0), "", Summary(),
              Goal::none(), "client + listeners");
      add_row(ctx.report, section, "RSS growth", "kB",
              one(static_cast<double>(r.rss_after - r.rss_before) / 1024.0), "", Summary(),
              Goal::none(), "client + listeners");
    }
    const double expected_polls_per_s =
        count * 1000.0 / static_cast<double>(ctx.default_poll.count());
    const double polls_per_s = r.polls >= 0 && r.window_s > 0 ? r.polls / r.window_s : -1;
    if (polls_per_s >= 0) {
      add_row(ctx.report, section, "polls", "req/s", one(polls_per_s), "listeners/interval",
              one(expected_polls_per_s), Goal::none());
    }
    const double polls_for_baseline = polls_per_s >= 0 ? polls_per_s : expected_polls_per_s;
    add_row(ctx.report, section, "idle CPU", "ms/s", one(r.idle_cpu_per_s * 1e3), "raw, same polls",
            one(polls_for_baseline * query_cpu_us / 1e3), Goal::none());
    add_row(ctx.report, section, "register all", "ms", one(r.register_s * 1e3), "", Summary(),
            Goal::none());
    add_row(ctx.report, section, "close()", "ms", one(r.close_s * 1e3), "", Summary(),
            Goal::none());
    ctx.report.extra["scale"][std::to_string(count)] = {{"threads_before", r.threads_before},
                                                        {"threads_after", r.threads_after},
                                                        {"rss_before", r.rss_before},
                                                        {"rss_after", r.rss_after},
                                                        {"heap_before", r.heap_before},
                                                        {"heap_after", r.heap_after},
                                                        {"fds_before", r.fds_before},
                                                        {"fds_after", r.fds_after},
                                                        {"register_s", r.register_s},
                                                        {"idle_cpu_per_s", r.idle_cpu_per_s},
                                                        {"window_s", r.window_s},
                                                        {"polls", r.polls},
                                                        {"close_s", r.close_s}};
    if (count == 1) single = r;
  }
  ctx.report.notes.push_back(
      "scale: idle CPU baseline = the polls the server saw x client CPU "
      "of one raw empty /query (" +
      format_number(query_cpu_us) + " us)");
#else
  (void)ctx;
#endif
}

// ---- memory: a huge answer, and emits to a server that never answers ---------------------
// Each figure is the peak resident-size growth of a fresh process doing one thing, so that
// what earlier sections allocated cannot hide or inflate it.
void section_memory(Context& ctx) {
#if BENCH_HAVE_SDK
  constexpr double kMiB = 1024.0 * 1024.0;
  const std::size_t answer_bytes = (ctx.opt.smoke ? 4 : 100) * 1024 * 1024;
  const int pending = ctx.opt.smoke ? 500 : 50'000;
  const int reps = std::min(ctx.opt.reps, 3);  // each run allocates hundreds of MiB
  const int client_cpu = ctx.opt.pin ? 0 : -1;
  const int server_cpu = ctx.opt.pin ? 1 : -1;
  progress("memory: a " + format_number(static_cast<double>(answer_bytes) / kMiB) +
           " MiB answer, " + std::to_string(pending) + " emit_async to a silent server x " +
           std::to_string(reps) + " reps");
  HostileServer huge(HostileServer::Kind::huge_answer, answer_bytes, server_cpu);
  HostileServer silent(HostileServer::Kind::silent, 0, server_cpu);
  HostileServer pages(HostileServer::Kind::query_page, answer_bytes, server_cpu);
  const auto options_for = [&](int port) {
    buildable::ClientOptions o;
    o.secret = ctx.secret;
    o.base_url = "http://127.0.0.1:" + std::to_string(port);
    o.user_agent = ctx.user_agent;
    o.request_timeout = std::chrono::minutes(10);  // the silent server must outlast the run
    return o;
  };
  // A 4 KB payload, as in the report that asked for this row.
  const nlohmann::json payload = {{"blob", std::string(4000, 'b')}};
  const std::string body = emit_body("bench.memory", payload);

  std::vector<double> sdk_answer, raw_answer, sdk_page, raw_page, sdk_pending, bodies_alone,
      sdk_limited;
  for (int rep = 0; rep < reps; ++rep) {
    sdk_page.push_back(peak_growth_mib(
        [&] {
          buildable::Client client(options_for(pages.port()));
          auto subscription = client.on("bench.page", [](const buildable::Message&) {});
          // Every claim is lost (409), so the page is received, parsed and offered, and nothing
          // is handled: what is measured is the page.
          const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
          while (client.metrics().claims_lost < 100) {
            if (std::chrono::steady_clock::now() > deadline)
              throw std::runtime_error("the page's claims were not all answered");
            std::this_thread::sleep_for(milliseconds(10));  // sampling a counter
          }
        },
        client_cpu));
    raw_page.push_back(peak_growth_mib(
        [&] {
          raw_post_into_string("http://127.0.0.1:" + std::to_string(pages.port()) + "/query",
                               R"({"eventName":"bench.page"})");
        },
        client_cpu));
    sdk_answer.push_back(peak_growth_mib(
        [&] {
          buildable::Client client(options_for(huge.port()));
          try {
            client.emit("bench.memory", emit_payload());
          } catch (const buildable::TransportError&) {
            // expected: an /emit answer is refused past 1 MiB while it is received
          }
        },
        client_cpu));
    raw_answer.push_back(peak_growth_mib(
        [&] {
          raw_post_into_string("http://127.0.0.1:" + std::to_string(huge.port()) + "/emit", body);
        },
        client_cpu));
    sdk_pending.push_back(peak_growth_mib(
        [&] {
          auto o = options_for(silent.port());
          o.max_pending_emits = static_cast<std::size_t>(pending);
          o.max_pending_bytes = std::size_t{4} << 30;
          buildable::Client client(o);
          std::vector<std::future<buildable::EmitResult>> futures;
          futures.reserve(static_cast<std::size_t>(pending));
          for (int i = 0; i < pending; ++i)
            futures.push_back(client.emit_async("bench.memory", payload));
        },
        client_cpu));
    bodies_alone.push_back(peak_growth_mib(
        [&] {
          std::vector<std::string> held;
          held.reserve(static_cast<std::size_t>(pending));
          for (int i = 0; i < pending; ++i)
            held.push_back(body);
        },
        client_cpu));
    sdk_limited.push_back(peak_growth_mib(
        [&] {
          auto o = options_for(silent.port());
          o.when_emit_queue_full = buildable::WhenEmitQueueFull::fail;
          buildable::Client client(o);
          std::vector<std::future<buildable::EmitResult>> futures;
          for (int i = 0; i < pending; ++i) {
            try {
              futures.push_back(client.emit_async("bench.memory", payload));
            } catch (const buildable::QueueFullError&) {
              // the default limit reached: the emit is refused, nothing is held
            }
          }
        },
        client_cpu));
  }
  const double answer_mib = static_cast<double>(answer_bytes) / kMiB;
  const std::string answer_section = format_number(answer_mib) + " MiB answer";
  add_row(ctx.report, answer_section, "peak RSS growth", "MiB", summarize(sdk_answer),
          "raw easy into std::string", summarize(raw_answer),
          Goal::sdk_at_most("T1", 2 * answer_mib),
          "emit(): refused past 1 MiB while received (TransportError)");
  const std::string page_section = format_number(answer_mib) + " MiB /query page";
  add_row(ctx.report, page_section, "peak RSS growth", "MiB", summarize(sdk_page),
          "raw easy into std::string", summarize(raw_page),
          Goal::sdk_at_most("T1", 2.1 * answer_mib),
          "~2x: the page's text, then its messages (each row kept as Message::raw)");
  const std::string pending_section = std::to_string(pending) + " emit_async, silent server";
  add_row(ctx.report, pending_section, "peak RSS growth, all pending", "MiB",
          summarize(sdk_pending), "the bodies alone", summarize(bodies_alone), Goal::none(),
          "max_pending_emits raised to admit all: one body copy each");
  add_row(ctx.report, pending_section, "peak RSS growth, default limits", "MiB",
          summarize(sdk_limited), "the bodies alone", summarize(bodies_alone), Goal::none(),
          "1,000 pending at most; the rest refused (when_emit_queue_full = fail)");
#else
  (void)ctx;
#endif
}

// ---- soak ----------------------------------------------------------------------------------
void section_soak(Context& ctx) {
#if BENCH_HAVE_SDK
  if (ctx.emu_soak_url.empty()) return;
  progress("soak: " + std::to_string(ctx.opt.soak_seconds) + " s, " +
           format_number(ctx.opt.soak_faults * 100) + "% of requests faulted");
  nlohmann::json samples = nlohmann::json::array();
  std::vector<double> rss, fds, threads;
  sdk_soak({ctx.emu_soak_url, ctx.emu_soak_secret}, std::chrono::seconds(ctx.opt.soak_seconds),
           std::chrono::seconds(ctx.opt.soak_every),
           [&](double t, std::uint64_t emitted, std::uint64_t handled) {
             const auto r = rss_bytes();
             const int f = fd_count();
             const int th = thread_count();
             samples.push_back({{"t", t},
                                {"emitted", emitted},
                                {"handled", handled},
                                {"rss", r},
                                {"fds", f},
                                {"threads", th}});
             rss.push_back(static_cast<double>(r) / 1024.0);
             fds.push_back(f);
             threads.push_back(th);
             progress("soak t=" + format_number(t) + "s emitted=" + std::to_string(emitted) +
                      " handled=" + std::to_string(handled) +
                      " rss=" + format_number(static_cast<double>(r) / 1024.0) +
                      "kB fds=" + std::to_string(f) + " threads=" + std::to_string(th));
           });
  ctx.report.extra["soak"] = samples;
  if (rss.size() >= 2) {
    // First sample after warm-up beside the last one: flat means ratio ~1.
    const std::size_t first = rss.size() > 2 ? 1 : 0;
    const auto one = [](double v) { return summarize({v}); };
    const std::string section = "soak " + std::to_string(ctx.opt.soak_seconds) + "s";
    add_row(ctx.report, section, "RSS last (max)", "kB", one(rss.back()), "first sample",
            one(rss[first]), Goal::max_ratio("P6", 1.10),
            "max " + format_number(*std::max_element(rss.begin(), rss.end())));
    add_row(ctx.report, section, "fds last", "count", one(fds.back()), "first sample",
            one(fds[first]), Goal::max_ratio("P6", 1.0), "");
    add_row(ctx.report, section, "threads last", "count", one(threads.back()), "first sample",
            one(threads[first]), Goal::max_ratio("P6", 1.0), "");
  }
#else
  (void)ctx;
#endif
}

int run(int argc, char** argv) {
  Context ctx;
  ctx.opt = parse_args(argc, argv);
  const Options& opt = ctx.opt;
  std::filesystem::create_directories(BENCH_DEFAULT_OUTPUT_DIR);

  const bool two_cpus = available_cpus() >= 2;
  const bool pin = opt.pin && two_cpus;
  const int server_cpu = pin ? 1 : -1;
  const bool want_fast = opt.only.count("emit") > 0 || opt.only.count("concurrent") > 0 ||
                         opt.only.count("latency") > 0;
  const bool want_emu = opt.only.count("drain") > 0 || opt.only.count("latency") > 0 ||
                        opt.only.count("scale") > 0 || opt.soak_seconds > 0;

  if (opt.nice != 0 && setpriority(PRIO_PROCESS, 0, opt.nice) != 0) {
    ctx.report.notes.push_back("--nice " + std::to_string(opt.nice) +
                               " refused: " + std::strerror(errno));
  }
  // Servers first, while this process has no other thread.
  if (want_fast) ctx.fast = std::make_unique<FastServer>(server_cpu);
#if BENCH_HAVE_EMULATOR
  std::unique_ptr<EmulatorChild> emu;
  std::unique_ptr<EmulatorChild> emu_slow;
  std::unique_ptr<EmulatorChild> emu_soak;
  if (want_emu) {
    emu = std::make_unique<EmulatorChild>(0, server_cpu);
    ctx.emu_url = emu->base_url();
    ctx.emu_secret = emu->secret();
    ctx.emu_stats = [e = emu.get()] { return e->stats(); };
    if (opt.only.count("drain") > 0) {
      emu_slow = std::make_unique<EmulatorChild>(20, server_cpu);
      ctx.emu_slow_url = emu_slow->base_url();
      ctx.emu_slow_secret = emu_slow->secret();
    }
    ctx.emu_soak_url = ctx.emu_url;
    ctx.emu_soak_secret = ctx.emu_secret;
    if (opt.soak_seconds > 0 && opt.soak_faults > 0) {
      emu_soak = std::make_unique<EmulatorChild>(0, server_cpu, opt.soak_faults);
      ctx.emu_soak_url = emu_soak->base_url();
      ctx.emu_soak_secret = emu_soak->secret();
    }
  }
#else
  if (want_emu) {
    ctx.report.notes.push_back(
        "built without buildable::emulator: drain, latency, scale and "
        "soak skipped");
  }
#endif
  if (pin) pin_to_cpu(0);
  curl_global_init(CURL_GLOBAL_DEFAULT);

#if BENCH_HAVE_SDK
  const SdkDefaults defaults = sdk_defaults();
  ctx.user_agent = defaults.user_agent;
  ctx.page_size = defaults.page_size;
  ctx.default_poll = defaults.poll_interval;
  ctx.handler_threads = defaults.handler_threads;
#else
  ctx.user_agent = std::string("buildable-cpp/") + BENCH_SDK_VERSION;
  ctx.report.notes.push_back("built without the SDK: baselines only");
#endif

  const curl_version_info_data* cv = curl_version_info(CURLVERSION_NOW);
  ctx.report.meta = {{"tool", "buildable-bench"},
                     {"time_utc", run_command("date -u +%Y-%m-%dT%H:%M:%SZ")},
                     {"git_commit", run_command("git -C '" BENCH_SOURCE_DIR
                                                "' rev-parse --short HEAD 2>/dev/null")},
                     {"libcurl", cv->version},
                     {"compiler", __VERSION__},
                     {"build_type", BENCH_BUILD_TYPE},
                     {"cpus", available_cpus()},
                     {"pinned", pin},
                     {"nice", opt.nice},
                     {"reps", opt.reps},
                     {"requests", opt.requests},
                     {"smoke", opt.smoke},
                     {"user_agent", ctx.user_agent},
                     {"sections", std::vector<std::string>(opt.only.begin(), opt.only.end())}};
  std::cout << "buildable-bench: " << opt.reps << " repetitions, client "
            << (pin ? "pinned to CPU 0, servers to CPU 1" : "not pinned") << ", libcurl "
            << cv->version << "\n";

  const std::vector<std::pair<std::string, void (*)(Context&)>> sections = {
      {"emit", section_emit},       {"concurrent", section_concurrent}, {"drain", section_drain},
      {"latency", section_latency}, {"scale", section_scale},           {"memory", section_memory}};
  for (const auto& [name, fn] : sections) {
    if (opt.only.count(name) == 0) continue;
    try {
      const double overflows = listen_overflows();
      fn(ctx);
      const double dropped = listen_overflows() - overflows;
      if (overflows >= 0 && dropped > 0) {
        ctx.report.notes.push_back(
            "section " + name + ": the kernel dropped " + format_number(dropped) +
            " SYNs for full accept queues meanwhile (machine-wide count); a dropped SYN costs "
            "its client a 1 s retransmit");
      }
    } catch (const std::exception& e) {
      ++ctx.errors;
      ctx.report.notes.push_back("section " + name + " failed: " + e.what());
      std::cerr << "buildable-bench: section " << name << " failed: " << e.what() << "\n";
    }
  }
  if (opt.soak_seconds > 0) {
    try {
      section_soak(ctx);
    } catch (const std::exception& e) {
      ++ctx.errors;
      ctx.report.notes.push_back(std::string("soak failed: ") + e.what());
    }
  }

  std::cout << "\n";
  ctx.report.print_table(std::cout);
  ctx.report.meta["failed_operations"] = ctx.failed_ops;
  ctx.report.meta["failed_sections"] = ctx.errors;
  if (ctx.report.write_json(opt.json_path)) std::cout << "results: " << opt.json_path << "\n";
  std::string why;
  if (!ctx.report.concurrency.empty()) {
    if (write_chart(ctx.report, opt.chart_path, why)) {
      std::cout << "chart:   " << opt.chart_path << "\n";
    } else {
      std::cout << "chart skipped: " << why << "\n";
    }
  }
  return ctx.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  try {
    return bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "buildable-bench: " << e.what() << "\n";
    return 1;
  }
}
