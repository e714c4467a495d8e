// Where the tool's client configuration comes from: flags first, then the environment
// variables (BUILDABLE_SECRET_KEY, BLD_EVENTS_BASE_URL, BUILDABLE_CA_BUNDLE, CURL_CA_BUNDLE,
// SSL_CERT_FILE, BUILDABLE_PROXY), then the defaults.
#pragma once

#include <buildable/client_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "arguments.hpp"

namespace buildable::cli {

/// The flags every client subcommand accepts, before or after the subcommand name.
struct GlobalOptions {
  std::optional<std::string> secret;     ///< --secret
  std::optional<std::string> base_url;   ///< --base-url
  std::optional<std::string> ca_bundle;  ///< --ca-bundle (alias --cacert, as in curl)
  std::optional<std::string> proxy;      ///< --proxy
  bool allow_insecure_http = false;      ///< --allow-insecure-http
  bool verbose = false;                  ///< --verbose (alias -v)

  /// Takes the global flags from `parsed` (given after the subcommand: they win).
  void merge(const ParsedArguments& parsed);
};

/// `text` safe to show when it may quote user input that holds the secret key (a base URL, a
/// file name, a message key): every occurrence of `secret` becomes "<redacted>". When the
/// marker would spell the secret again (a secret such as "red"), the whole text is replaced.
/// An empty `secret` changes nothing. Every message the tool builds from such input uses it.
std::string without_secret(const std::string& text, const std::string& secret);

/// FlagSpecs of the global flags and --help/-h, to append to a subcommand's own.
std::vector<FlagSpec> global_flag_specs();

/// Parses the global flags before the command name: `args[0..]` up to the first argument
/// that is not a flag. Returns the index of the command name (args.size() when there is
/// none). Sets `help`/`version` for --help/-h and --version. Throws UsageError.
std::size_t parse_leading_global_flags(const std::vector<std::string>& args, GlobalOptions& global,
                                       bool& help, bool& version);

/// The "Global options:" block of the --help texts.
std::string global_options_help();

/// ClientOptions from the environment overridden by the flags, validated. `command` (e.g.
/// "listen") names the tool's diagnostic lines: the SDK's log lines go to stderr as
/// `buildable <command>: <level>: <line>` (all of them from `debug` up with --verbose).
/// Throws ConfigError saying, in the tool's words, what to fix (no secret, unusable base
/// URL, plain http:// to a remote host, unreadable CA bundle).
ClientOptions make_client_options(const GlobalOptions& global, const std::string& command = "");

}  // namespace buildable::cli
