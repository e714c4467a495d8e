// A listener process for the F10 test: handles `event` with `tx_key`, printing
// "handled <key>" per message, and "error <kind> <key>" per on_error report, until its
// standard input closes; then it closes the client (recording what it handled) and exits 0.
#include <buildable/buildable.hpp>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: fault_worker BASE_URL SECRET EVENT TX_KEY\n";
    return 2;
  }
  std::mutex out;
  buildable::ClientOptions options;
  options.base_url = argv[1];
  options.secret = argv[2];
  options.poll_interval = std::chrono::milliseconds(20);
  options.max_poll_backoff = std::chrono::milliseconds(200);
  options.retry.initial_backoff = std::chrono::milliseconds(5);
  options.on_error = [&](const buildable::ListenerError& e) {
    std::lock_guard lock(out);
    std::cout << "error " << buildable::to_string(e.kind) << " " << e.message_key << std::endl;
  };
  buildable::Client client(options);
  buildable::ListenOptions listen;
  listen.tx_key = argv[4];
  listen.since = std::chrono::system_clock::now() - std::chrono::hours(1);
  client.on(
      argv[3],
      [&](const buildable::Message& m) {
        std::lock_guard lock(out);
        std::cout << "handled " << m.key << std::endl;
      },
      listen);
  std::string ignored;
  while (std::getline(std::cin, ignored)) {
  }
  client.close();
  return 0;
}
