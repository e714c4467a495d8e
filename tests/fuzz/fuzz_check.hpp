#pragma once
// Shared by the fuzz targets of tests/fuzz: the libFuzzer entry point and invariant checks.
// A violated invariant aborts, which libFuzzer reports as a crash (and saves the input) and
// which fails the corpus replay test.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>
#include <typeinfo>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace buildable_fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
  std::fflush(stderr);
  std::abort();
}

/// Call from a `catch (...)` block: reports the exception being handled and aborts.
[[noreturn]] inline void fail_unexpected_exception(const char* call, const char* file, int line) {
  try {
    throw;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s:%d: %s threw an unexpected %s: %s\n", file, line, call,
                 typeid(e).name(), e.what());
  } catch (...) {
    std::fprintf(stderr, "%s:%d: %s threw an unexpected non-std exception\n", file, line, call);
  }
  std::fflush(stderr);
  std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return size == 0 ? std::string_view()
                   : std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace buildable_fuzz

#define FUZZ_CHECK(condition)                                                 \
  do {                                                                        \
    if (!(condition)) ::buildable_fuzz::fail(#condition, __FILE__, __LINE__); \
  } while (false)

#define FUZZ_UNEXPECTED_EXCEPTION(call) \
  ::buildable_fuzz::fail_unexpected_exception(call, __FILE__, __LINE__)
