// An installed consumer's end-to-end check: the emulator component starts in-process and the
// SDK emits to it. Exit codes: 0 ok, 5 the emulator did not store the message, 6 an exception.
#include <buildable/buildable.hpp>
#include <buildable/emulator/emulator.hpp>
#include <exception>
#include <iostream>

int main() {
  try {
    buildable::emulator::Emulator emulator;
    emulator.start();
    buildable::ClientOptions options;
    options.secret = emulator.default_secret();
    options.base_url = emulator.base_url();
    buildable::Client client(options);
    const auto result = client.emit("consumer.check", {{"ok", true}});
    if (emulator.message_count() != 1 || result.key.empty()) return 5;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 6;
  }
}
