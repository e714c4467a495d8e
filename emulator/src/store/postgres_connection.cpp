#include "postgres_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

namespace buildable::emulator::detail::postgres {

namespace {

// SQLSTATE classes and codes worth retrying on another (or the same) connection.
bool transient_sqlstate(const std::string& code) {
  return code.rfind("08", 0) == 0  // connection exception
         || code == "40001"        // serialization_failure
         || code == "40P01"        // deadlock_detected
         || code == "57P01"        // admin_shutdown
         || code == "57P02"        // crash_shutdown
         || code == "57P03"        // cannot_connect_now (starting up)
         || code == "53300"        // too_many_connections
         || code == "55P03"        // lock_not_available (lock_timeout)
         || code == "57014";       // query_canceled (statement_timeout)
}

std::string milliseconds_text(std::chrono::milliseconds value) {
  return std::to_string(value.count()) + "ms";
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

}  // namespace

bool Error::transient() const {
  return connection_lost_ || transient_sqlstate(sqlstate_);
}

Result::~Result() {
  if (result_) PQclear(result_);
}

int Result::rows() const {
  return PQntuples(result_);
}

bool Result::null(int row, int column) const {
  if (row < 0 || row >= rows() || column < 0 || column >= PQnfields(result_)) {
    throw Error("postgresql: a statement returned fewer rows or columns than expected", "", false);
  }
  return PQgetisnull(result_, row, column) != 0;
}

std::string Result::text(int row, int column) const {
  if (null(row, column)) return {};
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t Result::number(int row, int column) const {
  if (null(row, column)) return 0;
  return std::stoll(PQgetvalue(result_, row, column));
}

std::optional<std::int64_t> Result::optional_number(int row, int column) const {
  if (null(row, column)) return std::nullopt;
  return number(row, column);
}

std::int64_t Result::affected() const {
  const char* count = PQcmdTuples(result_);
  return count && *count ? std::stoll(count) : 0;
}

Connection::Connection(const std::string& location, Clock::time_point deadline,
                       StatementLimits limits) {
  if (raw_delimiters_in_userinfo(location)) {
    throw Error(
        "the PostgreSQL URL's user or password holds a raw '/' or '@': percent-encode them "
        "(%2F, %40), or keep the password out of the URL (~/.pgpass, PGPASSWORD)",
        "", false);
  }
  PQconninfoOption* parsed = PQconninfoParse(location.c_str(), nullptr);
  if (!parsed) {
    throw Error("cannot read the PostgreSQL connection string " + display_name(location) +
                    " (libpq's reason is not shown: it quotes the text, password included)",
                "", false);
  }
  PQconninfoFree(parsed);
  // Keywords before `dbname` (the expanded location) are defaults the location may override.
  // Keepalives and a TCP user timeout notice a server machine that vanished without a reset.
  std::string options;
  if (limits.lock_timeout.count() > 0)
    options += "-c lock_timeout=" + milliseconds_text(limits.lock_timeout);
  if (limits.statement_timeout.count() > 0) {
    options += (options.empty() ? "" : " ") + std::string("-c statement_timeout=") +
               milliseconds_text(limits.statement_timeout);
  }
  std::vector<const char*> keywords = {"application_name", "keepalives",
                                       "keepalives_idle",  "keepalives_interval",
                                       "keepalives_count", "tcp_user_timeout"};
  std::vector<const char*> values = {"buildable-emulator", "1", "5", "2", "3", "15000"};
  if (!options.empty()) {
    keywords.push_back("options");
    values.push_back(options.c_str());
  }
  keywords.push_back("dbname");
  values.push_back(location.c_str());
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  deadline_ = deadline;
  conn_ = PQconnectStartParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
  while (conn_ && PQstatus(conn_) != CONNECTION_BAD && polling != PGRES_POLLING_OK &&
         polling != PGRES_POLLING_FAILED) {
    if (!wait_socket(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT)) break;
    polling = PQconnectPoll(conn_);
  }
  if (!conn_ || polling != PGRES_POLLING_OK) {
    const std::string why = !conn_                              ? "out of memory"
                            : PQstatus(conn_) == CONNECTION_BAD ? trimmed(PQerrorMessage(conn_))
                                                                : "no answer in time";
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    // libpq's messages name the host, port and user, never the password.
    throw Error("cannot connect to " + display_name(location) + ": " + why, "", true);
  }
  deadline_ = Clock::time_point::max();
  // Sent and awaited by await_result() with the deadline, never blocking in libpq.
  PQsetnonblocking(conn_, 1);
  // Notices ("relation ... already exists, skipping") would go to stderr by default.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

bool Connection::healthy() const {
  return conn_ && PQstatus(conn_) == CONNECTION_OK;
}

bool Connection::still_open() {
  if (!healthy()) return false;
  const int fd = PQsocket(conn_);
  pollfd watched{fd, POLLIN, 0};
  // An idle session expects nothing: anything readable is a goodbye (or a harmless notice).
  if (::poll(&watched, 1, 0) > 0) PQconsumeInput(conn_);
  return healthy();
}

bool Connection::leave_transaction() noexcept {
  if (!healthy()) return false;
  if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return true;
  try {
    deadline_ = Clock::now() + std::chrono::seconds(2);
    command("ROLLBACK");
    return healthy() && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  } catch (const std::exception&) {
    return false;
  }
}

bool Connection::wait_socket(short events) const {
  const int fd = PQsocket(conn_);
  if (fd < 0) return true;  // libpq reports the broken connection itself
  for (;;) {
    int timeout_ms = -1;
    if (deadline_ != Clock::time_point::max()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
      if (left <= 0) return false;
      timeout_ms = static_cast<int>(std::min<long long>(left, INT_MAX));
    }
    pollfd watched{fd, events, 0};
    const int ready = ::poll(&watched, 1, timeout_ms);
    if (ready > 0 || (ready < 0 && errno != EINTR)) return true;
  }
}

void Connection::give_up(const char* what) {
  // Whatever the database does with the statement, this connection is not used again.
  PQfinish(conn_);
  conn_ = nullptr;
  throw Error(std::string("postgresql: ") + what + ": no answer from the database in time", "",
              true, true);
}

pg_result* Connection::await_result(const char* what) {
  for (;;) {  // the statement may not fit in the socket's buffer at once
    const int flushed = PQflush(conn_);
    if (flushed <= 0) break;  // sent, or failed (then PQgetResult() says why)
    if (!wait_socket(POLLOUT | POLLIN)) give_up(what);
    if (!PQconsumeInput(conn_)) break;
  }
  // A command of several statements (a migration) has a result each: the first error counts.
  pg_result* chosen = nullptr;
  const auto failed = [](pg_result* r) {
    const ExecStatusType status = PQresultStatus(r);
    return status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK;
  };
  for (;;) {
    while (PQisBusy(conn_)) {
      if (!wait_socket(POLLIN)) {
        if (chosen) PQclear(chosen);
        give_up(what);
      }
      if (!PQconsumeInput(conn_)) break;
    }
    pg_result* next = PQgetResult(conn_);
    if (!next) break;
    if (!chosen || (!failed(chosen) && failed(next))) std::swap(chosen, next);
    if (next) PQclear(next);
    if (PQstatus(conn_) == CONNECTION_BAD) break;
  }
  return chosen;
}

Result Connection::check(pg_result* result, const char* what) {
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Result(result);
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result ? trimmed(PQresultErrorMessage(result)) : "";
  if (message.empty()) message = trimmed(PQerrorMessage(conn_));
  std::string code = state ? state : "";
  if (result) PQclear(result);
  const bool lost = PQstatus(conn_) != CONNECTION_OK;
  throw Error(std::string("postgresql: ") + what + ": " + message, std::move(code), lost, true);
}

Result Connection::run(const char* sql, std::initializer_list<Param> params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    const std::string name = "s" + std::to_string(prepared_.size());
    if (!PQsendPrepare(conn_, name.c_str(), sql, static_cast<int>(params.size()), nullptr)) {
      check(nullptr, "prepare");
    }
    check(await_result("prepare"), "prepare");
    it = prepared_.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  values.reserve(params.size());
  lengths.reserve(params.size());
  for (const Param& param : params) {
    if (param.has_nul()) throw Error("postgresql: text with a NUL character", "22021", false);
    values.push_back(param.c_str());
    lengths.push_back(param.length());
  }
  if (!PQsendQueryPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                           values.data(), lengths.data(), nullptr, 0)) {
    check(nullptr, "statement");
  }
  return check(await_result("statement"), "statement");
}

Result Connection::command(const char* sql) {
  // Errors name a command by its start: a migration's whole text would drown the message.
  std::string_view text(sql);
  text.remove_prefix(std::min(text.find_first_not_of(" \n"), text.size()));
  const std::string what(text.substr(0, std::min(text.find('\n'), std::size_t{48})));
  if (!PQsendQuery(conn_, sql)) check(nullptr, what.c_str());
  return check(await_result(what.c_str()), what.c_str());
}

bool raw_delimiters_in_userinfo(const std::string& location) {
  const std::size_t scheme = location.find("://");
  if (scheme == std::string::npos ||
      !(location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0)) {
    return false;
  }
  const std::string rest = location.substr(scheme + 3, location.find('?') - (scheme + 3));
  const std::size_t at = rest.rfind('@');
  if (at == std::string::npos) return false;
  const std::string userinfo = rest.substr(0, at);
  return userinfo.find_first_of("/@") != std::string::npos;
}

std::string display_name(const std::string& location) {
  // libpq would take part of such a password for the host, port or database name.
  if (raw_delimiters_in_userinfo(location)) return "postgresql://(a URL with a raw '/' or '@')";
  PQconninfoOption* options = PQconninfoParse(location.c_str(), nullptr);
  if (!options) return "postgresql://(unreadable connection string)";
  std::string user, host, port, dbname;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string keyword = o->keyword;
    if (keyword == "user") user = o->val;
    if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = o->val;
    if (keyword == "port") port = o->val;
    if (keyword == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  std::string name = "postgresql://";
  if (!user.empty()) name += user + "@";
  name += host.empty() ? "localhost" : host;
  if (!port.empty()) name += ":" + port;
  if (!dbname.empty()) name += "/" + dbname;
  return name;
}

}  // namespace buildable::emulator::detail::postgres
