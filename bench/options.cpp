#include "options.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <utility>

namespace bench {

const std::set<std::string> kSections = {"emit",    "concurrent", "drain",
                                         "latency", "scale",      "memory"};

void usage(std::ostream& out) {
  out << "usage: buildable-bench [options]\n"
         "  --only LIST       sections to run, comma-separated: emit,concurrent,drain,latency,"
         "scale,memory (default all); `soak` alone runs only the soak\n"
         "  --reps N          repetitions of each comparison (default 5)\n"
         "  --requests N      emits per one-thread run (default 10000; concurrent runs use 2N)\n"
         "  --inflight LIST   concurrency levels (default 8,32,128)\n"
         "  --wrk-seconds N   duration of each wrk run (default 2)\n"
         "  --drain N         backlog size at 0 ms latency (default 2000; 20 ms: N/10)\n"
         "  --soak SECONDS    also run the soak (emit + listen), sampling every 5 s\n"
         "  --soak-faults P   during the soak, a share P (0..1) of requests meets an injected\n"
         "                    fault: 5xx, 429, connections closed before and after acting\n"
         "  --json PATH       results file (default <build dir>/bench-results.json)\n"
         "  --chart PATH      PNG chart (default <build dir>/bench-throughput.png)\n"
         "  --no-pin          do not pin client and servers to separate CPUs\n"
         "  --nice N          run at this nice value (e.g. -10 as root: steadier figures on a\n"
         "                    loaded machine, at the expense of everything else running)\n"
         "  --smoke           tiny counts, one repetition: checks that everything runs\n";
}

namespace {

using Flag = std::pair<std::string, std::string>;  // option, value ("" for switches)

// Which defaults the user chose explicitly, so that --smoke leaves them alone.
struct ExplicitlySet {
  bool reps = false;
  bool requests = false;
  bool only = false;
};

[[noreturn]] void fail(const std::string& message, bool with_usage = false) {
  std::cerr << "buildable-bench: " << message << "\n";
  if (with_usage) usage(std::cerr);
  std::exit(2);
}

// Pairs each option with its value; handles --help before anything is applied.
std::vector<Flag> collect_flags(int argc, char** argv) {
  std::vector<Flag> flags;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(std::cout);
      std::exit(0);
    }
    if (a == "--smoke" || a == "--no-pin") {
      flags.emplace_back(a, "");
      continue;
    }
    if (i + 1 >= argc) fail(a + " needs a value", true);
    flags.emplace_back(a, argv[++i]);
  }
  return flags;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

long long number(const std::string& flag, const std::string& v) {
  try {
    std::size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used == v.size() && n >= 0) return n;
  } catch (const std::exception&) {
  }
  fail(flag + " wants a non-negative number, got '" + v + "'");
}

long long at_least_one(const std::string& flag, const std::string& v) {
  return std::max(1LL, number(flag, v));
}

std::set<std::string> parse_sections(const std::string& list) {
  std::set<std::string> sections;
  for (const std::string& s : split(list, ',')) {
    // `soak` names no section of its own: `--only soak --soak N` runs just the soak.
    if (kSections.count(s) == 0 && s != "soak") fail("unknown section '" + s + "'");
    sections.insert(s);
  }
  return sections;
}

std::vector<int> parse_levels(const std::string& flag, const std::string& list) {
  std::vector<int> levels;
  for (const std::string& s : split(list, ',')) {
    levels.push_back(static_cast<int>(at_least_one(flag, s)));
  }
  return levels;
}

int parse_nice(const std::string& value) {
  try {
    return std::stoi(value);
  } catch (const std::exception&) {
    fail("--nice wants a number");
  }
}

double parse_share(const std::string& value) {
  double share = -1;
  try {
    share = std::stod(value);
  } catch (const std::exception&) {
  }
  if (!(share >= 0 && share <= 1)) fail("--soak-faults wants a share between 0 and 1");
  return share;
}

void apply_flag(Options& o, ExplicitlySet& set, const std::string& flag, const std::string& value) {
  if (flag == "--smoke") {
    o.smoke = true;
  } else if (flag == "--no-pin") {
    o.pin = false;
  } else if (flag == "--only") {
    o.only = parse_sections(value);
    set.only = true;
  } else if (flag == "--reps") {
    o.reps = static_cast<int>(at_least_one(flag, value));
    set.reps = true;
  } else if (flag == "--requests") {
    o.requests = static_cast<std::uint64_t>(at_least_one(flag, value));
    set.requests = true;
  } else if (flag == "--inflight") {
    o.inflight = parse_levels(flag, value);
  } else if (flag == "--wrk-seconds") {
    o.wrk_seconds = static_cast<int>(at_least_one(flag, value));
  } else if (flag == "--drain") {
    o.drain_n = static_cast<std::uint64_t>(at_least_one(flag, value));
    o.drain_n_slow = std::max<std::uint64_t>(1, o.drain_n / 10);
  } else if (flag == "--nice") {
    o.nice = parse_nice(value);
  } else if (flag == "--soak") {
    o.soak_seconds = static_cast<int>(number(flag, value));
  } else if (flag == "--soak-faults") {
    o.soak_faults = parse_share(value);
  } else if (flag == "--json") {
    o.json_path = value;
  } else if (flag == "--chart") {
    o.chart_path = value;
  } else {
    fail("unknown option " + flag, true);
  }
}

// Tiny counts: checks that everything runs, in seconds.
void apply_smoke(Options& o, const ExplicitlySet& set) {
  if (!set.reps) o.reps = 1;
  if (!set.requests) o.requests = 200;
  if (!set.only) o.only = kSections;
  o.inflight = {8};
  o.wrk_seconds = 1;
  o.drain_n = 30;
  o.drain_n_slow = 10;
  o.latency_samples_default = 0;
  o.latency_samples_short = 3;
  o.scale_counts = {1, 10};
  o.scale_settle = std::chrono::milliseconds(200);
  o.scale_window = std::chrono::milliseconds(500);
  o.soak_every = 1;
}

}  // namespace

Options parse_args(int argc, char** argv) {
  Options o;
  ExplicitlySet set;
  for (const auto& [flag, value] : collect_flags(argc, argv)) {
    apply_flag(o, set, flag, value);
  }
  if (o.smoke) apply_smoke(o, set);
  const std::string dir = BENCH_DEFAULT_OUTPUT_DIR;
  if (o.json_path.empty()) {
    o.json_path = dir + (o.smoke ? "/bench-smoke.json" : "/bench-results.json");
  }
  if (o.chart_path.empty()) {
    o.chart_path = dir + (o.smoke ? "/bench-smoke.png" : "/bench-throughput.png");
  }
  return o;
}

}  // namespace bench
