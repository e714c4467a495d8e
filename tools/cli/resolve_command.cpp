// buildable resolve EVENT (KEY... | --all) (--finished | --failed | --reprint): ends the
// transactions of stranded messages (Client::resolve(), resolve_all(), stranded()).
#include <algorithm>
#include <buildable/client.hpp>
#include <cstddef>
#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"
#include "json_argument.hpp"
#include "line_output.hpp"
#include "message_output.hpp"
#include "stranded_query.hpp"

namespace buildable::cli {
namespace {

/// The key as shown in messages: a key that could break a line, is absurdly long, or holds
/// the secret key (a KEY argument pasted wrongly) is not.
std::string shown_key(const std::string& key, const std::string& secret) {
  if (key.empty() || key.size() > 256 || without_secret(key, secret) != key) {
    return "(key not shown)";
  }
  for (const char c : key) {
    if (c <= ' ' || c >= 0x7f) return "(key not shown)";
  }
  return key;
}

/// What `buildable resolve` prints for a resolved message.
const char* outcome_word(const ResolveResult& result) {
  if (result.status == ResolveResult::Status::already_ended) return "already-ended";
  return to_string(result.state);
}

/// Collects the exit status: the first failure's code wins.
class Status {
 public:
  explicit Status(std::string secret) : secret_(std::move(secret)) {}

  /// Reports `error` for message `key` on stderr and notes its exit code.
  void failed(const std::string& key, const std::exception_ptr& error) {
    try {
      std::rethrow_exception(error);
    } catch (...) {
      note(report_current_exception("resolve: message " + shown(key)));
    }
  }
  /// `key` as messages show it.
  std::string shown(const std::string& key) const { return shown_key(key, secret_); }
  /// Writes `text` to standard output; the first failure is reported once and makes the exit
  /// status 1 (the messages are still resolved: the records, not the lines, are the work).
  void print(const std::string& text) {
    if (output_failed_) return;
    if (const int error = write_stdout(text); error != 0) {
      output_failed_ = true;
      write_diagnostic("buildable resolve: cannot write to standard output: " +
                       std::generic_category().message(error));
      note(kExitFailure);
    }
  }
  void note(int code) {
    if (code_ == kExitOk) code_ = code;
  }
  int code() const { return code_; }

