// Soak: emits ~200/s and one listener for --soak seconds; resident size, descriptors and
// threads sampled all along, the last sample beside the first (P6).

#include <algorithm>

#include "measure.hpp"
#include "sections.hpp"

#if BENCH_HAVE_SDK
#include "sdk_runs.hpp"

namespace bench {
namespace {

// The resources sampled during the soak, in the report's units.
struct SoakSamples {
  nlohmann::json all = nlohmann::json::array();
  std::vector<double> rss_kb, fds, threads;

  void take(double t, std::uint64_t emitted, std::uint64_t handled) {
    const auto rss = rss_bytes();
    const int f = fd_count();
    const int th = thread_count();
    all.push_back({{"t", t},
                   {"emitted", emitted},
                   {"handled", handled},
                   {"rss", rss},
                   {"fds", f},
                   {"threads", th}});
    rss_kb.push_back(static_cast<double>(rss) / 1024.0);
    fds.push_back(f);
    threads.push_back(th);
    progress("soak t=" + format_number(t) + "s emitted=" + std::to_string(emitted) + " handled=" +
             std::to_string(handled) + " rss=" + format_number(static_cast<double>(rss) / 1024.0) +
             "kB fds=" + std::to_string(f) + " threads=" + std::to_string(th));
  }
};

void add_soak_rows(Context& ctx, const SoakSamples& s) {
  if (s.rss_kb.size() < 2) return;
  // First sample after warm-up beside the last one: flat means ratio ~1.
  const std::size_t first = s.rss_kb.size() > 2 ? 1 : 0;
  const std::string section = "soak " + std::to_string(ctx.opt.soak_seconds) + "s";
  add_row(ctx.report, section, "RSS last (max)", "kB", single(s.rss_kb.back()), "first sample",
          single(s.rss_kb[first]), Goal::max_ratio("P6", 1.10),
          "max " + format_number(*std::max_element(s.rss_kb.begin(), s.rss_kb.end())));
  add_row(ctx.report, section, "fds last", "count", single(s.fds.back()), "first sample",
          single(s.fds[first]), Goal::max_ratio("P6", 1.0));
  add_row(ctx.report, section, "threads last", "count", single(s.threads.back()), "first sample",
          single(s.threads[first]), Goal::max_ratio("P6", 1.0));
}

}  // namespace

void section_soak(Context& ctx) {
  if (ctx.emu_soak_url.empty()) return;
  progress("soak: " + std::to_string(ctx.opt.soak_seconds) + " s, " +
           format_number(ctx.opt.soak_faults * 100) + "% of requests faulted");
  SoakSamples samples;
  sdk_soak({ctx.emu_soak_url, ctx.emu_soak_secret}, std::chrono::seconds(ctx.opt.soak_seconds),
           std::chrono::seconds(ctx.opt.soak_every),
           [&samples](double t, std::uint64_t emitted, std::uint64_t handled) {
             samples.take(t, emitted, handled);
           });
  ctx.report.extra["soak"] = samples.all;
  add_soak_rows(ctx, samples);
}

}  // namespace bench

#else
void bench::section_soak(Context&) {}
#endif
