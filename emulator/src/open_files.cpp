#include <sys/resource.h>

#include "buildable/emulator/command_line.hpp"

namespace buildable::emulator {

void fit_open_files_limit(int max_connections, std::ostream& warnings) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  constexpr rlim_t kReserved = 64;  // database, standard streams, listening socket
  const auto wanted = static_cast<rlim_t>(max_connections) + kReserved;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    warnings << "warning: the open-files limit (" << limit.rlim_cur
             << ") is below --max-connections + " << kReserved
             << ": connections beyond it cannot be accepted\n";
  }
}

}  // namespace buildable::emulator
