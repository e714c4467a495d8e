// The exit codes of the buildable tool: the contract scripts branch on.
#pragma once

#include <string>

namespace buildable::cli {

/// Exit status of `buildable`. Documented in `buildable --help` and tools/README.md.
enum ExitCode : int {
  kExitOk = 0,             ///< success (also: `listen` whose reader closed standard output)
  kExitFailure = 1,        ///< any other failure (e.g. the emulator could not start)
  kExitUsage = 2,          ///< bad command line or argument (invalid JSON, non-object payload)
  kExitConfig = 3,         ///< configuration error (no secret, unusable base URL)
  kExitHttp = 4,           ///< the service answered with an HTTP error (4xx/5xx), e.g. 401
                           ///< or 403 for a refused secret key (listen too, unless --retry-auth)
  kExitTransport = 5,      ///< no answer: cannot connect, DNS, TLS, timeout
  kExitProtocol = 6,       ///< the service answered 2xx with a body that breaks the protocol
  kExitTimeout = 124,      ///< `--timeout` expired (listen: before --count messages; emit: while
                           ///< --retry-auth was retrying); like timeout(1)
  kExitInterrupted = 130,  ///< stopped by SIGINT or SIGTERM
};

/// The "Exit codes:" block of the --help texts.
std::string exit_codes_help();

/// Writes `line` and a newline to stderr in one piece (lines from several threads do not mix).
void write_diagnostic(const std::string& line);

/// Maps the exception being handled (call only inside a catch block) to its exit code after
/// printing `buildable <command>: <what>` to stderr.
int report_current_exception(const std::string& command);

}  // namespace buildable::cli
