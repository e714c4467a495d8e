// connection_storm: how much a storm of hostile connections slows ordinary clients down.
//
// Measures the latency of ordinary POST /emit requests (keep-alive, a few connections) twice:
// (a) with nothing else open, (b) beside N idle connections (connected, never send a byte) and
// M slow-drip connections (send a request head one byte per second), and prints p50/p90/p99/max
// of both and their ratio. Latencies are wall-clock times on a possibly busy machine: compare
// runs on the same machine, not with a fixed number.
//
// Build and run (from the repository root):
//   ninja -C build-storm connection_storm
//   build-storm/tests/emulator/connection_storm                    # in-process emulator
//   build-storm/tests/emulator/connection_storm --url http://127.0.0.1:8080 --secret sk_test_...
//       # an emulator started elsewhere, e.g. `buildable-emulator --port 8080` (it prints the
//       # secret); its --keep-alive-timeout and header timeout must outlast the run, or the
//       # server drops the storm early (reported as "storm closed by server")
// Options: --idle N (2000), --drip N (200), --requests N (200), --connections N (4),
//   --deadline S (5, per request), --threads N (in-process emulator's threads, default its own),
//   --smoke (100 idle, 10 drip, 50 requests: what ctest runs as emulator.connection_storm_smoke).
// The process needs about idle + drip file descriptors (twice that in-process); it raises its
// soft RLIMIT_NOFILE to the hard limit.
// Exit status: 0 when every request got 200 in time, 1 otherwise, 2 on bad usage.
#include "connection_storm.hpp"

#include <buildable/emulator/emulator.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>

#include "raw_socket.hpp"

namespace {

using namespace std::chrono_literals;
using buildable::emulator::Emulator;
using buildable::emulator::EmulatorOptions;
using buildable::emulator::testing::LatencyRun;
namespace storm = buildable::emulator::testing;

struct Settings {
  std::string url;
  std::string host = "127.0.0.1";
  int port = 0;
  std::string secret;
  std::size_t idle = 2000;
  std::size_t drip = 200;
  std::size_t requests = 200;
  std::size_t connections = 4;
  int deadline_seconds = 5;
  int threads = 0;  // 0 = the emulator's default
};

int usage(const char* problem) {
  std::fprintf(stderr,
               "connection_storm: %s\nusage: connection_storm [--url http://IPV4:PORT --secret S] "
               "[--idle N] [--drip N] [--requests N] [--connections N] [--deadline S] "
               "[--threads N] [--smoke]\n",
               problem);
  return 2;
}

/// Parses "http://HOST:PORT" (HOST an IPv4 literal or localhost).
bool parse_url(Settings& settings) {
  const std::string prefix = "http://";
  if (settings.url.rfind(prefix, 0) != 0) return false;
  std::string rest = settings.url.substr(prefix.size());
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) return false;
  settings.host = rest.substr(0, colon);
  if (settings.host == "localhost") settings.host = "127.0.0.1";
  settings.port = std::atoi(rest.c_str() + colon + 1);
  return settings.port > 0 && settings.port < 65536;
}

void print_row(const char* name, const LatencyRun& run) {
  std::printf("%-26s %6zu %7zu %9.2f %9.2f %9.2f %9.2f\n", name, run.millis.size(), run.failed,
              run.percentile(0.50), run.percentile(0.90), run.percentile(0.99), run.max());
}

