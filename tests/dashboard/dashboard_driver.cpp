// The end-to-end test's backend: an in-process emulator with a test and a live key, messages
// emitted with the SDK, and SDK listeners that succeed for some and throw for others (one waits
// until told, so the page can watch it go from processing to finished).
//
// Before the SDK's messages, three are written straight into the database (as an older
// emulator could have left them): a plain one, one nested 20,000 levels deep (served as the
// API's placeholder) and one nested 200 levels deep (the page shows 64 of them).
//
// Prints `DASHBOARD_READY <json>` once every seeded message reached its expected state: the
// URL, both secrets (test-only keys, generated per run) and the manifest of what the page must
// show. Then keeps handling new messages (the page's emit form) and reads commands from stdin:
// `release` lets the waiting handler finish; end of input stops everything (exit 0).
//
//   dashboard_driver [--port N]
#include <stdlib.h>

#include <algorithm>
#include <buildable/buildable.hpp>
#include <buildable/emulator/emulator.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace {

using json = nlohmann::json;

constexpr auto kSettleTimeout = std::chrono::seconds(60);
constexpr auto kMaxLifetime = std::chrono::minutes(10);  // never outlives a crashed test

std::string random_secret(const std::string& prefix) {
  std::random_device device;
  std::mt19937_64 generator(device());
  static const char* const kHex = "0123456789abcdef";
  std::string secret = prefix;
  for (int i = 0; i < 32; ++i)
    secret += kHex[generator() % 16];
  return secret;
}

// Blocks the `reports` handler until released (or shut down).
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return open_; });
  }
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// One message the page must show, and what each txKey's transaction must come to.
struct Expected {
  std::string key;
  std::string event;
  std::string environment;
  json payload;                        // as the page shows it
  json transactions = json::object();  // txKey -> {state, text}: text appears in its output
};

// `levels` arrays around 1, as JSON text: built as text, since a recursive walk (dump) of the
// value would overflow the stack at 20,000 levels.
std::string nested_text(std::size_t levels) {
  return std::string(levels, '[') + "1" + std::string(levels, ']');
}

// The same nesting, cut where the page stops showing it (as app.js writes the cut).
json nested_as_shown(std::size_t levels, std::size_t shown) {
  json value =
      levels > shown ? json("… nested deeper than " + std::to_string(shown) + " levels") : json(1);
  for (std::size_t i = 0; i < std::min(levels, shown); ++i)
    value = json::array({std::move(value)});
  return value;
}

