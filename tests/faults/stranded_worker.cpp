// A listener process that dies between claim and record: for the stranded-message fault test.
// Handles `event` with `tx_key`; its handler prints "claimed <key>" and then blocks, so the
// test can kill the process (SIGKILL) while the message is claimed and its result unrecorded.
#include <buildable/buildable.hpp>
#include <condition_variable>
#include <iostream>
#include <mutex>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: stranded_worker BASE_URL SECRET EVENT TX_KEY\n";
    return 2;
  }
  buildable::ClientOptions options;
  options.base_url = argv[1];
  options.secret = argv[2];
  options.poll_interval = std::chrono::milliseconds(20);
  buildable::Client client(options);
  buildable::ListenOptions listen;
  listen.tx_key = argv[4];
  listen.since = std::chrono::system_clock::now() - std::chrono::hours(1);
  std::mutex mutex;
  std::condition_variable never;
  client.on(
      argv[3],
      [&](const buildable::Message& m) {
        std::cout << "claimed " << m.key << std::endl;
        std::unique_lock lock(mutex);
        never.wait(lock, [] { return false; });  // until the test kills the process
      },
      listen);
  std::unique_lock lock(mutex);
  never.wait(lock, [] { return false; });
  return 0;
}
