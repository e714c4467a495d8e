#pragma once
/// @file verify.hpp
/// Webhook signature verification: buildable::verify() and buildable::sign().
///
/// @par The scheme (this SDK's own)
/// Buildable's Node SDK exposes `verify(signature, secret, rawPayload, {tolerance})` but its
/// algorithm is not published. This SDK implements the widely used scheme below; it is this
/// SDK's scheme and is not guaranteed to match whatever Buildable's own senders use.
///
/// - The signature header value is `t=<unix seconds>,v1=<hex>[,v1=<hex>...]`.
/// - Each `v1` is the hex-encoded HMAC-SHA256, keyed with the secret, of the bytes
///   `"<t>.<raw body>"`, where `<t>` is the timestamp exactly as written in the header and
///   `<raw body>` is the request body exactly as received (before any JSON parsing).
/// - Several `v1` entries may be present (secret rotation: the sender signs with the old and
///   the new secret); the header is accepted when any of them matches.
/// - The timestamp must be within `tolerance` of the receiver's clock, in both directions,
///   which bounds how long a captured request can be replayed.
///
/// Parsing rules: items are separated by commas, spaces or tabs around an item are ignored,
/// each item is `key=value`, keys are case-sensitive, unknown keys (e.g. `v0`) are ignored,
/// hex digits may be upper or lower case. `t` must appear exactly once and be a non-empty
/// string of decimal digits. A `v1` that is not 64 hex digits never matches.

#include <buildable/export.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace buildable {

/// Default accepted distance between a signature's timestamp and the receiver's clock.
inline constexpr std::chrono::seconds kDefaultSignatureTolerance{300};

/// Checks a webhook signature header against the raw request body, using the current time.
///
/// @param signature_header the header's value, `t=<unix seconds>,v1=<hex>[,v1=<hex>...]`.
/// @param secret the signing secret shared with the sender.
/// @param raw_body the request body exactly as received.
/// @param tolerance largest accepted |now - t|, in both directions (default 300 s).
/// @return true when the timestamp is within tolerance and at least one `v1` is the
///   HMAC-SHA256 of `"<t>.<raw body>"` under `secret` (compared in constant time).
///
/// @par Thread Safety
/// A pure function: may be called from any number of threads concurrently.
///
/// @par Error Handling
/// Everything that comes from the network is answered with `false`, never with an exception:
/// a missing, empty or malformed header, a missing, repeated or non-numeric `t`, no `v1`, a
/// `v1` of the wrong length or with non-hex characters, a timestamp out of tolerance.
/// Caller mistakes throw buildable::InvalidArgument: an empty `secret` or a negative
/// `tolerance`.
[[nodiscard]] BUILDABLE_EXPORT bool verify(
    std::string_view signature_header, std::string_view secret, std::string_view raw_body,
    std::chrono::seconds tolerance = kDefaultSignatureTolerance);

/// Same as verify(signature_header, secret, raw_body, tolerance), with the receiver's clock
/// given as `now` (for deterministic tests, or a clock of your own).
///
/// @par Thread Safety
/// A pure function: may be called from any number of threads concurrently.
///
/// @par Error Handling
/// As the overload above: `false` for every kind of bad network input, buildable::InvalidArgument
/// for an empty `secret` or a negative `tolerance`.
[[nodiscard]] BUILDABLE_EXPORT bool verify(
    std::string_view signature_header, std::string_view secret, std::string_view raw_body,
    std::chrono::system_clock::time_point now,
    std::chrono::seconds tolerance = kDefaultSignatureTolerance);

/// Signs `raw_body` for the receiver's verify(): returns the header value
/// `t=<unix seconds of at>,v1=<64 lowercase hex digits>`.
///
/// Useful in tests and for users' own senders. To sign with several secrets during a
/// rotation, append `,v1=<hex>` items taken from further sign() calls made with the same `at`.
///
/// @par Thread Safety
/// A pure function: may be called from any number of threads concurrently.
///
/// @par Error Handling
/// Throws buildable::InvalidArgument when `secret` is empty or `at` lies before the Unix
/// epoch, and std::runtime_error if OpenSSL fails to compute the HMAC (out of memory).
[[nodiscard]] BUILDABLE_EXPORT std::string sign(
    std::string_view secret, std::string_view raw_body,
    std::chrono::system_clock::time_point at = std::chrono::system_clock::now());

}  // namespace buildable
