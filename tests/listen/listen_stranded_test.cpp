// Stranded messages (Client::stranded(), resolve(), resolve_all(), handle_stranded()) against
// the emulator over loopback, and against a scripted server where the emulator cannot answer
// the needed way (one record failing among others, rows that cannot be decoded).
#include <httplib.h>

#include <atomic>
#include <future>
#include <nested_json.hpp>
#include <set>
#include <stdexcept>
#include <test_server.hpp>
#include <thread>

#include "listen_fixture.hpp"

namespace listen_test {
namespace {

using buildable::Client;
using buildable::Message;
using buildable::Resolution;
using buildable::ResolveResult;
using buildable::StrandedQuery;
using nlohmann::json;
using Status = buildable::ResolveResult::Status;

/// POST `path` on the emulator as another consumer would; returns the status.
int post(buildable::emulator::Emulator& emulator, const std::string& path, const json& body) {
  httplib::Client http("127.0.0.1", emulator.port());
  auto response = http.Post(path, {{"X-Buildable-Secret", emulator.default_secret()}}, body.dump(),
                            "application/json");
  return response ? response->status : -1;
}

/// Claims message `key` for `tx_key` (POST /init), leaving it `processing`.
void claim(buildable::emulator::Emulator& emulator, const std::string& key,
           const std::string& tx_key) {
  ASSERT_EQ(post(emulator, "/init", {{"key", key}, {"txKey", tx_key}}), 200) << key;
}

std::vector<std::string> keys_of(const buildable::StrandedList& list) {
  std::vector<std::string> keys;
  for (const auto& m : list.messages)
    keys.push_back(m.message.key);
  return keys;
}

StrandedQuery query_for(std::string event, std::string tx_key = {}) {
  StrandedQuery q;
  q.event = std::move(event);
  q.tx_key = std::move(tx_key);
  return q;
}

class StrandedTest : public ListenTest {
 protected:
  /// Emits `n` messages of `event` and claims those whose index is in `claimed` for `tx_key`.
  std::vector<std::string> emit_and_claim(Client& client, const std::string& event, int n,
                                          const std::set<int>& claimed, const std::string& tx_key) {
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i)
      keys.push_back(client.emit(event, {{"i", i}}).key);
    for (int i : claimed)
      claim(emulator_, keys[static_cast<std::size_t>(i)], tx_key);
    return keys;
  }
};

TEST_F(StrandedTest, ListsTheMessagesProcessingForTheTxKeyOldestFirst) {
  Client client(options());
  const auto keys = emit_and_claim(client, "s.list", 5, {0, 2, 3}, "billing");
  claim(emulator_, keys[1], "audit");  // another txKey: not billing's
  // Message 3 was handled: recorded, so no longer processing.
  ASSERT_EQ(
      post(emulator_, "/transact", {{"key", keys[3]}, {"txKey", "billing"}, {"state", "finished"}}),
      200);
  const auto other_event = client.emit("s.other", json::object()).key;
  claim(emulator_, other_event, "billing");

  const auto list = client.stranded(query_for("s.list", "billing"));
  EXPECT_EQ(keys_of(list), (std::vector<std::string>{keys[0], keys[2]}));
  EXPECT_FALSE(list.truncated);
  EXPECT_TRUE(list.skipped.empty());
  ASSERT_EQ(list.messages.size(), 2u);
  const auto& first = list.messages[0];
  EXPECT_EQ(first.message.event, "s.list");
  EXPECT_EQ(first.message.payload, (json{{"i", 0}}));
  EXPECT_EQ(first.message.tx_key, "billing");
  EXPECT_EQ(first.message.platform, "custom");
  EXPECT_TRUE(first.decode_error.empty());
  EXPECT_GE(first.age.count(), 0);
  EXPECT_LT(first.age, std::chrono::milliseconds(60s));

  // The default txKey has nothing processing; "audit" has message 1.
  EXPECT_TRUE(client.stranded(query_for("s.list")).messages.empty());
  EXPECT_EQ(keys_of(client.stranded(query_for("s.list", "audit"))),
            (std::vector<std::string>{keys[1]}));
}

TEST_F(StrandedTest, FollowsEveryPageAndTruncatesAtTheLimit) {
  auto o = options();
  o.page_size = 2;
  Client client(o);
  const auto keys = emit_and_claim(client, "s.pages", 7, {0, 1, 2, 3, 4, 5, 6}, "t");
  const auto before = requests_to(emulator_, "/query");
  const auto all = client.stranded(query_for("s.pages", "t"));
  EXPECT_EQ(keys_of(all), keys);
  EXPECT_FALSE(all.truncated);
  EXPECT_EQ(requests_to(emulator_, "/query") - before, 4u) << "pages of 2: 2+2+2+1";

  auto limited = query_for("s.pages", "t");
  limited.limit = 3;
  const auto three = client.stranded(limited);
  EXPECT_EQ(keys_of(three), (std::vector<std::string>(keys.begin(), keys.begin() + 3)));
  EXPECT_TRUE(three.truncated);
  limited.limit = 7;
  EXPECT_FALSE(client.stranded(limited).truncated) << "exactly the limit is not truncated";
}

TEST_F(StrandedTest, SinceMinAgeAndKeysSelectMessages) {
  Client client(options());
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::int64_t hour = 3'600'000;
  std::vector<std::string> keys;
  for (std::int64_t created : {now_ms - 3 * hour, now_ms - 2 * hour, now_ms}) {
    keys.push_back(emulator_.inject_message("test", "custom", "demo", "s.age", {{"c", created}}, {},
                                            {}, created));
    claim(emulator_, keys.back(), "t");
  }
  auto q = query_for("s.age", "t");
  const auto all = client.stranded(q);
  ASSERT_EQ(keys_of(all), keys);
  EXPECT_GE(all.messages[0].age, std::chrono::milliseconds(3 * hour - 60'000));
  EXPECT_LE(all.messages[0].age, std::chrono::milliseconds(3 * hour + 60'000));

  q.min_age = std::chrono::minutes(150);  // older than 2.5 h: only the first
  EXPECT_EQ(keys_of(client.stranded(q)), (std::vector<std::string>{keys[0]}));
  q.min_age = std::chrono::minutes(30);
  EXPECT_EQ(keys_of(client.stranded(q)), (std::vector<std::string>{keys[0], keys[1]}));

  q = query_for("s.age", "t");
  q.since = std::chrono::system_clock::now() - std::chrono::minutes(150);
  EXPECT_EQ(keys_of(client.stranded(q)), (std::vector<std::string>{keys[1], keys[2]}));

  q = query_for("s.age", "t");
  q.keys = {keys[2], keys[0], "not-a-key-here"};
  EXPECT_EQ(keys_of(client.stranded(q)), (std::vector<std::string>{keys[0], keys[2]}));

  q = query_for("s.age", "t");
  q.platform = "stripe";
  EXPECT_TRUE(client.stranded(q).messages.empty());
  q.platform = "custom";
  q.label = "demo";
  EXPECT_EQ(client.stranded(q).messages.size(), 3u);
}

TEST_F(StrandedTest, ResolveRecordsFinishedOrFailedWithTheOutput) {
  Client client(options());
  const auto keys = emit_and_claim(client, "s.resolve", 3, {0, 1}, "t");
  const auto list = client.stranded(query_for("s.resolve", "t"));
  ASSERT_EQ(list.messages.size(), 2u);

  const auto done = client.resolve(list.messages[0].message, Resolution::finished({{"ok", true}}));
  EXPECT_EQ(done.status, Status::recorded);
  EXPECT_EQ(done.key, keys[0]);
  EXPECT_EQ(done.attempts, 1);
  EXPECT_TRUE(done.ok());
  auto tx = emulator_.transaction(keys[0], "t");
  EXPECT_EQ(tx["state"], "finished");
  EXPECT_EQ(tx["output"], (json{{"ok", true}}));

  const auto failed = client.resolve("s.resolve", keys[1], Resolution::failed("gave up"), "t");
  EXPECT_EQ(failed.status, Status::recorded);
  EXPECT_EQ(failed.state, Resolution::State::failed);
  tx = emulator_.transaction(keys[1], "t");
  EXPECT_EQ(tx["state"], "failed");
  EXPECT_EQ(tx["output"], "gave up");

  // Again: the transaction has ended (409), which is reported, not thrown.
  const auto again = client.resolve("s.resolve", keys[1], Resolution::finished(), "t");
  EXPECT_EQ(again.status, Status::already_ended);
  EXPECT_EQ(emulator_.transaction(keys[1], "t")["state"], "failed") << "not overwritten";

  // A message not claimed for the txKey: the service's 404 is thrown.
  try {
    client.resolve("s.resolve", keys[2], Resolution::finished(), "t");
    FAIL() << "no transaction to resolve";
  } catch (const buildable::HttpError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.name(), "transaction-not-found");
  }
  EXPECT_TRUE(client.stranded(query_for("s.resolve", "t")).messages.empty());
}

TEST_F(StrandedTest, ResolveAllResolvesEveryListedMessage) {
  Client client(options());
  const auto keys = emit_and_claim(client, "s.all", 4, {0, 1, 3}, buildable::kDefaultTxKey);
  const auto results = client.resolve_all(query_for("s.all"), Resolution::failed({{"by", "hand"}}));
  ASSERT_EQ(results.size(), 3u);
  const std::vector<std::string> expected = {keys[0], keys[1], keys[3]};
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].key, expected[i]);
    EXPECT_EQ(results[i].status, Status::recorded) << results[i].error;
    EXPECT_EQ(results[i].state, Resolution::State::failed);
    EXPECT_EQ(emulator_.transaction(expected[i], "default")["output"], (json{{"by", "hand"}}));
  }
  EXPECT_TRUE(emulator_.transaction(keys[2], "default").is_null()) << "never claimed: untouched";
  EXPECT_TRUE(client.resolve_all(query_for("s.all"), Resolution::finished()).empty());
}

TEST_F(StrandedTest, HandleStrandedRunsTheHandlerAgainAndRecordsLikeAListener) {
  Client client(options());
  const auto keys = emit_and_claim(client, "s.handle", 4, {0, 1, 2, 3}, "t");
  std::vector<std::string> seen;
  const auto results = client.handle_stranded(query_for("s.handle", "t"), [&](const Message& m) {
    seen.push_back(m.key);
    const int i = m.payload.at("i").get<int>();
    if (i == 1) throw std::runtime_error("boom with " + emulator_.default_secret());
    if (i == 2) return buildable::testing::nested_objects(600);  // cannot be sent
    if (i == 3) return json();                                   // nothing: null
    return json{{"again", i}};
  });
  EXPECT_EQ(seen, keys) << "oldest first, each once, on this thread";
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results)
    EXPECT_EQ(r.status, Status::recorded) << r.key << ": " << r.error;

