#pragma once
// Shared pieces of the security tests (quality bars X1 and X2): a temporary directory, a test
// PKI generated with the OpenSSL C API, a recording loopback HTTP(S) server, ports that refuse
// or never answer, and a witness that collects every text the SDK shows a user.

#include <gtest/gtest.h>
#include <httplib.h>

#include <buildable/buildable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace security_test {

using namespace std::chrono_literals;

/// The secret every hygiene test uses; it must never show up in anything the SDK prints.
inline constexpr const char* kCanary = "canary-SECRET-4f9a1c";
/// The header that carries the secret.
inline constexpr const char* kSecretHeader = "X-Buildable-Secret";

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// PEM files of a test PKI, generated in a directory at test time.
struct TestPki {
  std::string ca_cert;      ///< the self-signed CA that signs both server certificates
  std::string server_cert;  ///< SAN IP:127.0.0.1, DNS:localhost
  std::string server_key;
  std::string wrong_host_cert;  ///< SAN DNS:wrong-host.invalid only (same CA)
  std::string wrong_host_key;
  std::string other_ca_cert;  ///< an unrelated self-signed CA that signed nothing here
};

/// Generates the TestPki into `dir` (EC P-256 keys, one-day validity). Throws on failure.
TestPki make_test_pki(const std::filesystem::path& dir);

/// One request as a LocalServer saw it.
struct SeenRequest {
  std::string method;
  std::string path;
  std::string secret;  ///< the X-Buildable-Secret header, empty when absent
  std::string body;
};

/// A cpp-httplib server on 127.0.0.1 and an ephemeral port, plain or TLS, that records every
/// request it receives, whatever the path (the body only for paths with a handler).
class LocalServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  /// Plain HTTP.
  LocalServer();
  /// HTTPS with this certificate and key (PEM files).
  LocalServer(const std::string& cert_file, const std::string& key_file);
  ~LocalServer();
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  /// Answers POST `path` with `handler`. Call before start().
  void on_post(const std::string& path, Handler handler);
  /// Binds and starts serving; returns once the server accepts connections.
  void start();

  int port() const { return port_; }
  /// `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`.
  std::string base_url() const;

  std::vector<SeenRequest> requests() const;
  std::size_t request_count() const;
  /// Requests seen on `path`.
  std::size_t count(const std::string& path) const;
  /// Waits until at least `n` requests on `path` were seen; false on timeout.
  bool wait_for(const std::string& path, std::size_t n, std::chrono::milliseconds timeout = 10s);

 private:
  void record(const httplib::Request& request);

  bool tls_;
  std::unique_ptr<httplib::Server> server_;
  std::set<std::string> routes_;  // POST paths with a handler; fixed once started
  std::thread thread_;
  int port_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<SeenRequest> requests_;
};

/// A loopback port with nothing listening on it (connections are refused).
int closed_port();

/// A socket listening on 127.0.0.1 that never accepts: connections complete in the kernel's
/// backlog, requests are sent, and no answer ever comes (a hung server).
class SilentPort {
 public:
  SilentPort();
  ~SilentPort();
  SilentPort(const SilentPort&) = delete;
  SilentPort& operator=(const SilentPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = -1;
};

/// Collects every text the SDK shows its user (log lines, on_error reports, exception
/// messages, printed options), so a test can assert that the canary is in none of them.
class Witness {
 public:
  buildable::LogHandler logger();
  buildable::ErrorHandler on_error();

  /// Adds a text the test obtained itself (an exception's what(), operator<< output, ...).
  void add(const std::string& where, std::string text);

  std::vector<buildable::ListenerError> errors() const;
  std::vector<std::string> log_lines() const;
  /// Waits until an on_error report satisfies `predicate`; false on timeout.
  bool wait_for_error(const std::function<bool(const buildable::ListenerError&)>& predicate,
                      std::chrono::milliseconds timeout = 10s);
  /// Waits until a log line contains `fragment`; false on timeout.
  bool wait_for_log(const std::string& fragment, std::chrono::milliseconds timeout = 10s);

  /// Records a test failure for every collected text that contains `secret`; returns how many
  /// texts were checked (so a caller can also assert that something was collected at all).
  std::size_t expect_free_of(const std::string& secret) const;

 private:
  struct Text {
    std::string where;
    std::string text;
  };
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Text> texts_;
  std::vector<buildable::ListenerError> errors_;
  std::vector<std::string> log_lines_;
};

/// Client options aimed at `base_url`: short timeouts and fast retries so failures surface in
/// well under a second, a quick poll loop for the listening path.
buildable::ClientOptions fast_options(const std::string& base_url, std::string secret);

/// Runs `f`, which must throw an `E`; returns its what() (empty after a recorded failure).
template <class E, class F>
std::string what_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected another exception type, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "nothing was thrown";
  return {};
}

}  // namespace security_test
