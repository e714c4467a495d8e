// Producer: an emit-only service publishing a batch of events with emit_async(), keeping a
// bounded window of requests in flight so memory and connections stay bounded however many
// events are queued.
//
//   producer [--events N] [--in-flight W]      (defaults: 1000 events, 64 in flight)
#include <buildable/buildable.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <future>
#include <iostream>
#include <string>
#include <unordered_set>

#include "example_backend.hpp"

namespace {

struct Tally {
  int succeeded = 0;
  int failed = 0;
  int retried = 0;  // succeeded, but only after more than one HTTP attempt
  std::unordered_set<std::string> keys;
};

// Waits for the oldest request of the window and counts its outcome. get() rethrows what the
// emit failed with: the same exceptions a synchronous emit() throws.
void settle(std::future<buildable::EmitResult>& request, Tally& tally) {
  try {
    const buildable::EmitResult result = request.get();
    ++tally.succeeded;
    if (result.attempts > 1) ++tally.retried;
    tally.keys.insert(result.key);
  } catch (const buildable::HttpError& e) {  // the service said no (e.g. 401, 413, 429)
    ++tally.failed;
    std::cerr << "emit rejected: HTTP " << e.status() << " " << e.name() << "\n";
  } catch (const buildable::Error& e) {  // transport or protocol failure, or closed
    ++tally.failed;
    std::cerr << "emit failed: " << e.what() << "\n";
  }
}

int parse_flag(int argc, char** argv, const std::string& flag, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == flag) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int events = parse_flag(argc, argv, "--events", 1000);
  const int window = parse_flag(argc, argv, "--in-flight", 64);
  if (events < 1 || window < 1) {
    std::cerr << "usage: producer [--events N] [--in-flight W] (both at least 1)\n";
    return 2;
  }

  examples::Backend backend;
  buildable::ClientOptions options = backend.options();
  // The window (requests in flight) and the connections are separate knobs: the client sends
  // the window's requests over at most max_connections keep-alive connections and queues the
  // rest itself. The embedded emulator accepts only a few new connections at once (its HTTP
  // library's listen backlog is 5; a burst of 16 connects loses SYNs and stalls ~1 s), so
  // against it a few connections are both enough and faster.
  if (backend.emulator() != nullptr) options.max_connections = 4;
  buildable::Client client(options);  // emit-only: starts one I/O thread, no listener threads

  Tally tally;
  std::deque<std::future<buildable::EmitResult>> in_flight;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < events; ++i) {
    if (static_cast<int>(in_flight.size()) == window) {  // window full: wait for the oldest
      settle(in_flight.front(), tally);
      in_flight.pop_front();
    }
    try {
      in_flight.push_back(
          client.emit_async("metrics.sample", {{"seq", i}, {"value", (i * 37) % 101}}));
    } catch (const buildable::InvalidArgument& e) {  // caller mistakes throw right away
      ++tally.failed;
      std::cerr << "emit refused: " << e.what() << "\n";
    }
  }
  while (!in_flight.empty()) {
    settle(in_flight.front(), tally);
    in_flight.pop_front();
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  std::cout << "emitted " << tally.succeeded << " of " << events << " events (" << tally.failed
            << " failed, " << tally.retried << " needed a retry) in " << elapsed.count()
            << " s: " << static_cast<int>(tally.succeeded / elapsed.count()) << " events/s with "
            << window << " in flight\n";
  client.close();

  bool ok = tally.failed == 0 && static_cast<int>(tally.keys.size()) == tally.succeeded;
  if (auto* emulator = backend.emulator()) {
    // Every success is one stored message: nothing lost, nothing duplicated.
    const auto stored = emulator->message_count();
    std::cout << "the emulator stored " << stored << " messages\n";
    ok = ok && stored == tally.succeeded;
  }
  return ok ? 0 : 1;
}
