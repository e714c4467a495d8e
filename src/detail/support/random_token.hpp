// Random identifiers the SDK makes up itself (claim tokens).
#pragma once

#include <string>

namespace buildable::detail {

/// 32 lowercase hex digits from a per-thread generator seeded by std::random_device: unique
/// enough to tell one claim from every other, not a secret.
std::string random_token();

}  // namespace buildable::detail
