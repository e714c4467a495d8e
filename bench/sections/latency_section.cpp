// Latency: emit -> handler entered at the default poll interval and a short one, against the
// emulator, beside a raw poll loop (P4); and the SDK's own share of it, claim answered ->
// handler entered, against the fast server.

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "sections.hpp"

#if BENCH_HAVE_SDK
#include "sdk_runs.hpp"
#endif

namespace bench {
namespace {

using std::chrono::milliseconds;
using PayloadHandler = std::function<void(const nlohmann::json& payload)>;

// Per-repetition percentiles, and every sample pooled.
struct LatencySamples {
  std::vector<double> p50;
  std::vector<double> p99;
  std::vector<double> all;
  void add(const std::vector<double>& run) {
    p50.push_back(percentile(run, 0.50));
    p99.push_back(percentile(run, 0.99));
    all.insert(all.end(), run.begin(), run.end());
  }
  Summary median() const { return pooled(p50, 0.50); }
  Summary tail() const { return pooled(p99, 0.99); }

 private:
  // Percentile `q` over all samples pooled, with the range of the per-repetition values.
  Summary pooled(const std::vector<double>& per_rep, double q) const {
    Summary s = summarize(per_rep);
    if (!all.empty()) s.median = percentile(all, q);
    return s;
  }
};

// A raw poll loop on its own thread, from construction to destruction.
class RawListenerThread {
 public:
  RawListenerThread(RawListenerConfig config, PayloadHandler handler)
      : config_(std::move(config)),
        handler_(std::move(handler)),
        thread_([this] { raw_listen_until(config_, stop_, handler_); }) {}
  RawListenerThread(const RawListenerThread&) = delete;
  RawListenerThread& operator=(const RawListenerThread&) = delete;
  ~RawListenerThread() {
    stop_ = true;
    thread_.join();
  }

