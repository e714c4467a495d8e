#pragma once
/// @file metrics.hpp

#include <chrono>
#include <cstdint>

namespace buildable {

/// Counters of one client since it was created, for export to a metrics system. Taken with
/// Client::metrics(); each field is read atomically, the set is not one instant.
struct Metrics {
  std::uint64_t emits = 0;             ///< emit()/emit_async() calls that succeeded
  std::uint64_t emit_failures = 0;     ///< emit()/emit_async() calls that ended in an Error
  std::uint64_t retries = 0;           ///< extra attempts made by the retry policy (emits, records)
  std::uint64_t pending_emits = 0;     ///< emit_async() calls accepted and not settled, right now
  std::uint64_t emit_queue_waits = 0;  ///< emit_async() calls that waited for room (block)
  std::uint64_t emits_refused = 0;     ///< emit_async() calls refused with QueueFullError
  std::uint64_t polls = 0;             ///< /query requests that succeeded
  std::uint64_t poll_failures = 0;     ///< /query requests that failed (the poller backed off)
  std::uint64_t claims_lost = 0;       ///< messages another consumer with the same txKey claimed
  std::uint64_t claim_failures = 0;    ///< claims that failed otherwise (reported `claim` or
                                       ///< `claim_ambiguous`)
  std::uint64_t messages_dispatched = 0;   ///< handler calls made
  std::uint64_t handler_failures = 0;      ///< handler calls that threw (recorded `failed`)
  std::uint64_t records_failed = 0;        ///< results that could not be recorded after retries
  std::uint64_t abandoned = 0;             ///< claimed messages not handled (off()/close())
  std::uint64_t outstanding_messages = 0;  ///< claimed and not yet recorded, right now
  std::uint64_t reports_dropped = 0;  ///< listener errors not delivered as a call of their own:
                                      ///< merged into another (ListenerError::coalesced) or,
                                      ///< past the report queue's bound or after close(), dropped
  std::chrono::nanoseconds handler_time_total{0};  ///< summed duration of handler calls
  std::chrono::nanoseconds handler_time_max{0};    ///< longest handler call
};

}  // namespace buildable
