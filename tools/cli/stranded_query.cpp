#include "stranded_query.hpp"

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "errors.hpp"
#include "since.hpp"

namespace buildable::cli {

std::vector<FlagSpec> stranded_query_flag_specs() {
  std::vector<FlagSpec> specs;
  for (const char* flag :
       {"--tx-key", "--since", "--min-age", "--platform", "--label", "--limit"}) {
    specs.push_back({flag, true, ""});
  }
  return specs;
}

std::string stranded_query_help() {
  return "  --tx-key K          transaction key (default \"default\")\n"
         "  --since WHEN        only messages created at or after WHEN: all (default), now,\n"
         "                      epoch milliseconds, or an ISO-8601 UTC time such as\n"
         "                      2024-05-01T12:00:00Z\n"
         "  --min-age SECONDS   only messages created at least SECONDS ago (decimals\n"
         "                      allowed), to leave alone what a running listener may still\n"
         "                      be handling\n"
         "  --platform P        only messages of source platform P (e.g. custom)\n"
         "  --label L           only messages of source label L\n"
         "  --limit N           at most N messages per listing, oldest first (default 1000,\n"
         "                      at most 100000)\n";
}

bool has_stranded_filter(const ParsedArguments& parsed) {
  for (const char* flag : {"--since", "--min-age", "--platform", "--label", "--limit"}) {
    if (parsed.has(flag)) return true;
  }
  return false;
}

StrandedQuery make_stranded_query(const std::string& event, const ParsedArguments& parsed) {
  StrandedQuery query;
  query.event = event;
  if (auto value = parsed.value("--tx-key")) query.tx_key = *value;  // empty: "default"
  if (auto value = parsed.value("--since")) {
    // parse_since() says "now" with nullopt (listen's default); here it means the moment of
    // the call, and the default is every stored message.
    query.since = *value == "now" ? std::chrono::system_clock::now()
                                  : parse_since(*value).value_or(std::chrono::system_clock::now());
  }
  if (auto value = parsed.value("--min-age")) {
    query.min_age = parse_seconds("--min-age", *value);
  }
  for (const char* flag : {"--platform", "--label"}) {
    const auto value = parsed.value(flag);
    if (!value) continue;
    if (value->find('.') != std::string::npos) {
      throw UsageError(std::string(flag) + " must not contain a dot, got '" + *value + "'");
    }
    (std::string(flag) == "--platform" ? query.platform : query.label) = *value;
  }
  if (auto value = parsed.value("--limit")) {
    query.limit = static_cast<std::size_t>(
        parse_integer("--limit", *value, 1, static_cast<long long>(kMaxStrandedLimit)));
  }
  return query;
}

std::string format_utc(std::chrono::system_clock::time_point when) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  std::int64_t seconds = ms / 1000;
  std::int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  if (gmtime_r(&t, &utc) == nullptr) return std::to_string(ms);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

std::string format_age(std::chrono::milliseconds age) {
  const std::int64_t s = age.count() < 0 ? 0 : age.count() / 1000;
  char text[96];
  if (s < 60) {
    std::snprintf(text, sizeof text, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else {
    std::snprintf(text, sizeof text, "%lldd%02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  }
  return text;
}

}  // namespace buildable::cli
