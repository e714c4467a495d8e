#include "exit_codes.hpp"

#include <buildable/errors.hpp>
#include <exception>
#include <iostream>
#include <mutex>

#include "errors.hpp"

namespace buildable::cli {
namespace {

/// The SDK's InvalidArgument texts start with the member that threw ("emit: ", "on: "), which
/// the tool's prefix replaces, and may name the option behind a limit, which a command line
/// cannot change.
std::string in_tool_words(std::string what) {
  for (const std::string member : {"emit: ", "on: "}) {
    if (what.rfind(member, 0) == 0) what.erase(0, member.size());
  }
  const std::string option = " (ClientOptions::max_body_bytes)";
  if (const auto at = what.find(option); at != std::string::npos) what.erase(at, option.size());
  return what;
}

}  // namespace

std::string exit_codes_help() {
  return R"(Exit codes:
  0    success (listen, resolve --reprint: also when the reader closed standard output,
       e.g. '| head -2'; what was not delivered stays 'processing')
  1    other failure (e.g. the emulator could not start, standard output unwritable or
       closed)
  2    usage error or bad argument (unknown flag or help topic, invalid JSON, payload not
       an object, nested too deep or over 1 MiB, unreadable @file)
  3    configuration error (no secret key, unusable base URL, plain http:// to a remote
       host without --allow-insecure-http, unreadable CA bundle)
  4    the service answered with an HTTP error (4xx/5xx); 401/403 (secret key refused)
       ends listen too, unless --retry-auth
  5    transport error: no answer (connection refused, DNS, TLS, proxy, timeout)
  6    protocol error: the service's answer did not follow the protocol
  124  --timeout expired (listen: before --count messages; emit: while retrying)
  130  interrupted by SIGINT or SIGTERM (listen: also SIGHUP)
)";
}

void write_diagnostic(const std::string& line) {
  static std::mutex mutex;
  const std::string text = line + "\n";
  std::lock_guard lock(mutex);
  std::cerr << text << std::flush;
}

int report_current_exception(const std::string& command) {
  const std::string prefix = command.empty() ? "buildable: " : "buildable " + command + ": ";
  try {
    throw;
  } catch (const UsageError& e) {
    write_diagnostic(prefix + e.what() + "\nTry 'buildable " +
                     (command.empty() ? "" : command + " ") + "--help'.");
    return kExitUsage;
  } catch (const ConfigError& e) {
    write_diagnostic(prefix + "configuration error: " + e.what());
    return kExitConfig;
  } catch (const buildable::InvalidArgument& e) {
    // Thrown by the SDK before sending: a mistake in what the command line asked for.
    write_diagnostic(prefix + in_tool_words(e.what()));
    return kExitUsage;
  } catch (const buildable::HttpError& e) {
    write_diagnostic(prefix + e.what());
    return kExitHttp;
  } catch (const buildable::TransportError& e) {
    write_diagnostic(prefix + e.what());
    return kExitTransport;
  } catch (const buildable::ProtocolError& e) {
    write_diagnostic(prefix + "protocol error: " + e.what());
    return kExitProtocol;
  } catch (const std::exception& e) {
    write_diagnostic(prefix + e.what());
    return kExitFailure;
  } catch (...) {
    write_diagnostic(prefix + "unknown error");
    return kExitFailure;
  }
}

}  // namespace buildable::cli
