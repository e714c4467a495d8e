// Scale: 1, 100, 1,000 idle listeners on one client; what they cost in threads, descriptors,
// memory and idle CPU (P5), beside one listener and a raw client's polls.

#include <optional>

#include "sections.hpp"

#if BENCH_HAVE_SDK
#include "sdk_runs.hpp"

namespace bench {
namespace {

// One count of listeners, and the 1-listener run it is compared with (none for itself).
struct ScaleRun {
  int count;
  ScaleResult r;
  std::optional<ScaleResult> single;
  std::string section() const {
    return "scale " + std::to_string(count) + " listener" + (count == 1 ? "" : "s");
  }
  bool marginal() const { return single.has_value() && count > 1; }
};

double kib(std::int64_t bytes) {
  return static_cast<double>(bytes) / 1024.0;
}

int threads_added(const ScaleResult& r) {
  return r.threads_after - r.threads_before;
}

int fds_added(const ScaleResult& r) {
  return r.fds_after - r.fds_before;
}

// The 1-listener figure beside a larger count; nothing beside the 1-listener run itself.
Summary beside_single(const ScaleRun& run, int (*added)(const ScaleResult&)) {
  return run.marginal() ? single(added(*run.single)) : Summary();
}

void add_thread_fd_rows(Context& ctx, const ScaleRun& run) {
  const std::string vs_one = run.marginal() ? "1 listener" : "";
  add_row(ctx.report, run.section(), "threads added", "count", single(threads_added(run.r)), vs_one,
          beside_single(run, threads_added),
          Goal::sdk_at_most("P5", 2 + static_cast<double>(ctx.handler_threads)),
          "bound: I/O + poll thread + handler pool");
  add_row(ctx.report, run.section(), "fds added", "count", single(fds_added(run.r)), vs_one,
          beside_single(run, fds_added), Goal::none());
}

void add_memory_rows(Context& ctx, const ScaleRun& run) {
  const ScaleResult& r = run.r;
  const std::string section = run.section();
  if (!run.marginal()) {
    add_row(ctx.report, section, "heap growth", "kB", single(kib(r.heap_after - r.heap_before)), "",
            Summary(), Goal::none(), "client + listeners");
    add_row(ctx.report, section, "RSS growth", "kB", single(kib(r.rss_after - r.rss_before)), "",
            Summary(), Goal::none(), "client + listeners");
    return;
  }
  // Marginal cost of a listener beyond the first one.
  const ScaleResult& one = *run.single;
  const double extra = run.count - 1;
  const double heap_kb =
      kib((r.heap_after - r.heap_before) - (one.heap_after - one.heap_before)) / extra;
  const double rss_kb =
      kib((r.rss_after - r.rss_before) - (one.rss_after - one.rss_before)) / extra;
  add_row(ctx.report, section, "heap / extra listener", "kB", single(heap_kb), "", Summary(),
          Goal::sdk_at_most("P5", 64));
  add_row(ctx.report, section, "RSS / extra listener", "kB", single(rss_kb), "", Summary(),
          Goal::sdk_at_most("P5", 64), "RSS reuses freed pages: heap is the firmer figure");
}

void add_cpu_rows(Context& ctx, const ScaleRun& run, double query_cpu_us) {
  const ScaleResult& r = run.r;
  const std::string section = run.section();
  const double expected_polls_per_s =
      run.count * 1000.0 / static_cast<double>(ctx.default_poll.count());
  const double polls_per_s = r.polls >= 0 && r.window_s > 0 ? r.polls / r.window_s : -1;
  if (polls_per_s >= 0) {
    add_row(ctx.report, section, "polls", "req/s", single(polls_per_s), "listeners/interval",
            single(expected_polls_per_s), Goal::none());
  }
  const double polls_for_baseline = polls_per_s >= 0 ? polls_per_s : expected_polls_per_s;
  add_row(ctx.report, section, "idle CPU", "ms/s", single(r.idle_cpu_per_s * 1e3),
          "raw, same polls", single(polls_for_baseline * query_cpu_us / 1e3), Goal::none());
  add_row(ctx.report, section, "register all", "ms", single(r.register_s * 1e3), "", Summary(),
          Goal::none());
  add_row(ctx.report, section, "close()", "ms", single(r.close_s * 1e3), "", Summary(),
          Goal::none());
}

nlohmann::json details(const ScaleResult& r) {
  return {{"threads_before", r.threads_before},
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
}

// Client CPU of one raw empty /query: what the SDK's idle polls are compared with.
double raw_query_cpu_us(const Context& ctx) {
  const RawListenerConfig probe =
      raw_listener(ctx, ctx.emu_url, ctx.emu_secret, "scale.empty-probe", ctx.default_poll);
  return raw_empty_query_cpu_us(probe, ctx.opt.smoke ? 20 : 300);
}

// /query requests the 0 ms emulator has seen so far; empty when it cannot tell.
std::function<double()> query_counter(Context& ctx) {
  if (!ctx.emu_stats) return nullptr;
  return [&ctx]() -> double {
    const nlohmann::json stats = ctx.emu_stats();
    return stats["by_path"].value("/query", 0.0);
  };
}

}  // namespace

void section_scale(Context& ctx) {
  if (ctx.emu_url.empty()) return;
  const double query_cpu_us = raw_query_cpu_us(ctx);
  ctx.report.extra["scale"]["raw_empty_query_cpu_us"] = query_cpu_us;
  std::optional<ScaleResult> single_run;  // the 1-listener run: baseline of the larger ones
  for (const int count : ctx.opt.scale_counts) {
    progress("scale: " + std::to_string(count) + " idle listeners");
    const ScaleRun run{count,
                       sdk_scale({ctx.emu_url, ctx.emu_secret}, count, ctx.opt.scale_settle,
                                 ctx.opt.scale_window, query_counter(ctx)),
                       single_run};
    add_thread_fd_rows(ctx, run);
    add_memory_rows(ctx, run);
    add_cpu_rows(ctx, run, query_cpu_us);
    ctx.report.extra["scale"][std::to_string(count)] = details(run.r);
    if (count == 1) single_run = run.r;
  }
  ctx.report.notes.push_back(
      "scale: idle CPU baseline = the polls the server saw x client CPU "
      "of one raw empty /query (" +
      format_number(query_cpu_us) + " us)");
}

}  // namespace bench

#else
void bench::section_scale(Context&) {}
#endif
