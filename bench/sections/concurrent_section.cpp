// emit_async() with N requests in flight, beside a raw curl multi loop (P2) and wrk (the
// ceiling), at each level of --inflight; then emit_batch() beside the raw multi loop (P2b).

#include <algorithm>

#include "sections.hpp"
#include "wrk_driver.hpp"

#if BENCH_HAVE_SDK
#include "sdk_runs.hpp"
#endif

namespace bench {
namespace {

// wrk's samples at one level: it runs once per repetition, after the SDK and the multi loop.
struct WrkSeries {
  std::vector<double> rate;
  std::vector<double> cpu_us;
};

void run_wrk_once(Context& ctx, const std::string& wrk, const EmitRequest& request, int inflight,
                  WrkSeries& out) {
  const std::string lua = std::string(BENCH_DEFAULT_OUTPUT_DIR) + "/bench-wrk-post.lua";
  const WrkResult w = run_wrk(wrk, request, inflight, ctx.opt.wrk_seconds, lua);
  if (!w.ran) {
    ctx.report.notes.push_back("wrk did not run: " + w.output.substr(0, 200));
    return;
  }
  out.rate.push_back(w.rate);
  out.cpu_us.push_back(w.cpu_us_per_request());
  if (w.errors > 0) {
    ctx.report.notes.push_back("wrk -c" + std::to_string(inflight) + ": " +
                               std::to_string(w.errors) + " errors");
  }
}

void add_level_rows(Context& ctx, int inflight, const Series& sdk, const Series& multi,
                    const WrkSeries& wrk) {
  const std::string section = "emit " + std::to_string(inflight) + " in flight";
  add_throughput_rows(ctx.report, section, "req", "raw multi", sdk, multi,
                      Goal::min_ratio("P2", 0.90), Goal::none());
  add_row(ctx.report, section, "TCP connections", "count", summarize(sdk.connections), "raw multi",
          summarize(multi.connections), Goal::none());
  if (!wrk.rate.empty()) {
    add_row(ctx.report, section, "rate vs ceiling", "req/s", summarize(sdk.rate), "wrk -t1",
            summarize(wrk.rate), Goal::none());
    add_row(ctx.report, section, "CPU/req vs ceiling", "us", summarize(sdk.cpu_us), "wrk -t1",
            summarize(wrk.cpu_us), Goal::none());
  }
  ConcurrencyPoint point = concurrency_point(inflight, sdk, multi);
  point.wrk = summarize(wrk.rate);
  point.wrk_cpu = summarize(wrk.cpu_us);
  ctx.report.concurrency.push_back(point);
}

void measure_level(Context& ctx, const EmitRequest& request, const std::string& wrk, int inflight) {
  const std::uint64_t n = ctx.opt.requests * 2;
  progress("emit, " + std::to_string(inflight) + " in flight: " + std::to_string(n) +
           " requests x " + std::to_string(ctx.opt.reps) + " reps");
  const std::string what = "emit " + std::to_string(inflight) + " in flight ";
  Series sdk;
  Series multi;
  WrkSeries wrk_series;
  raw_emit_multi(request, std::min<std::uint64_t>(n, 1000), inflight);  // warm-up
  interleave(
      ctx.opt.reps,
      [&](int) {
#if BENCH_HAVE_SDK
        const SdkTarget target{ctx.fast->base_url(), ctx.secret};
        measure_emits(ctx, sdk, what + "sdk", [&] {
          return sdk_emit_async(target, "bench.emit", emit_payload(), n, inflight);
        });
#endif
      },
      [&](int) {
        measure_emits(ctx, multi, what + "raw multi",
                      [&] { return raw_emit_multi(request, n, inflight); });
      },
      [&](int) {
        if (!wrk.empty()) run_wrk_once(ctx, wrk, request, inflight, wrk_series);
      });
  add_level_rows(ctx, inflight, sdk, multi, wrk_series);
}

#if BENCH_HAVE_SDK
// emit_batch() of kBatch events per call beside the raw multi loop with as many requests in
// flight as the batch has events (each over kBatch connections): blocking calls, and
// emit_batch_async() with the next batch queued while the previous one settles.
constexpr int kBatch = 100;

void measure_batches(Context& ctx, const EmitRequest& request, bool queued) {
  const std::uint64_t n = ctx.opt.requests * 2;
  const std::string variant = queued ? "emit_batch_async, 2 batches queued" : "emit_batch";
  progress(variant + " of " + std::to_string(kBatch) + ": " + std::to_string(n) + " events x " +
           std::to_string(ctx.opt.reps) + " reps");
  Series sdk;
  Series multi;
  raw_emit_multi(request, std::min<std::uint64_t>(n, 1000), kBatch);  // warm-up
  const SdkTarget target{ctx.fast->base_url(), ctx.secret};
  interleave(
      ctx.opt.reps,
      [&](int) {
        measure_emits(ctx, sdk, variant + " sdk", [&] {
          return sdk_emit_batch(target, "bench.emit", emit_payload(), n, kBatch, kBatch, queued);
        });
      },
      [&](int) {
        measure_emits(ctx, multi, variant + " raw multi",
                      [&] { return raw_emit_multi(request, n, kBatch); });
      });
  const std::string section = variant + ", " + std::to_string(kBatch) + " per call";
  add_throughput_rows(ctx.report, section, "req", "raw multi " + std::to_string(kBatch), sdk, multi,
                      Goal::min_ratio("P2b", 1.0), Goal::none());
  if (!queued) ctx.report.batches.push_back(concurrency_point(kBatch, sdk, multi));
}
#endif

}  // namespace

void section_concurrent(Context& ctx) {
  const EmitRequest request{ctx.fast->base_url(), ctx.secret,
                            emit_body("bench.emit", emit_payload()), ctx.user_agent};
  const std::string wrk = find_wrk();
  if (wrk.empty()) ctx.report.notes.push_back("wrk not installed: no ceiling figures");
  for (const int inflight : ctx.opt.inflight) {
    measure_level(ctx, request, wrk, inflight);
  }
#if BENCH_HAVE_SDK
  measure_batches(ctx, request, /*queued=*/false);
  measure_batches(ctx, request, /*queued=*/true);
#endif
}

}  // namespace bench
