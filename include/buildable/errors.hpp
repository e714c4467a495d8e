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
/// No message of any of these ever contains the client's secret.

#include <optional>
#include <stdexcept>
#include <string>

namespace buildable {

/// A caller mistake, reported before any request is sent.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Base of every runtime failure of a request to the service.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The service answered with a non-2xx status.
class HttpError : public Error {
 public:
  /// Builds the error the SDK throws for a non-2xx answer; what() reads
  /// `Buildable answered HTTP <status> (<name>): <server_message>`, leaving out the parts
  /// that are empty. May also be constructed directly, e.g. by a test double.
  ///
  /// The texts are stored as given: the SDK removes the secret from them before it
  /// constructs one, this constructor does not.
  ///
  /// @param status the HTTP status code.
  /// @param name the kebab-case error name from the body, or empty.
  /// @param server_message the human-readable message from the body, or empty.
  HttpError(int status, std::string name, std::string server_message);

  /// The HTTP status code, e.g. 401.
  int status() const noexcept { return status_; }
  /// The server's kebab-case error name (e.g. "invalid-secret"); empty when the body had none.
  const std::string& name() const noexcept { return name_; }
  /// The server's human-readable message; empty when the body had none.
  const std::string& server_message() const noexcept { return server_message_; }

 private:
  int status_;
  std::string name_;
  std::string server_message_;
};

/// The request could not be completed at the transport level (DNS, connect, TLS, timeout,
/// connection reset). A request aborted by close() is reported as ClosedError instead.
class TransportError : public Error {
 public:
  /// Builds the error the SDK throws when no answer came; what() reads
  /// `request to Buildable failed: <libcurl's text for curl_code> (<detail>)`, without the
  /// parenthesised part when `detail` is empty. May also be constructed directly, e.g. by a
  /// test double.
  ///
  /// `detail` is stored as given: the SDK removes the secret from it before it constructs
  /// one, this constructor does not.
  ///
  /// @param curl_code the libcurl result code (a CURLcode) as an int.
  /// @param detail libcurl's error-buffer text, or empty.
  /// @param maybe_sent whether the server may have received the request (see maybe_sent()).
  TransportError(int curl_code, std::string detail, bool maybe_sent);

  /// The libcurl result code (CURLcode) as an int.
  int curl_code() const noexcept { return curl_code_; }
  /// False when the request provably never reached the server (e.g. connection refused);
  /// true when the server may have received and acted on it.
  bool maybe_sent() const noexcept { return maybe_sent_; }
  /// True when the failure was a timeout (connect or whole-request).
  bool timed_out() const noexcept;

 private:
  int curl_code_;
  bool maybe_sent_;
};

/// The service answered 2xx but the body was not what the protocol promises
/// (not JSON, or a required field missing or of the wrong type).
class ProtocolError : public Error {
 public:
  using Error::Error;
};

/// The client was closed before or while the call ran.
class ClosedError : public Error {
 public:
  /// what() reads "the buildable::Client is closed".
  ClosedError();
};

}  // namespace buildable
