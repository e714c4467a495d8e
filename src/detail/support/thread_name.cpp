#include "detail/support/thread_name.hpp"

#if defined(__linux__)
#include <pthread.h>
#endif

namespace buildable::detail {

void name_thread(std::thread& thread, const char* name) noexcept {
#if defined(__linux__)
  pthread_setname_np(thread.native_handle(), name);
#else
  (void)thread;
  (void)name;
#endif
}

}  // namespace buildable::detail
