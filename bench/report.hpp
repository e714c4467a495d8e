#pragma once
/// @file report.hpp
/// The benchmark's output: a table on stdout, a JSON file, a gnuplot chart.

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "measure.hpp"

namespace bench {

/// What a row's ratio or value is checked against (printed only, never asserted).
struct Goal {
  enum class Kind { none, min_ratio, max_ratio, sdk_at_most, sdk_equals, median_at_most };
  Kind kind = Kind::none;
  double value = 0;
  std::string id;   ///< e.g. "P1"
  Interval likely;  ///< median_at_most: where the SDK's true median lies (95%)

  static Goal none() { return {}; }
  static Goal min_ratio(std::string id, double v) {
    return {Kind::min_ratio, v, std::move(id), {}};
  }
  static Goal max_ratio(std::string id, double v) {
    return {Kind::max_ratio, v, std::move(id), {}};
  }
  static Goal sdk_at_most(std::string id, double v) {
    return {Kind::sdk_at_most, v, std::move(id), {}};
  }
  static Goal sdk_equals(std::string id, double v) {
    return {Kind::sdk_equals, v, std::move(id), {}};
  }
  /// At most `v`, for a median taken from random samples: judged on `likely`, its 95%
  /// interval (see median_within), since a sampled median can stray far from the true one.
  static Goal median_at_most(std::string id, double v, Interval likely) {
    return {Kind::median_at_most, v, std::move(id), likely};
  }
  std::string describe() const;
};

/// Whether a median is at most `bound`, judging from its 95% interval `likely`: true when the
/// whole interval is, false when none of it is, nullopt (undecided) when the bound lies inside.
std::optional<bool> median_within(const Interval& likely, double bound);

/// "ok", "MISS" or "undecided" for median_within's answer.
std::string verdict_name(std::optional<bool> within);

/// One line of the table: the SDK's figure beside its baseline's from the same run.
struct Row {
  std::string section;   ///< e.g. "emit 1 thread"
  std::string metric;    ///< e.g. "rate"
  std::string unit;      ///< e.g. "req/s"
  Summary sdk;           ///< the SDK's samples (one per repetition)
  std::string baseline;  ///< name of the baseline, e.g. "raw easy"
  Summary base;          ///< the baseline's samples; empty when there is none
  Goal goal;
  std::string note;
  /// Whether sdk.samples[i] and base.samples[i] ran back to back (interleave()): the ratio is
  /// then taken per repetition, so that a slow stretch of the machine, which slows both runs
  /// of a pair, cancels out instead of skewing one side's median.
  bool paired = false;

  /// The median of the per-repetition ratios sdk.samples[i] / base.samples[i] when the row is
  /// paired (and both sides have as many samples), else sdk.median / base.median.
  std::optional<double> ratio() const;
  /// The per-repetition ratios of a paired row (empty otherwise), in repetition order.
  std::vector<double> paired_ratios() const;
  /// Whether the goal is met; nullopt when the row has no goal, lacks data or is undecided.
  std::optional<bool> meets() const;
  /// "ok", "MISS", "undecided" (a sampled median whose interval straddles the bound) or "".
  std::string verdict() const;
};

/// Throughput of one concurrency level, for the chart.
struct ConcurrencyPoint {
  int inflight = 0;
  Summary sdk;  ///< requests/s
  Summary multi;
  Summary wrk;
  Summary sdk_cpu;  ///< client CPU microseconds per request
  Summary multi_cpu;
  Summary wrk_cpu;
};

/// Everything one run produced.
struct Report {
  nlohmann::json meta = nlohmann::json::object();
  std::vector<Row> rows;
  std::vector<ConcurrencyPoint> concurrency;
  /// emit_batch() beside the raw multi loop (wrk unused), drawn as points on the chart.
  std::vector<ConcurrencyPoint> batches;
  nlohmann::json extra = nlohmann::json::object();  ///< per-section raw details
  std::vector<std::string> notes;

  void print_table(std::ostream& out) const;
  nlohmann::json to_json() const;
  /// Writes the JSON file; false (and a message on stderr) on failure.
  bool write_json(const std::string& path) const;
};

/// Formats a number for the table: thousands without decimals, small ones with 3 digits.
std::string format_number(double v);

/// Writes `<png>.dat` and `<png>.gp` next to `png_path` and runs gnuplot; returns false (with
/// the reason in `why`) when gnuplot is missing or failed.
bool write_chart(const Report& report, const std::string& png_path, std::string& why);

/// Path of the gnuplot executable, or empty.
std::string find_gnuplot();

}  // namespace bench
