// How one stream is shared: one txKey splits it, different txKeys each get all of it.
#include "listen_fixture.hpp"

namespace listen_test {
namespace {

using buildable::Client;
using buildable::ListenOptions;
using buildable::Message;

constexpr int kMessages = 1000;

TEST_F(ListenTest, TwoClientsWithOneTxKeySplitTheStreamWithoutDuplicates) {
  Client producer(options());
  Tally tally;
  Tally first_client;
  Tally second_client;
  ListenOptions o;
  o.tx_key = "workers";
  o.since = std::chrono::system_clock::now() - 1s;
  Client first(options());
  Client second(options());
  first.on(
      "job.created",
      [&](const Message& m) {
        first_client.add(m.key);
        tally.add(m.key);
      },
      o);
  second.on(
      "job.created",
      [&](const Message& m) {
        second_client.add(m.key);
        tally.add(m.key);
      },
      o);

  const auto keys = emit_many(producer, "job.created", kMessages);
  ASSERT_TRUE(tally.wait_for_total(kMessages, 60s)) << tally.total();
  first.close();
  second.close();

  const auto counts = tally.counts();
  EXPECT_EQ(counts.size(), static_cast<std::size_t>(kMessages));
  for (const auto& key : keys)
    EXPECT_EQ(counts.count(key) ? counts.at(key) : 0, 1) << key;
  EXPECT_EQ(tally.total(), static_cast<std::size_t>(kMessages));
  // Both took part (each polls and claims; with 1,000 messages both win some claims).
  EXPECT_GT(first_client.total(), 0u);
  EXPECT_GT(second_client.total(), 0u);
}

TEST_F(ListenTest, DifferentTxKeysEachSeeEveryMessage) {
  Client producer(options());
  Client client(options());
  Tally audit;
  Tally billing;
  ListenOptions a;
  a.tx_key = "audit";
  a.since = std::chrono::system_clock::now() - 1s;
  ListenOptions b = a;
  b.tx_key = "billing";
  client.on(
      "invoice.paid", [&](const Message& m) { audit.add(m.key); }, a);
  client.on(
      "invoice.paid", [&](const Message& m) { billing.add(m.key); }, b);

  const auto keys = emit_many(producer, "invoice.paid", kMessages);
  ASSERT_TRUE(audit.wait_for_total(kMessages, 60s)) << audit.total();
  ASSERT_TRUE(billing.wait_for_total(kMessages, 60s)) << billing.total();
  client.close();
  for (auto* tally : {&audit, &billing}) {
    const auto counts = tally->counts();
    EXPECT_EQ(counts.size(), static_cast<std::size_t>(kMessages));
    for (const auto& key : keys)
      EXPECT_EQ(counts.count(key) ? counts.at(key) : 0, 1);
  }
}

}  // namespace
}  // namespace listen_test