  auto tx = emulator_.transaction(keys[0], "t");
  EXPECT_EQ(tx["state"], "finished");
  EXPECT_EQ(tx["output"], (json{{"again", 0}}));
  EXPECT_EQ(results[0].state, Resolution::State::finished);

  tx = emulator_.transaction(keys[1], "t");
  EXPECT_EQ(tx["state"], "failed");
  const std::string text = tx["output"].get<std::string>();
  EXPECT_NE(text.find("boom with"), std::string::npos) << text;
  EXPECT_EQ(text.find(emulator_.default_secret()), std::string::npos) << "secret redacted";
  EXPECT_EQ(results[1].output, tx["output"]);

  tx = emulator_.transaction(keys[2], "t");
  EXPECT_EQ(tx["state"], "failed");
  EXPECT_NE(tx["output"].get<std::string>().find("deeper than 511 levels"), std::string::npos);

  tx = emulator_.transaction(keys[3], "t");
  EXPECT_EQ(tx["state"], "finished");
  EXPECT_TRUE(tx["output"].is_null());
  EXPECT_TRUE(errors_.errors().empty()) << "results, not on_error reports";
}

TEST_F(StrandedTest, CallerMistakesAreRefusedBeforeAnythingIsSent) {
  auto o = options();
  o.max_body_bytes = 4096;
  Client client(o);
  const auto sent = [&] { return emulator_.stats().requests; };
  const auto before = sent();
  const auto refused = [&](auto call) { EXPECT_THROW(call(), buildable::InvalidArgument); };

  refused([&] { client.stranded(query_for("")); });
  refused([&] { client.stranded(query_for("bad\nevent")); });
  auto q = query_for("s.bad");
  q.platform = "cu.stom";
  refused([&] { client.stranded(q); });
  q = query_for("s.bad");
  q.label = "de.mo";
  refused([&] { client.resolve_all(q, Resolution::finished()); });
  q = query_for("s.bad");
  q.limit = 0;
  refused([&] { client.stranded(q); });
  q.limit = buildable::kMaxStrandedLimit + 1;
  refused([&] { client.handle_stranded(q, [](const Message&) {}); });
  q = query_for("s.bad");
  q.min_age = std::chrono::milliseconds(-1);
  refused([&] { client.stranded(q); });
  refused([&] { client.handle_stranded(query_for("s.bad"), buildable::Handler()); });

  const std::string key(32, 'a');
  refused([&] { client.resolve("", key, Resolution::finished()); });
  refused([&] { client.resolve("s.bad", "", Resolution::finished()); });
  refused([&] { client.resolve("s.bad", "has space", Resolution::finished()); });
  refused([&] { client.resolve("s.bad", std::string(257, 'k'), Resolution::finished()); });
  refused([&] { client.resolve("s.bad", "x" + o.secret, Resolution::finished()); });
  refused([&] {
    client.resolve("s.bad", key, Resolution::finished(buildable::testing::nested_objects(512)));
  });
  refused([&] { client.resolve("s.bad", key, Resolution::failed(std::string("\xff\xfe"))); });
  refused([&] { client.resolve("s.bad", key, Resolution::finished(std::string(5000, 'x'))); });
  refused([&] {
    client.resolve_all(query_for("s.bad"), Resolution::finished(std::string(5000, 'x')));
  });
  EXPECT_EQ(sent(), before) << "nothing may reach the service";
  // 511 levels is the limit, as for emitted payloads: sent (and refused by the service, as
  // nothing is claimed: 404).
  EXPECT_THROW(
      client.resolve("s.bad", key, Resolution::finished(buildable::testing::nested_objects(511))),
      buildable::HttpError);
}

