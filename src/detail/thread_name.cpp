#include "detail/thread_name.hpp"

#if defined(__linux__)
#include <pthread.h>
#endif

namespace buildable::detail {

void name_this_thread(const char* name) noexcept {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), name);
#else
  (void)name;
#endif
}

}  // namespace buildable::detail
