// X2: TLS peer and host verification are on by default. A local HTTPS server with a
// certificate from a CA generated at test time is refused unless ClientOptions::ca_bundle
// names that CA, and a certificate for another host name is refused even then.

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <memory>
#include <optional>

#include "security_support.hpp"

namespace security_test {
namespace {

constexpr const char* kSecret = "tls-test-secret-77d2";

class TlsVerification : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    pki_ = new TestPki(make_test_pki(dir_->path()));
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
    pki_ = nullptr;
    dir_ = nullptr;
  }

  /// An HTTPS server with `cert`/`key` whose /emit and /query answer like the service.
  static std::unique_ptr<LocalServer> https_server(const std::string& cert,
                                                   const std::string& key) {
    auto server = std::make_unique<LocalServer>(cert, key);
    server->on_post("/emit", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"key":"tls-key-1"})", "application/json");
    });
    server->on_post("/query", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"rows":[]})", "application/json");
    });
    server->start();
    return server;
  }

  static buildable::ClientOptions options_for(const LocalServer& server) {
    auto options = fast_options(server.base_url(), kSecret);
    options.retry.max_attempts = 1;  // one handshake per call keeps the server's count exact
    return options;
  }

  /// The TransportError that emit() throws, or nullopt after a recorded failure.
  static std::optional<buildable::TransportError> emit_error(buildable::Client& client) {
    try {
      client.emit("tls.check", {{"n", 1}});
    } catch (const buildable::TransportError& e) {
      return e;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected a TransportError, got: " << e.what();
      return std::nullopt;
    }
    ADD_FAILURE() << "emit succeeded against a server the client must not trust";
    return std::nullopt;
  }

  static TempDir* dir_;
  static TestPki* pki_;
};

TempDir* TlsVerification::dir_ = nullptr;
TestPki* TlsVerification::pki_ = nullptr;

TEST_F(TlsVerification, SelfSignedServerIsRefusedByDefault) {
  auto server = https_server(pki_->server_cert, pki_->server_key);
  auto options = options_for(*server);
  ASSERT_TRUE(options.ca_bundle.empty());  // the system store, which does not hold our CA
  buildable::Client client(options);

  const auto error = emit_error(client);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->curl_code(), CURLE_PEER_FAILED_VERIFICATION) << error->what();
  EXPECT_FALSE(error->maybe_sent()) << "a failed handshake provably sent nothing";
  EXPECT_FALSE(error->timed_out());
  EXPECT_EQ(server->request_count(), 0u) << "no HTTP request may follow a failed handshake";
}

TEST_F(TlsVerification, SelfSignedServerIsRefusedByDefaultOnTheAsyncPath) {
  auto server = https_server(pki_->server_cert, pki_->server_key);
  buildable::Client client(options_for(*server));

  auto future = client.emit_async("tls.check", {{"n", 1}});
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  try {
    future.get();
    ADD_FAILURE() << "emit_async succeeded against a server the client must not trust";
  } catch (const buildable::TransportError& e) {
    EXPECT_EQ(e.curl_code(), CURLE_PEER_FAILED_VERIFICATION) << e.what();
    EXPECT_FALSE(e.maybe_sent());
  }
  EXPECT_EQ(server->request_count(), 0u);
}

TEST_F(TlsVerification, SelfSignedServerIsRefusedByDefaultOnTheListeningPath) {
  auto server = https_server(pki_->server_cert, pki_->server_key);
  Witness witness;
  auto options = options_for(*server);
  options.on_error = witness.on_error();
  buildable::Client client(options);

  client.on("tls.check", [](const buildable::Message&) {});
  EXPECT_TRUE(witness.wait_for_error([](const auto& e) {
    return e.kind == buildable::ListenerError::Kind::poll;
  })) << "the failed handshake of /query must be reported as a poll error";
  client.close();
  EXPECT_EQ(server->request_count(), 0u);
}

