// One libpq connection: statements prepared once per connection (by their SQL text), results
// owned by RAII, and errors classified as the store needs them (retry, or give up).
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

struct pg_conn;
struct pg_result;

namespace buildable::emulator::detail::postgres {

/// A failed connection or statement. `sqlstate` is PostgreSQL's code ("" when the server never
/// answered); `connection_lost` says the connection is gone; `sent` that a statement had been
/// sent on it, so whether a write took effect is unknown.
class Error : public std::runtime_error {
 public:
  Error(const std::string& message, std::string sqlstate, bool connection_lost, bool sent = false)
      : std::runtime_error(message),
        sqlstate_(std::move(sqlstate)),
        connection_lost_(connection_lost),
        sent_(sent) {}
  const std::string& sqlstate() const { return sqlstate_; }
  bool connection_lost() const { return connection_lost_; }
  /// The connection was lost after a statement was sent, without the server saying it ended the
  /// session (57P01-03: its transaction rolled back): the statement may have taken effect.
  bool outcome_unknown() const {
    return connection_lost_ && sent_ && sqlstate_.rfind("57P0", 0) != 0;
  }
  /// Worth another attempt on a connection: lost connections, serialization failures,
  /// deadlocks, a server shutting down or starting, too many connections.
  bool transient() const;
  /// The value was refused as data (e.g. a NUL character in text): the request's fault.
  bool invalid_data() const { return sqlstate_.rfind("22", 0) == 0; }

 private:
  std::string sqlstate_;
  bool connection_lost_;
  bool sent_;
};

/// A statement parameter: text, a number, or NULL.
class Param {
 public:
  Param(std::nullopt_t) {}                         // NOLINT(google-explicit-constructor): NULL
  Param(const std::string& text) : text_(text) {}  // NOLINT(google-explicit-constructor)
  Param(const char* text) : text_(std::string(text)) {}  // NOLINT(google-explicit-constructor)
  Param(std::int64_t number) : text_(std::to_string(number)) {}   // NOLINT
  Param(const std::optional<std::string>& text) : text_(text) {}  // NOLINT
  Param(const std::optional<std::int64_t>& number) {              // NOLINT
    if (number) text_ = std::to_string(*number);
  }
  const char* c_str() const { return text_ ? text_->c_str() : nullptr; }
  int length() const { return text_ ? static_cast<int>(text_->size()) : 0; }
  /// libpq passes text parameters as C strings: a NUL would silently cut the value.
  bool has_nul() const { return text_ && text_->find('\0') != std::string::npos; }

 private:
  std::optional<std::string> text_;
};

/// The rows of a statement (text format).
class Result {
 public:
  explicit Result(pg_result* result) : result_(result) {}
  ~Result();
  Result(Result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Result& operator=(Result&&) = delete;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;

  int rows() const;
  bool null(int row, int column) const;
  std::string text(int row, int column) const;  ///< "" for NULL
  std::int64_t number(int row, int column) const;
  std::optional<std::int64_t> optional_number(int row, int column) const;
  /// Rows changed by an INSERT/UPDATE/DELETE.
  std::int64_t affected() const;

 private:
  pg_result* result_;
};

/// Server-side limits of a connection's statements (0 = the server's setting): a lock waited
/// for or a statement running longer is cancelled by PostgreSQL itself.
struct StatementLimits {
  std::chrono::milliseconds lock_timeout{0};
  std::chrono::milliseconds statement_timeout{0};
};

/// One connection, used by one thread at a time. Every wait on the database (connecting,
/// sending, awaiting an answer) ends at the connection's deadline, so a database host that
/// stops answering (frozen, its packets dropped) holds no caller past it.
class Connection {
 public:
  using Clock = std::chrono::steady_clock;

  /// Connects (libpq connection string or URL) by `deadline`. Throws Error: connection_lost
  /// when the database cannot be reached in time, not when the location cannot be read (its
  /// parse error is not shown: libpq quotes the text, password included).
  Connection(const std::string& location, Clock::time_point deadline, StatementLimits limits = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Statements from now on must be answered by `deadline` (default: no deadline); one that is
  /// not closes the connection and throws Error (connection_lost, sent).
  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }

  /// Runs `sql` with `params`, prepared once on this connection under a generated name.
  /// `sql` must outlive the connection (a string literal): it keys the cache.
  Result run(const char* sql, std::initializer_list<Param> params);
  /// Runs a parameterless command (BEGIN, COMMIT, DDL), unprepared.
  Result command(const char* sql);
  /// Whether the connection still works as far as libpq knows.
  bool healthy() const;
  /// For an idle connection: false when the server has closed it meanwhile (a restart, an
  /// administrator's pg_terminate_backend), so that no statement is sent into a dead session.
  bool still_open();
  /// Rolls back a transaction left open (within 2 s); false when the connection cannot be used
  /// again.
  bool leave_transaction() noexcept;

 private:
  /// The first result of the statement just sent, all of its results read, by the deadline.
  pg_result* await_result(const char* what);
  /// Waits until the socket is ready for `events` (poll()); false when the deadline passed.
  bool wait_socket(short events) const;
  [[noreturn]] void give_up(const char* what);
  Result check(pg_result* result, const char* what);

  pg_conn* conn_ = nullptr;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::map<const char*, std::string> prepared_;  // SQL text -> statement name
};

/// Whether URL `location` has a raw '/' or '@' before its host's '@' (a password that is not
/// percent-encoded): libpq would read part of it as the host, port or database name.
bool raw_delimiters_in_userinfo(const std::string& location);

/// `location` as it may be shown: a URL's or key=value string's user, host, port and dbname,
/// never its password or other parameters.
std::string display_name(const std::string& location);

}  // namespace buildable::emulator::detail::postgres
