// What `buildable stranded` and `buildable resolve` share: the flags that select stranded
// messages (--tx-key, --since, --min-age, --platform, --label, --limit) and how times and ages
// are shown.
#pragma once

#include <buildable/stranded.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "arguments.hpp"

namespace buildable::cli {

/// The FlagSpecs of the selecting flags (all take a value).
std::vector<FlagSpec> stranded_query_flag_specs();

/// The "--tx-key ... --limit" lines of the --help texts.
std::string stranded_query_help();

/// True when any selecting flag other than --tx-key was given.
bool has_stranded_filter(const ParsedArguments& parsed);

/// A StrandedQuery for `event` from the selecting flags. Throws UsageError for a bad value
/// (a platform or label with a dot, a --since the tool cannot read, ...), in the tool's words.
StrandedQuery make_stranded_query(const std::string& event, const ParsedArguments& parsed);

/// `when` as ISO-8601 UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z.
std::string format_utc(std::chrono::system_clock::time_point when);

/// `age` for people: 12s, 4m07s, 2h05m, 3d04h.
std::string format_age(std::chrono::milliseconds age);

}  // namespace buildable::cli
