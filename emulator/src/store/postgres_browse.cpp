// The PostgreSQL store's dashboard side: browsing messages newest first with their
// transactions, and listing event names. Read-only; the protocol's side is postgres_store.cpp.
#include <map>
#include <string>
#include <vector>

#include "like_pattern.hpp"
#include "postgres_sql.hpp"

namespace buildable::emulator::detail {

using postgres::Connection;
using postgres::kBeginSnapshot;
using postgres::read_message;
using postgres::read_transaction;
using postgres::Result;
using postgres::Transaction;

namespace {

#define PG_ASCII_UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define PG_ASCII_LOWER "abcdefghijklmnopqrstuvwxyz"

// $1 environment, $2 event|NULL, $3 txKey|NULL, $4 state|NULL, $5 LIKE pattern|NULL (ASCII
// lowercase, compared with the payload's ASCII lowercase: see ascii_lowercase()),
// $6/$7 cursor createdAt/seq (NULL: from the newest), $8 limit. One statement for every
// combination of filters: the planner makes a plan per call for the values given.
constexpr const char* kBrowse =
    "SELECT " PG_MESSAGE_COLUMNS
    " FROM buildable_messages m WHERE m.environment = $1"
    " AND ($2::text IS NULL OR m.event_name = $2)"
    " AND ($5::text IS NULL OR translate(m.payload, '" PG_ASCII_UPPER "', '" PG_ASCII_LOWER
    "')"
    " LIKE $5)"
    " AND ($6::bigint IS NULL OR (m.created_at, m.seq) < ($6::bigint, $7::bigint))"
    " AND (($3::text IS NULL AND $4::text IS NULL) OR EXISTS (SELECT 1"
    " FROM buildable_transactions t WHERE t.message_key = m.key"
    " AND ($3::text IS NULL OR t.tx_key = $3) AND ($4::text IS NULL OR t.state = $4)))"
    " ORDER BY m.created_at DESC, m.seq DESC LIMIT $8";
#undef PG_ASCII_UPPER
#undef PG_ASCII_LOWER
constexpr const char* kTransactionsOfMessages =
    PG_TRANSACTION_SELECT " WHERE t.message_key = ANY($1::text[]) ORDER BY t.started_at, t.seq";
constexpr const char* kEventNames =
    "SELECT DISTINCT event_name COLLATE \"C\" AS name FROM buildable_messages"
    " WHERE environment = $1 ORDER BY name LIMIT $2";

}  // namespace

BrowsePage PostgresStore::browse(const BrowseFilter& filter) {
  const std::optional<std::string> pattern =
      filter.payload_text
          ? std::optional(ascii_lowercase(like_contains_pattern(*filter.payload_text)))
          : std::nullopt;
  std::optional<std::int64_t> cursor_time, cursor_seq;
  if (filter.before) {
    cursor_time = filter.before->created_at;
    cursor_seq = filter.before->seq;
  }
  return with_retries([&](Connection& connection, bool) {
    BrowsePage page;
    Transaction tx(connection, kBeginSnapshot);  // one snapshot for messages and transactions
    const Result rows = connection.run(
        kBrowse, {filter.environment, filter.event_name, filter.tx_key, filter.tx_state, pattern,
                  cursor_time, cursor_seq, filter.limit + 1});  // one more: are there older?
    for (int row = 0; row < rows.rows(); ++row)
      page.messages.push_back(BrowsedMessage{read_message(rows, row), {}});
    if (static_cast<std::int64_t>(page.messages.size()) > filter.limit) {
      page.messages.pop_back();
      page.has_more = true;
    }
    if (!page.messages.empty()) {
      // Keys are 32 hex digits: quoted, they need no escaping in an array literal.
      std::string keys = "{";
      std::map<std::string, BrowsedMessage*> by_key;
      for (auto& browsed : page.messages) {
        if (keys.size() > 1) keys += ',';
        keys += '"' + browsed.message.key + '"';
        by_key[browsed.message.key] = &browsed;
      }
      keys += '}';
      const Result transactions = connection.run(kTransactionsOfMessages, {keys});
      for (int row = 0; row < transactions.rows(); ++row) {
        TransactionRecord transaction = read_transaction(transactions, row);
        by_key.at(transaction.message_key)->transactions.push_back(std::move(transaction));
      }
    }
    tx.commit();
    return page;
  });
}

std::vector<std::string> PostgresStore::event_names(const std::string& environment,
                                                    std::int64_t limit) {
  return with_retries([&](Connection& connection, bool) {
    const Result rows = connection.run(kEventNames, {environment, limit});
    std::vector<std::string> names;
    for (int row = 0; row < rows.rows(); ++row)
      names.push_back(rows.text(row, 0));
    return names;
  });
}

}  // namespace buildable::emulator::detail