TEST_F(TlsVerification, ServerIsAcceptedWithItsCaConfigured) {
  auto server = https_server(pki_->server_cert, pki_->server_key);
  auto options = options_for(*server);
  options.ca_bundle = pki_->ca_cert;
  buildable::Client client(options);

  const auto result = client.emit("tls.check", {{"n", 1}});
  EXPECT_EQ(result.key, "tls-key-1");
  const auto seen = server->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/emit");
  EXPECT_EQ(seen[0].secret, kSecret) << "the secret header must arrive over the verified channel";
}

TEST_F(TlsVerification, HostNameFromDnsSanIsAcceptedWithItsCaConfigured) {
  auto server = https_server(pki_->server_cert, pki_->server_key);
  auto options = options_for(*server);
  options.base_url = "https://localhost:" + std::to_string(server->port());
  options.ca_bundle = pki_->ca_cert;
  buildable::Client client(options);

  EXPECT_EQ(client.emit("tls.check", {{"n", 1}}).key, "tls-key-1");
  EXPECT_EQ(server->count("/emit"), 1u);
}

TEST_F(TlsVerification, ListenerWorksWithItsCaConfigured) {
  auto server = https_server(pki_->server_cert, pki_->server_key);
  Witness witness;
  auto options = options_for(*server);
  options.ca_bundle = pki_->ca_cert;
  options.on_error = witness.on_error();
  buildable::Client client(options);

  client.on("tls.check", [](const buildable::Message&) {});
  ASSERT_TRUE(server->wait_for("/query", 2)) << "the listener should poll over TLS";
  client.close();
  EXPECT_TRUE(witness.errors().empty());
  for (const auto& r : server->requests())
    EXPECT_EQ(r.secret, kSecret);
}

TEST_F(TlsVerification, CertificateForAnotherHostIsRefusedEvenWithTheCaConfigured) {
  auto server = https_server(pki_->wrong_host_cert, pki_->wrong_host_key);
  auto options = options_for(*server);
  options.ca_bundle = pki_->ca_cert;  // the chain is trusted; only the name is wrong
  buildable::Client client(options);

  const auto error = emit_error(client);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->curl_code(), CURLE_PEER_FAILED_VERIFICATION) << error->what();
  EXPECT_FALSE(error->maybe_sent());
  EXPECT_EQ(server->request_count(), 0u);
}

TEST_F(TlsVerification, CertificateOfAnotherCaIsRefusedWithACaBundleConfigured) {
  auto server = https_server(pki_->server_cert, pki_->server_key);
  auto options = options_for(*server);
  options.ca_bundle = pki_->other_ca_cert;  // the trusted CA file now; it did not sign the server
  buildable::Client client(options);

  const auto error = emit_error(client);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->curl_code(), CURLE_PEER_FAILED_VERIFICATION) << error->what();
  EXPECT_EQ(server->request_count(), 0u);
}

TEST_F(TlsVerification, MissingCaBundleFileIsRefusedByTheConstructor) {
  auto server = https_server(pki_->server_cert, pki_->server_key);
  auto options = options_for(*server);
  options.ca_bundle = (dir_->path() / "does-not-exist.pem").string();
  EXPECT_THROW({ buildable::Client client(options); }, buildable::InvalidArgument);
  EXPECT_EQ(server->request_count(), 0u);
}

TEST_F(TlsVerification, CaBundleRemovedAfterConstructionFailsWithoutSendingAnything) {
  auto server = https_server(pki_->server_cert, pki_->server_key);
  auto options = options_for(*server);
  const auto bundle = dir_->path() / "removed-ca.pem";
  std::filesystem::copy_file(pki_->ca_cert, bundle);
  options.ca_bundle = bundle.string();
  buildable::Client client(options);  // validate() saw the file
  std::filesystem::remove(bundle);

  const auto error = emit_error(client);
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->maybe_sent()) << error->what();
  EXPECT_EQ(server->request_count(), 0u) << "a missing CA file must not fall back to no checks";
}

}  // namespace
}  // namespace security_test
