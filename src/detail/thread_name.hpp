#pragma once

namespace buildable::detail {

/// Names the calling thread (at most 15 characters on Linux) so the SDK's threads are
/// recognisable in debuggers, `top -H` and /proc. Best effort: does nothing where unsupported.
void name_this_thread(const char* name) noexcept;

}  // namespace buildable::detail
