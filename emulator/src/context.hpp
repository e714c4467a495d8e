// What the request handlers share: keys, storage, protocol, fault injector, counters, the
// dashboard's login link and the operations' state (metrics, draining, access log).
#pragma once

#include "auth.hpp"
#include "dashboard_login.hpp"
#include "faults.hpp"
#include "operations_state.hpp"
#include "protocol.hpp"
#include "stats.hpp"
#include "store/store.hpp"

namespace buildable::emulator::detail {

struct ServerContext {
  ServerContext(KeyRing& k, Store& s, FaultInjector& f, StatsCollector& st, OperationsState& o)
      : keys(k), store(s), protocol(s), faults(f), stats(st), operations(o) {}
  KeyRing& keys;
  Store& store;
  Protocol protocol;
  FaultInjector& faults;
  StatsCollector& stats;
  OperationsState& operations;
  DashboardLogin dashboard_login;
};

}  // namespace buildable::emulator::detail
