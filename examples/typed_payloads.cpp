// Typed payloads: emit and receive your own struct instead of raw JSON. nlohmann's
// `to_json`/`from_json` found next to the type are all the SDK needs. A payload that does not
// convert never reaches the handler: it is recorded as a failed transaction and reported to
// ClientOptions::on_error with kind `handler`.
#include <buildable/buildable.hpp>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>

#include "example_backend.hpp"

namespace shop {

struct User {
  std::string name;
  std::string email;
  int age = 0;
};

// Found by argument-dependent lookup: same namespace as User.
void to_json(nlohmann::json& j, const User& u) {
  j = nlohmann::json{{"name", u.name}, {"email", u.email}, {"age", u.age}};
}

void from_json(const nlohmann::json& j, User& u) {
  j.at("name").get_to(u.name);  // at(): a missing field throws instead of defaulting
  j.at("email").get_to(u.email);
  j.at("age").get_to(u.age);
}

}  // namespace shop

namespace {

// What the test waits for: the good user handled, the bad payload reported.
struct Observed {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<shop::User> user;
  std::string user_key;
  std::optional<buildable::ListenerError> conversion_error;
};

}  // namespace

int main() {
  examples::Backend backend;
  Observed observed;

  buildable::ClientOptions options = backend.options();
  options.poll_interval = std::chrono::milliseconds(200);
  options.on_error = [&observed](const buildable::ListenerError& error) {
    std::cout << "on_error: " << buildable::to_string(error.kind) << " for " << error.message_key
              << ": " << error.message << "\n";
    if (error.kind != buildable::ListenerError::Kind::handler) return;
    std::lock_guard lock(observed.mutex);
    observed.conversion_error = error;
    observed.changed.notify_all();
  };
  buildable::Client client(options);

  // Typed listener: the handler gets a shop::User (and, because it asks for it, the Message).
  client.on<shop::User>(
      "user.created", [&observed](const shop::User& user, const buildable::Message& message) {
        std::cout << "welcome " << user.name << " <" << user.email << ">, " << user.age << "\n";
        std::lock_guard lock(observed.mutex);
        observed.user = user;
        observed.user_key = message.key;
        observed.changed.notify_all();
        return nlohmann::json{{"welcomed", user.email}};  // the transaction's output
      });

  // Typed emit: converted with to_json; it must convert to a JSON object.
  const std::string good_key =
      client.emit("user.created", shop::User{"Ada Lovelace", "ada@example.com", 36}).key;
  // A producer that got the schema wrong: `age` is a string. The emit succeeds (the service
  // stores any object); the listener cannot convert it.
  const std::string bad_key =
      client.emit("user.created", {{"name", "Bob"}, {"email", "bob@example.com"}, {"age", "n/a"}})
          .key;

  bool seen = false;
  {
    std::unique_lock lock(observed.mutex);
    seen = observed.changed.wait_for(lock, std::chrono::seconds(30), [&] {
      return observed.user.has_value() && observed.conversion_error.has_value();
    });
  }
  client.close();  // waits until both results are recorded
  if (!seen) {
    std::cerr << "timed out waiting for the handler and the conversion error\n";
    return 1;
  }

  bool ok = observed.user_key == good_key && observed.user->name == "Ada Lovelace" &&
            observed.conversion_error->message_key == bad_key;
  if (auto* emulator = backend.emulator()) {
    const auto good = emulator->transaction(good_key, buildable::kDefaultTxKey);
    const auto bad = emulator->transaction(bad_key, buildable::kDefaultTxKey);
    std::cout << "recorded for the good one: " << good.dump()
              << "\nrecorded for the bad one:  " << bad.dump() << "\n";
    ok = ok && good.value("state", "") == "finished" && bad.value("state", "") == "failed";
  }
  return ok ? 0 : 1;
}
