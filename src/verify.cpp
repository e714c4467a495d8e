#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <buildable/errors.hpp>
#include <buildable/verify.hpp>
#include <climits>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

namespace buildable {
namespace {

constexpr std::size_t kMacBytes = 32;  // SHA-256
using Mac = std::array<unsigned char, kMacBytes>;

// Rejects the caller mistakes shared by verify() and sign().
void check_secret(std::string_view secret) {
  if (secret.empty()) throw InvalidArgument("buildable::verify/sign: the secret must not be empty");
  if (secret.size() > static_cast<std::size_t>(INT_MAX)) {
    throw InvalidArgument("buildable::verify/sign: the secret is too long");
  }
}

// HMAC-SHA256(key = secret, data = "<t>.<body>"). False only if OpenSSL fails (out of memory).
bool compute_mac(std::string_view secret, std::string_view t, std::string_view body, Mac& out) {
  std::string data;
  data.reserve(t.size() + 1 + body.size());
  data.append(t).append(1, '.').append(body);
  unsigned int length = 0;
  const unsigned char* result =
      HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
  return result != nullptr && length == kMacBytes;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes exactly 64 hex digits (either case); anything else yields nullopt.
std::optional<Mac> decode_mac(std::string_view hex) {
  if (hex.size() != 2 * kMacBytes) return std::nullopt;
  Mac mac{};
  for (std::size_t i = 0; i < kMacBytes; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    mac[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return mac;
}

std::string encode_hex(const Mac& mac) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * mac.size());
  for (unsigned char byte : mac) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0F]);
  }
  return hex;
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

// Non-empty decimal digits that fit an int64_t.
std::optional<std::int64_t> parse_unix_seconds(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value > (INT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

struct SignatureHeader {
  std::string_view t;
  std::vector<std::string_view> v1;
};

// Splits `t=...,v1=...[,v1=...]`; nullopt when the structure is malformed.
std::optional<SignatureHeader> parse_header(std::string_view header) {
  SignatureHeader parsed;
  bool have_t = false;
  while (true) {
    const std::size_t comma = header.find(',');
    const std::string_view item = trim(header.substr(0, comma));
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      if (have_t) return std::nullopt;  // two timestamps: ambiguous
      have_t = true;
      parsed.t = value;
    } else if (key == "v1") {
      parsed.v1.push_back(value);
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  if (!have_t || parsed.v1.empty()) return std::nullopt;
  return parsed;
}

// |now - t| <= tolerance without overflow for any int64 operands (tolerance >= 0).
bool within_tolerance(std::int64_t t, std::int64_t now, std::int64_t tolerance) {
  const std::uint64_t distance =
      t >= now ? static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(now)
               : static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(t);
  return distance <= static_cast<std::uint64_t>(tolerance);
}

}  // namespace

bool verify(std::string_view signature_header, std::string_view secret, std::string_view raw_body,
            std::chrono::seconds tolerance) {
  return verify(signature_header, secret, raw_body, std::chrono::system_clock::now(), tolerance);
}

bool verify(std::string_view signature_header, std::string_view secret, std::string_view raw_body,
            std::chrono::system_clock::time_point now, std::chrono::seconds tolerance) {
  check_secret(secret);
  if (tolerance.count() < 0) {
    throw InvalidArgument("buildable::verify: tolerance must not be negative");
  }

  const std::optional<SignatureHeader> header = parse_header(signature_header);
  if (!header) return false;
  const std::optional<std::int64_t> t = parse_unix_seconds(header->t);
  if (!t) return false;
  const std::int64_t now_seconds =
      std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  if (!within_tolerance(*t, now_seconds, tolerance.count())) return false;

  Mac expected{};
  if (!compute_mac(secret, header->t, raw_body, expected)) return false;
  bool matched = false;
  for (std::string_view hex : header->v1) {
    const std::optional<Mac> candidate = decode_mac(hex);
    if (candidate && CRYPTO_memcmp(candidate->data(), expected.data(), kMacBytes) == 0) {
      matched = true;
    }
  }
  return matched;
}

std::string sign(std::string_view secret, std::string_view raw_body,
                 std::chrono::system_clock::time_point at) {
  check_secret(secret);
  const std::int64_t seconds =
      std::chrono::floor<std::chrono::seconds>(at.time_since_epoch()).count();
  if (seconds < 0) throw InvalidArgument("buildable::sign: the time lies before the Unix epoch");
  const std::string t = std::to_string(seconds);
  Mac mac{};
  if (!compute_mac(secret, t, raw_body, mac)) {
    throw std::runtime_error("buildable::sign: HMAC-SHA256 computation failed");
  }
  return "t=" + t + ",v1=" + encode_hex(mac);
}

}  // namespace buildable
