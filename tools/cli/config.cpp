#include "config.hpp"

#include <buildable/errors.hpp>

#include "errors.hpp"

namespace buildable::cli {

void GlobalOptions::merge(const ParsedArguments& parsed) {
  if (auto value = parsed.value("--secret")) secret = *value;
  if (auto value = parsed.value("--base-url")) base_url = *value;
}

std::vector<FlagSpec> global_flag_specs() {
  return {{"--secret", true, ""}, {"--base-url", true, ""}, {"--help", false, "-h"}};
}

std::string global_options_help() {
  return R"(Global options (before or after the command):
  --secret KEY       secret key (default: $BUILDABLE_SECRET_KEY). Prefer the variable: a
                     flag is visible to other users in the process list
  --base-url URL     service root (default: $BLD_EVENTS_BASE_URL, else
                     https://events.buildable.dev); http:// only for loopback hosts
  -h, --help         show help
)";
}

ClientOptions make_client_options(const GlobalOptions& global) {
  ClientOptions options = ClientOptions::from_env();
  if (global.secret) options.secret = *global.secret;
  if (global.base_url) options.base_url = *global.base_url;
  if (options.secret.empty()) {
    throw ConfigError("no secret key: pass --secret or set BUILDABLE_SECRET_KEY");
  }
  try {
    options.validate();
  } catch (const buildable::InvalidArgument& e) {
    throw ConfigError(e.what());
  }
  return options;
}

}  // namespace buildable::cli
