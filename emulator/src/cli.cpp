#include "cli.hpp"

#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <utility>

#include "auth.hpp"
#include "buildable/emulator/command_line.hpp"
#include "faults.hpp"
#include "secret_sources.hpp"

namespace buildable::emulator::detail {

namespace {

long long to_integer(const std::string& flag, const std::string& value, long long min,
                     long long max) {
  std::size_t used = 0;
  long long number = 0;
  try {
    number = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || number < min || number > max) {
    throw std::invalid_argument(flag + ": expected an integer in " + std::to_string(min) + ".." +
                                std::to_string(max) + ", got '" + value + "'");
  }
  return number;
}

}  // namespace

std::string usage() {
  return R"(Usage: buildable-emulator [OPTIONS]

A local emulator of the Buildable Events service (POST /emit, /query, /init, /transact,
/update, /get-full-event-name). Stops cleanly on SIGINT/SIGTERM.

The same port serves a dashboard, a web page showing the message stream live (payloads,
transactions, their states and outputs). Its URL is printed at start; on a loopback bind it
is a one-time login link for the first key (nothing to paste), otherwise the page asks for a
secret key.

Options:
  --host HOST            address to listen on (default 127.0.0.1)
  --port PORT            port to listen on; 0 = pick a free one and print it (default 0)
  --store LOCATION       where messages are kept: a SQLite file (shareable by processes on
                         this machine) or a PostgreSQL URL postgresql://USER@HOST:PORT/DB
                         (shareable by servers on many machines; the password from
                         PGPASSWORD or ~/.pgpass rather than the URL). Default: in-memory
  --db PATH              the same as --store PATH
  --db-connections N     PostgreSQL: most database connections at once, and as many
                         threads running the handlers off the I/O threads (default 8)
  --db-retry-ms MS       PostgreSQL: how long a request retries a database that fails
                         transiently before it is answered 503 (default 10000); also the
                         lock and statement timeout (at least 1 s)
  --migrate-only         create or migrate the store's schema, print what was applied, exit
  --secret NAME=KEY[:live|:test]
                         accept secret KEY as key NAME (messages get platform "custom", label
                         NAME) in the test (default) or live environment; repeatable.
                         Default: one test key "demo" with a random secret, printed at start
  --secret-file FILE     more keys, one NAME=KEY[:live|:test] per line (blank lines and lines
                         starting with # skipped), kept out of the process list; a warning
                         when group or others can read FILE; repeatable. Keys are also read
                         from the environment variable BUILDABLE_EMULATOR_SECRETS (the same
                         entries, separated by newlines or commas)
  --threads N            threads running the event-driven HTTP core and the handlers; a
                         connection does not hold one (default 4)
  --max-connections N    connections served at once; more are answered 503 and closed
                         (default 10000; the soft limit of open files is raised to fit)
  --keep-alive-timeout S a connection waiting for a request is closed after S seconds
                         without a byte (default 10)
  --header-timeout S     a request's head (at most 64 KiB) must arrive within S seconds of
                         its first byte, else 408 and closed (default 10)
  --body-timeout S       a request's body (at most 1 MiB) must arrive within S seconds of its
                         head, else 408 and closed (default 30)
  --latency-ms MS        delay every protocol request by MS milliseconds (default 0)
  --fault SPEC           inject a fault, repeatable: KIND:PROBABILITY[:OPTION]...
                           KIND: 500, 503, 429 (request not applied), close-before (connection
                           closed, request not applied), close-after (request applied, then
                           connection closed), truncate (request applied, response body cut
                           in half), delay (request delayed, see delay=MS)
                           OPTION: /endpoint (only that endpoint, e.g. /emit),
                           retry-after=N (429: seconds, default 1), http-date (429: send
                           Retry-After as an HTTP-date), delay=MS (delay: how long)
                         e.g. --fault 503:0.1:/emit --fault 429:0.05:retry-after=2:http-date
  --fault-seed N         seed of the fault PRNG (default 1)
  --drain-timeout S      on SIGTERM/SIGINT, stop accepting and give the requests in flight
                         (head received) up to S seconds to finish with their real answers
                         before exiting; /readyz answers 503 from the start of the drain
                         (default 10; 0 = close everything at once, unanswered)
  --drain-delay S        buildable-emulator only: after the signal, keep serving S seconds
                         with /readyz answering 503 before the drain, so that load balancers
                         stop sending first; a second signal ends the wait (default 0)
  --access-log FILE|-    one line per request (time, peer, method, path, status, bytes,
                         milliseconds; never a header) appended to FILE, - = standard output
  --access-log-format plain|json
                         the access log's lines: space-separated fields, or one JSON object
                         (default plain)
  --help                 show this text

Operations endpoints (no secret): GET /healthz (200 while serving), GET /readyz (200 when the
database answers, else and while draining 503), GET /metrics (Prometheus text format).
)";
}

CommandLine parse_command_line(const std::vector<std::string>& args, const char* secrets_variable) {
  CommandLine result;
  auto& options = result.options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
      has_value = true;
    }
    auto take = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= args.size()) throw std::invalid_argument(flag + ": missing value");
      return args[++i];
    };
    if (flag == "--help" || flag == "-h") {
      result.help = true;
    } else if (flag == "--host") {
      options.host = take();
      if (options.host.empty()) throw std::invalid_argument("--host: empty");
    } else if (flag == "--port") {
      options.port = static_cast<int>(to_integer(flag, take(), 0, 65535));
    } else if (flag == "--db" || flag == "--store") {
      options.db_path = take();
      if (options.db_path.empty()) throw std::invalid_argument(flag + ": empty location");
    } else if (flag == "--db-connections") {
      options.db_connections = static_cast<int>(to_integer(flag, take(), 1, 1000));
    } else if (flag == "--db-retry-ms") {
      options.db_retry_budget = std::chrono::milliseconds(to_integer(flag, take(), 0, 600000));
    } else if (flag == "--migrate-only") {
      result.migrate_only = true;
    } else if (flag == "--secret") {
      options.keys.push_back(parse_secret_key(take()));
    } else if (flag == "--secret-file") {
      const std::string path = take();
      if (path.empty()) throw std::invalid_argument("--secret-file: empty path");
      for (auto& key : read_secret_file(path, result.warnings))
        options.keys.push_back(std::move(key));
    } else if (flag == "--drain-timeout") {
      options.drain_timeout = std::chrono::seconds(to_integer(flag, take(), 0, 3600));
    } else if (flag == "--drain-delay") {
      result.drain_delay = std::chrono::seconds(to_integer(flag, take(), 0, 3600));
    } else if (flag == "--access-log") {
      options.access_log = take();
      if (options.access_log.empty()) {
        throw std::invalid_argument("--access-log: empty (a file, or - for standard output)");
      }
    } else if (flag == "--access-log-format") {
      const std::string format = take();
      if (format == "plain") {
        options.access_log_format = AccessLogFormat::plain;
      } else if (format == "json") {
        options.access_log_format = AccessLogFormat::json;
      } else {
        throw std::invalid_argument("--access-log-format: expected plain or json, got '" + format +
                                    "'");
      }
    } else if (flag == "--threads") {
      options.threads = static_cast<int>(to_integer(flag, take(), 1, 256));
    } else if (flag == "--max-connections") {
      options.max_connections = static_cast<int>(to_integer(flag, take(), 1, 1000000));
    } else if (flag == "--keep-alive-timeout") {
      options.keep_alive_timeout = std::chrono::seconds(to_integer(flag, take(), 1, 86400));
    } else if (flag == "--header-timeout") {
      options.header_timeout = std::chrono::seconds(to_integer(flag, take(), 1, 86400));
    } else if (flag == "--body-timeout") {
      options.body_timeout = std::chrono::seconds(to_integer(flag, take(), 1, 86400));
    } else if (flag == "--latency-ms") {
      options.faults.latency = std::chrono::milliseconds(to_integer(flag, take(), 0, 3600000));
    } else if (flag == "--fault") {
      options.faults.rules.push_back(parse_fault_rule(take()));
    } else if (flag == "--fault-seed") {
      options.faults.seed =
          static_cast<std::uint64_t>(to_integer(flag, take(), 0, 0x7fffffffffffffffLL));
    } else {
      // Up to a '=' only: a mistyped `--secret=NAME=KEY` must not print the key.
      throw std::invalid_argument("unknown option '" + args[i].substr(0, args[i].find('=')) +
                                  "' (see --help)");
    }
  }
  if (secrets_variable) {
    for (auto& key : parse_secrets_variable(secrets_variable))
      options.keys.push_back(std::move(key));
  }
  return result;
}

}  // namespace buildable::emulator::detail

namespace buildable::emulator {

EmulatorOptions parse_command_line(const std::vector<std::string>& args, bool& help) {
  detail::CommandLine line =
      detail::parse_command_line(args, std::getenv(detail::kSecretsVariable));
  if (line.drain_delay.count() > 0) {
    throw std::invalid_argument("--drain-delay: only the buildable-emulator program has it");
  }
  for (const auto& warning : line.warnings)
    std::cerr << "warning: " << warning << "\n";
  help = line.help;
  return std::move(line.options);
}

std::string command_line_usage() {
  return detail::usage();
}

}  // namespace buildable::emulator
