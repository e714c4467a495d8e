#include <sstream>

#include "buildable/emulator/command_line.hpp"
#include "store/store.hpp"

namespace buildable::emulator {

std::string startup_banner(const std::string& program, Emulator& emulator,
                           const EmulatorOptions& options) {
  const std::string bound = emulator.bound_address();
  const bool v6 = bound.find(':') != std::string::npos;
  const std::string bound_url =
      "http://" + (v6 ? "[" + bound + "]" : bound) + ":" + std::to_string(emulator.port());
  std::ostringstream out;
  out << program << " listening on " << bound_url << "\n";
  if (!emulator.loopback_only()) {
    out << "  WARNING: " << bound
        << " is not a loopback address: every machine that can reach this port may use the "
           "service with the secret keys below, which travel in clear text (plain HTTP). Keep "
           "the default --host 127.0.0.1 unless you mean it.\n"
        << "  from this machine: " << emulator.base_url() << "\n";
  }
  const std::string dashboard = emulator.dashboard_url();
  out << "  dashboard: " << dashboard
      << (emulator.loopback_only()
              ? "  (one-time login link for key " + emulator.keys().front().name + ")"
              : std::string("  (asks for a secret key)"))
      << "\n";
  out << "  storage: " << detail::describe_store_location(options.db_path) << "\n";
  for (const auto& key : emulator.keys()) {
    out << "  secret key " << key.name << " (" << key.environment
        << "): " << (key.printable ? key.secret : "(from a file or the environment: not shown)")
        << "\n";
  }
  const auto& first = emulator.keys().front();
  const std::string secret = first.printable ? first.secret : "<the secret of " + first.name + ">";
  if (!options.faults.rules.empty() || options.faults.latency.count() > 0) {
    out << "  faults: " << options.faults.rules.size() << " rule(s), latency "
        << options.faults.latency.count() << " ms, seed " << options.faults.seed << "\n";
  }
  out << "  try: curl -X POST " << emulator.base_url()
      << "/emit -H 'Content-Type: application/json' -H 'X-Buildable-Secret: " << secret
      << "' -d '{\"event\":\"my-first-event\",\"payload\":{\"salutation\":\"Hello "
         "World!\"}}'\n";
  out << "Point the buildable tool and the SDK at it with:\n"
      << "  export BLD_EVENTS_BASE_URL=" << emulator.base_url() << "\n"
      << "  export BUILDABLE_SECRET_KEY=" << secret << "\n";
  return out.str();
}

}  // namespace buildable::emulator
