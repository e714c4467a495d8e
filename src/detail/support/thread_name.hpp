#pragma once

#include <thread>

namespace buildable::detail {

/// Names `thread` (at most 15 characters on Linux) so the SDK's threads are recognisable in
/// debuggers, `top -H` and /proc. Called by the creating thread right after creation: a thread
/// named from inside would carry its creator's name until it is first scheduled, so a thread
/// started from the I/O thread would briefly pass for a second I/O thread. Best effort: does
/// nothing where unsupported.
void name_thread(std::thread& thread, const char* name) noexcept;

}  // namespace buildable::detail
