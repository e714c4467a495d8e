// buildable-bench: the SDK beside the raw libcurl floor and the wrk ceiling, in one run.
// See bench/README.md for what each section measures and how to run it.

#include <curl/curl.h>

#include <filesystem>
#include <iostream>

#include "measure.hpp"
#include "sections.hpp"
#include "setup.hpp"

namespace bench {
namespace {

// In the order they run.
const std::pair<const char*, void (*)(Context&)> kSectionRuns[] = {
    {"emit", section_emit},       {"concurrent", section_concurrent}, {"drain", section_drain},
    {"latency", section_latency}, {"scale", section_scale},           {"memory", section_memory}};

void write_report(Context& ctx) {
  const Options& opt = ctx.opt;
  std::cout << "\n";
  ctx.report.print_table(std::cout);
  ctx.report.meta["failed_operations"] = ctx.failed_ops;
  ctx.report.meta["failed_sections"] = ctx.errors;
  if (ctx.report.write_json(opt.json_path)) std::cout << "results: " << opt.json_path << "\n";
  std::string why;
  if (ctx.report.concurrency.empty()) return;
  if (write_chart(ctx.report, opt.chart_path, why)) {
    std::cout << "chart:   " << opt.chart_path << "\n";
  } else {
    std::cout << "chart skipped: " << why << "\n";
  }
}

int run(int argc, char** argv) {
  Context ctx;
  ctx.opt = parse_args(argc, argv);
  const Options& opt = ctx.opt;
  std::filesystem::create_directories(BENCH_DEFAULT_OUTPUT_DIR);
  const bool pin = opt.pin && available_cpus() >= 2;
  apply_nice(ctx);
  // Servers first, while this process has no other thread.
  const ServerChildren servers = start_servers(ctx, pin ? 1 : -1);
  if (pin) pin_to_cpu(0);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  adopt_sdk_defaults(ctx);
  record_meta(ctx, pin);

  for (const auto& [name, section] : kSectionRuns) {
    if (opt.only.count(name) > 0) run_section(ctx, name, section);
  }
  if (opt.soak_seconds > 0) {
    try {
      section_soak(ctx);
    } catch (const std::exception& e) {
      ++ctx.errors;
      ctx.report.notes.push_back(std::string("soak failed: ") + e.what());
    }
  }
  write_report(ctx);
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
