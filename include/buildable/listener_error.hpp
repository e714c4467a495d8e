#pragma once
/// @file listener_error.hpp
/// What the listening path reports through ClientOptions::on_error instead of throwing.

#include <buildable/export.hpp>
#include <cstdint>
#include <functional>
#include <string>

namespace buildable {

/// One problem on the listening path. Delivered to ClientOptions::on_error; never thrown.
struct ListenerError {
  /// The kinds of listening-path problem; each value says what became of the message
  /// concerned. to_string(ListenerError::Kind) gives a kind's name.
  enum class Kind {
    poll,             ///< querying for messages failed (the poller backs off and retries), or
                      ///< the answer had unusable rows or more rows than asked (skipped)
    claim,            ///< claiming a message failed; it stays unclaimed and is retried later
                      ///< (the listener backs off first)
    claim_ambiguous,  ///< the claim may have succeeded on the server but its answer was lost
                      ///< (also after sending it again with its token: a service that ignores
                      ///< tokens answers 409); the message may stay `processing` for this txKey
    handler,          ///< the handler threw or its payload did not convert; recorded `failed`
    record,           ///< recording a transaction's result failed after all retries
    abandoned,        ///< a claimed message was not handled because its listener was removed
                      ///< or the client closed (or its result was not recorded because its
                      ///< own handler closed the client); it stays `processing` for this txKey
  };
  /// What went wrong; see Kind for what became of the message concerned.
  Kind kind;
  /// The listener identity, `platform.label.event$$$txKey`.
  std::string listener;
  /// The message concerned; empty when the error is not about one message. Only keys that
  /// are safe to show get here: a row whose key is empty, longer than 256 bytes, not
  /// printable ASCII without spaces, or contains the secret is reported as a `poll` protocol
  /// error without its key (and is neither claimed nor handled); should such a key turn up
  /// anyway, it is replaced as a whole by "<withheld>".
  std::string message_key;
  /// Human-readable detail. Never contains the secret. Server text in it is kept as sent
  /// (except in HTTP error descriptions, which are escaped): escape it before writing it to a
  /// line-oriented log. The SDK's own log lines escape every text they show.
  std::string message;
  /// Further reports of the same kind for the same listener that were merged into this one
  /// because on_error was not keeping up (the text then ends "(and N more like this)").
  /// Only `poll`, `claim` and `handler` reports are merged this way; the kinds that leave a
  /// message `processing` arrive one by one with their key (see ClientOptions::on_error).
  std::uint64_t coalesced = 0;
  /// The HTTP status of the answer that made the request fail (e.g. 401 when the service
  /// refused the secret key, 503, or a proxy's 502), for `poll`, `claim`, `claim_ambiguous`
  /// and `record`; 0 when there was no HTTP answer (connection refused, timeout, reset), the
  /// answer broke the protocol, or the error is not about a failed request.
  int http_status = 0;
};

/// Name of a kind, e.g. "claim_ambiguous".
BUILDABLE_EXPORT const char* to_string(ListenerError::Kind kind) noexcept;

/// Receives listening-path errors. Called on the client's handler pool (reports still queued
/// when close() winds up are delivered on the thread running close()), never concurrently
/// with itself from two threads (but if it calls close(), close() calls it again, nested on
/// that thread, for the reports still queued) and never with an SDK lock held, so it may
/// call any Client member (see Client's "Callbacks" section for what off() and close() do
/// from there); it should not block for long, as reports take turns with handlers.
using ErrorHandler = std::function<void(const ListenerError&)>;

}  // namespace buildable
