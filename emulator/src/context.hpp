// What the request handlers share: keys, storage, protocol, fault injector, counters and the
// dashboard's login link.
#pragma once

#include "auth.hpp"
#include "dashboard_login.hpp"
#include "faults.hpp"
#include "protocol.hpp"
#include "stats.hpp"
#include "store/store.hpp"

namespace buildable::emulator::detail {

struct ServerContext {
  ServerContext(KeyRing& k, Store& s, FaultInjector& f, StatsCollector& st)
      : keys(k), store(s), protocol(s), faults(f), stats(st) {}
  KeyRing& keys;
  Store& store;
  Protocol protocol;
  FaultInjector& faults;
  StatsCollector& stats;
  DashboardLogin dashboard_login;
};

}  // namespace buildable::emulator::detail
