#include "detail/protocol/response_parsing.hpp"

#include <curl/curl.h>

#include <buildable/errors.hpp>
#include <nlohmann/json.hpp>

#include "detail/protocol/flat_object_key.hpp"
#include "detail/protocol/message_parsing.hpp"

namespace buildable::detail {
namespace {

std::string string_field(const nlohmann::json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

/// Reads the top-level "key" string of an /emit answer without building a JSON document:
/// every emit parses one, and a DOM costs several allocations per answer. Agrees with a DOM
/// lookup: only a string at the top level counts, and a repeated name's last value wins.
class EmitKeyReader final : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool is_object() const { return top_level_object_; }
  std::string& key() { return key_; }

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool string(string_t& text) override {
    if (depth_ == 1 && at_key_) {
      key_ = std::move(text);
      at_key_ = false;
      return true;
    }
    return value();
  }
  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& name) override {
    if (depth_ == 1) at_key_ = name == "key";
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool value() {
    if (depth_ == 1 && at_key_) {
      key_.clear();  // "key" with a value that is not a string
      at_key_ = false;
    }
    return true;
  }
  bool open(bool object) {
    if (depth_ == 0) top_level_object_ = object;
    value();
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::size_t depth_ = 0;
  bool top_level_object_ = false;
  bool at_key_ = false;
  std::string key_;
};

/// The body as shown in an excerpt: JSON (nested no deeper than kMaxJsonDepth) re-encoded with
/// its strings decoded, so a secret spelled with \u escapes is found by redact(); anything else
/// as it came.
std::string shown_body(std::string_view body) {
  if (json_nesting_depth(body) <= kMaxJsonDepth) {
    const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) {
      return parsed.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
    }
  }
  return std::string(body);
}

}  // namespace

ServerError parse_error_body(std::string_view body) {
  ServerError error;
  const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return error;
  const auto status = parsed.find("status");
  const auto name = parsed.find("name");
  error.from_service =
      (status != parsed.end() && *status == "error") || (name != parsed.end() && name->is_string());
  if (!error.from_service) return error;
  error.name = string_field(parsed, "name");
  error.message = string_field(parsed, "message");
  if (error.message.empty()) error.message = string_field(parsed, "error");
  return error;
}

std::string parse_emit_key(std::string_view body, std::string_view secret) {
  // The usual answer is a flat object, read without the parser's allocations.
  std::optional<std::string> quick = flat_object_key(body);
  std::string key;
  if (quick) {
    key = std::move(*quick);
  } else {
    EmitKeyReader reader;
    const bool parsed =
        nlohmann::json::sax_parse(body, &reader, nlohmann::json::input_format_t::json,
                                  /*strict=*/true, /*ignore_comments=*/false);
    if (!parsed || !reader.is_object()) {
      throw ProtocolError("the /emit answer is not a JSON object");
    }
    key = std::move(reader.key());
  }
  if (key.empty()) throw ProtocolError("the /emit answer has no message key");
  // It goes to the caller, the CLI's output and log lines: never a forged line or the secret.
  if (const char* problem = key_problem(key, secret)) {
    throw ProtocolError(std::string("the /emit answer's message key cannot be used (") + problem +
                        "); it is not shown");
  }
  return key;
}

std::exception_ptr failure_exception(const HttpResponse& response, std::string_view secret) {
  if (response.curl_code == CURLE_ABORTED_BY_CALLBACK)
    return std::make_exception_ptr(ClosedError());
  if (response.transport_failed()) {
    return std::make_exception_ptr(
        TransportError(response.curl_code, response.error_detail, response.maybe_sent, secret));
  }
  const int status = static_cast<int>(response.status);
  ServerError server = parse_error_body(response.body);
  if (server.from_service) {
    return std::make_exception_ptr(
        HttpError(status, std::move(server.name), std::move(server.message), true, secret));
  }
  // Redacted before it is cut: a cut could leave a prefix of the secret behind.
  std::string excerpt = escape_text(redact(shown_body(response.body), secret), kMaxBodyExcerpt);
  return std::make_exception_ptr(HttpError(status, {}, std::move(excerpt), false, secret));
}

}  // namespace buildable::detail
