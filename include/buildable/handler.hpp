#pragma once
/// @file handler.hpp

#include <buildable/message.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>

namespace buildable {

/// A listener's handler: any callable taking `const Message&` and returning either nothing or
/// something nlohmann::json can hold. The returned value is recorded as the transaction's
/// output with state `finished` (nothing is recorded as `null`); an exception is recorded as
/// `failed` with its what() text. A result that cannot be sent is recorded as `failed` with
/// the reason and reported to ClientOptions::on_error as a `handler` error: one with invalid
/// UTF-8 in a string, one whose arrays and objects nest more than 511 levels deep (the
/// result itself is level 1; the same limit as emitted payloads, see Client::emit()), or one
/// that makes the record's body larger than ClientOptions::max_body_bytes (which the service
/// would refuse, leaving the message `processing`).
///
/// @par Thread Safety
/// The client calls the handler on its handler pool threads. With ListenOptions::max_concurrency
/// above 1 the same callable object (one copy per listener) runs on several threads at once, so
/// any state it keeps must be synchronised; with 1, calls do not overlap.
class Handler {
 public:
  /// An empty handler: converts to false, and Client::on() rejects it with InvalidArgument.
  Handler() = default;

  /// Wraps callable `f` (moved in; implicit, so a lambda can be passed where a Handler is
  /// expected). A `void` result is recorded as `null`; any other result is converted to
  /// nlohmann::json, so it must be a type nlohmann::json can hold. `f` need not be copyable:
  /// a move-only callable (one owning a std::unique_ptr, say) is kept once and shared by the
  /// copies of this Handler, while a copyable one is copied with it.
  template <class F, class = std::enable_if_t<std::is_invocable_v<F&, const Message&> &&
                                              !std::is_same_v<std::decay_t<F>, Handler>>>
  Handler(F f)  // NOLINT(google-explicit-constructor): callables convert implicitly
      : fn_(wrap(std::move(f))) {}

  /// Runs the handler; returns the output to record.
  ///
  /// @par Error Handling
  /// Lets whatever the callable throws pass through (the client records it as `failed`);
  /// calling an empty handler throws std::bad_function_call.
  nlohmann::json operator()(const Message& message) const { return fn_(message); }
  /// True when the handler holds a callable, false for a default-constructed one.
  explicit operator bool() const noexcept { return static_cast<bool>(fn_); }

 private:
  template <class F>
  static std::function<nlohmann::json(const Message&)> wrap(F f) {
    if constexpr (!std::is_copy_constructible_v<F>) {
      // std::function needs a copyable target: share the one move-only callable.
      return wrap([shared = std::make_shared<F>(std::move(f))](const Message& m) -> decltype(auto) {
        return (*shared)(m);
      });
    } else {
      return wrap_copyable(std::move(f));
    }
  }
  template <class F>
  static std::function<nlohmann::json(const Message&)> wrap_copyable(F f) {
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
