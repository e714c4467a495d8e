#pragma once
/// @file handler.hpp

#include <buildable/message.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>

namespace buildable {

/// A listener's handler: any callable taking `const Message&` and returning either nothing or
/// something nlohmann::json can hold. The returned value is recorded as the transaction's
/// output with state `finished` (nothing is recorded as `null`); an exception is recorded as
/// `failed` with its what() text.
class Handler {
 public:
  Handler() = default;

  template <class F, class = std::enable_if_t<std::is_invocable_v<F&, const Message&> &&
                                              !std::is_same_v<std::decay_t<F>, Handler>>>
  Handler(F f)  // NOLINT(google-explicit-constructor): callables convert implicitly
      : fn_(wrap(std::move(f))) {}

  /// Runs the handler; returns the output to record.
  nlohmann::json operator()(const Message& message) const { return fn_(message); }
  explicit operator bool() const noexcept { return static_cast<bool>(fn_); }

 private:
  template <class F>
  static std::function<nlohmann::json(const Message&)> wrap(F f) {
    using Result = std::invoke_result_t<F&, const Message&>;
    if constexpr (std::is_void_v<Result>) {
      return [f = std::move(f)](const Message& m) mutable -> nlohmann::json {
        f(m);
        return nullptr;
      };
    } else {
      return [f = std::move(f)](const Message& m) mutable -> nlohmann::json { return f(m); };
    }
  }

  std::function<nlohmann::json(const Message&)> fn_;
};

}  // namespace buildable