 private:
  RawListenerConfig config_;
  PayloadHandler handler_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts once the members it reads exist
};

// ---- claim answered -> handler entered ------------------------------------------------------

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

struct HandoffRun {
  std::size_t wanted;
  milliseconds interval;
  milliseconds timeout;
};

void keep_handoffs(const std::vector<double>& got, LatencySamples& out) {
  if (!got.empty()) out.add(got);
}

void handoff_sdk(Context& ctx, const HandoffRun& run, LatencySamples& out) {
#if BENCH_HAVE_SDK
  HandoffSamples samples(*ctx.fast, run.wanted);
  const auto stop = sdk_start_listeners(
      {ctx.fast->base_url(), ctx.secret}, {kFastServerEvent}, run.interval,
      [&samples](const nlohmann::json& payload) { samples.on_payload(payload); });
  const auto got = samples.wait(run.timeout);
  stop();
  keep_handoffs(got, out);
#else
  (void)ctx;
  (void)run;
  (void)out;
#endif
}

void handoff_raw(Context& ctx, const HandoffRun& run, LatencySamples& out) {
  HandoffSamples samples(*ctx.fast, run.wanted);
  std::vector<double> got;
  {
    RawListenerThread listener(
        raw_listener(ctx, ctx.fast->base_url(), ctx.secret, kFastServerEvent, run.interval),
        [&samples](const nlohmann::json& payload) { samples.on_payload(payload); });
    got = samples.wait(run.timeout);
  }
  keep_handoffs(got, out);
}

// P4's second half: the SDK's own share of the latency, from the moment the server answered a
// claim to the handler being entered (the fast server stamps its answers in shared memory;
// CLOCK_MONOTONIC is the same clock in both processes), beside a raw loop doing the same.
void latency_handoff(Context& ctx) {
  if (!ctx.fast) return;
  const std::size_t wanted = ctx.opt.smoke ? 10 : 100;
  const milliseconds interval(20);
  const HandoffRun run{wanted, interval,
                       interval * static_cast<long>(wanted) * 5 + milliseconds(10'000)};
  progress("latency, claim answered -> handler entered: " + std::to_string(wanted) + " samples x " +
           std::to_string(ctx.opt.reps) + " reps");
  LatencySamples sdk;
  LatencySamples raw;
  interleave(
      ctx.opt.reps, [&](int) { handoff_sdk(ctx, run, sdk); },
      [&](int) { handoff_raw(ctx, run, raw); });
  const std::string section = "claim answered->handler";
  const std::string base = "raw poll loop";
  add_row(ctx.report, section, "p50", "us", sdk.median(), base, raw.median(), Goal::none());
  add_row(ctx.report, section, "p99", "us", sdk.tail(), base, raw.tail(),
          Goal::sdk_at_most("P4", 1000), "SDK's own share, fast server");
  ctx.report.extra["latency"]["claim_answered_to_handler_us"] = {{"sdk", sdk.all},
                                                                 {"raw", raw.all}};
}

// ---- emit -> handler entered ----------------------------------------------------------------

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
  PayloadHandler handler() {
    return [this](const nlohmann::json& payload) {
      if (payload.is_object() && payload.contains("seq") && payload["seq"].is_number()) {
        arrived(payload["seq"].get<std::int64_t>());
      }
    };
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::int64_t, double> times_;
};

struct Level {
  milliseconds interval;
  int samples;
  long ms() const { return static_cast<long>(interval.count()); }
};

std::vector<Level> latency_levels(const Context& ctx) {
  std::vector<Level> levels;
  if (ctx.opt.latency_samples_default > 0) {
    levels.push_back({ctx.default_poll, ctx.opt.latency_samples_default});
  }
  if (ctx.opt.latency_samples_short > 0) {
    levels.push_back({ctx.opt.short_interval, ctx.opt.latency_samples_short});
  }
  return levels;
}

// Median round trip of a small request to the emulator, for P4's bound.
double round_trip_ms(const Context& ctx) {
  RawHttp http(ctx.emu_url, ctx.emu_secret, ctx.user_agent);
  const std::string body = nlohmann::json{
      {"eventName", "latency.rtt-probe"},
      {"txKey", "default"},
      {"since", epoch_ms()}}.dump();
  http.post("/query", body);  // connects
  std::vector<double> rtts;
  for (int i = 0; i < 20; ++i) {
    const double t0 = now_seconds();
    http.post("/query", body);
    rtts.push_back(now_seconds() - t0);
  }
  return summarize(rtts).median * 1e3;
}

// Messages go round-robin to this many listeners, so that each listener has been idle for
// several poll cycles when its next message comes (at 50 ms, about 16 cycles), as P4 asks.
constexpr std::size_t kIdleListeners = 8;

// emit -> handler entered at one poll interval, for the SDK or the raw loop. Message numbers
// run on across intervals and variants, so that each is unique in the section.
class PollLatency {
 public:
  PollLatency(Context& ctx, const Level& level, std::int64_t& next_seq)
      : ctx_(ctx), level_(level), next_seq_(next_seq) {}

  void run_sdk(int rep, LatencySamples& out) {
#if BENCH_HAVE_SDK
    Arrivals arrivals;
    const auto events = event_names(rep, "sdk");
    const auto stop = sdk_start_listeners({ctx_.emu_url, ctx_.emu_secret}, events, level_.interval,
                                          arrivals.handler());
    sample(events, arrivals, out);
    stop();
#else
    (void)rep;
    (void)out;
#endif
  }

  void run_raw(int rep, LatencySamples& out) {
    Arrivals arrivals;
    const auto events = event_names(rep, "raw");
    std::vector<std::unique_ptr<RawListenerThread>> listeners;
    for (const auto& event : events) {
      listeners.push_back(std::make_unique<RawListenerThread>(
          raw_listener(ctx_, ctx_.emu_url, ctx_.emu_secret, event, level_.interval),
          arrivals.handler()));
    }
    sample(events, arrivals, out);
  }

 private:
  std::vector<std::string> event_names(int rep, const char* variant) const {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < kIdleListeners; ++i) {
      names.push_back("latency" + std::to_string(level_.ms()) + "." + std::to_string(rep) + "." +
                      variant + "." + std::to_string(i));
    }
    return names;
  }

  // Emits the level's messages to the listeners in turn, on a schedule of its own: the gaps
  // are drawn uniformly from 0 to two intervals, without waiting for any handler. An emit
  // timed from the previous message's arrival would be tied to the poll phase of the
  // listener that received it, which the other listeners share for a while after they all
  // started together: the jitter would then keep the shortest waits from happening, and the
  // median would read about jitter x interval / 4 too high.
  void sample(const std::vector<std::string>& events, Arrivals& arrivals, LatencySamples& out) {
    RawHttp emitter(ctx_.emu_url, ctx_.emu_secret, ctx_.user_agent);
    std::uniform_int_distribution<long> gap_us(0, 2 * level_.ms() * 1000);
    std::this_thread::sleep_for(level_.interval + milliseconds(20));  // first polls done
    std::vector<std::pair<std::int64_t, double>> sent;                // message number, emit time
    auto next = std::chrono::steady_clock::now();
    for (int i = 0; i < level_.samples; ++i) {
      next += std::chrono::microseconds(gap_us(ctx_.rng));
      std::this_thread::sleep_until(next);
      const auto& event = events[static_cast<std::size_t>(i) % events.size()];
      const auto emitted = emit(emitter, event);
      if (emitted) sent.push_back(*emitted);
    }
    std::vector<double> latencies;
    for (const auto& [seq, t0] : sent) {
      const auto ms = handler_entered_ms(seq, t0, arrivals);
      if (ms) latencies.push_back(*ms);
    }
    out.add(latencies);
  }

  // Emits one message: its number and the time the emit began; nullopt when it failed.
  std::optional<std::pair<std::int64_t, double>> emit(RawHttp& emitter, const std::string& event) {
    const std::int64_t seq = ++next_seq_;
    const std::string body = emit_body(event, {{"seq", seq}});
    const double t0 = now_seconds();
    if (emitter.post("/emit", body) != 200) {
      ++ctx_.failed_ops;
      return std::nullopt;
    }
    return std::make_pair(seq, t0);
  }

  // From message `seq`'s emit at `t0` to its handler being entered; nullopt when it never was.
  std::optional<double> handler_entered_ms(std::int64_t seq, double t0, Arrivals& arrivals) {
    const double t1 = arrivals.wait(seq, level_.interval * 4 + milliseconds(10'000));
    if (t1 < 0) {
      ++ctx_.failed_ops;
      ctx_.report.notes.push_back("latency: message " + std::to_string(seq) +
                                  " never reached the handler");
      return std::nullopt;
    }
    return (t1 - t0) * 1e3;
  }

  Context& ctx_;
  Level level_;
  std::int64_t& next_seq_;
};

void add_poll_rows(Context& ctx, const Level& level, double rtt_ms, const LatencySamples& sdk,
                   const LatencySamples& raw) {
  const std::string section = "latency poll " + std::to_string(level.ms()) + "ms";
  const std::string base = "raw poll loop";
  const double bound = static_cast<double>(level.ms()) / 2 + 3 * rtt_ms;
  const Interval likely = median_interval(sdk.all);
  const Interval raw_likely = median_interval(raw.all);
  const auto interval_text = [](const Interval& i) {
    if (std::isinf(i.low)) return std::string("unbounded (too few samples)");
    return format_number(i.low) + "-" + format_number(i.high);
  };
  add_row(ctx.report, section, "emit->handler p50", "ms", sdk.median(), base, raw.median(),
          Goal::median_at_most("P4", bound, likely),
          "95% intervals of the p50: SDK " + interval_text(likely) + ", raw loop " +
              interval_text(raw_likely) + " (" + verdict_name(median_within(raw_likely, bound)) +
              ")");
  add_row(ctx.report, section, "emit->handler p99", "ms", sdk.tail(), base, raw.tail(),
          Goal::none());
  ctx.report.extra["latency"]["interval_" + std::to_string(level.ms()) + "ms"] = {
      {"sdk_ms", sdk.all},
      {"raw_ms", raw.all},
      {"p4_bound_ms", bound},
      {"sdk_p50_interval_ms", {likely.low, likely.high}}};
}

void measure_poll_level(Context& ctx, const Level& level, double rtt_ms, std::int64_t& next_seq) {
  progress("latency, poll interval " + std::to_string(level.ms()) + " ms: " +
           std::to_string(level.samples) + " samples x " + std::to_string(ctx.opt.reps) + " reps");
  PollLatency poll(ctx, level, next_seq);
  LatencySamples sdk;
  LatencySamples raw;
  interleave(
      ctx.opt.reps, [&](int rep) { poll.run_sdk(rep, sdk); },
      [&](int rep) { poll.run_raw(rep, raw); });
  add_poll_rows(ctx, level, rtt_ms, sdk, raw);
}

}  // namespace

void section_latency(Context& ctx) {
  latency_handoff(ctx);
  if (ctx.emu_url.empty()) return;
  const double rtt_ms = round_trip_ms(ctx);
  ctx.report.extra["latency"]["round_trip_ms"] = rtt_ms;
  std::int64_t next_seq = 0;
  for (const Level& level : latency_levels(ctx)) {
    measure_poll_level(ctx, level, rtt_ms, next_seq);
  }
  ctx.report.notes.push_back(
      "latency: P4 bound = poll interval/2 + 3 round trips (round trip " + format_number(rtt_ms) +
      " ms); percentiles pool all samples, [min-max] is over repetitions; the SDK's own share "
      "is the 'claim answered->handler' rows (fast server stamps its /init answers)");
}

}  // namespace bench