 private:
  int code_ = kExitOk;
  std::string secret_;
  bool output_failed_ = false;
};

/// --reprint: prints each stranded message as `listen` does, then records it finished (output
/// null) once its line is delivered (LineOutput: into a pipe, read by the reader). Stops when
/// standard output fails or its reader leaves: the message being printed and the ones after it
/// stay `processing`, the first one reported with its key as listen reports it. A reader that
/// leaves is no failure (exit status unchanged, as for listen); another write error is 1.
void reprint(Client& client, const StrandedQuery& query, bool all, Status& status) {
  LineOutput output;
  const std::string tx_key = query.tx_key.empty() ? kDefaultTxKey : query.tx_key;
  std::set<std::string> found;
  for (;;) {
    const StrandedList list = client.stranded(query);
    for (const auto& why : list.skipped)
      write_diagnostic("buildable resolve: " + why);
    bool progress = false;
    for (const auto& entry : list.messages) {
      const Message& m = entry.message;
      found.insert(m.key);
      // As a listener: an undecodable message is recorded failed, not printed.
      Resolution resolution = Resolution::finished();
      if (!entry.decode_error.empty()) {
        write_diagnostic("buildable resolve: message " + status.shown(m.key) +
                         " cannot be decoded, recorded failed: " + entry.decode_error);
        resolution = Resolution::failed("the message could not be decoded: " + entry.decode_error);
      } else {
        const auto result = output.deliver(message_json_line(m) + "\n", [] { return false; });
        if (result != LineOutput::Result::delivered) {
          write_diagnostic("buildable resolve: message " + status.shown(m.key) +
                           " was not delivered; it stays 'processing' for txKey '" + tx_key +
                           "', and so do the messages not printed yet");
          if (result == LineOutput::Result::write_error) {
            write_diagnostic("buildable resolve: cannot write to standard output: " +
                             std::generic_category().message(output.error()));
            status.note(kExitFailure);
          }
          return;  // reader_gone: the reader had enough, as with listen (exit 0)
        }
      }
      try {
        client.resolve(m, resolution);
        progress = true;
      } catch (...) {
        status.failed(m.key, std::current_exception());
      }
    }
    if (!all || !list.truncated || !progress) break;
  }
  for (const auto& key : query.keys) {
    if (found.count(key) != 0) continue;
    write_diagnostic("buildable resolve: message " + status.shown(key) +
                     " is not stranded for this transaction key (or the filters leave it out)");
    status.note(kExitFailure);
  }
}

}  // namespace

std::string resolve_help() {
  return "Usage: buildable resolve [OPTIONS] EVENT (KEY... | --all)\n"
         "                        (--finished | --failed | --reprint)\n\n"
         "Ends the transactions of stranded messages of event EVENT (see 'buildable\n"
         "stranded'): the messages KEY..., or with --all every message 'buildable stranded'\n"
         "lists with the same options (in batches of --limit, until none is left).\n\n"
         "  --finished          record them finished with --output (default null)\n"
         "  --failed            record them failed with --output (default null)\n"
         "  --reprint           hand them out again: print each as 'buildable listen' does,\n"
         "                      then record it finished (output null) once delivered (into\n"
         "                      a pipe: read by the reader); a message whose content cannot\n"
         "                      be decoded is recorded failed, not printed\n"
         "  --output JSON       the output to record: any JSON value, '@FILE' to read it\n"
         "                      from FILE, '@-' from standard input\n"
         "  --all               every stranded message the options below select\n\n"
         "Selecting (with --all or --reprint):\n" +
         stranded_query_help() + "\n" + global_options_help() +
         "\nWith --finished/--failed, one line per message on standard output: 'KEY finished',\n"
         "'KEY failed', or 'KEY already-ended' when its transaction had already ended. A\n"
         "message that cannot be resolved (e.g. HTTP 404: not claimed for this transaction\n"
         "key) is reported on standard error and the others are still resolved; the exit\n"
         "status is then the first such failure's (4, 5 or 6), or 1 when a KEY given with\n"
         "--reprint is not stranded or standard output fails. When the reader of standard\n"
         "output leaves, --reprint stops and exits 0: the message being printed (reported\n"
         "on standard error) and the ones not printed yet stay 'processing'.\n\n" +
         exit_codes_help();
}

int run_resolve(const std::vector<std::string>& args, GlobalOptions global) {
  try {
    auto specs = global_flag_specs();
    for (auto& spec : stranded_query_flag_specs())
      specs.push_back(std::move(spec));
    for (const char* flag : {"--all", "--finished", "--failed", "--reprint"}) {
      specs.push_back({flag, false, ""});
    }
    specs.push_back({"--output", true, ""});
    const ParsedArguments parsed = parse_arguments(args, specs);
    if (parsed.has("--help")) {
      std::cout << resolve_help();
      return kExitOk;
    }
    global.merge(parsed);
    const std::string event = event_argument(parsed, parsed.positionals.size());
    const std::vector<std::string> keys(parsed.positionals.begin() + 1, parsed.positionals.end());
    const bool all = parsed.has("--all");
    if (all && !keys.empty()) throw UsageError("give KEYs or --all, not both");
    if (!all && keys.empty()) throw UsageError("missing KEY (or --all)");
    for (const auto& key : keys) {
      if (key.empty()) throw UsageError("a KEY must not be empty");
    }
    const bool reprinting = parsed.has("--reprint");
    const int modes = static_cast<int>(parsed.has("--finished")) +
                      static_cast<int>(parsed.has("--failed")) + static_cast<int>(reprinting);
    if (modes != 1) throw UsageError("give exactly one of --finished, --failed and --reprint");
    if (reprinting && parsed.has("--output")) {
      throw UsageError("--output does not go with --reprint (it records null, as listen does)");
    }
    if (!all && !reprinting && has_stranded_filter(parsed)) {
      throw UsageError(
          "--since, --min-age, --platform, --label and --limit select messages for --all and "
          "--reprint; they do not apply to KEYs resolved with --finished or --failed");
    }
    nlohmann::json output;
    if (auto value = parsed.value("--output"))
      output = parse_json_argument(
          read_json_argument(*value, "--output", false, max_json_argument_bytes()), "--output");
    const Resolution resolution = parsed.has("--failed") ? Resolution::failed(std::move(output))
                                                         : Resolution::finished(std::move(output));
    StrandedQuery query = make_stranded_query(event, parsed);
    if (!all) {
      query.keys = keys;
      if (!parsed.has("--limit") && keys.size() > query.limit) {
        query.limit = std::min(keys.size(), kMaxStrandedLimit);
      }
    }

    const ClientOptions options = make_client_options(global, "resolve");
    Client client(options);
    Status status(options.secret);
    if (reprinting) {
      reprint(client, query, all, status);
    } else if (all) {
      for (;;) {
        const auto results = client.resolve_all(query, resolution);
        bool progress = false;
        for (const auto& result : results) {
          if (result.ok()) {
            progress = true;
            status.print(result.key + " " + outcome_word(result) + "\n");
          } else {
            status.failed(result.key, result.exception);
          }
        }
        // A full batch may hide more: resolved messages drop out, so the next listing
        // reaches them. Stop when a batch made no progress, so failures cannot loop.
        if (results.size() < query.limit || !progress) break;
      }
    } else {
      for (const auto& key : keys) {
        try {
          const ResolveResult result = client.resolve(event, key, resolution, query.tx_key);
          status.print(result.key + " " + outcome_word(result) + "\n");
        } catch (const ClosedError&) {
          throw;
        } catch (...) {
          status.failed(key, std::current_exception());
        }
      }
    }
    return status.code();
  } catch (...) {
    return report_current_exception("resolve");
  }
}

}  // namespace buildable::cli
