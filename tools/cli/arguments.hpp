// Command-line parsing shared by the subcommands: `--flag value`, `--flag=value`, `--` ends
// the flags, `-` is a positional argument (stdin).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace buildable::cli {

/// One flag a command accepts.
struct FlagSpec {
  std::string name;          ///< e.g. "--count"
  bool takes_value = false;  ///< true: `--count 3` or `--count=3`
  std::string alias;         ///< e.g. "-h"; empty: none
};

/// The result of parse_arguments().
class ParsedArguments {
 public:
  std::vector<std::string> positionals;

  bool has(const std::string& flag) const;
  /// The last value given to `flag` (a repeated flag: the last one wins).
  std::optional<std::string> value(const std::string& flag) const;

  void add(std::string flag, std::string value);

 private:
  std::vector<std::pair<std::string, std::string>> flags_;
};

/// Parses `args` against `flags`. Throws UsageError for an unknown flag or a missing value.
ParsedArguments parse_arguments(const std::vector<std::string>& args,
                                const std::vector<FlagSpec>& flags);

/// The EVENT argument (the first positional): UsageError when it is missing, empty or holds a
/// control character, or when more than `max_positionals` positionals were given (`hint`
/// follows that message).
std::string event_argument(const ParsedArguments& parsed, std::size_t max_positionals,
                           const std::string& hint = "");

/// `value` as an integer in [min, max]; UsageError naming `flag` otherwise.
long long parse_integer(const std::string& flag, const std::string& value, long long min,
                        long long max);

/// `value` as a positive number of seconds (decimals allowed, e.g. 0.5); UsageError otherwise.
std::chrono::milliseconds parse_seconds(const std::string& flag, const std::string& value);

/// True when `text` holds a byte below 0x20 or 0x7f (what the SDK refuses in names and keys).
bool has_control_character(const std::string& text);

}  // namespace buildable::cli
