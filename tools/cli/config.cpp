#include "config.hpp"

#include <algorithm>
#include <buildable/errors.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "errors.hpp"
#include "exit_codes.hpp"

namespace buildable::cli {
namespace {

/// The variable's value, or nullopt when it is unset or empty (as the SDK's from_env()).
std::optional<std::string> non_empty_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

/// A value and where it came from (a flag or a variable), for messages that say what to fix.
struct Sourced {
  std::string value;
  std::string source;
};

/// The CA bundle by precedence: --ca-bundle, BUILDABLE_CA_BUNDLE, then curl's own variables
/// CURL_CA_BUNDLE and SSL_CERT_FILE (in curl's order). Empty value: the system trust store.
Sourced ca_bundle_of(const GlobalOptions& global) {
  if (global.ca_bundle) return {*global.ca_bundle, "--ca-bundle"};
  for (const char* name : {"BUILDABLE_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"}) {
    if (auto value = non_empty_env(name)) return {*value, name};
  }
  return {};
}

/// The SDK's InvalidArgument text without its "invalid ClientOptions::<field>: " prefix, with
/// the one SDK field name it may mention put in the tool's words.
std::string sdk_reason(const std::string& what) {
  std::string text = what;
  if (text.rfind("invalid ClientOptions::", 0) == 0) {
    if (const auto colon = text.find(": "); colon != std::string::npos) text.erase(0, colon + 2);
  }
  const std::string field = "set ClientOptions::secret";
  if (const auto at = text.find(field); at != std::string::npos) {
    text.replace(at, field.size(), "give the secret with BUILDABLE_SECRET_KEY or --secret");
  }
  return text;
}

/// The checks of ClientOptions::validate() that the command line can fail, in its own words.
void check_ca_bundle(const Sourced& bundle, const std::string& secret) {
  const std::string what =
      "the CA bundle '" + without_secret(bundle.value, secret) + "' (from " + bundle.source + ")";
  const std::string fix = "; give a readable PEM file of CA certificates";
  std::error_code error;
  const auto status = std::filesystem::status(bundle.value, error);
  if (!std::filesystem::exists(status)) throw ConfigError(what + " does not exist" + fix);
  if (std::filesystem::is_directory(status)) throw ConfigError(what + " is a directory" + fix);
  if (!std::filesystem::is_regular_file(status)) {
    throw ConfigError(what + " is not a regular file" + fix);
  }
  errno = 0;
  std::ifstream file(bundle.value, std::ios::binary);
  if (!file.is_open()) {
    const int code = errno;
    throw ConfigError(what + " cannot be read" +
                      (code != 0 ? " (" + std::generic_category().message(code) + ")" : "") + fix);
  }
}

void check_base_url(const ClientOptions& options, const std::string& source) {
  ClientOptions probe;
  // The real secret, so that the SDK's message redacts it from the URL it quotes.
  probe.secret = options.secret.empty() ? "probe" : options.secret;
  probe.base_url = options.base_url;
  probe.allow_insecure_http = true;
  try {
    probe.validate();
  } catch (const buildable::InvalidArgument& e) {
    throw ConfigError(without_secret(source + " " + sdk_reason(e.what()), options.secret));
  }
  probe.allow_insecure_http = options.allow_insecure_http;
  try {
    probe.validate();
  } catch (const buildable::InvalidArgument&) {
    throw ConfigError(source + " '" + without_secret(options.base_url, options.secret) +
                      "': plain http:// is only allowed for loopback hosts, since the secret "
                      "key would travel unencrypted; use https://, or pass "
                      "--allow-insecure-http if you mean it");
  }
}

}  // namespace

std::string without_secret(const std::string& text, const std::string& secret) {
  if (secret.empty() || text.find(secret) == std::string::npos) return text;
  static const std::string kMarker = "<redacted>";
  std::string out;
  std::size_t from = 0;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, from)) {
    out.append(text, from, at - from);
    out += kMarker;
    from = at + secret.size();
  }
  out.append(text, from, std::string::npos);
  if (out.find(secret) != std::string::npos) return "(not shown: it contains the secret key)";
  return out;
}

void GlobalOptions::merge(const ParsedArguments& parsed) {
  if (auto value = parsed.value("--secret")) secret = *value;
  if (auto value = parsed.value("--base-url")) base_url = *value;
  if (auto value = parsed.value("--ca-bundle")) ca_bundle = *value;
  if (auto value = parsed.value("--proxy")) proxy = *value;
  if (parsed.has("--allow-insecure-http")) allow_insecure_http = true;
  if (parsed.has("--verbose")) verbose = true;
}

