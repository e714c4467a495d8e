#include "secret_sources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "auth.hpp"

namespace buildable::emulator::detail {

namespace {

std::string_view trimmed(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && blank(text.back()))
    text.remove_suffix(1);
  return text;
}

// Parses and checks one entry; `where` names it in errors ("FILE: line 3"). The entry's text
// is never quoted: it holds a secret.
SecretKey parse_entry(std::string_view entry, const std::string& where) {
  SecretKey key;
  try {
    key = parse_secret_key(std::string(entry));
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(where + ": expected NAME=KEY[:live|:test] (the text is not shown)");
  }
  try {
    KeyRing check({key});  // the Emulator's own checks, here while the line is known
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + ": " + e.what());  // names the key, not its secret
  }
  key.printable = false;
  return key;
}

// Entries of `text` split at any of `separators`; blank ones and comments skipped.
std::vector<SecretKey> parse_entries(std::string_view text, std::string_view separators,
                                     const std::string& source, const char* unit) {
  std::vector<SecretKey> keys;
  std::size_t number = 0;
  while (!text.empty() || number == 0) {
    const auto end = text.find_first_of(separators);
    const std::string_view entry = trimmed(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    if (entry.empty() || entry.front() == '#') continue;
    keys.push_back(parse_entry(entry, source + ": " + unit + " " + std::to_string(number)));
  }
  if (keys.empty()) throw std::invalid_argument(source + ": no key in it");
  return keys;
}

std::string read_bounded(const std::string& path, std::vector<std::string>& warnings) {
  const std::string source = "--secret-file " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::invalid_argument(source + ": cannot open (" + std::strerror(errno) + ")");
  struct stat status {};
  if (::fstat(fd, &status) == 0 && S_ISREG(status.st_mode) &&
      (status.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
    warnings.push_back(source + ": readable by group or others (mode " + mode +
                       "); consider chmod 600");
  }
  std::string text;
  char chunk[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw std::invalid_argument(source + ": cannot read (" + std::strerror(error) + ")");
    }
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
    if (text.size() > kMaxSecretFileBytes) {
      ::close(fd);
      throw std::invalid_argument(source + ": larger than " + std::to_string(kMaxSecretFileBytes) +
                                  " bytes");
    }
  }
  ::close(fd);
  return text;
}

}  // namespace

std::vector<SecretKey> read_secret_file(const std::string& path,
                                        std::vector<std::string>& warnings) {
  const std::string text = read_bounded(path, warnings);
  return parse_entries(text, "\n", "--secret-file " + path, "line");
}

std::vector<SecretKey> parse_secrets_variable(const std::string& value) {
  if (value.empty()) return {};
  return parse_entries(value, "\n,", kSecretsVariable, "entry");
}

}  // namespace buildable::emulator::detail
