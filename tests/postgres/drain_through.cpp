// Handles COUNT messages of EVENT with the SDK (one listener, the client's defaults) and prints
// how many per second, from the first claim's start to the last handler's end.
//   drain_through BASE_URL SECRET EVENT TXKEY COUNT
#include <atomic>
#include <buildable/buildable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: drain_through BASE_URL SECRET EVENT TXKEY COUNT\n";
    return 2;
  }
  const long count = std::atol(argv[5]);
  buildable::ClientOptions options;
  options.base_url = argv[1];
  options.secret = argv[2];
  buildable::Client client(options);
  std::mutex mutex;
  std::condition_variable done;
  long handled = 0;
  buildable::ListenOptions listen;
  listen.tx_key = argv[4];
  listen.since = std::chrono::system_clock::time_point{};  // every message stored so far
  listen.max_concurrency = 8;
  const auto start = std::chrono::steady_clock::now();
  auto subscription = client.on(
      argv[3],
      [&](const buildable::Message&) {
        std::lock_guard lock(mutex);
        if (++handled == count) done.notify_all();
      },
      listen);
  std::unique_lock lock(mutex);
  const bool all = done.wait_for(lock, std::chrono::minutes(2), [&] { return handled >= count; });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  lock.unlock();
  client.close();
  if (!all) {
    std::cerr << "drain_through: only " << handled << " of " << count << " in 2 minutes\n";
    return 1;
  }
  std::cout << static_cast<long>(static_cast<double>(count) / seconds) << "\n";
  return 0;
}
