// The SQLite store's dashboard side: browsing messages newest first with their transactions,
// and listing event names. Read-only; the protocol's side is sqlite_store.cpp.
#include <string>
#include <vector>

#include "like_pattern.hpp"
#include "sqlite_sql.hpp"
#include "sqlite_store.hpp"

namespace buildable::emulator::detail {

using store_sql::column_text;
using store_sql::kBeginRead;
using store_sql::read_message;
using store_sql::read_transaction;
using store_sql::Transaction;

namespace {

constexpr const char* kTransactionsOfMessage =
    STORE_TRANSACTION_SELECT " WHERE t.message_key = ?1 ORDER BY t.started_at, t.seq";
constexpr const char* kEventNames =
    "SELECT DISTINCT event_name FROM messages WHERE environment = ?1 ORDER BY event_name"
    " LIMIT ?2";

// The dashboard's listing, one statement per combination of filters (so that each can use its
// index: `?x IS NULL OR ...` would hide the indexes from the planner). Parameters: ?1
// environment, ?2 event, ?3 txKey, ?4 state, ?5 LIKE pattern, ?6/?7 cursor createdAt/seq,
// ?8 limit; a statement binds all of them and uses those of its filters.
//
// A transaction filter (txKey, state) runs one of two ways, each costing about the same per
// row it reads (~2 us). Scanning the messages newest first and probing each one's transactions
// stops after `limit` matches: fast when matches are common among the newest, but it reads
// every non-match above them. Starting from the matching transactions (kFromTransactions)
// reads all matches whatever their age. So the first way runs only when the matches (counted
// on an index, up to that bound) are more than half of the messages: the slowest case either
// way reads about half the table.
enum BrowseFilterBit : unsigned {
  kByEvent = 1,
  kByTxKey = 2,
  kByState = 4,
  kByPayload = 8,
  kBelowCursor = 16,
  kFromTransactions = 32,
  kBrowseVariants = 64,
};

// Matching transactions, counted up to ?3: ?1 txKey, ?2 state (each statement binds both).
constexpr const char* kTransactionMatchesByTxKey =
    "SELECT count(*) FROM (SELECT 1 FROM transactions WHERE tx_key = ?1 AND ?2 IS NULL LIMIT ?3)";
constexpr const char* kTransactionMatchesByState =
    "SELECT count(*) FROM (SELECT 1 FROM transactions WHERE state = ?2 AND ?1 IS NULL LIMIT ?3)";
constexpr const char* kTransactionMatchesByBoth =
    "SELECT count(*) FROM (SELECT 1 FROM transactions WHERE tx_key = ?1 AND state = ?2 LIMIT ?3)";
// About how many messages there are (all environments), at the cost of one index descent.
constexpr const char* kMessagesUpperBound = "SELECT coalesce(max(seq), 0) FROM messages";

const char* browse_sql(unsigned filters) {
  static const auto variants = [] {
    std::vector<std::string> sql(kBrowseVariants);
    for (unsigned f = 0; f < kBrowseVariants; ++f) {
      std::string message_filters;
      if (f & kByEvent) message_filters += " AND m.event_name = ?2";
      if (f & kBelowCursor) {
        // Row-value order (created_at, seq) < (?6, ?7), written so that created_at bounds the
        // index range.
        message_filters += " AND m.created_at <= ?6 AND (m.created_at < ?6 OR m.seq < ?7)";
      }
      if (f & kByPayload) message_filters += " AND m.payload LIKE ?5 ESCAPE '\\'";
      std::string tx_filters;
      if (f & kByTxKey) tx_filters += " AND t.tx_key = ?3";
      if (f & kByState) tx_filters += " AND t.state = ?4";
      const char* newest_first = " ORDER BY m.created_at DESC, m.seq DESC";

      std::string& q = sql[f];
      if ((f & kFromTransactions) && !tx_filters.empty()) {
        // Sorts only (created_at, seq) of the matches, then reads the page's rows. One txKey
        // has one transaction per message; a state alone may match several.
        q = std::string("SELECT " STORE_MESSAGE_COLUMNS
                        " FROM messages m WHERE m.seq IN (SELECT m.seq"
                        " FROM (SELECT ") +
            ((f & kByTxKey) ? "" : "DISTINCT ") + "t.message_key FROM transactions t WHERE 1" +
            tx_filters + ") k CROSS JOIN messages m ON m.key = k.message_key" +
            " WHERE m.environment = ?1" + message_filters + newest_first + " LIMIT ?8)" +
            newest_first;
      } else {
        q = "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m WHERE m.environment = ?1" +
            message_filters;
        if (!tx_filters.empty()) {
          q += " AND EXISTS (SELECT 1 FROM transactions t WHERE t.message_key = m.key" +
               tx_filters + ")";
        }
        q += newest_first + std::string(" LIMIT ?8");
      }
    }
    return sql;
  }();
  return variants[filters].c_str();  // stable: the statement cache is keyed by this pointer
}

}  // namespace

BrowsePage SqliteStore::browse(const BrowseFilter& filter) {
  std::lock_guard lock(mutex_);
  unsigned filters = 0;
  if (filter.event_name) filters |= kByEvent;
  if (filter.tx_key) filters |= kByTxKey;
  if (filter.tx_state) filters |= kByState;
  if (filter.payload_text) filters |= kByPayload;
  if (filter.before) filters |= kBelowCursor;
  const MessageCursor cursor = filter.before.value_or(MessageCursor{});

  BrowsePage page;
  Transaction tx(db_, kBeginRead);  // one snapshot for the messages and their transactions
  if (filter.tx_key || filter.tx_state) {
    std::int64_t half_of_messages = 0;
    {
      Statement bound(db_, prepare(kMessagesUpperBound));
      if (bound.step()) half_of_messages = sqlite3_column_int64(bound.get(), 0) / 2;
    }
    const char* count_sql = !filter.tx_state ? kTransactionMatchesByTxKey
                            : !filter.tx_key ? kTransactionMatchesByState
                                             : kTransactionMatchesByBoth;
    Statement count(db_, prepare(count_sql));
    count.bind(1, filter.tx_key).bind(2, filter.tx_state).bind(3, half_of_messages + 1);
    if (count.step() && sqlite3_column_int64(count.get(), 0) <= half_of_messages) {
      filters |= kFromTransactions;
    }
  }
  {
    Statement select(db_, prepare(browse_sql(filters)));
    select.bind(1, filter.environment)
        .bind(2, filter.event_name)
        .bind(3, filter.tx_key)
        .bind(4, filter.tx_state)
        .bind(5, filter.payload_text ? std::optional(like_contains_pattern(*filter.payload_text))
                                     : std::nullopt)
        .bind(6, cursor.created_at)
        .bind(7, cursor.seq)
        .bind(8, filter.limit + 1);  // one more tells whether older matches exist
    while (select.step())
      page.messages.push_back(BrowsedMessage{read_message(select.get()), {}});
  }
  if (static_cast<std::int64_t>(page.messages.size()) > filter.limit) {
    page.messages.pop_back();
    page.has_more = true;
  }
  for (auto& browsed : page.messages) {
    Statement select(db_, prepare(kTransactionsOfMessage));
    select.bind(1, browsed.message.key);
    while (select.step())
      browsed.transactions.push_back(read_transaction(select.get()));
  }
  tx.commit();
  return page;
}

std::vector<std::string> SqliteStore::event_names(const std::string& environment,
                                                  std::int64_t limit) {
  std::lock_guard lock(mutex_);
  Statement select(db_, prepare(kEventNames));
  select.bind(1, environment).bind(2, limit);
  std::vector<std::string> names;
  while (select.step())
    names.push_back(column_text(select.get(), 0));
  return names;
}

}  // namespace buildable::emulator::detail
