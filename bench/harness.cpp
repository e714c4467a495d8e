#include "harness.hpp"

#include <exception>
#include <iostream>
#include <utility>

#include "measure.hpp"

namespace bench {

const nlohmann::json& emit_payload() {
  static const nlohmann::json payload = {
      {"orderId", "ord_7f3a9c21"},
      {"amount", 4999},
      {"currency", "EUR"},
      {"customer", {{"id", "cus_19af"}, {"email", "jane@example.com"}}},
      {"items", nlohmann::json::array({"sku-1", "sku-2"})}};
  return payload;
}

void progress(const std::string& line) {
  std::cerr << "[bench] " << line << std::endl;
}

void interleave(int reps, const std::function<void(int)>& a, const std::function<void(int)>& b,
                const std::function<void(int)>& after) {
  for (int rep = 0; rep < reps; ++rep) {
    if (rep % 2 == 0) {
      a(rep);
      b(rep);
    } else {
      b(rep);
      a(rep);
    }
    if (after) after(rep);
  }
}

void check_failures(Context& ctx, const std::string& what, const RunResult& r) {
  if (r.failed > 0) {
    ctx.failed_ops += r.failed;
    ctx.report.notes.push_back(what + ": " + std::to_string(r.failed) + " operations failed");
  }
}

RunResult measure_emits(Context& ctx, Series& s, const std::string& what,
                        const std::function<RunResult()>& run) {
  const std::uint64_t c0 = ctx.fast->connections();
  const RunResult r = run();
  s.add(r);
  s.connections.push_back(static_cast<double>(ctx.fast->connections() - c0));
  check_failures(ctx, what, r);
  return r;
}

RawListenerConfig raw_listener(const Context& ctx, const std::string& base_url,
                               const std::string& secret, const std::string& event,
                               std::chrono::milliseconds poll_interval) {
  RawListenerConfig config;
  config.base_url = base_url;
  config.secret = secret;
  config.user_agent = ctx.user_agent;
  config.event = event;
  config.since_ms = epoch_ms();
  config.page_size = ctx.page_size;
  config.poll_interval = poll_interval;
  return config;
}

void add_row(Report& report, std::string section, std::string metric, std::string unit, Summary sdk,
             std::string baseline, Summary base, Goal goal, std::string note) {
  Row row;
  row.section = std::move(section);
  row.metric = std::move(metric);
  row.unit = std::move(unit);
  row.sdk = std::move(sdk);
  row.baseline = std::move(baseline);
  row.base = std::move(base);
  row.goal = std::move(goal);
  row.note = std::move(note);
  report.rows.push_back(std::move(row));
}

void add_throughput_rows(Report& report, const std::string& section, const std::string& op,
                         const std::string& baseline, const Series& sdk, const Series& base,
                         Goal rate_goal, Goal cpu_goal) {
  // The series come from interleave(): repetition i of each side ran next to the other's.
  const auto add_paired = [&](std::string metric, std::string unit, const std::vector<double>& s,
                              const std::vector<double>& b, Goal goal) {
    add_row(report, section, std::move(metric), std::move(unit), summarize(s), baseline,
            summarize(b), std::move(goal));
    report.rows.back().paired = true;
  };
  add_paired("rate", op + "/s", sdk.rate, base.rate, std::move(rate_goal));
  add_paired("client CPU/" + op, "us", sdk.cpu_us, base.cpu_us, std::move(cpu_goal));
  add_paired("ctx switches/" + op, "count", sdk.switches, base.switches, Goal::none());
}

ConcurrencyPoint concurrency_point(int inflight, const Series& sdk, const Series& raw) {
  ConcurrencyPoint point;
  point.inflight = inflight;
  point.sdk = summarize(sdk.rate);
  point.multi = summarize(raw.rate);
  point.sdk_cpu = summarize(sdk.cpu_us);
  point.multi_cpu = summarize(raw.cpu_us);
  return point;
}

Summary single(double value) {
  return summarize({value});
}

void run_section(Context& ctx, const std::string& name, void (*section)(Context&)) {
  try {
    const double overflows = listen_overflows();
    section(ctx);
    const double dropped = listen_overflows() - overflows;
    if (overflows >= 0 && dropped > 0) {
      ctx.report.notes.push_back(
          "section " + name + ": the kernel dropped " + format_number(dropped) +
          " SYNs for full accept queues meanwhile (machine-wide count); a dropped SYN costs "
          "its client a 1 s retransmit");
    }
  } catch (const std::exception& e) {
    ++ctx.errors;
    ctx.report.notes.push_back("section " + name + " failed: " + e.what());
    std::cerr << "buildable-bench: section " << name << " failed: " << e.what() << "\n";
  }
}

}  // namespace bench