std::vector<FlagSpec> global_flag_specs() {
  return {{"--secret", true, ""},
          {"--base-url", true, ""},
          {"--ca-bundle", true, "--cacert"},
          {"--proxy", true, ""},
          {"--allow-insecure-http", false, ""},
          {"--verbose", false, ""},
          {"--help", false, "-h"}};
}

std::size_t parse_leading_global_flags(const std::vector<std::string>& args, GlobalOptions& global,
                                       bool& help, bool& version) {
  std::size_t end = 0;
  while (end < args.size() && args[end].size() > 1 && args[end][0] == '-') {
    if (args[end] == "--version") {
      version = true;
      return end;
    }
    // A flag that takes a value consumes the next argument, whatever it looks like.
    const std::string& arg = args[end];
    const std::string name = arg.substr(0, arg.find('='));
    const auto specs = global_flag_specs();
    const auto spec = std::find_if(specs.begin(), specs.end(), [&](const FlagSpec& f) {
      return f.name == name || (!f.alias.empty() && f.alias == name);
    });
    end += spec != specs.end() && spec->takes_value && name == arg ? 2 : 1;
  }
  end = std::min(end, args.size());
  const std::vector<std::string> leading(args.begin(),
                                         args.begin() + static_cast<std::ptrdiff_t>(end));
  const ParsedArguments parsed = parse_arguments(leading, global_flag_specs());
  if (parsed.has("--help")) help = true;
  global.merge(parsed);
  return end;
}

std::string global_options_help() {
  return R"(Global options (before or after the command):
  --secret KEY       secret key (default: $BUILDABLE_SECRET_KEY). Prefer the variable: a
                     flag is visible to other users in the process list
  --base-url URL     service root (default: $BLD_EVENTS_BASE_URL, else
                     https://events.buildable.dev); http:// only for loopback hosts
  --ca-bundle FILE   PEM file of CAs to trust (alias --cacert; default: $BUILDABLE_CA_BUNDLE,
                     else $CURL_CA_BUNDLE, else $SSL_CERT_FILE, else the system's)
  --proxy URL        proxy (default: $BUILDABLE_PROXY, else libcurl's https_proxy, all_proxy
                     and no_proxy); plain http:// never uses one without the next flag
  --allow-insecure-http  allow plain http:// to a host that is not loopback (the secret
                     key then travels unencrypted)
  --verbose          trace each HTTP request on standard error (never the secret key)
  -h, --help         show help
)";
}

ClientOptions make_client_options(const GlobalOptions& global, const std::string& command) {
  ClientOptions options = ClientOptions::from_env();
  if (global.secret) options.secret = *global.secret;
  if (global.base_url) options.base_url = *global.base_url;
  if (global.proxy) options.proxy = *global.proxy;
  options.allow_insecure_http = global.allow_insecure_http;
  if (options.secret.empty()) {
    throw ConfigError("no secret key: set BUILDABLE_SECRET_KEY or pass --secret");
  }
  if (has_control_character(options.secret)) {
    throw ConfigError(std::string("the secret key (from ") +
                      (global.secret ? "--secret" : "BUILDABLE_SECRET_KEY") +
                      ") contains a control character (a line break, tab or other byte below "
                      "0x20, or 0x7f); check how it was copied");
  }
  const std::string url_source =
      global.base_url ? "--base-url"
      : std::getenv("BLD_EVENTS_BASE_URL") && *std::getenv("BLD_EVENTS_BASE_URL")
          ? "BLD_EVENTS_BASE_URL"
          : "the default base URL";
  check_base_url(options, url_source);
  const Sourced bundle = ca_bundle_of(global);
  options.ca_bundle = bundle.value;
  if (!bundle.value.empty()) check_ca_bundle(bundle, options.secret);

  const std::string prefix = command.empty() ? "buildable: " : "buildable " + command + ": ";
  options.log_level = global.verbose ? LogLevel::debug : LogLevel::warning;
  options.logger = [prefix](LogLevel level, std::string_view line) {
    write_diagnostic(prefix + to_string(level) + ": " + std::string(line));
  };
  try {
    options.validate();  // what the checks above do not cover
  } catch (const buildable::InvalidArgument& e) {
    throw ConfigError(without_secret(sdk_reason(e.what()), options.secret));
  }
  return options;
}

}  // namespace buildable::cli
