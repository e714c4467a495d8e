// buildable listen EVENT [...]: prints each message as one JSON line until --count messages,
// --timeout, SIGINT or SIGTERM.
#include <algorithm>
#include <buildable/client.hpp>
#include <buildable/listener_error.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>

#include "commands.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"
#include "message_output.hpp"
#include "since.hpp"
#include "stop_signals.hpp"

namespace buildable::cli {
namespace {

/// What ends a listen, shared by the handler, the signal watcher and the main thread.
struct ListenState {
  std::mutex mutex;
  std::condition_variable changed;
  std::int64_t handled = 0;
  bool count_reached = false;
  bool interrupted = false;
};

}  // namespace

std::string listen_help() {
  return "Usage: buildable listen [OPTIONS] EVENT\n\n"
         "Handles messages of event EVENT and prints each as one JSON line on standard output:\n"
         "  {\"key\",\"event\",\"payload\",\"headers\",\"query\",\"createdAt\",\"platform\","
         "\"label\",\"environment\"}\n"
         "(createdAt in epoch milliseconds). Each message is claimed for the transaction key\n"
         "and recorded as finished (output null) once printed, so among all listeners with\n"
         "the same --tx-key each message is printed once. Listening-path errors go to\n"
         "standard error; the listener keeps retrying.\n\n"
         "Options:\n"
         "  --platform P        only messages of source platform P (e.g. custom); default any\n"
         "  --label L           only messages of source label L (the secret key's name for\n"
         "                      custom); default any\n"
         "  --tx-key K          transaction key (default \"default\")\n"
         "  --since WHEN        now (default), all, epoch milliseconds, or an ISO-8601 UTC\n"
         "                      time such as 2024-05-01T12:00:00Z\n"
         "  --count N           exit 0 after N messages; claims one message at a time so\n"
         "                      that none is left claimed but unprinted\n"
         "  --timeout SECONDS   stop after SECONDS (decimals allowed) and exit 124\n"
         "  --poll-interval MS  wait between polls of an idle listener (default 1000)\n\n" +
         global_options_help() +
         "\nSIGINT or SIGTERM stops gracefully (messages already claimed are still printed)\n"
         "and exits 130; a second signal exits at once.\n\n" +
         exit_codes_help();
}

int run_listen(const std::vector<std::string>& args, GlobalOptions global) {
  try {
    auto specs = global_flag_specs();
    for (const char* flag : {"--platform", "--label", "--tx-key", "--since", "--count", "--timeout",
                             "--poll-interval"}) {
      specs.push_back({flag, true, ""});
    }
    const ParsedArguments parsed = parse_arguments(args, specs);
    if (parsed.has("--help")) {
      std::cout << listen_help();
      return kExitOk;
    }
    global.merge(parsed);
    if (parsed.positionals.empty()) throw UsageError("missing EVENT");
    if (parsed.positionals.size() > 1) {
      throw UsageError("unexpected argument '" + parsed.positionals[1] + "'");
    }
    const std::string& event = parsed.positionals[0];
    if (event.empty()) throw UsageError("EVENT must not be empty");

    ListenOptions listen;
    listen.platform = parsed.value("--platform").value_or("");
    listen.label = parsed.value("--label").value_or("");
    listen.tx_key = parsed.value("--tx-key").value_or("");
    if (auto since = parsed.value("--since")) listen.since = parse_since(*since);
    std::optional<std::int64_t> count;
    if (auto value = parsed.value("--count")) {
      count = parse_integer("--count", *value, 1, INT64_MAX);
    }
    std::optional<std::chrono::milliseconds> timeout;
    if (auto value = parsed.value("--timeout")) timeout = parse_seconds("--timeout", *value);

    ClientOptions options = make_client_options(global);
    if (auto value = parsed.value("--poll-interval")) {
      options.poll_interval =
          std::chrono::milliseconds(parse_integer("--poll-interval", *value, 1, 86'400'000));
      options.max_poll_backoff = std::max(options.max_poll_backoff, options.poll_interval);
    }
    if (count) {
      // One claimed-but-unhandled message at a time: when the N-th handler removes the
      // listener, nothing else has been claimed, so no message is left 'processing' unseen.
      options.max_outstanding_messages = 1;
    }
    options.on_error = [](const ListenerError& error) {
      std::cerr << "buildable listen: " << to_string(error.kind) << " error";
      if (!error.message_key.empty()) std::cerr << " (message " << error.message_key << ")";
      std::cerr << ": " << error.message << "\n";
    };

    // Before the Client: its threads inherit the blocked signal mask.
    ListenState state;  // outlives the signal watcher and the client, which refer to it
    StopSignals signals;
    Client client(options);
    signals.watch([&state](int) {
      std::lock_guard lock(state.mutex);
      state.interrupted = true;
      state.changed.notify_all();
    });

    client.on(
        event,
        [&state, &client, count](const Message& message) {
          // Handlers of one listener never overlap (max_concurrency 1), so lines stay whole.
          std::cout << message_json_line(message) << "\n" << std::flush;
          bool last = false;
          {
            std::lock_guard lock(state.mutex);
            ++state.handled;
            last = count && state.handled == *count;
          }
          if (!last) return;
          client.off_all();  // from inside the handler: marks it removed, does not wait
          std::lock_guard lock(state.mutex);
          state.count_reached = true;
          state.changed.notify_all();
        },
        listen);

    {
      std::unique_lock lock(state.mutex);
      const auto done = [&state] { return state.count_reached || state.interrupted; };
      if (timeout) {
        state.changed.wait_for(lock, *timeout, done);
      } else {
        state.changed.wait(lock, done);
      }
    }
    client.close();  // lets claimed messages finish and their results be recorded

    std::lock_guard lock(state.mutex);
    if (state.count_reached) return std::cout ? kExitOk : kExitFailure;
    if (state.interrupted) return kExitInterrupted;
    return kExitTimeout;
  } catch (...) {
    return report_current_exception("listen");
  }
}

}  // namespace buildable::cli
