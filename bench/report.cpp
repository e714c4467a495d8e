#include "report.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace bench {
namespace {

std::string format_summary(const Summary& s) {
  if (s.empty()) return "-";
  std::string text = format_number(s.median);
  if (s.samples.size() > 1) {
    text += " [" + format_number(s.min) + "-" + format_number(s.max) + "]";
  }
  return text;
}

nlohmann::json summary_json(const Summary& s) {
  if (s.empty()) return nullptr;
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}, {"samples", s.samples}};
}

// "0.93x", with the [min-max] of the per-repetition ratios when the row is paired.
std::string format_ratio(const Row& row) {
  const auto r = row.ratio();
  if (!r) return "-";
  std::string text = format_number(*r) + "x";
  const std::vector<double> per_rep = row.paired_ratios();
  if (per_rep.size() > 1) {
    const Summary s = summarize(per_rep);
    text += " [" + format_number(s.min) + "-" + format_number(s.max) + "]";
  }
  return text;
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

}  // namespace

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  const double a = std::fabs(v);
  if (a >= 1000 || (a < 1e15 && v == std::round(v))) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else if (a >= 100) {
    std::snprintf(buf, sizeof(buf), "%.1f", v);
  } else if (a >= 10) {
    std::snprintf(buf, sizeof(buf), "%.2f", v);
  } else if (a == 0 || a >= 0.01) {
    std::snprintf(buf, sizeof(buf), "%.3g", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2e", v);
  }
  return buf;
}

std::string Goal::describe() const {
  char buf[64];
  switch (kind) {
    case Kind::none:
      return "";
    case Kind::min_ratio:
      std::snprintf(buf, sizeof(buf), "%s >=%.2fx", id.c_str(), value);
      return buf;
    case Kind::max_ratio:
      std::snprintf(buf, sizeof(buf), "%s <=%.2fx", id.c_str(), value);
      return buf;
    case Kind::sdk_at_most:
      return id + " <=" + format_number(value);
    case Kind::sdk_equals:
      return id + " =" + format_number(value);
    case Kind::median_at_most:
      return id + " <=" + format_number(value);
  }
  return "";
}

std::optional<bool> median_within(const Interval& likely, double bound) {
  if (likely.high <= bound) return true;
  if (likely.low > bound) return false;
  return std::nullopt;
}

std::string verdict_name(std::optional<bool> within) {
  if (!within) return "undecided";
  return *within ? "ok" : "MISS";
}

std::vector<double> Row::paired_ratios() const {
  std::vector<double> ratios;
  if (!paired || sdk.samples.size() != base.samples.size()) return ratios;
  for (std::size_t i = 0; i < sdk.samples.size(); ++i) {
    if (base.samples[i] == 0) return {};
    ratios.push_back(sdk.samples[i] / base.samples[i]);
  }
  return ratios;
}

std::optional<double> Row::ratio() const {
  if (sdk.empty() || base.empty()) return std::nullopt;
  const std::vector<double> per_rep = paired_ratios();
  if (!per_rep.empty()) return summarize(per_rep).median;
  if (base.median == 0) return std::nullopt;
  return sdk.median / base.median;
}

std::optional<bool> Row::meets() const {
  switch (goal.kind) {
    case Goal::Kind::none:
      return std::nullopt;
    case Goal::Kind::min_ratio:
    case Goal::Kind::max_ratio: {
      const auto r = ratio();
      if (!r) return std::nullopt;
      return goal.kind == Goal::Kind::min_ratio ? *r >= goal.value : *r <= goal.value;
    }
    case Goal::Kind::sdk_at_most:
      if (sdk.empty()) return std::nullopt;
      return sdk.median <= goal.value;
    case Goal::Kind::sdk_equals:
      if (sdk.empty()) return std::nullopt;
      return sdk.min == goal.value && sdk.max == goal.value;
    case Goal::Kind::median_at_most:
      if (sdk.empty()) return std::nullopt;
      return median_within(goal.likely, goal.value);
  }
  return std::nullopt;
}

std::string Row::verdict() const {
  const auto ok = meets();
  const bool sampled = goal.kind == Goal::Kind::median_at_most && !sdk.empty();
  return ok || sampled ? verdict_name(ok) : "";
}

