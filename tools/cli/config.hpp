// Where the tool's client configuration comes from: flags first, then the environment
// variables the SDK reads (BUILDABLE_SECRET_KEY, BLD_EVENTS_BASE_URL), then the defaults.
#pragma once

#include <buildable/client_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "arguments.hpp"

namespace buildable::cli {

/// The flags every client subcommand accepts, before or after the subcommand name.
struct GlobalOptions {
  std::optional<std::string> secret;    ///< --secret
  std::optional<std::string> base_url;  ///< --base-url

  /// Takes --secret/--base-url from `parsed` (given after the subcommand: they win).
  void merge(const ParsedArguments& parsed);
};

/// FlagSpecs of --secret, --base-url and --help/-h, to append to a subcommand's own.
std::vector<FlagSpec> global_flag_specs();

/// The "Global options:" block of the --help texts.
std::string global_options_help();

/// ClientOptions from the environment overridden by the flags, validated. Throws ConfigError
/// saying what to fix (no secret, unusable base URL, unreadable CA bundle).
ClientOptions make_client_options(const GlobalOptions& global);

}  // namespace buildable::cli