TEST_F(StrandedTest, AfterCloseEveryCallThrowsClosedError) {
  Client client(options());
  client.close();
  EXPECT_THROW(client.stranded(query_for("s.closed")), buildable::ClosedError);
  EXPECT_THROW(client.resolve("s.closed", std::string(32, 'a'), Resolution::finished()),
               buildable::ClosedError);
  EXPECT_THROW(client.resolve_all(query_for("s.closed"), Resolution::finished()),
               buildable::ClosedError);
  EXPECT_THROW(client.handle_stranded(query_for("s.closed"), [](const Message&) {}),
               buildable::ClosedError);
  EXPECT_EQ(emulator_.stats().requests, 0u);
}

TEST_F(StrandedTest, CloseEndsAResolveThatIsRetrying) {
  auto o = options();
  o.retry.initial_backoff = 50ms;
  o.retry.max_backoff = 200ms;
  o.retry.max_total_time = 60s;  // without close() it would retry for a minute
  Client client(o);
  const auto keys = emit_and_claim(client, "s.retrying", 1, {0}, "t");
  buildable::emulator::FaultRule unavailable;
  unavailable.endpoint = "/transact";
  unavailable.kind = buildable::emulator::FaultKind::status_503;
  unavailable.probability = 1.0;
  buildable::emulator::FaultOptions faults;
  faults.rules = {unavailable};
  emulator_.set_faults(faults);

  auto resolving = std::async(std::launch::async, [&] {
    return client.resolve("s.retrying", keys[0], Resolution::finished(), "t");
  });
  ASSERT_TRUE(
      buildable::testing::wait_until([&] { return requests_to(emulator_, "/transact") >= 3; }, 10s))
      << "the record is retried on 503";
  const auto closing = std::chrono::steady_clock::now();
  client.close();
  ASSERT_EQ(resolving.wait_for(5s), std::future_status::ready) << "close() ends the call";
  EXPECT_THROW(resolving.get(), buildable::ClosedError);
  EXPECT_LT(std::chrono::steady_clock::now() - closing, 5s);
  emulator_.set_faults({});
  EXPECT_EQ(emulator_.transaction(keys[0], "t")["state"], "processing");
}

