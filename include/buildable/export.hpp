#pragma once
/// @file export.hpp
/// BUILDABLE_EXPORT: what of the SDK a shared libbuildable exposes. The library is built with
/// hidden visibility, so only declarations marked with it (the public API of these headers)
/// are exported; internals stay internal and are not part of the ABI.

#if defined(_WIN32)
#define BUILDABLE_EXPORT
#else
/// Marks a public class or function of the SDK as exported from the shared library.
#define BUILDABLE_EXPORT __attribute__((visibility("default")))
#endif
