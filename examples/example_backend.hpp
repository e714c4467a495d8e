#pragma once
// Where the examples send their requests: the service configured by BUILDABLE_SECRET_KEY /
// BLD_EVENTS_BASE_URL when either variable is set (non-empty), otherwise a local emulator started
// inside the example, so they run with no account and no network.

#include <buildable/buildable.hpp>
#include <buildable/emulator/emulator.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace examples {

class Backend {
 public:
  Backend() {
    if (is_set("BUILDABLE_SECRET_KEY") || is_set("BLD_EVENTS_BASE_URL")) {
      options_ = buildable::ClientOptions::from_env();
      std::cout << "Using the service at " << options_.base_url << "\n";
      return;
    }
    emulator_ = std::make_unique<buildable::emulator::Emulator>();
    emulator_->start();
    options_.secret = emulator_->default_secret();
    options_.base_url = emulator_->base_url();
    std::cout << "Using a local emulator at " << options_.base_url << "\n";
  }

  /// Client options pointing at the backend; adjust before building a Client.
  buildable::ClientOptions options() const { return options_; }
  /// The embedded emulator, or null when talking to a configured service.
  buildable::emulator::Emulator* emulator() const { return emulator_.get(); }

 private:
  static bool is_set(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0';
  }

  std::unique_ptr<buildable::emulator::Emulator> emulator_;
  buildable::ClientOptions options_;
};

}  // namespace examples