double ratio(double storm, double quiet) {
  return quiet > 0 ? storm / quiet : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    auto number = [&](auto& out) {
      const auto text = value();
      if (!text) return false;
      out = static_cast<std::remove_reference_t<decltype(out)>>(std::atoll(text->c_str()));
      return true;
    };
    bool ok = true;
    if (arg == "--url") {
      const auto text = value();
      ok = text.has_value();
      if (ok) settings.url = *text;
    } else if (arg == "--secret") {
      const auto text = value();
      ok = text.has_value();
      if (ok) settings.secret = *text;
    } else if (arg == "--idle") {
      ok = number(settings.idle);
    } else if (arg == "--drip") {
      ok = number(settings.drip);
    } else if (arg == "--requests") {
      ok = number(settings.requests);
    } else if (arg == "--connections") {
      ok = number(settings.connections);
    } else if (arg == "--deadline") {
      ok = number(settings.deadline_seconds);
    } else if (arg == "--threads") {
      ok = number(settings.threads);
    } else if (arg == "--smoke") {
      settings.idle = 100;
      settings.drip = 10;
      settings.requests = 50;
    } else if (arg == "--help" || arg == "-h") {
      usage("latency of POST /emit with and without a storm of hostile connections");
      return 0;
    } else {
      return usage(("unknown argument " + arg).c_str());
    }
    if (!ok) return usage(("missing or bad value for " + arg).c_str());
  }
  if (settings.connections == 0 || settings.requests == 0 || settings.deadline_seconds <= 0) {
    return usage("--connections, --requests and --deadline must be positive");
  }
  const auto fd_limit = storm::raise_open_file_limit();

  std::unique_ptr<Emulator> emulator;
  if (!settings.url.empty()) {
    if (!parse_url(settings)) return usage("--url must look like http://127.0.0.1:8080");
    if (settings.secret.empty()) return usage("--url needs --secret");
  } else {
    EmulatorOptions options;
    if (settings.threads > 0) options.threads = settings.threads;
    options.keep_alive_timeout = 600s;  // the storm must outlast the run
    options.header_timeout = 600s;
    options.max_connections = static_cast<int>(settings.idle + settings.drip + 1000);
    emulator = std::make_unique<Emulator>(options);
    emulator->start();
    settings.port = emulator->port();
    settings.secret = emulator->default_secret();
  }
  const auto deadline = std::chrono::seconds(settings.deadline_seconds);
  std::printf(
      "connection_storm: http://%s:%d%s, %zu POST /emit over %zu keep-alive connections, "
      "storm of %zu idle + %zu slow-drip connections (fd limit %llu)\n",
      settings.host.c_str(), settings.port, emulator ? " (in-process)" : "", settings.requests,
      settings.connections, settings.idle, settings.drip,
      static_cast<unsigned long long>(fd_limit));
  const std::size_t rss_before = storm::resident_set_bytes();

  // (a) nothing else open
  const LatencyRun quiet = storm::timed_emits(settings.host, settings.port, settings.secret,
                                              settings.requests, settings.connections, deadline);

  // (b) beside the storm
  LatencyRun stormy;
  std::size_t idle_connected = 0, drip_connected = 0, idle_closed = 0, drip_closed = 0;
  std::size_t rss_storm = 0;
  {
    storm::Storm hostile(settings.port, settings.idle, settings.drip, 1s, storm::Clock::now() + 60s,
                         settings.host);
    idle_connected = hostile.idle_connected();
    drip_connected = hostile.drip_connected();
    const auto started = storm::Clock::now() + 10s;
    while (hostile.rounds() < 1 && storm::Clock::now() < started) {
      std::this_thread::sleep_for(1ms);  // until the first byte went out on each slow drip
    }
    stormy = storm::timed_emits(settings.host, settings.port, settings.secret, settings.requests,
                                settings.connections, deadline);
    idle_closed = hostile.idle_closed_by_server();
    drip_closed = hostile.drip_closed_by_server();
    rss_storm = storm::resident_set_bytes();
  }

  std::printf("\n%-26s %6s %7s %9s %9s %9s %9s\n", "", "ok", "failed", "p50 ms", "p90 ms", "p99 ms",
              "max ms");
  print_row("(a) quiet", quiet);
  const std::string storm_name =
      "(b) storm " + std::to_string(idle_connected) + "+" + std::to_string(drip_connected);
  print_row(storm_name.c_str(), stormy);
  std::printf("%-26s %6s %7s %8.2fx %8.2fx %8.2fx %8.2fx\n", "ratio (b)/(a)", "", "",
              ratio(stormy.percentile(0.50), quiet.percentile(0.50)),
              ratio(stormy.percentile(0.90), quiet.percentile(0.90)),
              ratio(stormy.percentile(0.99), quiet.percentile(0.99)),
              ratio(stormy.max(), quiet.max()));
  std::printf(
      "\nstorm: %zu/%zu idle and %zu/%zu slow-drip connected; closed by server during "
      "(b): %zu idle, %zu slow-drip\n",
      idle_connected, settings.idle, drip_connected, settings.drip, idle_closed, drip_closed);
  if (emulator) {
    std::printf("RSS (emulator in-process): %.1f MiB before, %.1f MiB during the storm\n",
                static_cast<double>(rss_before) / (1024 * 1024),
                static_cast<double>(rss_storm) / (1024 * 1024));
  }
  if (!quiet.first_failure.empty())
    std::printf("first failure in (a): %s\n", quiet.first_failure.c_str());
  if (!stormy.first_failure.empty())
    std::printf("first failure in (b): %s\n", stormy.first_failure.c_str());
  const bool ok = quiet.failed == 0 && stormy.failed == 0 && idle_connected == settings.idle &&
                  drip_connected == settings.drip;
  return ok ? 0 : 1;
}
