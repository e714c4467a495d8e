// Times the dashboard API on a large database: seeds N messages of realistic shape (with
// transactions in every state, recorded through the protocol's /init and /transact), then
// measures over loopback HTTP what the page asks for: its first load and each kind of filter.
//
//   measure_dashboard [--messages N] [--runs R] [--budget-ms MS] [--db PATH]
//
// Prints one line per request kind (first call, median and slowest of R more) and exits 1
// when a median exceeds --budget-ms (when given).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "buildable/emulator/emulator.hpp"
#include "dashboard_client.hpp"

namespace {

using buildable::emulator::Emulator;
using buildable::emulator::EmulatorOptions;
using buildable::emulator::testing::DashboardClient;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kSecret = "sk_test_measure";
constexpr int kSeedThreads = 4;

struct Options {
  int messages = 100'000;
  int runs = 9;
  double budget_ms = 0;  // 0 = report only
  std::string db_path;   // empty = in-memory
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "measure_dashboard: " << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--messages") {
      options.messages = std::stoi(value());
    } else if (arg == "--runs") {
      options.runs = std::max(1, std::stoi(value()));
    } else if (arg == "--budget-ms") {
      options.budget_ms = std::stod(value());
    } else if (arg == "--db") {
      options.db_path = value();
    } else {
      std::cerr << "usage: measure_dashboard [--messages N] [--runs R] [--budget-ms MS] "
                   "[--db PATH]\n";
      std::exit(2);
    }
  }
  return options;
}

// The i-th seeded message: a few event kinds in realistic proportions, and one rare event.
struct Seed {
  std::string event;
  json payload;
};

Seed seed_message(int i, int total) {
  static const char* const kNames[] = {
      "Ada Lovelace", "Grace Hopper",      "Alan Turing",    "Edsger Dijkstra",   "Barbara Liskov",
      "Donald Knuth", "Margaret Hamilton", "Ken Thompson",   "Dennis Ritchie",    "Frances Allen",
      "John Backus",  "Niklaus Wirth",     "Radia Perlman",  "Leslie Lamport",    "Tony Hoare",
      "Hedy Lamarr",  "Katherine Johnson", "Linus Torvalds", "Bjarne Stroustrup", "Anita Borg"};
  static const char* const kEvents[] = {
      "order.created", "order.created", "order.created", "order.paid",    "order.paid",
      "user.signup",   "user.login",    "invoice.sent",  "email.bounced", "report.requested"};
  const int every = std::max(1, total / 10);
  const std::string name = kNames[i % 20];
  std::string email = name.substr(0, name.find(' ')) + "@example.com";
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (i % every == every / 2) {
    return {"rare.event", {{"sequence", i}, {"note", "one in " + std::to_string(every)}}};
  }
  return {
      kEvents[i % 10],
      {{"orderId", "ord-" + std::to_string(100000 + i)},
       {"customer", {{"name", name}, {"email", email}}},
       {"amount", static_cast<double>((i * 37) % 50000) / 100.0},
       {"currency", i % 3 == 0 ? "USD" : "EUR"},
       {"items", json::array({{{"sku", "SKU-" + std::to_string(i % 97)}, {"qty", 1 + i % 4}}})}}};
}

// The transactions of message i: txKey default finished (95 %), failed (4 %), processing (1 %)
// or none (every 20th); txKey audit finished on every 10th; txKey legacy on the oldest fifth.
void seed_transactions(DashboardClient& client, const std::string& key, int i, int total) {
  if (i % 20 != 19) {
    const std::string state = i % 100 == 0 ? "processing" : i % 25 == 3 ? "failed" : "finished";
    client.transact(key, "default", state,
                    state == "failed" ? json("card declined for order ord-" + std::to_string(i))
                                      : json({{"ok", true}, {"i", i}}));
  }
  if (i % 10 == 0) client.transact(key, "audit", "finished", json({{"audited", true}}));
  // A listener retired long ago: its matches are all among the oldest messages, the worst
  // case for a newest-first scan.
  if (i < total / 5) client.transact(key, "legacy", "finished", json({{"migrated", true}}));
}

struct Timing {
  double first_ms = 0;
  double median_ms = 0;
  double max_ms = 0;
  std::size_t rows = 0;
};

