// Memory: a huge answer, a huge /query page, and emits to a server that never answers (T1).
// Each figure is the peak resident-size growth of a fresh process doing one thing, so that
// what earlier sections allocated cannot hide or inflate it.

#include <algorithm>
#include <future>
#include <stdexcept>
#include <thread>

#include "memory_runs.hpp"
#include "sections.hpp"

#if BENCH_HAVE_SDK
#include <buildable/buildable.hpp>

namespace bench {
namespace {

using std::chrono::milliseconds;

constexpr double kMiB = 1024.0 * 1024.0;

// What the runs send and receive.
struct MemoryLoad {
  std::size_t answer_bytes;  // of the huge answer and of the /query page
  int pending;               // emit_async calls to the silent server
  // A 4 KB payload, as in the report that asked for this row.
  nlohmann::json payload = {{"blob", std::string(4000, 'b')}};
  std::string body = emit_body("bench.memory", payload);
};

struct ServerPorts {
  int huge;
  int silent;
  int pages;
};

// Peak growths across repetitions, one vector per row figure.
struct MemorySamples {
  std::vector<double> sdk_answer, raw_answer, sdk_page, raw_page, sdk_pending, bodies_alone,
      sdk_limited;
};

buildable::ClientOptions client_options(const Context& ctx, int port) {
  buildable::ClientOptions o;
  o.secret = ctx.secret;
  o.base_url = "http://127.0.0.1:" + std::to_string(port);
  o.user_agent = ctx.user_agent;
  o.request_timeout = std::chrono::minutes(10);  // the silent server must outlast the run
  return o;
}

void sdk_receive_page(const Context& ctx, int port) {
  buildable::Client client(client_options(ctx, port));
  auto subscription = client.on("bench.page", [](const buildable::Message&) {});
  // Every claim is lost (409), so the page is received, parsed and offered, and nothing
  // is handled: what is measured is the page.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (client.metrics().claims_lost < 100) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("the page's claims were not all answered");
    std::this_thread::sleep_for(milliseconds(10));  // sampling a counter
  }
}

void sdk_receive_huge_answer(const Context& ctx, int port) {
  buildable::Client client(client_options(ctx, port));
  try {
    client.emit("bench.memory", emit_payload());
  } catch (const buildable::TransportError&) {
    // expected: an /emit answer is refused past 1 MiB while it is received
  }
}

void sdk_all_pending(const Context& ctx, int port, const MemoryLoad& load) {
  auto o = client_options(ctx, port);
  o.max_pending_emits = static_cast<std::size_t>(load.pending);
  o.max_pending_bytes = std::size_t{4} << 30;
  buildable::Client client(o);
  std::vector<std::future<buildable::EmitResult>> futures;
  futures.reserve(static_cast<std::size_t>(load.pending));
  for (int i = 0; i < load.pending; ++i)
    futures.push_back(client.emit_async("bench.memory", load.payload));
}

void sdk_pending_default_limits(const Context& ctx, int port, const MemoryLoad& load) {
  auto o = client_options(ctx, port);
  o.when_emit_queue_full = buildable::WhenEmitQueueFull::fail;
  buildable::Client client(o);
  std::vector<std::future<buildable::EmitResult>> futures;
  for (int i = 0; i < load.pending; ++i) {
    try {
      futures.push_back(client.emit_async("bench.memory", load.payload));
    } catch (const buildable::QueueFullError&) {
      // the default limit reached: the emit is refused, nothing is held
    }
  }
}

void hold_bodies(const MemoryLoad& load) {
  std::vector<std::string> held;
  held.reserve(static_cast<std::size_t>(load.pending));
  for (int i = 0; i < load.pending; ++i)
    held.push_back(load.body);
}

std::string url_of(int port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

void measure_memory_rep(const Context& ctx, const MemoryLoad& load, const ServerPorts& ports,
                        int cpu, MemorySamples& out) {
  const auto growth = [cpu](const std::function<void()>& work) {
    return peak_growth_mib(work, cpu);
  };
  out.sdk_page.push_back(growth([&] { sdk_receive_page(ctx, ports.pages); }));
  out.raw_page.push_back(growth([&] {
    raw_post_into_string(url_of(ports.pages, "/query"), R"({"eventName":"bench.page"})");
  }));
  out.sdk_answer.push_back(growth([&] { sdk_receive_huge_answer(ctx, ports.huge); }));
  out.raw_answer.push_back(
      growth([&] { raw_post_into_string(url_of(ports.huge, "/emit"), load.body); }));
  out.sdk_pending.push_back(growth([&] { sdk_all_pending(ctx, ports.silent, load); }));
  out.bodies_alone.push_back(growth([&] { hold_bodies(load); }));
  out.sdk_limited.push_back(growth([&] { sdk_pending_default_limits(ctx, ports.silent, load); }));
}

void add_memory_rows(Context& ctx, const MemoryLoad& load, const MemorySamples& s) {
  const double answer_mib = static_cast<double>(load.answer_bytes) / kMiB;
  const std::string raw = "raw easy into std::string";
  add_row(ctx.report, format_number(answer_mib) + " MiB answer", "peak RSS growth", "MiB",
          summarize(s.sdk_answer), raw, summarize(s.raw_answer),
          Goal::sdk_at_most("T1", 2 * answer_mib),
          "emit(): refused past 1 MiB while received (TransportError)");
  add_row(ctx.report, format_number(answer_mib) + " MiB /query page", "peak RSS growth", "MiB",
          summarize(s.sdk_page), raw, summarize(s.raw_page),
          Goal::sdk_at_most("T1", 2.1 * answer_mib),
          "~2x: the page's text, then its messages (each row kept as Message::raw)");
  const std::string pending_section = std::to_string(load.pending) + " emit_async, silent server";
  add_row(ctx.report, pending_section, "peak RSS growth, all pending", "MiB",
          summarize(s.sdk_pending), "the bodies alone", summarize(s.bodies_alone), Goal::none(),
          "max_pending_emits raised to admit all: one body copy each");
  add_row(ctx.report, pending_section, "peak RSS growth, default limits", "MiB",
          summarize(s.sdk_limited), "the bodies alone", summarize(s.bodies_alone), Goal::none(),
          "1,000 pending at most; the rest refused (when_emit_queue_full = fail)");
}

}  // namespace

void section_memory(Context& ctx) {
  const MemoryLoad load{(ctx.opt.smoke ? 4u : 100u) * 1024 * 1024, ctx.opt.smoke ? 500 : 50'000};
  const int reps = std::min(ctx.opt.reps, 3);  // each run allocates hundreds of MiB
  const int client_cpu = ctx.opt.pin ? 0 : -1;
  const int server_cpu = ctx.opt.pin ? 1 : -1;
  progress("memory: a " + format_number(static_cast<double>(load.answer_bytes) / kMiB) +
           " MiB answer, " + std::to_string(load.pending) + " emit_async to a silent server x " +
           std::to_string(reps) + " reps");
  HostileServer huge(HostileServer::Kind::huge_answer, load.answer_bytes, server_cpu);
  HostileServer silent(HostileServer::Kind::silent, 0, server_cpu);
  HostileServer pages(HostileServer::Kind::query_page, load.answer_bytes, server_cpu);
  const ServerPorts ports{huge.port(), silent.port(), pages.port()};
  MemorySamples samples;
  for (int rep = 0; rep < reps; ++rep) {
    measure_memory_rep(ctx, load, ports, client_cpu, samples);
  }
  add_memory_rows(ctx, load, samples);
}

}  // namespace bench

#else
void bench::section_memory(Context&) {}
#endif
