#pragma once

namespace buildable::detail {

/// Runs curl_global_init exactly once per process, before the first handle is created.
/// Users never have to call an init function themselves. The matching cleanup is left to
/// process exit: other libraries in the process may still be using libcurl.
void ensure_curl_initialized();

}  // namespace buildable::detail
