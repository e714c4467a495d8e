#include "json_text.hpp"

namespace buildable::emulator::detail {

std::string to_json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ParsedBody parse_request_json(std::string_view text) {
  ParsedBody parsed;
  // JSON text never holds a raw NUL (not even in strings), but nlohmann's lexer takes one as
  // the end of input and would accept `{...}\0garbage`.
  if (text.find('\0') != std::string_view::npos) return parsed;
  bool too_deep = false;
  // The callback sees each value's depth as it is parsed; discarding the deep ones keeps the
  // parsed value shallow, and the flag turns the whole body into a 400.
  // Only arrays and objects count: a scalar inside the deepest allowed array is fine.
  const nlohmann::json::parser_callback_t limit =
      [&too_deep](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        const bool opens = event == nlohmann::json::parse_event_t::array_start ||
                           event == nlohmann::json::parse_event_t::object_start;
        if (!opens || depth < kMaxJsonDepth) return true;  // the top level opens at depth 0
        too_deep = true;
        return false;
      };
  parsed.value = nlohmann::json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/false);
  if (too_deep) {
    parsed.status = ParsedBody::Status::too_deep;
    parsed.value = nullptr;
  } else if (!parsed.value.is_discarded()) {
    parsed.status = ParsedBody::Status::ok;
  }
  return parsed;
}

}  // namespace buildable::emulator::detail
