#pragma once
/// @file errors.hpp
/// The exceptions thrown by buildable::Client.
///
/// Two families, so callers can tell "I called it wrong" from "the call failed":
/// - buildable::InvalidArgument (a std::invalid_argument): a caller mistake detected before
///   anything was sent (bad options, empty event name, payload that is not a JSON object,
///   body over the size limit).
/// - buildable::Error (a std::runtime_error): the request was attempted and failed. Its
///   subclasses carry what a caller branches on.
///
/// What the SDK shows of server-supplied text, and how it keeps the secret out of it:
/// - Human-readable text (what(), HttpError::server_message()) never contains the client's
///   secret. Where server text, or a libcurl message, quotes it, every occurrence is replaced
///   by `<redacted>` (overlapping and adjacent ones by one marker; a marker the secret could
///   be re-formed from is swapped for one made of other characters). Text that does not
///   contain the secret is never edited. A secret short enough to occur in ordinary words or
///   paths (say "src") masks those too; the service's keys (`sk_test_...`, `sk_live_...`)
///   never do.
/// - Structured fields are never substring-edited: status() and curl_code() are numbers, and
///   HttpError::name() is either the server's name as sent or, when it cannot be shown
///   safely, replaced as a whole by HttpError::kWithheldName (see there). So
///   `e.name() == "invalid-secret"` holds whatever the secret is, while what() for the same
///   error shows `invalid-<redacted>` if the secret is "secret".
/// - Server text in what() is escaped: line breaks and other control characters cannot
///   start a new line in a log (see HttpError).

#include <buildable/export.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace buildable {

/// A caller mistake, reported before any request is sent.
class BUILDABLE_EXPORT InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Base of every runtime failure of a request to the service.
class BUILDABLE_EXPORT Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The service, or something in front of it, answered with a non-2xx status.
class BUILDABLE_EXPORT HttpError : public Error {
 public:
  /// What name() holds when the server's name cannot be shown as it is: it is not a short
  /// kebab-case token (1 to 64 of `a-z`, `0-9`, single inner `-`), or it contains the secret
  /// and is not one of the service's documented names (`invalid-secret`, `not-found`, ...).
  /// Never a valid kebab-case name itself, so it cannot be mistaken for one.
  static constexpr const char* kWithheldName = "<withheld>";

  /// Builds an error of the service's wording; what() reads
  /// `Buildable answered HTTP <status> (<name>): <server_message>`, leaving out the parts
  /// that are empty. For a test double: the texts are stored and shown as given (neither
  /// checked, escaped nor redacted); from_service() is true.
  ///
  /// @param status the HTTP status code.
  /// @param name the kebab-case error name from the body, or empty.
  /// @param server_message the human-readable message from the body, or empty.
  HttpError(int status, std::string name, std::string server_message);

  /// Builds the error as the SDK does for a non-2xx answer, safe to show whatever the server
  /// sent:
  /// - name() is `name` when it is a short kebab-case token that either does not contain
  ///   `secret` or is one of the service's documented names; otherwise kWithheldName (empty
  ///   stays empty).
  /// - server_message() is `server_message` with `secret` redacted.
  /// - what() reads `Buildable answered HTTP <status> (<name>): <server_message>` when
  ///   `from_service`, else `HTTP <status> from the server or a proxy/gateway in front of it
  ///   (not a Buildable error body): <server_message>` (`..., empty body)` without one); the
  ///   message is escaped (control characters as `\n`, `\xNN`, ...) and the whole text is
  ///   redacted of `secret`.
  ///
  /// @param status the HTTP status code.
  /// @param name the error name from the body, or empty.
  /// @param server_message the service's message, or (when not `from_service`) an excerpt
  ///        of the body.
  /// @param from_service whether the body had the service's JSON error shape.
  /// @param secret the client's secret (may be empty: nothing is redacted).
  HttpError(int status, std::string name, std::string server_message, bool from_service,
            std::string_view secret);

  /// The HTTP status code, e.g. 401.
  int status() const noexcept { return status_; }
  /// The server's kebab-case error name (e.g. "invalid-secret"); empty when the body had none;
  /// kWithheldName when it could not be shown as sent. Never redacted piecemeal.
  const std::string& name() const noexcept { return name_; }
  /// The service's human-readable message, redacted of the secret (not escaped); empty when
  /// the body had none. When from_service() is false: a short excerpt of the body instead
  /// (its first 200 bytes at most, escaped and redacted), empty for an empty body.
  const std::string& server_message() const noexcept { return server_message_; }
  /// True when the body had the service's JSON error shape: an object with `"status":
  /// "error"` or a string `name`. False for anything else (a proxy's or gateway's page, a
  /// plain-text or empty body, other JSON): then the answer may not come from Buildable at
  /// all, and what() says so instead of "Buildable answered".
  bool from_service() const noexcept { return from_service_; }

 private:
  int status_;
  std::string name_;
  std::string server_message_;
  bool from_service_ = true;
};

/// The request could not be completed at the transport level (DNS, connect, TLS, timeout,
/// connection reset, an answer that is not HTTP). A request aborted by close() is reported as
/// ClosedError instead.
class BUILDABLE_EXPORT TransportError : public Error {
 public:
  /// Builds a TransportError; what() reads
  /// `request to Buildable failed: <libcurl's text for curl_code> (<detail>)`, without the
  /// parenthesised part when `detail` is empty. For a test double: `detail` is stored and
  /// shown as given.
  ///
  /// @param curl_code the libcurl result code (a CURLcode) as an int.
  /// @param detail libcurl's error-buffer text, or empty.
  /// @param maybe_sent whether the server may have received the request (see maybe_sent()).
  TransportError(int curl_code, std::string detail, bool maybe_sent);

  /// Builds the error as the SDK does: the same what(), with `detail` escaped and the whole
  /// text redacted of `secret`.
  TransportError(int curl_code, std::string detail, bool maybe_sent, std::string_view secret);

  /// The libcurl result code (CURLcode) as an int.
  int curl_code() const noexcept { return curl_code_; }
  /// False when the request provably never reached the server (e.g. connection refused);
  /// true when the server may have received and acted on it, which includes every failure
  /// after request bytes were written (a reset, a timeout, an answer that is not HTTP).
  bool maybe_sent() const noexcept { return maybe_sent_; }
  /// True when the failure was a timeout (connect or whole-request).
  bool timed_out() const noexcept;

 private:
  int curl_code_;
  bool maybe_sent_;
};

/// The service answered 2xx but the body was not what the protocol promises
/// (not JSON, or a required field missing or of the wrong type).
class BUILDABLE_EXPORT ProtocolError : public Error {
 public:
  using Error::Error;
};

/// emit_async() found the pending emits at ClientOptions::max_pending_emits or
/// max_pending_bytes with ClientOptions::when_emit_queue_full set to `fail`. Nothing was queued
/// or sent: the caller may retry later, drop the event, or slow down.
class BUILDABLE_EXPORT QueueFullError : public Error {
 public:
  using Error::Error;
};

/// The client was closed before or while the call ran.
class BUILDABLE_EXPORT ClosedError : public Error {
 public:
  /// what() reads "the buildable::Client is closed".
  ClosedError();
};

}  // namespace buildable
