// Secret keys from a file (--secret-file) and from BUILDABLE_EMULATOR_SECRETS: the syntax,
// errors that name the file and line (or entry) but never the key, the warning about a file
// others can read, and keys that authenticate. Also the other operations flags.
#include "secret_sources.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "buildable/emulator/command_line.hpp"
#include "cli.hpp"
#include "emulator_test_support.hpp"
#include "temp_dir.hpp"

namespace buildable::emulator {
namespace {

using testing::EmulatorProcess;
using testing::Http;
using testing::json;
using testing::TempDir;

constexpr const char* kCanary = "CANARY_b7e1";

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text,
                       mode_t mode = 0600) {
  const std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

/// The message of the std::invalid_argument that `parse` throws ("" when it does not).
template <typename Parse>
std::string error_of(Parse parse) {
  try {
    parse();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(SecretSources, FileKeysAuthenticate) {
  TempDir dir;
  const std::string path = write_file(dir, "keys",
                                      "# keys of the staging cluster\n"
                                      "\n"
                                      "ci=sk_ci_1:test\r\n"
                                      "   prod=sk:prod:2:live  \n"
                                      "  # indented comment\n"
                                      "plain=sk_3");  // no final newline
  const auto line = detail::parse_command_line({"--secret", "cli=sk_0", "--secret-file", path});
  EXPECT_TRUE(line.warnings.empty());
  const auto& keys = line.options.keys;
  ASSERT_EQ(keys.size(), 4u);
  EXPECT_EQ(keys[0].name, "cli");
  EXPECT_EQ(keys[1].name, "ci");
  EXPECT_EQ(keys[1].secret, "sk_ci_1");
  EXPECT_EQ(keys[1].environment, "test");
  EXPECT_EQ(keys[2].name, "prod");
  EXPECT_EQ(keys[2].secret, "sk:prod:2");
  EXPECT_EQ(keys[2].environment, "live");
  EXPECT_EQ(keys[3].secret, "sk_3");

  Emulator emulator(line.options);
  emulator.start();
  EXPECT_FALSE(Http(emulator, "sk_ci_1").emit("from-file").empty());
  EXPECT_FALSE(Http(emulator, "sk:prod:2").emit("from-file").empty());
  EXPECT_EQ(Http(emulator, "sk_ci_1:test").post("/emit", {{"event", "e"}}).status, 401);
}

TEST(SecretSources, EnvironmentKeysAuthenticate) {
  const auto line =
      detail::parse_command_line({"--secret", "cli=sk_0"}, " a=sk_a , b=sk_b:live\n\nc=sk_c\n");
  const auto& keys = line.options.keys;
  ASSERT_EQ(keys.size(), 4u);
  EXPECT_EQ(keys[0].name, "cli");  // the command line's keys come first
  EXPECT_EQ(keys[1].secret, "sk_a");
  EXPECT_EQ(keys[2].environment, "live");
  EXPECT_EQ(keys[3].name, "c");
  EXPECT_TRUE(detail::parse_command_line({}, "").options.keys.empty());  // empty = unset

  Emulator emulator(line.options);
  emulator.start();
  EXPECT_FALSE(Http(emulator, "sk_b").emit("from-env").empty());
}

TEST(SecretSources, BinaryReadsTheEnvironmentVariableAndTheFile) {
  TempDir dir;
  const std::string path = write_file(dir, "keys", "filed=sk_bin_file\n");
  ::setenv(detail::kSecretsVariable, "envd=sk_bin_env", 1);
  EmulatorProcess process({"--port", "0", "--secret-file", path});
  ::unsetenv(detail::kSecretsVariable);
  EXPECT_FALSE(Http("127.0.0.1", process.port(), "sk_bin_file").emit("bin").empty());
  EXPECT_FALSE(Http("127.0.0.1", process.port(), "sk_bin_env").emit("bin").empty());
  EXPECT_EQ(process.stop(), 0);
  // Keys kept out of the command line stay out of the banner (a server's log) too.
  EXPECT_EQ(process.output().find("sk_bin_file"), std::string::npos) << process.output();
  EXPECT_EQ(process.output().find("sk_bin_env"), std::string::npos) << process.output();
  EXPECT_NE(process.output().find("secret key filed (test): (from a file or the environment"),
            std::string::npos)
      << process.output();
}

TEST(SecretSources, ErrorsNameTheFileAndLineNeverTheKey) {
  TempDir dir;
  struct Case {
    std::string text;
    std::string expected;  // in the message, besides the file's path
  };
  const std::vector<Case> cases = {
      {"a=sk_1\n# fine\nno-equals-" + std::string(kCanary) + "\n", "line 3: expected NAME=KEY"},
      {"=" + std::string(kCanary) + "\n", "line 1: expected NAME=KEY"},
      {"\n\nname=\n", "line 3: expected NAME=KEY"},
      {"a.b=" + std::string(kCanary) + "\n", "line 1: secret key name 'a.b' must not contain"},
      {"a=sk_" + std::string(kCanary) + ":prod\nb=sk_" + std::string(kCanary) + ":prod\n",
       "has the same secret as another key"},
      {"# only comments\n\n", "no key in it"},
      {"", "no key in it"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string path = write_file(dir, "bad", text);
    const std::string message = error_of([&] {
      detail::parse_command_line({"--secret-file", path});
    });
    SCOPED_TRACE(message);
    if (expected.find("same secret") != std::string::npos) {
      // Caught by the Emulator, which checks all the keys together; still without the key.
      const auto line = detail::parse_command_line({"--secret-file", path});
      const std::string later = error_of([&] { Emulator emulator(line.options); });
      EXPECT_NE(later.find(expected), std::string::npos) << later;
      EXPECT_EQ(later.find(kCanary), std::string::npos) << later;
      continue;
    }
    EXPECT_NE(message.find("--secret-file " + path + ": "), std::string::npos);
    EXPECT_NE(message.find(expected), std::string::npos);
    EXPECT_EQ(message.find(kCanary), std::string::npos);
  }

  const std::string missing = error_of([&] {
    detail::parse_command_line({"--secret-file", dir.file("missing")});
  });
  EXPECT_NE(missing.find(dir.file("missing") + ": cannot open"), std::string::npos) << missing;
  const std::string big = write_file(dir, "big", std::string(detail::kMaxSecretFileBytes + 1, '#'));
  EXPECT_NE(error_of([&] {
              detail::parse_command_line({"--secret-file", big});
            }).find("larger than"),
            std::string::npos);

  const std::string variable = "a=sk_1,oops-" + std::string(kCanary);
  const std::string env = error_of([&] { detail::parse_command_line({}, variable.c_str()); });
  EXPECT_NE(env.find("BUILDABLE_EMULATOR_SECRETS: entry 2: expected NAME=KEY"), std::string::npos)
      << env;
  EXPECT_EQ(env.find(kCanary), std::string::npos) << env;
  const std::string blank = error_of([&] { detail::parse_command_line({}, " , \n"); });
  EXPECT_NE(blank.find("BUILDABLE_EMULATOR_SECRETS: no key in it"), std::string::npos) << blank;

  // The command line's own errors do not print a key either.
  const std::string flag = error_of([&] {
    detail::parse_command_line({"--secret", std::string(kCanary)});
  });
  EXPECT_NE(flag.find("expected NAME=KEY"), std::string::npos) << flag;
  EXPECT_EQ(flag.find(kCanary), std::string::npos) << flag;
  const std::string typo =
      error_of([&] { detail::parse_command_line({"--sercet=demo=" + std::string(kCanary)}); });
  EXPECT_NE(typo.find("unknown option '--sercet'"), std::string::npos) << typo;
  EXPECT_EQ(typo.find(kCanary), std::string::npos) << typo;
}

TEST(SecretSources, FileReadableByOthersIsReadWithAWarning) {
  TempDir dir;
  const std::string open_path = write_file(dir, "open", "k=sk_open\n", 0644);
  const auto line = detail::parse_command_line({"--secret-file", open_path});
  ASSERT_EQ(line.options.keys.size(), 1u);
  ASSERT_EQ(line.warnings.size(), 1u);
  EXPECT_NE(line.warnings[0].find(open_path), std::string::npos);
  EXPECT_NE(line.warnings[0].find("readable by group or others (mode 0644)"), std::string::npos)
      << line.warnings[0];
  EXPECT_EQ(line.warnings[0].find("sk_open"), std::string::npos);

  const std::string closed = write_file(dir, "closed", "k=sk_closed\n", 0600);
  EXPECT_TRUE(detail::parse_command_line({"--secret-file", closed}).warnings.empty());

  // The binary says it on standard error and serves anyway.
  EmulatorProcess process({"--port", "0", "--secret-file", open_path});
  EXPECT_FALSE(Http("127.0.0.1", process.port(), "sk_open").emit("warned").empty());
  EXPECT_EQ(process.stop(), 0);
}

TEST(CommandLine, ParsesTheOperationsFlags) {
  const auto line =
      detail::parse_command_line({"--drain-timeout", "25", "--drain-delay=7", "--access-log", "-",
                                  "--access-log-format", "json"});
  EXPECT_EQ(line.options.drain_timeout, std::chrono::seconds(25));
  EXPECT_EQ(line.drain_delay, std::chrono::seconds(7));
  EXPECT_EQ(line.options.access_log, "-");
  EXPECT_EQ(line.options.access_log_format, AccessLogFormat::json);

  const auto defaults = detail::parse_command_line({});
  EXPECT_EQ(defaults.options.drain_timeout, std::chrono::seconds(10));
  EXPECT_EQ(defaults.drain_delay, std::chrono::seconds(0));
  EXPECT_TRUE(defaults.options.access_log.empty());
  EXPECT_EQ(defaults.options.access_log_format, AccessLogFormat::plain);
  EXPECT_EQ(detail::parse_command_line({"--drain-timeout", "0"}).options.drain_timeout,
            std::chrono::seconds(0));

  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"--drain-timeout", "-1"},
                                             {"--drain-timeout", "3601"},
                                             {"--drain-delay", "x"},
                                             {"--access-log", ""},
                                             {"--access-log"},
                                             {"--access-log-format", "xml"},
                                             {"--secret-file", ""}}) {
    EXPECT_THROW(detail::parse_command_line(bad), std::invalid_argument) << bad[0];
  }
  // buildable emulator (the tool) has no drain delay of its own.
  bool help = false;
  EXPECT_THROW(parse_command_line({"--drain-delay", "5"}, help), std::invalid_argument);
  EmulatorOptions negative;
  negative.drain_timeout = std::chrono::seconds(-1);
  EXPECT_THROW(Emulator{negative}, std::invalid_argument);

  const std::string usage = detail::usage();
  for (const char* flag : {"--drain-timeout S", "--drain-delay S", "--access-log FILE|-",
                           "--access-log-format plain|json", "--secret-file FILE",
                           "BUILDABLE_EMULATOR_SECRETS", "/healthz", "/readyz", "/metrics"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace buildable::emulator
