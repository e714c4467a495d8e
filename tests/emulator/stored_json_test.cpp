// Stored rows the emulator no longer accepts as input (part of the hardening issue): a --db
// file written before the depth limit may hold JSON nested 100,000 levels deep, and an edited
// one text that is not JSON at all. The protocol, Emulator's accessors and the dashboard API
// must serve such rows with a placeholder instead of overflowing the stack.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <buildable/emulator/emulator.hpp>
#include <string>

#include "emulator_test_support.hpp"
#include "store/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace buildable::emulator {
namespace {

using testing::Http;
using testing::json;
using testing::TempDir;

constexpr const char* kSecret = "sk_test_stored_json";
constexpr const char* kTooDeep = "<stored JSON nested deeper than 512 levels: not shown>";
constexpr const char* kNotJson = "<stored text is not valid JSON: not shown>";

std::string nested_arrays(std::size_t levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

// Writes rows into `db` the way an older emulator (or a hand edit) could have left them.
class OldDatabase {
 public:
  explicit OldDatabase(const std::string& db) : store_(db), path_(db) {}

  /// A test message whose payload, headers and query are `text`; returns its key.
  std::string message(const std::string& event, const std::string& text) {
    detail::NewMessage message;
    message.environment = "test";
    message.platform = "custom";
    message.label = "demo";
    message.event_name = event;
    message.payload = text;
    message.headers = text;
    message.query = text;
    return store_.insert_message(message).key;
  }
  /// A failed transaction of (key, tx_key) with `output` as its stored output.
  void failed(const std::string& key, const std::string& tx_key, const std::string& output) {
    ASSERT_EQ(store_.claim("test", key, tx_key, "demo", "").status, detail::ClaimStatus::claimed);
    ASSERT_EQ(store_.finish("test", key, tx_key, "failed", output, "demo").status,
              detail::FinishStatus::finished);
  }
  /// Replaces the history of (key, tx_key): the Store never writes one of its own choosing.
  void set_history(const std::string& key, const std::string& tx_key, const std::string& text) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* update = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "UPDATE transactions SET history = ?1"
                                 " WHERE message_key = ?2 AND tx_key = ?3",
                                 -1, &update, nullptr),
              SQLITE_OK);
    sqlite3_bind_text(update, 1, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(update, 2, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(update, 3, tx_key.c_str(), -1, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(update), SQLITE_DONE);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_finalize(update);
    sqlite3_close(db);
  }

 private:
  detail::SqliteStore store_;
  std::string path_;
};

class StoredJson : public ::testing::Test {
 protected:
  // Serves the database prepared by the test so far.
  void start() {
    EmulatorOptions options;
    options.db_path = db_;
    options.threads = 4;
    options.keys = {{"demo", kSecret, "test"}};
    emulator_ = std::make_unique<Emulator>(options);
    emulator_->start();
    http_ = std::make_unique<Http>(*emulator_);
  }
  json query(const std::string& event) {
    auto reply = http_->post("/query", {{"eventName", event}, {"txKey", "fresh"}, {"since", 0}});
    EXPECT_EQ(reply.status, 200) << reply.raw;
    return reply.body;
  }
  json dashboard_messages(const std::string& event) {
    auto reply = http_->client().Get("/_dashboard/api/messages", {{"event", event}},
                                     {{"X-Buildable-Secret", kSecret}});
    EXPECT_TRUE(reply && reply->status == 200);
    return reply ? json::parse(reply->body, nullptr, false) : json();
  }

  TempDir dir_;
  std::string db_ = dir_.file("old.db");
  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<Http> http_;
};

TEST_F(StoredJson, RowsNestedTooDeepAreServedWithAPlaceholder) {
  const std::string deep = nested_arrays(100'000);
  std::string key;
  {
    OldDatabase old(db_);
    key = old.message("legacy.deep", deep);
    old.failed(key, "done", deep);
    old.failed(key, "edited", R"({"error":"boom"})");
    old.set_history(key, "edited", deep);
  }
  start();
  const json placeholder_text = json(kTooDeep).dump();  // /query's fields are JSON text

  const json page = query("legacy.deep");
  ASSERT_EQ(page["rows"].size(), 1u) << page.dump();
  const json& row = page["rows"][0];
  EXPECT_EQ(row["payload"], placeholder_text);
  EXPECT_EQ(row["headers"], placeholder_text);
  EXPECT_EQ(row["query"], placeholder_text);
  EXPECT_EQ(emulator_->message(key)["payload"], placeholder_text);

  const json done = emulator_->transaction(key, "done");
  EXPECT_EQ(done["output"], kTooDeep);
  EXPECT_EQ(done["input"], placeholder_text);
  EXPECT_EQ(emulator_->transaction(key, "edited")["history"], kTooDeep);

  auto claimed = http_->post("/init", {{"key", key}, {"txKey", "fresh"}});
  ASSERT_EQ(claimed.status, 200) << claimed.raw;
  EXPECT_EQ(claimed.body["input"], placeholder_text);
  // A state change appends to a history it can read; this one starts over.
  auto updated = http_->post("/update", {{"key", key}, {"txKey", "edited"}, {"txState", "failed"}});
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(updated.body["payload"], placeholder_text);
  EXPECT_EQ(emulator_->transaction(key, "edited")["history"].size(), 1u);

  const json dashboard = dashboard_messages("legacy.deep");
  ASSERT_EQ(dashboard["messages"].size(), 1u) << dashboard.dump();
  const json& shown = dashboard["messages"][0];
  EXPECT_EQ(shown["payload"], kTooDeep);  // the dashboard's fields are JSON values
  EXPECT_EQ(shown["headers"], kTooDeep);
  EXPECT_EQ(shown["query"], kTooDeep);
  ASSERT_EQ(shown["transactions"].size(), 3u);
  EXPECT_EQ(shown["transactions"][0]["output"], kTooDeep);

  EXPECT_FALSE(http_->emit("still.alive").empty());
}

TEST_F(StoredJson, RowsThatAreNotJsonAreServedWithAPlaceholder) {
  std::string key;
  {
    OldDatabase old(db_);
    key = old.message("legacy.text", "not JSON {");
    old.failed(key, "done", "plain words");
  }
  start();
  EXPECT_EQ(query("legacy.text")["rows"][0]["payload"], json(kNotJson).dump());
  EXPECT_EQ(emulator_->transaction(key, "done")["output"], kNotJson);
  const json shown = dashboard_messages("legacy.text")["messages"][0];
  EXPECT_EQ(shown["payload"], kNotJson);
  EXPECT_EQ(shown["transactions"][0]["output"], kNotJson);
}

TEST_F(StoredJson, ReadableRowsAreServedAsStored) {
  // Nesting up to the limit, and text spaced as no dump() would write it: passed on unchanged.
  const std::string at_limit = nested_arrays(512);
  const std::string spaced = R"({ "a" : [1, 2] })";
  {
    OldDatabase old(db_);
    old.message("legacy.limit", at_limit);
    old.message("legacy.spaced", spaced);
  }
  start();
  EXPECT_EQ(query("legacy.limit")["rows"][0]["payload"], at_limit);
  EXPECT_EQ(query("legacy.spaced")["rows"][0]["payload"], spaced);
  EXPECT_EQ(dashboard_messages("legacy.spaced")["messages"][0]["payload"], json({{"a", {1, 2}}}));
}

}  // namespace
}  // namespace buildable::emulator
