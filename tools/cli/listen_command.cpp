// buildable listen EVENT [...]: prints each message as one JSON line until --count messages,
// --timeout, SIGINT, SIGTERM or SIGHUP, the reader closing standard output, or a refused secret
// key.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <buildable/client.hpp>
#include <buildable/listener_error.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include "commands.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"
#include "line_output.hpp"
#include "message_output.hpp"
#include "since.hpp"
#include "stop_signals.hpp"

namespace buildable::cli {
namespace {

using SteadyClock = std::chrono::steady_clock;

/// How long a line still unread when the listen is told to stop may take to be read.
constexpr std::chrono::milliseconds kStopGrace{1000};

/// Why a listen ends; the first reason wins.
enum class Stop {
  none,
  count_reached,   ///< --count messages delivered: exit 0
  output_closed,   ///< the reader closed standard output: exit 0
  output_failed,   ///< standard output cannot be written (ENOSPC, EBADF...): exit 1
  secret_refused,  ///< the service answered 401/403 and there is no --retry-auth: exit 4
  timed_out,       ///< --timeout: exit 124
  interrupted,     ///< SIGINT, SIGTERM or SIGHUP: exit 130
};

/// A self-pipe that wakes the main thread's poll() (which also watches standard output).
class Wakeup {
 public:
  Wakeup() {
    if (::pipe2(fds_.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
      throw std::system_error(errno, std::generic_category(), "pipe2");
    }
  }
  ~Wakeup() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;

  void notify() const {
    const char byte = 1;
    [[maybe_unused]] const auto ignored = ::write(fds_[1], &byte, 1);  // full: already woken
  }
  int read_fd() const { return fds_[0]; }
  void drain() const {
    std::array<char, 64> bytes{};
    while (::read(fds_[0], bytes.data(), bytes.size()) > 0) {
    }
  }

 private:
  std::array<int, 2> fds_{};
};

/// What ends a listen, shared by the handler, on_error, the signal watcher and the main
/// thread.
struct ListenState {
  std::mutex mutex;
  Wakeup wakeup;
  std::int64_t handled = 0;
  Stop stop = Stop::none;
  SteadyClock::time_point stop_time;
  int write_error = 0;

