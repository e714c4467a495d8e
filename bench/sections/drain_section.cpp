// A listener draining a backlog, beside a raw serial cycle on one easy handle (P3), against
// the 0 ms and the 20 ms emulator.

#include <stdexcept>

#include "sections.hpp"

#if BENCH_HAVE_SDK
#include "sdk_runs.hpp"
#endif

namespace bench {
namespace {

using std::chrono::milliseconds;

// One emulator and the backlog drained from it.
struct DrainTarget {
  std::string url;
  std::string secret;
  int latency_ms;
  std::uint64_t n;
  milliseconds timeout() const {
    return milliseconds(60'000 + static_cast<long>(n) * (latency_ms * 3 + 5));
  }
};

// Messages are emitted since a minute ago, so that the listener finds them all as backlog.
std::int64_t backlog_since() {
  return epoch_ms() - 60'000;
}

// A fresh backlog for each run: its own event name.
void emit_backlog(const Context& ctx, const DrainTarget& t, const std::string& event) {
  const EmitRequest req{t.url, t.secret, emit_body(event, emit_payload()), ctx.user_agent};
  const RunResult r = raw_emit_multi(req, t.n, 32);
  if (r.ok != t.n) throw std::runtime_error("could not emit the backlog for " + event);
}

void drain_sdk(Context& ctx, const DrainTarget& t, const std::string& event, Series& out) {
#if BENCH_HAVE_SDK
  const std::int64_t since = backlog_since();
  emit_backlog(ctx, t, event);
  const RunResult r = sdk_drain({t.url, t.secret}, event, since, t.n, t.timeout());
  out.add(r);
  check_failures(ctx, "drain sdk", r);
#else
  (void)ctx;
  (void)t;
  (void)event;
  (void)out;
#endif
}

void drain_raw(Context& ctx, const DrainTarget& t, const std::string& event, Series& out) {
  RawListenerConfig config = raw_listener(ctx, t.url, t.secret, event, milliseconds(5));
  config.since_ms = backlog_since();
  emit_backlog(ctx, t, event);
  const RunResult r = raw_drain(config, t.n, t.timeout(), [](const nlohmann::json&) {});
  out.add(r);
  check_failures(ctx, "drain raw", r);
}

void measure_drain(Context& ctx, const DrainTarget& t) {
  progress("listener drain, " + std::to_string(t.latency_ms) + " ms latency: backlog of " +
           std::to_string(t.n) + " x " + std::to_string(ctx.opt.reps) + " reps");
  const std::string prefix = "drain" + std::to_string(t.latency_ms) + ".";
  Series sdk;
  Series raw;
  interleave(
      ctx.opt.reps, [&](int rep) { drain_sdk(ctx, t, prefix + std::to_string(rep) + ".sdk", sdk); },
      [&](int rep) { drain_raw(ctx, t, prefix + std::to_string(rep) + ".raw", raw); });
  const std::string section =
      "drain " + std::to_string(t.latency_ms) + "ms x" + std::to_string(t.n);
  add_throughput_rows(ctx.report, section, "msg", "raw serial cycle", sdk, raw,
                      Goal::min_ratio("P3", 0.80), Goal::none());
}

}  // namespace

void section_drain(Context& ctx) {
  const DrainTarget targets[] = {{ctx.emu_url, ctx.emu_secret, 0, ctx.opt.drain_n},
                                 {ctx.emu_slow_url, ctx.emu_slow_secret, 20, ctx.opt.drain_n_slow}};
  for (const DrainTarget& t : targets) {
    if (!t.url.empty()) measure_drain(ctx, t);
  }
}

}  // namespace bench