TEST_F(StrandedTest, AHandlerThatClosesTheClientStopsTheRest) {
  Client client(options());
  const auto keys = emit_and_claim(client, "s.close", 3, {0, 1, 2}, "t");
  int calls = 0;
  const auto results = client.handle_stranded(query_for("s.close", "t"), [&](const Message&) {
    ++calls;
    client.close();
  });
  EXPECT_EQ(calls, 1) << "no handler starts after close()";
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, Status::error);
    EXPECT_THROW(std::rethrow_exception(r.exception), buildable::ClosedError);
  }
  for (const auto& key : keys)
    EXPECT_EQ(emulator_.transaction(key, "t")["state"], "processing") << "left stranded";
}

TEST_F(StrandedTest, StrandedCallsWorkFromInsideAHandler) {
  Client client(options());
  const auto stranded = emit_and_claim(client, "s.inner", 1, {0}, "t");
  Gate resolved;
  std::atomic<int> status{-1};
  client.on("s.outer", [&](const Message&) {
    const auto results = client.resolve_all(query_for("s.inner", "t"), Resolution::finished());
    status = results.size() == 1 ? static_cast<int>(results[0].status) : -2;
    resolved.open();
  });
  client.emit("s.outer", json::object());
  ASSERT_TRUE(resolved.wait());
  client.close();
  EXPECT_EQ(status.load(), static_cast<int>(Status::recorded));
  EXPECT_EQ(emulator_.transaction(stranded[0], "t")["state"], "finished");
}

