// Helpers shared by the integration tests: client options aimed at a TestServer, a
// thread-safe log capture, exception capture with useful failure messages, a stopwatch.
#pragma once

#include <gtest/gtest.h>

#include <buildable/client.hpp>
#include <chrono>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "test_server.hpp"

namespace buildable::testing {

inline constexpr const char* kTestSecret = "test-secret-0123";

/// Options for a client of `server`: fast retries (1..20 ms) so retry tests stay quick, and
/// timeouts that fail a hung test in seconds rather than minutes.
inline ClientOptions options_for(const TestServer& server, std::string secret = kTestSecret) {
  ClientOptions options;
  options.secret = std::move(secret);
  options.base_url = server.base_url();
  options.connect_timeout = std::chrono::seconds(2);
  options.request_timeout = std::chrono::seconds(5);
  options.retry.initial_backoff = std::chrono::milliseconds(1);
  options.retry.max_backoff = std::chrono::milliseconds(20);
  options.retry.max_total_time = std::chrono::seconds(10);
  return options;
}

/// Collects every line given to ClientOptions::logger.
class LogCapture {
 public:
  LogHandler handler() {
    return [this](LogLevel, std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    };
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

/// Runs `f`, expecting it to throw an `E`; returns a copy of it, or nullopt after recording a
/// test failure that names what happened instead.
template <class E, class F>
std::optional<E> capture(F&& f) {
  try {
    std::forward<F>(f)();
    ADD_FAILURE() << "expected an exception of type " << typeid(E).name() << ", nothing was thrown";
  } catch (const E& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected an exception of type " << typeid(E).name() << ", got "
                  << typeid(e).name() << ": " << e.what();
  } catch (...) {
    ADD_FAILURE() << "expected an exception of type " << typeid(E).name()
                  << ", got a non-standard exception";
  }
  return std::nullopt;
}

/// Whether the future became ready within `timeout`.
template <class T>
bool ready_within(std::future<T>& future, std::chrono::milliseconds timeout) {
  return future.wait_for(timeout) == std::future_status::ready;
}

class Stopwatch {
 public:
  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start_);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace buildable::testing
