// Helpers of the emulator tests: a small JSON-over-HTTP client (cpp-httplib, not the SDK), a
// deadline-based wait, and a child process running the buildable-emulator binary.
#pragma once

#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "buildable/emulator/emulator.hpp"

extern char** environ;

namespace buildable::emulator::testing {

using json = nlohmann::json;

struct Reply {
  int status = 0;  // 0 = transport error
  httplib::Error error = httplib::Error::Success;
  json body;  // parsed body, or discarded
  std::string raw;
  httplib::Headers headers;
};

/// One keep-alive connection to an emulator.
class Http {
 public:
  Http(const std::string& host, int port, std::string secret)
      : client_(host, port), secret_(std::move(secret)) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
    client_.set_connection_timeout(std::chrono::seconds(5));
    client_.set_read_timeout(std::chrono::seconds(10));
  }
  explicit Http(const Emulator& emulator)
      : Http("127.0.0.1", emulator.port(), emulator.default_secret()) {}
  Http(const Emulator& emulator, std::string secret)
      : Http("127.0.0.1", emulator.port(), std::move(secret)) {}

  /// POST `body` as JSON with this client's secret.
  Reply post(const std::string& path, const json& body) {
    return raw(path, body.dump(), {{"X-Buildable-Secret", secret_}}, "application/json");
  }
  /// POST with full control over headers and body.
  Reply raw(const std::string& path, const std::string& body, const httplib::Headers& headers,
            const std::string& content_type) {
    Reply reply;
    auto result = client_.Post(path.c_str(), headers, body, content_type.c_str());
    reply.error = result.error();
    if (!result) return reply;
    reply.status = result->status;
    reply.raw = result->body;
    reply.headers = result->headers;
    reply.body = json::parse(result->body, nullptr, false);
    return reply;
  }
  /// GET `path` (no secret: the operations endpoints and the dashboard's files need none).
  Reply get(const std::string& path) {
    Reply reply;
    auto result = client_.Get(path.c_str());
    reply.error = result.error();
    if (!result) return reply;
    reply.status = result->status;
    reply.raw = result->body;
    reply.headers = result->headers;
    reply.body = json::parse(result->body, nullptr, false);
    return reply;
  }
  httplib::Client& client() { return client_; }

  /// Emits and returns the key (expects success).
  std::string emit(const std::string& event, const json& payload = json::object()) {
    // `{}` converts to null: treat it as the empty object it was meant to be.
    auto reply = post(
        "/emit", {{"event", event}, {"payload", payload.is_null() ? json::object() : payload}});
    if (reply.status != 200) throw std::runtime_error("emit failed: " + reply.raw);
    return reply.body.at("key").get<std::string>();
  }

 private:
  httplib::Client client_;
  std::string secret_;
};

/// Polls `condition` until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

/// The buildable-emulator binary as a child process; stdout is read until it prints its URL.
class EmulatorProcess {
 public:
  explicit EmulatorProcess(const std::vector<std::string>& args) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    std::vector<std::string> argv_strings{BUILDABLE_EMULATOR_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (rc != 0) {
      close(pipe_fds[0]);
      throw std::runtime_error("cannot spawn " + argv_strings[0]);
    }
    out_ = fdopen(pipe_fds[0], "r");
    char line[4096];
    const std::string marker = "listening on http://";
    while (fgets(line, sizeof line, out_)) {
      output_ += line;
      const std::string text = line;
      const auto at = text.find(marker);
      if (at != std::string::npos) {
        const auto colon = text.rfind(':');
        port_ = std::stoi(text.substr(colon + 1));
        break;
      }
    }
    if (port_ <= 0) {
      stop();
      throw std::runtime_error("emulator process did not start: " + output_);
    }
  }
  ~EmulatorProcess() { stop(); }
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  int port() const { return port_; }
  /// What it printed so far (up to its URL line, plus what read_line() and stop() read).
  const std::string& output() const { return output_; }

  /// Reads the next line it prints (without the newline); empty at end of output.
  std::string read_line() {
    char line[4096];
    if (!out_ || !fgets(line, sizeof line, out_)) return {};
    output_ += line;
    std::string text = line;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  /// Sends `signal_number` without waiting for anything.
  void send_signal(int signal_number) {
    if (pid_ > 0) kill(pid_, signal_number);
  }

  /// Waits for the exit (after send_signal()); returns the exit status (or -1).
  int wait_exit() {
    if (pid_ <= 0) return exit_status_;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (out_) {
      char line[4096];
      while (fgets(line, sizeof line, out_))
        output_ += line;
      fclose(out_);
      out_ = nullptr;
    }
    return exit_status_;
  }

  /// Sends `signal` and waits for the exit; returns the exit status (or -1).
  int stop(int signal_number = SIGTERM) {
    send_signal(signal_number);
    return wait_exit();
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int port_ = -1;
  int exit_status_ = -1;
  std::string output_;
};

}  // namespace buildable::emulator::testing