  void request_stop(Stop reason) {
    {
      std::lock_guard lock(mutex);
      if (stop != Stop::none) return;
      stop = reason;
      stop_time = SteadyClock::now();
    }
    wakeup.notify();
  }
  Stop reason() {
    std::lock_guard lock(mutex);
    return stop;
  }
  /// True once a stop was requested more than kStopGrace ago: an unread line is given up.
  bool grace_over() {
    std::lock_guard lock(mutex);
    return stop != Stop::none && SteadyClock::now() - stop_time >= kStopGrace;
  }
};

/// Waits until a stop reason is set, `deadline` passes (Stop::timed_out), or the pipe on
/// standard output loses its reader (Stop::output_closed).
void wait_for_stop(ListenState& state, const LineOutput& output,
                   std::optional<SteadyClock::time_point> deadline) {
  for (;;) {
    if (state.reason() != Stop::none) return;
    int timeout_ms = -1;
    if (deadline) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(*deadline - SteadyClock::now());
      if (left.count() <= 0) return state.request_stop(Stop::timed_out);
      timeout_ms = static_cast<int>(std::min<std::int64_t>(left.count(), 3'600'000));
    }
    std::array<pollfd, 2> fds{pollfd{state.wakeup.read_fd(), POLLIN, 0},
                              pollfd{output.reader_watch_fd(), 0, 0}};
    const nfds_t count = output.reader_watch_fd() >= 0 ? 2 : 1;
    if (::poll(fds.data(), count, timeout_ms) < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    if (count == 2 && (fds[1].revents & (POLLERR | POLLHUP)) != 0) {
      state.request_stop(Stop::output_closed);
    }
    if ((fds[0].revents & POLLIN) != 0) state.wakeup.drain();
  }
}

}  // namespace

std::string listen_help() {
  return "Usage: buildable listen [OPTIONS] EVENT\n\n"
         "Handles messages of event EVENT and prints each as one JSON line on standard output:\n"
         "  {\"key\",\"event\",\"payload\",\"headers\",\"query\",\"createdAt\",\"platform\","
         "\"label\",\"environment\"}\n"
         "(createdAt in epoch milliseconds). It claims one message at a time for the\n"
         "transaction key, prints it, and records it finished (output null) once its line is\n"
         "written (into a pipe: once the reader has read it), so among all listeners with\n"
         "the same --tx-key each message is printed once. A message whose line could not be\n"
         "delivered stays 'processing' and its key goes to standard error. Listening-path\n"
         "errors go to standard error and are retried, except a refused secret key.\n\n"
         "Options:\n"
         "  --platform P        only messages of source platform P (e.g. custom); default any\n"
         "  --label L           only messages of source label L (the secret key's name for\n"
         "                      custom); default any\n"
         "  --tx-key K          transaction key (default \"default\")\n"
         "  --since WHEN        now (default), all, epoch milliseconds, or an ISO-8601 UTC\n"
         "                      time such as 2024-05-01T12:00:00Z\n"
         "  --count N           exit 0 after N messages\n"
         "  --timeout SECONDS   stop after SECONDS (decimals allowed) and exit 124\n"
         "  --poll-interval MS  wait between polls of an idle listener (default 1000)\n"
         "  --retry-auth        when the service refuses the secret key (HTTP 401/403), keep\n"
         "                      retrying with backoff instead of exiting 4 (key rotation)\n\n" +
         global_options_help() +
         "\nWhen the reader of standard output goes away ('| head -2'), listen stops and exits\n"
         "0. SIGINT, SIGTERM or SIGHUP stops gracefully (a line being printed gets a second\n"
         "to be read) and exits 130; a second signal exits at once.\n\n" +
         exit_codes_help();
}

int run_listen(const std::vector<std::string>& args, GlobalOptions global) {
  try {
    auto specs = global_flag_specs();
    for (const char* flag : {"--platform", "--label", "--tx-key", "--since", "--count", "--timeout",
                             "--poll-interval"}) {
      specs.push_back({flag, true, ""});
    }
    specs.push_back({"--retry-auth", false, ""});
    const ParsedArguments parsed = parse_arguments(args, specs);
    if (parsed.has("--help")) {
      std::cout << listen_help() << std::flush;
      return kExitOk;
    }
    global.merge(parsed);
    const std::string event = event_argument(parsed, 1);

    ListenOptions listen;
    listen.platform = parsed.value("--platform").value_or("");
    listen.label = parsed.value("--label").value_or("");
    listen.tx_key = parsed.value("--tx-key").value_or("");
    // The SDK refuses these too, in its own terms; say it in the command line's.
    if (listen.platform.find('.') != std::string::npos) {
      throw UsageError("--platform must not contain a dot");
    }
    if (listen.label.find('.') != std::string::npos) {
      throw UsageError("--label must not contain a dot");
    }
    const std::string tx_key = listen.tx_key.empty() ? kDefaultTxKey : listen.tx_key;
    if (auto since = parsed.value("--since")) listen.since = parse_since(*since);
    std::optional<std::int64_t> count;
    if (auto value = parsed.value("--count")) {
      count = parse_integer("--count", *value, 1, INT64_MAX);
    }
    std::optional<SteadyClock::time_point> deadline;
    if (auto value = parsed.value("--timeout")) {
      deadline = SteadyClock::now() + parse_seconds("--timeout", *value);
    }
    const bool retry_auth = parsed.has("--retry-auth");

    ClientOptions options = make_client_options(global, "listen");
    if (auto value = parsed.value("--poll-interval")) {
      options.poll_interval =
          std::chrono::milliseconds(parse_integer("--poll-interval", *value, 1, 86'400'000));
      options.max_poll_backoff = std::max(options.max_poll_backoff, options.poll_interval);
    }
    // One claimed message at a time, and the next one only once the previous one's result is
    // recorded: whenever the listen stops, at most one message is claimed but not delivered.
    options.max_outstanding_messages = 1;

    ListenState state;  // outlives the signal watcher and the client, which refer to it
    options.on_error = [&state, tx_key, retry_auth](const ListenerError& error) {
      if (error.kind == ListenerError::Kind::abandoned) {
        write_diagnostic("buildable listen: message " + error.message_key +
                         " was claimed but not delivered; it stays 'processing' for txKey '" +
                         tx_key + "'");
        return;
      }
      std::string line = std::string("buildable listen: ") + to_string(error.kind) + " error";
      if (!error.message_key.empty()) line += " (message " + error.message_key + ")";
      write_diagnostic(line + ": " + error.message);
      if (!retry_auth && refuses_secret_key(error.http_status))
        state.request_stop(Stop::secret_refused);
    };

    // SIGPIPE is ignored (main()): a reader that goes away makes writes fail with EPIPE, and
    // the message being printed is left unrecorded.
    LineOutput output;
    // Before the Client: its threads inherit the blocked signal mask. SIGHUP (the terminal
    // went away, `kill -HUP`) stops it like SIGTERM.
    StopSignals signals(/*hangup=*/true);
    Client client(options);
    signals.watch([&state](int) { state.request_stop(Stop::interrupted); });

    client.on(
        event,
        [&state, &client, &output, count](const Message& message) {
          // Handlers of one listener never overlap (max_concurrency 1), so lines stay whole.
          const auto result = output.deliver(message_json_line(message) + "\n",
                                             [&state] { return state.grace_over(); });
          if (result != LineOutput::Result::delivered) {
            // Closing from inside the handler keeps its result from being recorded: the
            // message stays 'processing', and on_error reports its key as `abandoned`.
            client.close();
            if (result == LineOutput::Result::write_error) {
              {
                std::lock_guard lock(state.mutex);
                state.write_error = output.error();
              }
              state.request_stop(Stop::output_failed);
            } else {
              state.request_stop(Stop::output_closed);  // or the reason already set
            }
            return;
          }
          bool last = false;
          {
            std::lock_guard lock(state.mutex);
            ++state.handled;
            last = count && state.handled == *count;
          }
          if (!last) return;
          client.off_all();  // from inside the handler: marks it removed, does not wait
          state.request_stop(Stop::count_reached);
        },
        listen);

    wait_for_stop(state, output, deadline);
    // Removing the listener first lets a handler that is printing finish (or, if its line
    // cannot be delivered, close the client itself so that its message stays unrecorded)
    // before close() begins; a message claimed but not yet printed is reported `abandoned`.
    client.off_all();
    client.close();

    const Stop reason = state.reason();
    switch (reason) {
      case Stop::count_reached:
      case Stop::output_closed:
        return kExitOk;
      case Stop::output_failed: {
        std::lock_guard lock(state.mutex);
        write_diagnostic("buildable listen: cannot write to standard output: " +
                         std::generic_category().message(state.write_error));
        return kExitFailure;
      }
      case Stop::secret_refused:
        write_diagnostic(
            "buildable listen: the service refused the secret key; stopping (--retry-auth "
            "keeps retrying)");
        return kExitHttp;
      case Stop::interrupted:
        return kExitInterrupted;
      case Stop::timed_out:
      case Stop::none:
        break;
    }
    return kExitTimeout;
  } catch (...) {
    return report_current_exception("listen");
  }
}

}  // namespace buildable::cli
