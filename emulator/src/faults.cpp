#include "faults.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <utility>
#include <vector>

#include "protocol.hpp"

namespace buildable::emulator::detail {

namespace {

bool is_active(const FaultOptions& options) {
  return options.latency.count() > 0 || !options.rules.empty();
}

const std::pair<const char*, FaultKind> kKinds[] = {
    {"500", FaultKind::status_500},
    {"503", FaultKind::status_503},
    {"429", FaultKind::status_429},
    {"close-before", FaultKind::close_before_acting},
    {"close-after", FaultKind::close_after_acting},
    {"truncate", FaultKind::truncate_after_acting},
    {"delay", FaultKind::delay},
};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

long long parse_bounded(std::string_view text, const std::string& what, long long max) {
  std::size_t used = 0;
  long long value = -1;
  try {
    value = std::stoll(std::string(text), &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || value < 0 || value > max) {
    throw std::invalid_argument(what + " must be an integer in 0.." + std::to_string(max) +
                                ", got '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

FaultInjector::FaultInjector(FaultOptions options) {
  set(std::move(options));
}

void FaultInjector::set(FaultOptions options) {
  std::lock_guard lock(mutex_);
  engine_.seed(options.seed);
  options_ = std::move(options);
  active_.store(is_active(options_), std::memory_order_release);
}

FaultDecision FaultInjector::decide(const std::string& endpoint) {
  FaultDecision decision;
  if (!active_.load(std::memory_order_acquire)) return decision;
  std::lock_guard lock(mutex_);
  decision.delay = options_.latency;
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (const auto& rule : options_.rules) {
    if (!rule.endpoint.empty() && rule.endpoint != endpoint) continue;
    if (uniform(engine_) >= rule.probability) continue;
    if (rule.kind == FaultKind::delay) {
      decision.delay += std::clamp(rule.delay, std::chrono::milliseconds(0), kMaxDelay);
      continue;
    }
    decision.fault = rule;
    break;
  }
  // Rules set through the API are not parsed: keep every wait within the documented bound.
  decision.delay = std::clamp(decision.delay, std::chrono::milliseconds(0), kMaxDelay);
  return decision;
}

std::string to_string(FaultKind kind) {
  for (const auto& [name, value] : kKinds) {
    if (value == kind) return name;
  }
  return "unknown";
}

FaultRule parse_fault_rule(std::string_view spec) {
  const auto parts = split(spec, ':');
  if (parts.size() < 2) {
    throw std::invalid_argument("fault '" + std::string(spec) +
                                "': expected KIND:PROBABILITY[:OPTION]...");
  }
  FaultRule rule;
  bool known = false;
  for (const auto& [name, value] : kKinds) {
    if (parts[0] == name) {
      rule.kind = value;
      known = true;
    }
  }
  if (!known) {
    throw std::invalid_argument("fault '" + std::string(spec) + "': unknown kind '" +
                                std::string(parts[0]) +
                                "' (500, 503, 429, close-before, close-after, truncate, delay)");
  }
  std::size_t used = 0;
  try {
    rule.probability = std::stod(std::string(parts[1]), &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != parts[1].size() || !(rule.probability >= 0.0) ||
      rule.probability > 1.0) {
    throw std::invalid_argument("fault '" + std::string(spec) +
                                "': probability must be a number in [0, 1]");
  }
  for (std::size_t i = 2; i < parts.size(); ++i) {
    const auto option = parts[i];
    if (!option.empty() && option.front() == '/') {
      rule.endpoint = std::string(option);
      const auto& endpoints = Protocol::endpoints();
      if (std::find(endpoints.begin(), endpoints.end(), rule.endpoint) == endpoints.end()) {
        throw std::invalid_argument("fault '" + std::string(spec) + "': '" + rule.endpoint +
                                    "' is not a protocol endpoint");
      }
    } else if (option == "http-date") {
      rule.retry_after_http_date = true;
    } else if (option.substr(0, 12) == "retry-after=") {
      rule.retry_after_seconds =
          static_cast<int>(parse_bounded(option.substr(12), "retry-after", kMaxRetryAfterSeconds));
    } else if (option.substr(0, 6) == "delay=") {
      rule.delay =
          std::chrono::milliseconds(parse_bounded(option.substr(6), "delay", kMaxDelay.count()));
    } else {
      throw std::invalid_argument("fault '" + std::string(spec) + "': unknown option '" +
                                  std::string(option) +
                                  "' (/endpoint, retry-after=N, http-date, delay=MS)");
    }
  }
  return rule;
}

std::string http_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buffer;
}

}  // namespace buildable::emulator::detail
