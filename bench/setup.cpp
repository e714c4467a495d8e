#include "setup.hpp"

#include <curl/curl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "measure.hpp"

#if BENCH_HAVE_SDK
#include "sdk_runs.hpp"
#endif
#if BENCH_HAVE_EMULATOR
#include "emulator_child.hpp"
#endif

namespace bench {
namespace {

bool wants_any(const Options& opt, std::initializer_list<const char*> sections) {
  for (const char* s : sections) {
    if (opt.only.count(s) > 0) return true;
  }
  return false;
}

#if BENCH_HAVE_EMULATOR
// Starts an emulator kept alive by `children` and records where it listens.
EmulatorChild& start_emulator(ServerChildren& children, std::string& url, std::string& secret,
                              int latency_ms, int cpu, double fault_share = 0.0) {
  auto emulator = std::make_shared<EmulatorChild>(latency_ms, cpu, fault_share);
  url = emulator->base_url();
  secret = emulator->secret();
  children.push_back(emulator);
  return *emulator;
}

void start_emulators(Context& ctx, int cpu, ServerChildren& children) {
  const Options& opt = ctx.opt;
  EmulatorChild& emu = start_emulator(children, ctx.emu_url, ctx.emu_secret, 0, cpu);
  ctx.emu_stats = [e = &emu] { return e->stats(); };
  if (opt.only.count("drain") > 0) {
    start_emulator(children, ctx.emu_slow_url, ctx.emu_slow_secret, 20, cpu);
  }
  ctx.emu_soak_url = ctx.emu_url;
  ctx.emu_soak_secret = ctx.emu_secret;
  if (opt.soak_seconds > 0 && opt.soak_faults > 0) {
    start_emulator(children, ctx.emu_soak_url, ctx.emu_soak_secret, 0, cpu, opt.soak_faults);
  }
}
#endif

// Output of a shell command, trailing newlines removed; empty when it could not run.
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

}  // namespace

void apply_nice(Context& ctx) {
  const int nice = ctx.opt.nice;
  if (nice != 0 && setpriority(PRIO_PROCESS, 0, nice) != 0) {
    ctx.report.notes.push_back("--nice " + std::to_string(nice) +
                               " refused: " + std::strerror(errno));
  }
}

ServerChildren start_servers(Context& ctx, int server_cpu) {
  const Options& opt = ctx.opt;
  ServerChildren children;
  if (wants_any(opt, {"emit", "concurrent", "latency"})) {
    ctx.fast = std::make_unique<FastServer>(server_cpu);
  }
  const bool want_emu = wants_any(opt, {"drain", "latency", "scale"}) || opt.soak_seconds > 0;
#if BENCH_HAVE_EMULATOR
  if (want_emu) start_emulators(ctx, server_cpu, children);
#else
  if (want_emu) {
    ctx.report.notes.push_back(
        "built without buildable::emulator: drain, latency, scale and "
        "soak skipped");
  }
#endif
  return children;
}

void adopt_sdk_defaults(Context& ctx) {
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
}

void record_meta(Context& ctx, bool pinned) {
  const Options& opt = ctx.opt;
  const curl_version_info_data* cv = curl_version_info(CURLVERSION_NOW);
  ctx.report.meta = {{"tool", "buildable-bench"},
                     {"time_utc", run_command("date -u +%Y-%m-%dT%H:%M:%SZ")},
                     {"git_commit", run_command("git -C '" BENCH_SOURCE_DIR
                                                "' rev-parse --short HEAD 2>/dev/null")},
                     {"libcurl", cv->version},
                     {"compiler", __VERSION__},
                     {"build_type", BENCH_BUILD_TYPE},
                     {"cpus", available_cpus()},
                     {"pinned", pinned},
                     {"nice", opt.nice},
                     {"reps", opt.reps},
                     {"requests", opt.requests},
                     {"smoke", opt.smoke},
                     {"seed", ctx.seed},
                     {"user_agent", ctx.user_agent},
                     {"sections", std::vector<std::string>(opt.only.begin(), opt.only.end())}};
  std::cout << "buildable-bench: " << opt.reps << " repetitions, client "
            << (pinned ? "pinned to CPU 0, servers to CPU 1" : "not pinned") << ", libcurl "
            << cv->version << "\n";
}

}  // namespace bench
