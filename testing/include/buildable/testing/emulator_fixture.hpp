#pragma once
/// @file emulator_fixture.hpp
/// buildable::testing::EmulatorTest: a GoogleTest fixture with an in-process emulator, for end
/// to end tests of a service against a real HTTP server on loopback (the `testing` component).

#include <gtest/gtest.h>

#include <buildable/buildable.hpp>
#include <buildable/emulator/emulator.hpp>
#include <chrono>
#include <functional>
#include <thread>

namespace buildable::testing {

/// Starts a fresh in-memory emulator before each test and stops it after. client_options()
/// point a Client at it (with a short poll interval, so listeners react quickly); emulator()
/// gives the test its store and counters.
class EmulatorTest : public ::testing::Test {
 protected:
  /// Starts the test's emulator (GoogleTest calls it before the test body).
  void SetUp() override { emulator_.start(); }
  /// Stops the test's emulator (GoogleTest calls it after the test body).
  void TearDown() override { emulator_.stop(); }

  /// Options for a Client of this test's emulator.
  ClientOptions client_options() const {
    ClientOptions options;
    options.secret = emulator_.default_secret();
    options.base_url = emulator_.base_url();
    options.poll_interval = std::chrono::milliseconds(50);
    return options;
  }
  /// This test's emulator: its store (messages, transactions) and counters.
  emulator::Emulator& emulator() { return emulator_; }

  /// Checks `condition` until it holds or `timeout` passes; returns whether it held. For
  /// state that changes on the client's threads (a handler ran, a result was recorded).
  static bool eventually(const std::function<bool()>& condition,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling, not ordering
    }
    return true;
  }

 private:
  emulator::Emulator emulator_;
};

}  // namespace buildable::testing
