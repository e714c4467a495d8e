#include "arguments.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <string>
#include <utility>

#include "errors.hpp"

namespace buildable::cli {

bool ParsedArguments::has(const std::string& flag) const {
  return std::any_of(flags_.begin(), flags_.end(),
                     [&](const auto& entry) { return entry.first == flag; });
}

std::optional<std::string> ParsedArguments::value(const std::string& flag) const {
  for (auto it = flags_.rbegin(); it != flags_.rend(); ++it) {
    if (it->first == flag) return it->second;
  }
  return std::nullopt;
}

void ParsedArguments::add(std::string flag, std::string value) {
  flags_.emplace_back(std::move(flag), std::move(value));
}

ParsedArguments parse_arguments(const std::vector<std::string>& args,
                                const std::vector<FlagSpec>& flags) {
  ParsedArguments parsed;
  bool flags_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_ended || arg == "-" || arg.empty() || arg[0] != '-') {
      parsed.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    const auto spec = std::find_if(flags.begin(), flags.end(), [&](const FlagSpec& f) {
      return f.name == name || (!f.alias.empty() && f.alias == name);
    });
    if (spec == flags.end()) throw UsageError("unknown option '" + name + "'");
    if (!spec->takes_value) {
      if (inline_value) throw UsageError(spec->name + " takes no value");
      parsed.add(spec->name, "");
      continue;
    }
    if (inline_value) {
      parsed.add(spec->name, *inline_value);
    } else if (i + 1 < args.size()) {
      parsed.add(spec->name, args[++i]);
    } else {
      throw UsageError(spec->name + ": missing value");
    }
  }
  return parsed;
}

namespace {

/// True when `text` is one or more decimal digits and nothing else (no sign, space, "0x",
/// exponent, "inf" or "nan", which std::stoll and std::stod would take).
bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

long long parse_integer(const std::string& flag, const std::string& value, long long min,
                        long long max) {
  std::size_t used = 0;
  long long number = 0;
  const bool negative = !value.empty() && value[0] == '-';
  if (all_digits(negative ? value.substr(1) : value)) {
    try {
      number = std::stoll(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
  }
  if (value.empty() || used != value.size() || number < min || number > max) {
    throw UsageError(flag + ": expected an integer from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got '" + value + "'");
  }
  return number;
}

std::chrono::milliseconds parse_seconds(const std::string& flag, const std::string& value) {
  constexpr double kMaxSeconds = 100'000'000.0;  // about three years
  std::size_t used = 0;
  double seconds = 0;
  // Decimal digits with at most one '.' ("5", "0.5", ".5", "5."): what the help promises.
  const auto dot = value.find('.');
  const std::string digits =
      dot == std::string::npos ? value : value.substr(0, dot) + value.substr(dot + 1);
  if (all_digits(digits)) {
    try {
      seconds = std::stod(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
  }
  if (value.empty() || used != value.size() || !std::isfinite(seconds) || seconds <= 0 ||
      seconds > kMaxSeconds) {
    throw UsageError(flag + ": expected a positive number of seconds, got '" + value + "'");
  }
  const auto millis = static_cast<long long>(std::ceil(seconds * 1000.0));
  return std::chrono::milliseconds(millis);
}

bool has_control_character(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

std::string event_argument(const ParsedArguments& parsed, std::size_t max_positionals,
                           const std::string& hint) {
  if (parsed.positionals.empty()) throw UsageError("missing EVENT");
  if (parsed.positionals.size() > max_positionals) {
    throw UsageError("unexpected argument '" + parsed.positionals[max_positionals] + "'" + hint);
  }
  const std::string& event = parsed.positionals[0];
  if (event.empty()) throw UsageError("EVENT must not be empty");
  if (has_control_character(event)) throw UsageError("EVENT must not contain control characters");
  return event;
}

}  // namespace buildable::cli
