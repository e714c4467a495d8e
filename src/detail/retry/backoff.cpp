#include "detail/retry/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

namespace buildable::detail {

JitterSource default_jitter() {
  return [] {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
  };
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap,
                 double multiplier, JitterSource jitter)
    : initial_(initial), cap_(cap), multiplier_(multiplier), jitter_(std::move(jitter)) {}

std::chrono::milliseconds Backoff::ceiling(int retry) const {
  const double grown =
      static_cast<double>(initial_.count()) * std::pow(multiplier_, std::max(0, retry));
  const double capped = std::min(grown, static_cast<double>(cap_.count()));
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(capped));
}

std::chrono::milliseconds Backoff::delay(int retry) const {
  const double fraction = std::clamp(jitter_(), 0.0, 1.0);
  const auto bound = static_cast<double>(ceiling(retry).count());
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(bound * fraction));
}

}  // namespace buildable::detail