// --- Against a scripted server --------------------------------------------------------------

std::vector<buildable::testing::RecordedRequest> requests_of(
    const buildable::testing::TestServer& server, const std::string& path) {
  std::vector<buildable::testing::RecordedRequest> matching;
  for (auto& request : server.requests())
    if (request.path == path) matching.push_back(std::move(request));
  return matching;
}

json row(const std::string& key, json payload) {
  return {{"key", key},     {"eventName", "s.script"}, {"payload", std::move(payload)},
          {"createdAt", 1}, {"platform", "custom"},    {"label", "demo"}};
}

/// Options for a client of the scripted `server`, with `page_size` rows per /query page.
buildable::ClientOptions scripted_options(const buildable::testing::TestServer& server,
                                          int page_size = 100) {
  buildable::ClientOptions o;
  o.secret = "sk_test_scripted";
  o.base_url = server.base_url();
  o.page_size = page_size;
  return o;
}

TEST(StrandedScriptedTest, OneFailingRecordHidesNoOther) {
  using buildable::testing::ScriptedResponse;
  buildable::testing::TestServer server;
  const std::string a(32, 'a'), b(32, 'b'), c(32, 'c');
  server.set_handler("/query", [&](const buildable::testing::RecordedRequest&) {
    return ScriptedResponse::json(
        200, {{"rows", {row(a, "{}"), row(b, "{}"), row(c, "{not json")}}, {"total", 3}});
  });
  server.enqueue("/transact", ScriptedResponse::json(200, json::object()));
  server.enqueue("/transact", ScriptedResponse::error(404, "transaction-not-found", "gone"));
  server.enqueue("/transact", ScriptedResponse::json(200, json::object()));
  Client client(scripted_options(server));
  StrandedQuery q;
  q.event = "s.script";
  q.tx_key = "t";

  const auto list = client.stranded(q);
  ASSERT_EQ(list.messages.size(), 3u);
  EXPECT_TRUE(list.messages[0].decode_error.empty());
  EXPECT_NE(list.messages[2].decode_error.find("not valid JSON"), std::string::npos);
  const auto queries = requests_of(server, "/query");
  ASSERT_EQ(queries.size(), 1u) << "3 rows of a page of 100: the last page";
  const json asked = queries[0].json();
  EXPECT_EQ(asked["txState"], "processing");
  EXPECT_EQ(asked["txKey"], "t");
  EXPECT_EQ(asked["eventName"], "s.script");
  EXPECT_EQ(asked["since"], 0);
  EXPECT_EQ(asked["page"], 1);
  EXPECT_EQ(asked["pageSize"], 100);
  EXPECT_FALSE(asked.contains("platform"));

  std::vector<std::string> handled;
  const auto results = client.handle_stranded(q, [&](const Message& m) {
    handled.push_back(m.key);
    return json{{"n", handled.size()}};
  });
  EXPECT_EQ(handled, (std::vector<std::string>{a, b})) << "not called for the undecodable row";
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, Status::recorded);
  EXPECT_EQ(results[1].status, Status::error);
  EXPECT_THROW(std::rethrow_exception(results[1].exception), buildable::HttpError);
  EXPECT_NE(results[1].error.find("transaction-not-found"), std::string::npos) << results[1].error;
  EXPECT_EQ(results[2].status, Status::recorded) << "the one after the failure is still tried";
  EXPECT_EQ(results[2].state, Resolution::State::failed);

  // The records are the listener's /transact bodies.
  const auto records = requests_of(server, "/transact");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].json(), (json{{"key", a},
                                     {"txKey", "t"},
                                     {"eventName", "s.script"},
                                     {"output", {{"n", 1}}},
                                     {"state", "finished"}}));
  const json undecodable = records[2].json();
  EXPECT_EQ(undecodable["state"], "failed");
  EXPECT_EQ(undecodable["output"].get<std::string>().rfind("the message could not be decoded: ", 0),
            0u);
}

