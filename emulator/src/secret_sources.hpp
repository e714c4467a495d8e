// Secret keys from elsewhere than the command line (where `ps` shows them): a file
// (--secret-file) and the environment variable BUILDABLE_EMULATOR_SECRETS. Same syntax as
// --secret; errors name the file and line (or the entry), never its text.
#pragma once

#include <string>
#include <vector>

#include "buildable/emulator/emulator.hpp"

namespace buildable::emulator::detail {

/// The environment variable the front ends read keys from.
inline constexpr const char* kSecretsVariable = "BUILDABLE_EMULATOR_SECRETS";

/// Largest secret file read.
inline constexpr std::size_t kMaxSecretFileBytes = 1024 * 1024;

/// Keys of a secret file: one `NAME=KEY[:live|:test]` per line; blank lines and lines whose
/// first non-blank character is `#` are skipped; spaces, tabs and a CR around an entry are
/// ignored. A file readable by group or others adds a warning to `warnings` (it is still read:
/// mounted secrets are often 0644). Throws std::invalid_argument naming the file and the line
/// for a missing, unreadable, too large or keyless file or a bad line.
std::vector<SecretKey> read_secret_file(const std::string& path,
                                        std::vector<std::string>& warnings);

/// Keys of the value of kSecretsVariable: entries separated by newlines or commas (a key
/// there cannot hold a comma), each as a line of a secret file. An empty value gives no key;
/// a value that is not empty must give at least one. Throws std::invalid_argument naming the
/// variable and the entry.
std::vector<SecretKey> parse_secrets_variable(const std::string& value);

}  // namespace buildable::emulator::detail
