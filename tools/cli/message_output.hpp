// How `buildable listen` prints a message: one JSON object per line.
#pragma once

#include <buildable/message.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace buildable::cli {

/// The object message_json_line() prints, for callers that add fields (`buildable stranded
/// --json` adds `ageMs`).
nlohmann::ordered_json message_json(const Message& message);

/// `{"key","event","payload","headers","query","createdAt","platform","label","environment"}`
/// in that order, on one line (no newline appended). `createdAt` is epoch milliseconds.
std::string message_json_line(const Message& message);

}  // namespace buildable::cli