// Writes the messages an older emulator could have stored (see the top of this file), older
// than every message emitted afterwards, and returns what the page must show of them.
std::vector<Expected> store_old_messages(const std::string& db) {
  namespace detail = buildable::emulator::detail;
  detail::SqliteStore store(db);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::vector<Expected> stored;
  auto store_message = [&](const std::string& event, const std::string& payload, json shown,
                           std::int64_t age_ms) {
    detail::NewMessage message;
    message.environment = "test";
    message.platform = "custom";
    message.label = "demo";
    message.event_name = event;
    message.payload = payload;
    message.created_at = now - age_ms;
    stored.push_back({store.insert_message(message).key, event, "test", std::move(shown)});
  };
  const json plain = {{"note", "stored before the deep ones"}, {"n", 1}};
  store_message("legacy.plain", plain.dump(), plain, 3000);
  store_message("legacy.too_deep", nested_text(20'000),
                "<stored JSON nested deeper than 512 levels: not shown>", 2000);
  store_message("legacy.deep", nested_text(200), nested_as_shown(200, 64), 1000);
  return stored;
}

void register_listeners(buildable::Client& client, Gate& reports) {
  auto listen = [&client](const char* event, const char* tx_key, buildable::Handler handler) {
    buildable::ListenOptions options;
    options.tx_key = tx_key;
    options.since = std::chrono::system_clock::now() - std::chrono::minutes(1);
    client.on(event, std::move(handler), options);
  };
  listen("order.created", "billing", [](const buildable::Message& m) -> json {
    const auto order = m.payload.value("orderId", "");
    if (m.payload.value("card", "") == "declined") {
      throw std::runtime_error("card declined by issuer for order " + order);
    }
    return {{"charged", m.payload.value("amount", 0.0)},
            {"currency", m.payload.value("currency", "EUR")},
            {"receipt", "rcpt-" + order}};
  });
  listen("order.created", "email", [](const buildable::Message& m) -> json {
    return {{"sent", "order-confirmation"}, {"to", m.payload["customer"].value("email", "")}};
  });
  listen("user.signup", "crm", [](const buildable::Message& m) -> json {
    const auto plan = m.payload.value("plan", "");
    if (plan != "free" && plan != "pro") throw std::invalid_argument("unknown plan '" + plan + "'");
    return {{"crmId", "crm-" + m.payload.value("userId", "")}, {"plan", plan}};
  });
  listen("report.requested", "reports", [&reports](const buildable::Message& m) -> json {
    reports.wait();
    return {{"reportId", m.payload.value("reportId", "")}, {"pages", 12}};
  });
  listen("dashboard.test", "form", [](const buildable::Message& m) -> json {
    return {{"echo", m.payload}, {"handledBy", "dashboard_driver"}};
  });
}

// Waits until every expected transaction exists in its state; throws on timeout.
void wait_until_settled(const buildable::emulator::Emulator& emulator,
                        const std::vector<Expected>& expected) {
  const auto deadline = std::chrono::steady_clock::now() + kSettleTimeout;
  for (const auto& message : expected) {
    for (const auto& item : message.transactions.items()) {
      // Named copies, not a structured binding: C++17 lambdas cannot capture bindings.
      const std::string tx_key = item.key();
      const json& want = item.value();
      auto state_of = [&] {
        const json tx = emulator.transaction(message.key, tx_key);  // null until claimed
        return tx.is_object() ? tx.value("state", "") : std::string();
      };
      while (state_of() != want["state"]) {
        if (std::chrono::steady_clock::now() > deadline) {
          throw std::runtime_error("message " + message.key + " (" + message.event +
                                   ") did not reach " + want["state"].get<std::string>() +
                                   " for txKey " + tx_key);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace emu = buildable::emulator;
  emu::EmulatorOptions emulator_options;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--port") emulator_options.port = std::atoi(argv[i + 1]);
  }
  const std::string test_secret = random_secret("sk_test_");
  const std::string live_secret = random_secret("sk_live_");
  emulator_options.keys = {{"demo", test_secret, "test"}, {"prod", live_secret, "live"}};
  emulator_options.threads = 32;

  std::thread([] {
    std::this_thread::sleep_for(kMaxLifetime);
    std::cerr << "dashboard_driver: still running after 10 minutes, exiting\n";
    std::_Exit(3);
  }).detach();

  try {
    const buildable::emulator::testing::TempDir
        dir;  // declared before the emulator: removed after it stopped
    emulator_options.db_path = dir.file("dashboard.db");
    std::vector<Expected> expected = store_old_messages(emulator_options.db_path);
    emu::Emulator emulator(emulator_options);
    emulator.start();

    auto client_options = [&](const std::string& secret) {
      buildable::ClientOptions options;
      options.secret = secret;
      options.base_url = emulator.base_url();
      options.poll_interval = std::chrono::milliseconds(100);
      options.shutdown_timeout = std::chrono::seconds(2);
      // Failing handlers are part of the scenario; anything else is worth a line.
      options.on_error = [](const buildable::ListenerError& error) {
        if (error.kind == buildable::ListenerError::Kind::handler) return;
        std::cerr << "dashboard_driver: " << buildable::to_string(error.kind) << ": "
                  << error.message << "\n";
      };
      return options;
    };
    buildable::Client client(client_options(test_secret));
    buildable::Client live_client(client_options(live_secret));
    Gate reports;
    register_listeners(client, reports);

    auto emit = [&](buildable::Client& via, const std::string& environment,
                    const std::string& event, json payload, json transactions) {
      const auto result = via.emit(event, payload);
      expected.push_back(
          {result.key, event, environment, std::move(payload), std::move(transactions)});
    };
    auto tx = [](const char* state, const std::string& text) {
      return json{{"state", state}, {"text", text}};
    };
    emit(client, "test", "order.created",
         {{"orderId", "ord-1001"},
          {"customer", {{"name", "Ada Lovelace"}, {"email", "ada@example.com"}}},
          {"amount", 49.9},
          {"currency", "EUR"},
          {"card", "visa-4242"},
          {"items", {{{"sku", "BOOK-ANALYTICAL-ENGINE"}, {"qty", 1}}}}},
         {{"billing", tx("finished", "rcpt-ord-1001")},
          {"email", tx("finished", "ada@example.com")}});
    emit(client, "test", "user.signup",
         {{"userId", "u-17"},
          {"name", "Grace Hopper"},
          {"email", "grace@example.com"},
          {"plan", "pro"}},
         {{"crm", tx("finished", "crm-u-17")}});
    emit(client, "test", "order.created",
         {{"orderId", "ord-1002"},
          {"customer", {{"name", "Charles Babbage"}, {"email", "charles@example.com"}}},
          {"amount", 1250.0},
          {"currency", "GBP"},
          {"card", "declined"}},
         {{"billing", tx("failed", "card declined by issuer for order ord-1002")},
          {"email", tx("finished", "charles@example.com")}});
    emit(client, "test", "report.requested",
         {{"reportId", "rep-7"}, {"range", "2024-Q1"}, {"format", "pdf"}},
         {{"reports", tx("processing", "")}});
    emit(client, "test", "user.signup",
         {{"userId", "u-18"},
          {"name", "Linus"},
          {"email", "linus@example.com"},
          {"plan", "platinum"}},
         {{"crm", tx("failed", "unknown plan 'platinum'")}});
    emit(client, "test", "audit.ping", {{"source", "cron"}, {"host", "worker-3"}}, json::object());
    emit(client, "test", "order.created",
         {{"orderId", "ord-1003"},
          {"customer", {{"name", "Alan Turing"}, {"email", "alan@example.com"}}},
          {"amount", 19.99},
          {"currency", "EUR"},
          {"card", "mastercard-4444"}},
         {{"billing", tx("finished", "rcpt-ord-1003")},
          {"email", tx("finished", "alan@example.com")}});
    emit(live_client, "live", "order.created",
         {{"orderId", "ord-9001"},
          {"customer", {{"name", "Live Customer"}, {"email", "live@example.com"}}},
          {"amount", 5.0}},
         json::object());

    wait_until_settled(emulator, expected);

    json manifest = {{"url", emulator.base_url()},
                     {"loginUrl", emulator.dashboard_url()},
                     {"secret", test_secret},
                     {"liveSecret", live_secret},
                     {"messages", json::array()}};
    for (const auto& m : expected) {
      manifest["messages"].push_back({{"key", m.key},
                                      {"event", m.event},
                                      {"environment", m.environment},
                                      {"payload", m.payload},
                                      {"transactions", m.transactions}});
    }
    std::cout << "DASHBOARD_READY " << manifest.dump() << std::endl;

    for (std::string command; std::getline(std::cin, command);) {
      if (command == "release") {
        reports.open();
        std::cout << "released" << std::endl;
      }
    }
    reports.open();
    client.close();
    live_client.close();
    emulator.stop();
  } catch (const std::exception& e) {
    std::cerr << "dashboard_driver: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
