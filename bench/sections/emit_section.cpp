// emit(), one thread: a Client::emit() loop beside one reused raw easy handle (P1).

#include <algorithm>

#include "sections.hpp"

#if BENCH_HAVE_SDK
#include "sdk_runs.hpp"
#endif

namespace bench {
namespace {

void add_emit_rows(Context& ctx, std::uint64_t n, const Series& sdk, const Series& raw,
                   const std::vector<double>& server_cpu_us) {
  const std::string section = "emit 1 thread";
  const std::string base = "raw easy reused";
  add_throughput_rows(ctx.report, section, "req", base, sdk, raw, Goal::min_ratio("P1", 0.90),
                      Goal::max_ratio("P1", 1.15));
  add_row(ctx.report, section, "TCP connections / " + std::to_string(n), "count",
          summarize(sdk.connections), base, summarize(raw.connections), Goal::sdk_equals("P1", 1));
  const Summary server = summarize(server_cpu_us);
  ctx.report.extra["emit_one_thread"] = {{"requests", n},
                                         {"server_cpu_us_per_request", server.median}};
  ctx.report.notes.push_back("fast server CPU per request: " + format_number(server.median) +
                             " us (it must stay below the client's to be a fair floor)");
  ctx.report.concurrency.push_back(concurrency_point(1, sdk, raw));
}

}  // namespace

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
  // The fast server's CPU per request too: it must stay below the client's.
  const auto measure = [&](Series& s, const std::string& name,
                           const std::function<RunResult()>& run) {
    const double server0 = ctx.fast->cpu_seconds();
    const RunResult r = measure_emits(ctx, s, "emit 1 thread " + name, run);
    if (r.ok > 0) {
      server_cpu_us.push_back((ctx.fast->cpu_seconds() - server0) * 1e6 /
                              static_cast<double>(r.ok));
    }
  };
  interleave(
      ctx.opt.reps,
      [&](int) {
#if BENCH_HAVE_SDK
        measure(sdk, "sdk", [&] { return sdk_emit_loop(target, event, emit_payload(), n); });
#endif
      },
      [&](int) { measure(raw, "raw", [&] { return raw_emit_loop(request, n); }); });
  add_emit_rows(ctx, n, sdk, raw, server_cpu_us);
}

}  // namespace bench