TEST(StrandedScriptedTest, PagesThatShiftDoNotListAMessageTwice) {
  using buildable::testing::ScriptedResponse;
  buildable::testing::TestServer server;
  const std::string a(32, 'a'), b(32, 'b'), c(32, 'c');
  // Page 1 has a and b; meanwhile a message before them was resolved, so page 2 starts with b.
  server.enqueue("/query", ScriptedResponse::json(200, {{"rows", {row(a, "{}"), row(b, "{}")}}}));
  server.enqueue("/query", ScriptedResponse::json(200, {{"rows", {row(b, "{}"), row(c, "{}")}}}));
  server.enqueue("/query", ScriptedResponse::json(200, {{"rows", json::array()}}));
  Client client(scripted_options(server, 2));
  StrandedQuery q;
  q.event = "s.script";
  const auto list = client.stranded(q);
  EXPECT_EQ(keys_of(list), (std::vector<std::string>{a, b, c}));
  EXPECT_EQ(requests_of(server, "/query").size(), 3u);
  EXPECT_EQ(requests_of(server, "/query")[1].json()["page"], 2);
}

// A min_age beyond the clock's range overflowed into "no bound" and listed everything.
TEST(StrandedScriptedTest, AMinAgeBeforeTheEpochListsNothingAndSendsNothing) {
  using buildable::testing::ScriptedResponse;
  buildable::testing::TestServer server;
  server.set_handler("/query", [&](const buildable::testing::RecordedRequest&) {
    return ScriptedResponse::json(200, {{"rows", {row(std::string(32, 'a'), "{}")}}});
  });
  Client client(scripted_options(server));
  StrandedQuery q;
  q.event = "s.script";
  for (const auto min_age : {std::chrono::milliseconds(31'536'000'000'000),  // 1,000 years
                             std::chrono::milliseconds::max()}) {
    q.min_age = min_age;
    EXPECT_TRUE(client.stranded(q).messages.empty()) << min_age.count();
  }
  EXPECT_TRUE(requests_of(server, "/query").empty());
  q.min_age = std::chrono::hours(24 * 365);  // in range: rows of 1970 are older
  EXPECT_EQ(client.stranded(q).messages.size(), 1u);
}