void Report::print_table(std::ostream& out) const {
  const std::vector<std::string> header = {"section",  "metric",
                                           "unit",     "SDK median [min-max]",
                                           "baseline", "baseline median [min-max]",
                                           "ratio",    "goal",
                                           "",         "note"};
  std::vector<std::vector<std::string>> lines;
  lines.push_back(header);
  for (const Row& row : rows) {
    lines.push_back({row.section, row.metric, row.unit, format_summary(row.sdk), row.baseline,
                     format_summary(row.base), format_ratio(row), row.goal.describe(),
                     row.verdict(), row.note});
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& line : lines) {
    for (std::size_t i = 0; i < line.size(); ++i)
      width[i] = std::max(width[i], line[i].size());
  }
  std::string previous_section;
  for (std::size_t l = 0; l < lines.size(); ++l) {
    const auto& line = lines[l];
    if (l == 1 || (l > 1 && line[0] != previous_section)) {
      std::size_t total = 0;
      for (std::size_t w : width)
        total += w + 2;
      out << std::string(total, '-') << "\n";
    }
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const std::string cell = (l > 1 && i == 0 && line[0] == previous_section) ? "" : line[i];
      text += pad(cell, width[i] + 2);
    }
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    out << text << "\n";
    if (l > 0) previous_section = line[0];
  }
  for (const std::string& note : notes)
    out << "note: " << note << "\n";
  out.flush();
}

nlohmann::json Report::to_json() const {
  nlohmann::json j;
  j["meta"] = meta;
  j["rows"] = nlohmann::json::array();
  for (const Row& row : rows) {
    nlohmann::json r = {{"section", row.section},
                        {"metric", row.metric},
                        {"unit", row.unit},
                        {"sdk", summary_json(row.sdk)},
                        {"baseline_name", row.baseline},
                        {"baseline", summary_json(row.base)},
                        {"ratio", nullptr},
                        {"goal", row.goal.describe()},
                        {"meets_goal", nullptr},
                        {"verdict", row.verdict()},
                        {"note", row.note}};
    if (const auto ratio = row.ratio()) r["ratio"] = *ratio;
    if (row.paired) r["paired_ratios"] = row.paired_ratios();
    if (const auto ok = row.meets()) r["meets_goal"] = *ok;
    j["rows"].push_back(std::move(r));
  }
  j["concurrency"] = nlohmann::json::array();
  for (const ConcurrencyPoint& p : concurrency) {
    j["concurrency"].push_back({{"inflight", p.inflight},
                                {"sdk", summary_json(p.sdk)},
                                {"raw_multi", summary_json(p.multi)},
                                {"wrk", summary_json(p.wrk)},
                                {"sdk_cpu_us", summary_json(p.sdk_cpu)},
                                {"raw_multi_cpu_us", summary_json(p.multi_cpu)},
                                {"wrk_cpu_us", summary_json(p.wrk_cpu)}});
  }
  j["batches"] = nlohmann::json::array();
  for (const ConcurrencyPoint& p : batches) {
    j["batches"].push_back({{"inflight", p.inflight},
                            {"sdk", summary_json(p.sdk)},
                            {"raw_multi", summary_json(p.multi)},
                            {"sdk_cpu_us", summary_json(p.sdk_cpu)},
                            {"raw_multi_cpu_us", summary_json(p.multi_cpu)}});
  }
  j["details"] = extra;
  j["notes"] = notes;
  return j;
}

bool Report::write_json(const std::string& path) const {
  std::ofstream out(path);
  out << std::setw(2) << to_json() << "\n";
  if (!out) {
    std::cerr << "buildable-bench: cannot write " << path << "\n";
    return false;
  }
  return true;
}

std::string find_gnuplot() {
  return find_in_path("gnuplot");
}

