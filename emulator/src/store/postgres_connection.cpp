#include "postgres_connection.hpp"

#include <libpq-fe.h>

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
         || code == "55P03";       // lock_not_available
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

Connection::Connection(const std::string& location, std::chrono::milliseconds connect_timeout) {
  // Keywords before `dbname` (the expanded location) are defaults the location may override.
  // Keepalives and a TCP user timeout notice a server machine that vanished without a reset.
  const std::string timeout_seconds =
      std::to_string(std::max<std::int64_t>(1, (connect_timeout.count() + 999) / 1000));
  const char* keywords[] = {"connect_timeout",
                            "application_name",
                            "keepalives",
                            "keepalives_idle",
                            "keepalives_interval",
                            "keepalives_count",
                            "tcp_user_timeout",
                            "dbname",
                            nullptr};
  const char* values[] = {timeout_seconds.c_str(),
                          "buildable-emulator",
                          "1",
                          "5",
                          "2",
                          "3",
                          "15000",
                          location.c_str(),
                          nullptr};
  conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string why = conn_ ? trimmed(PQerrorMessage(conn_)) : "out of memory";
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    // libpq's messages name the host, port and user, never the password.
    throw Error("cannot connect to " + display_name(location) + ": " + why, "", true);
  }
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

bool Connection::leave_transaction() noexcept {
  if (!healthy()) return false;
  if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return true;
  PGresult* result = PQexec(conn_, "ROLLBACK");
  const bool ok = result && PQresultStatus(result) == PGRES_COMMAND_OK;
  if (result) PQclear(result);
  return ok && PQtransactionStatus(conn_) == PQTRANS_IDLE;
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
  throw Error(std::string("postgresql: ") + what + ": " + message, std::move(code), lost);
}

Result Connection::run(const char* sql, std::initializer_list<Param> params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    const std::string name = "s" + std::to_string(prepared_.size());
    check(PQprepare(conn_, name.c_str(), sql, static_cast<int>(params.size()), nullptr), "prepare");
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
  return check(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                              values.data(), lengths.data(), nullptr, 0),
               "statement");
}

Result Connection::command(const char* sql) {
  return check(PQexec(conn_, sql), sql);
}

std::string display_name(const std::string& location) {
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
