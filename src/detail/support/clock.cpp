#include "detail/support/clock.hpp"

namespace buildable::detail {
namespace {

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override {
    return std::chrono::steady_clock::now();
  }
  std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace

std::shared_ptr<const Clock> system_clock_source() {
  static const auto clock = std::make_shared<const SystemClock>();
  return clock;
}

}  // namespace buildable::detail