// Rows whose createdAt was missing or unusable counted as created in 1970, so they passed
// any min_age.
TEST(StrandedScriptedTest, ARowWithoutAUsableCreatedAtHasNoAgeAndNeverPassesMinAge) {
  using buildable::testing::ScriptedResponse;
  buildable::testing::TestServer server;
  const std::string ancient_key(32, 'd'), old_key(32, 'a');
  json ancient = row(ancient_key, "{}");
  ancient["createdAt"] = -9.1e12;  // 1681 BC: usable, and its age must not overflow
  std::vector<std::string> unknown_keys;
  json rows = json::array({ancient, row(old_key, "{}")});
  for (const json& created :
       {json("yesterday"), json(nullptr), json(99'999'999'999'999.0), json(1e300)}) {
    unknown_keys.push_back(std::string(31, 'b') + std::to_string(unknown_keys.size()));
    json r = row(unknown_keys.back(), "{}");
    r["createdAt"] = created;
    rows.push_back(r);
  }
  json missing = row(std::string(32, 'c'), "{}");
  missing.erase("createdAt");
  rows.push_back(missing);
  server.set_handler("/query", [&](const buildable::testing::RecordedRequest&) {
    return ScriptedResponse::json(200, {{"rows", rows}});
  });
  Client client(scripted_options(server));
  StrandedQuery q;
  q.event = "s.script";
  q.min_age = std::chrono::hours(1);
  EXPECT_EQ(keys_of(client.stranded(q)), (std::vector<std::string>{ancient_key, old_key}));
  q.min_age = std::chrono::milliseconds(0);
  const auto all = client.stranded(q);
  ASSERT_EQ(all.messages.size(), rows.size());
  EXPECT_GT(all.messages[0].age, std::chrono::hours(24 * 365 * 340));
  EXPECT_GT(all.messages[1].age, std::chrono::hours(24 * 365 * 50));
  for (std::size_t i = 2; i < all.messages.size(); ++i) {
    EXPECT_EQ(all.messages[i].age.count(), 0) << all.messages[i].message.key;
    EXPECT_TRUE(all.messages[i].message.key == std::string(32, 'c') ||
                all.messages[i].message.created_at.time_since_epoch().count() == 0);
  }
}

// A service answering the same full page again and again kept the listing going for
// kMaxStrandedRowsScanned rows.
TEST(StrandedScriptedTest, AServiceRepeatingAFullPageIsCutShort) {
  using buildable::testing::ScriptedResponse;
  buildable::testing::TestServer server;
  const std::string a(32, 'a'), b(32, 'b');
  server.set_handler("/query", [&](const buildable::testing::RecordedRequest&) {
    return ScriptedResponse::json(200, {{"rows", {row(a, "{}"), row(b, "{}")}}});
  });
  Client client(scripted_options(server, 2));
  StrandedQuery q;
  q.event = "s.script";
  const auto list = client.stranded(q);
  EXPECT_EQ(keys_of(list), (std::vector<std::string>{a, b}));
  EXPECT_TRUE(list.truncated);
  EXPECT_EQ(requests_of(server, "/query").size(), 2u);
}

}  // namespace
}  // namespace listen_test
