// Quickstart: listen for an event, emit it, and see the handler's result recorded. It needs
// only an install of buildable-cpp with its emulator component.
#include <buildable/buildable.hpp>
#include <buildable/emulator/emulator.hpp>
#include <chrono>
#include <future>
#include <iostream>
#include <memory>

int main() {
  // The service named by BUILDABLE_SECRET_KEY (and BLD_EVENTS_BASE_URL), or else a local
  // emulator inside this program: no account, no network.
  buildable::ClientOptions options = buildable::ClientOptions::from_env();
  std::unique_ptr<buildable::emulator::Emulator> emulator;
  if (options.secret.empty()) {
    emulator = std::make_unique<buildable::emulator::Emulator>();
    emulator->start();
    options.secret = emulator->default_secret();
    options.base_url = emulator->base_url();
  }
  options.poll_interval = std::chrono::milliseconds(200);
  buildable::Client client(options);

  // 1. Listen: the handler runs once per message for this txKey; its return value is
  //    recorded as the transaction's output.
  std::promise<std::string> handled;
  client.on("user.created", [&](const buildable::Message& message) {
    std::cout << "handler got " << message.key << ": " << message.payload.dump() << "\n";
    handled.set_value(message.key);
    return nlohmann::json{{"welcomed", message.payload["name"]}};
  });

  // 2. Emit.
  buildable::EmitResult result = client.emit("user.created", {{"name", "Ada"}});
  std::cout << "emitted " << result.key << "\n";

  // 3. Wait for the handler, then close: close() waits for the result to be recorded.
  auto key = handled.get_future();
  if (key.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    std::cerr << "the handler was not called within 30 s\n";
    return 1;
  }
  client.close();
  if (emulator) {
    std::cout << "recorded: " << emulator->transaction(key.get(), buildable::kDefaultTxKey).dump()
              << "\n";
  }
  return 0;
}
