#include "detail/protocol/response_parsing.hpp"

#include <curl/curl.h>

#include <buildable/errors.hpp>
#include <nlohmann/json.hpp>

namespace buildable::detail {
namespace {

constexpr std::size_t kMaxPlainTextMessage = 200;

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

}  // namespace

ServerError parse_error_body(std::string_view body) {
  ServerError error;
  const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    error.name = string_field(parsed, "name");
    error.message = string_field(parsed, "message");
    if (error.message.empty()) error.message = string_field(parsed, "error");
    return error;
  }
  if (!parsed.is_discarded() || body.empty() || body.size() > kMaxPlainTextMessage) return error;
  // A short non-JSON body (a proxy's "Bad Gateway" page line) still helps the reader.
  for (char c : body) {
    if (c == '\n' || c == '\r' || c == '<') return error;
  }
  error.message.assign(body);
  return error;
}

std::string parse_emit_key(std::string_view body) {
  EmitKeyReader reader;
  const bool parsed = nlohmann::json::sax_parse(body, &reader, nlohmann::json::input_format_t::json,
                                                /*strict=*/true, /*ignore_comments=*/false);
  if (!parsed || !reader.is_object()) {
    throw ProtocolError("the /emit answer is not a JSON object");
  }
  if (reader.key().empty()) throw ProtocolError("the /emit answer has no message key");
  return std::move(reader.key());
}

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  constexpr std::string_view kMarker = "<redacted>";
  // Resume after the marker: a secret that occurs inside it must not be found again.
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kMarker.size())) {
    text.replace(at, secret.size(), kMarker);
  }
  return text;
}

std::exception_ptr failure_exception(const HttpResponse& response, std::string_view secret) {
  if (response.curl_code == CURLE_ABORTED_BY_CALLBACK)
    return std::make_exception_ptr(ClosedError());
  if (response.transport_failed()) {
    return std::make_exception_ptr(TransportError(
        response.curl_code, redact(response.error_detail, secret), response.maybe_sent));
  }
  ServerError server = parse_error_body(response.body);
  return std::make_exception_ptr(HttpError(static_cast<int>(response.status),
                                           redact(std::move(server.name), secret),
                                           redact(std::move(server.message), secret)));
}

}  // namespace buildable::detail