namespace {

/// The chart's data: one line per point, the in-flight count, then median min max of: sdk raw
/// wrk (requests/s), sdk raw wrk (client CPU us/request); NaN for what was not measured.
bool write_points(const std::string& path, const std::vector<ConcurrencyPoint>& points) {
  std::ofstream out(path);
  out << "# inflight, then median min max of: sdk raw wrk (requests/s), sdk raw wrk (client "
         "CPU us/request)\n";
  const auto put = [&out](const Summary& s) {
    if (s.empty()) {
      out << " NaN NaN NaN";
    } else {
      out << " " << s.median << " " << s.min << " " << s.max;
    }
  };
  for (const ConcurrencyPoint& p : points) {
    out << p.inflight;
    put(p.sdk);
    put(p.multi);
    put(p.wrk);
    put(p.sdk_cpu);
    put(p.multi_cpu);
    put(p.wrk_cpu);
    out << "\n";
  }
  // gnuplot refuses an empty data file: a line of NaN draws nothing.
  if (points.empty()) {
    out << "NaN";
    for (int column = 1; column < 19; ++column)
      out << " NaN";
    out << "\n";
  }
  return static_cast<bool>(out);
}

}  // namespace

bool write_chart(const Report& report, const std::string& png_path, std::string& why) {
  const std::string gnuplot = find_gnuplot();
  if (gnuplot.empty()) {
    why = "gnuplot not installed";
    return false;
  }
  if (report.concurrency.empty()) {
    why = "no concurrency data";
    return false;
  }
  const std::string dat = png_path + ".dat";
  const std::string batch_dat = png_path + ".batch.dat";
  const std::string script = png_path + ".gp";
  if (!write_points(dat, report.concurrency) || !write_points(batch_dat, report.batches)) {
    why = "cannot write " + dat;
    return false;
  }
  {
    std::ofstream out(script);
    out << "set terminal pngcairo size 960,900 noenhanced font 'sans,10'\n"
        << "set output '" << png_path << "'\n"
        << "set multiplot layout 2,1 title 'POST /emit on loopback against a one-thread epoll "
           "server (median of repetitions, bars = min-max)'\n"
        << "set logscale x 2\n"
        << "set xrange [0.7:*]\n"
        << "set yrange [0:*]\n"
        << "set grid\n"
        << "set key left top\n"
        << "set datafile missing 'NaN'\n"
        << "set xlabel 'requests in flight (1 = one thread, blocking emit / easy handle)'\n"
        << "set title 'throughput'\n"
        << "set ylabel 'requests per second'\n"
        << "plot '" << dat << "' using 1:2:3:4 with yerrorlines lw 2 pt 7 title 'SDK', \\\n"
        << "     '' using 1:5:6:7 with yerrorlines lw 2 pt 5 title 'raw libcurl (easy / multi)', "
           "\\\n"
        << "     '' using 1:8:9:10 with yerrorlines lw 2 pt 9 dt 2 title 'wrk -t1 (ceiling)', \\\n"
        << "     '" << batch_dat << "' using 1:2:3:4 with yerrorbars pt 11 ps 1.5 "
        << "title 'SDK emit_batch (100 per call)', \\\n"
        << "     '' using 1:5:6:7 with yerrorbars pt 4 ps 1.5 title 'raw multi, same in flight'\n"
        << "set title 'client CPU per request (the steadier figure on a loaded machine)'\n"
        << "set ylabel 'microseconds'\n"
        << "plot '" << dat << "' using 1:11:12:13 with yerrorlines lw 2 pt 7 title 'SDK', \\\n"
        << "     '' using 1:14:15:16 with yerrorlines lw 2 pt 5 title 'raw libcurl (easy / "
           "multi)', "
           "\\\n"
        << "     '' using 1:17:18:19 with yerrorlines lw 2 pt 9 dt 2 title 'wrk -t1', \\\n"
        << "     '" << batch_dat << "' using 1:11:12:13 with yerrorbars pt 11 ps 1.5 "
        << "title 'SDK emit_batch (100 per call)', \\\n"
        << "     '' using 1:14:15:16 with yerrorbars pt 4 ps 1.5 title 'raw multi, same in "
           "flight'\n"
        << "unset multiplot\n";
  }
  const std::string command = "'" + gnuplot + "' '" + script + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    why = "cannot run gnuplot";
    return false;
  }
  std::string output;
  char buf[256];
  while (std::fgets(buf, sizeof(buf), pipe) != nullptr)
    output += buf;
  const int rc = pclose(pipe);
  if (rc != 0) {
    why = "gnuplot failed: " + output;
    return false;
  }
  return true;
}

}  // namespace bench
