// How `buildable listen` prints a message: one JSON object per line.
#pragma once

#include <buildable/message.hpp>
#include <string>

namespace buildable::cli {

/// `{"key","event","payload","headers","query","createdAt","platform","label","environment"}`
/// in that order, on one line (no newline appended). `createdAt` is epoch milliseconds.
std::string message_json_line(const Message& message);

}  // namespace buildable::cli
