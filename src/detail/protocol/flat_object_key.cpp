#include "detail/protocol/flat_object_key.hpp"

namespace buildable::detail {
namespace {

/// A cursor over the body; every read past the end sees '\0', which no rule accepts.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  bool at_end() const { return at_ >= text_.size(); }
  bool take(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  void skip_space() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')
      ++at_;
  }
  /// A string of printable ASCII without escapes, after its opening quote; nullopt otherwise.
  std::optional<std::string_view> plain_string() {
    const std::size_t start = at_;
    for (char c = peek(); c != '"'; c = peek()) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte > 0x7e || c == '\\') return std::nullopt;
      ++at_;
    }
    ++at_;  // the closing quote
    return text_.substr(start, at_ - 1 - start);
  }
  /// A number as JSON spells it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number() {
    take('-');
    if (!take('0')) {
      if (!digits()) return false;
    }
    if (take('.') && !digits()) return false;
    if (take('e') || take('E')) {
      if (!take('+')) take('-');
      if (!digits()) return false;
    }
    return true;
  }
  bool word(std::string_view literal) {
    if (text_.substr(at_, literal.size()) != literal) return false;
    at_ += literal.size();
    return true;
  }

 private:
  bool digits() {
    const std::size_t start = at_;
    while (peek() >= '0' && peek() <= '9')
      ++at_;
    return at_ > start;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

/// Reads one member's value; sets `string_value` when it is a string. False outside the form.
bool flat_value(Cursor& in, std::optional<std::string_view>& string_value) {
  string_value.reset();
  const char c = in.peek();
  if (c == '"') {
    in.take('"');
    string_value = in.plain_string();
    return string_value.has_value();
  }
  if (c == '-' || (c >= '0' && c <= '9')) return in.number();
  return in.word("true") || in.word("false") || in.word("null");
}

}  // namespace

std::optional<std::string> flat_object_key(std::string_view body) {
  Cursor in(body);
  in.skip_space();
  if (!in.take('{')) return std::nullopt;
  in.skip_space();
  std::string_view key;
  if (!in.take('}')) {
    for (;;) {
      if (!in.take('"')) return std::nullopt;
      const auto name = in.plain_string();
      if (!name) return std::nullopt;
      in.skip_space();
      if (!in.take(':')) return std::nullopt;
      in.skip_space();
      std::optional<std::string_view> value;
      if (!flat_value(in, value)) return std::nullopt;
      if (*name == "key") key = value.value_or(std::string_view());
      in.skip_space();
      if (in.take('}')) break;
      if (!in.take(',')) return std::nullopt;
      in.skip_space();
    }
  }
  in.skip_space();
  if (!in.at_end()) return std::nullopt;
  return std::string(key);
}

}  // namespace buildable::detail