Timing time_request(DashboardClient& client, const std::string& path, const httplib::Params& params,
                    int runs) {
  auto once = [&](std::size_t* rows) {
    const auto start = Clock::now();
    auto reply = client.get(path, params);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (reply.status != 200) {
      std::cerr << "measure_dashboard: " << path << " answered " << reply.status << ": "
                << reply.raw << "\n";
      std::exit(1);
    }
    if (rows) {
      *rows = reply.body.contains("messages") ? reply.body["messages"].size()
                                              : reply.body.value("events", json::array()).size();
    }
    return ms;
  };
  Timing timing;
  timing.first_ms = once(&timing.rows);
  std::vector<double> samples;
  for (int r = 0; r < runs; ++r)
    samples.push_back(once(nullptr));
  std::sort(samples.begin(), samples.end());
  timing.median_ms = samples[samples.size() / 2];
  timing.max_ms = samples.back();
  return timing;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  EmulatorOptions emulator_options;
  emulator_options.keys = {{"demo", kSecret, "test"}, {"prod", "sk_live_measure", "live"}};
  emulator_options.db_path = options.db_path;
  emulator_options.threads = 16;
  Emulator emulator(emulator_options);
  emulator.start();

  // Seeding: messages through the library (fast), transactions through the protocol.
  const auto seed_start = Clock::now();
  std::vector<std::string> keys(static_cast<std::size_t>(options.messages));
  for (int i = 0; i < options.messages; ++i) {
    const Seed seed = seed_message(i, options.messages);
    keys[static_cast<std::size_t>(i)] =
        emulator.inject_message("test", "custom", "demo", seed.event, seed.payload);
  }
  for (int i = 0; i < options.messages / 100; ++i)
    emulator.inject_message("live", "custom", "prod", "order.created", {{"live", i}});
  std::atomic<int> next{0};
  std::vector<std::thread> seeders;
  for (int t = 0; t < kSeedThreads; ++t) {
    seeders.emplace_back([&] {
      DashboardClient client(emulator.port(), kSecret);
      for (int i = next++; i < options.messages; i = next++)
        seed_transactions(client, keys[static_cast<std::size_t>(i)], i, options.messages);
    });
  }
  for (auto& seeder : seeders)
    seeder.join();
  const double seed_s = std::chrono::duration<double>(Clock::now() - seed_start).count();
  const std::string storage = options.db_path.empty() ? "in-memory" : "file " + options.db_path;
  std::printf("seeded %lld messages (%d test + %d live) with transactions in %.1f s, %s\n",
              static_cast<long long>(emulator.message_count()), options.messages,
              options.messages / 100, seed_s, storage.c_str());

  DashboardClient client(emulator.port(), kSecret);
  const std::string messages = "/_dashboard/api/messages";
  const json first_page = client.get(messages).body;
  const std::string page2 = first_page.value("nextCursor", json(nullptr)).is_string()
                                ? first_page["nextCursor"].get<std::string>()
                                : std::string("0:0");
  const json middle = emulator.message(keys[keys.size() / 2]);
  const std::string deep = std::to_string(middle.value("createdAt", std::int64_t{0})) + ":" +
                           std::to_string(std::numeric_limits<std::int64_t>::max());

  struct Case {
    const char* label;
    std::string path;
    httplib::Params params;
  };
  const std::vector<Case> cases = {
      {"page load: session", "/_dashboard/api/session", {}},
      {"page load: event names", "/_dashboard/api/events", {}},
      {"page load: first page (no filter)", messages, {}},
      {"filter event=order.created (30%)", messages, {{"event", "order.created"}}},
      {"filter event=rare.event (10 msgs)", messages, {{"event", "rare.event"}}},
      {"filter txKey=audit (10%)", messages, {{"txKey", "audit"}}},
      {"filter txKey=nobody (no match)", messages, {{"txKey", "nobody"}}},
      {"filter state=failed (4%)", messages, {{"state", "failed"}}},
      {"filter state=processing (1%)", messages, {{"state", "processing"}}},
      {"filter txKey=default&state=failed", messages, {{"txKey", "default"}, {"state", "failed"}}},
      {"filter txKey=legacy (oldest 20%)", messages, {{"txKey", "legacy"}}},
      {"search 'lovelace' (5%)", messages, {{"search", "lovelace"}}},
      {"search 'no such text' (no match)", messages, {{"search", "no such text"}}},
      {"event+state+search",
       messages,
       {{"event", "order.paid"}, {"state", "finished"}, {"search", "USD"}}},
      {"state=finished+search (no match)",
       messages,
       {{"state", "finished"}, {"search", "no such text"}}},
      {"txKey=default+search (no match)",
       messages,
       {{"txKey", "default"}, {"search", "no such text"}}},
      {"event=rare.event+search (no match)",
       messages,
       {{"event", "rare.event"}, {"search", "no such text"}}},
      {"next page (cursor)", messages, {{"before", page2}}},
      {"deep page (cursor at the middle)", messages, {{"before", deep}}},
      {"200 rows (largest live refresh)", messages, {{"limit", "200"}}},
  };

  std::printf("%-40s %6s %10s %10s %10s\n", "request", "rows", "first ms", "median ms", "max ms");
  bool within_budget = true;
  for (const auto& c : cases) {
    const Timing t = time_request(client, c.path, c.params, options.runs);
    const bool over = options.budget_ms > 0 && t.median_ms > options.budget_ms;
    within_budget = within_budget && !over;
    std::printf("%-40s %6zu %10.2f %10.2f %10.2f%s\n", c.label, t.rows, t.first_ms, t.median_ms,
                t.max_ms, over ? "  OVER BUDGET" : "");
  }
  emulator.stop();
  if (options.budget_ms > 0) {
    std::printf("budget %.0f ms per request (median of %d): %s\n", options.budget_ms, options.runs,
                within_budget ? "met" : "EXCEEDED");
  }
  return within_budget ? 0 : 1;
}
