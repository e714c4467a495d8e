// Random identifiers: message keys (32 lowercase hex) and document ids (24 hex, ObjectId-like).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace buildable::emulator::detail {

/// `length` lowercase hex characters from a per-thread PRNG seeded from std::random_device.
std::string random_hex(std::size_t length);

/// Milliseconds since the Unix epoch (system clock).
std::int64_t now_ms();

}  // namespace buildable::emulator::detail
