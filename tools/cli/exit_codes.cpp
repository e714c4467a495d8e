#include "exit_codes.hpp"

#include <buildable/errors.hpp>
#include <exception>
#include <iostream>

#include "errors.hpp"

namespace buildable::cli {

std::string exit_codes_help() {
  return R"(Exit codes:
  0    success
  1    other failure (e.g. the emulator could not start)
  2    usage error or bad argument (unknown flag, invalid JSON, payload not an object or
       nested too deep)
  3    configuration error (no secret key, unusable base URL, unreadable CA bundle)
  4    the service answered with an HTTP error (4xx/5xx, e.g. 401 unknown secret)
  5    transport error: no answer (connection refused, DNS, TLS, timeout)
  6    protocol error: the service's answer did not follow the protocol
  124  listen: --timeout expired before --count messages were handled
  130  interrupted by SIGINT or SIGTERM
)";
}

int report_current_exception(const std::string& command) {
  const std::string prefix = command.empty() ? "buildable: " : "buildable " + command + ": ";
  try {
    throw;
  } catch (const UsageError& e) {
    std::cerr << prefix << e.what() << "\n"
              << "Try 'buildable " << (command.empty() ? "" : command + " ") << "--help'.\n";
    return kExitUsage;
  } catch (const ConfigError& e) {
    std::cerr << prefix << "configuration error: " << e.what() << "\n";
    return kExitConfig;
  } catch (const buildable::InvalidArgument& e) {
    // Thrown by the SDK before sending: a mistake in what the command line asked for.
    std::cerr << prefix << e.what() << "\n";
    return kExitUsage;
  } catch (const buildable::HttpError& e) {
    std::cerr << prefix << e.what() << "\n";
    return kExitHttp;
  } catch (const buildable::TransportError& e) {
    std::cerr << prefix << e.what() << "\n";
    return kExitTransport;
  } catch (const buildable::ProtocolError& e) {
    std::cerr << prefix << "protocol error: " << e.what() << "\n";
    return kExitProtocol;
  } catch (const std::exception& e) {
    std::cerr << prefix << e.what() << "\n";
    return kExitFailure;
  } catch (...) {
    std::cerr << prefix << "unknown error\n";
    return kExitFailure;
  }
}

}  // namespace buildable::cli
