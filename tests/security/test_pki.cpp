// A throw-away PKI for the TLS tests, made with the OpenSSL C API (no openssl CLI needed):
// a self-signed CA, a server certificate for 127.0.0.1/localhost and one for another host name,
// both signed by that CA, and an unrelated second CA.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "security_support.hpp"

namespace security_test {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Bio = std::unique_ptr<BIO, BioFree>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what + " failed");
}

Pkey make_key() {
  Pkey key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(extension != nullptr, "X509V3_EXT_conf_nid");
  const int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  check(added == 1, "X509_add_ext");
}

/// A certificate for `key` named `common_name`, signed by `issuer_key` (self-signed when
/// `issuer` is null). `san` is a subjectAltName value; empty for a CA.
Cert make_cert(EVP_PKEY* key, const std::string& common_name, long serial, X509* issuer,
               EVP_PKEY* issuer_key, const std::string& san) {
  Cert cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509* c = cert.get();
  check(X509_set_version(c, 2) == 1, "X509_set_version");  // v3
  check(ASN1_INTEGER_set(X509_get_serialNumber(c), serial) == 1, "ASN1_INTEGER_set");
  check(X509_gmtime_adj(X509_getm_notBefore(c), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(c), 24 * 3600) != nullptr, "notAfter");
  check(X509_set_pubkey(c, key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(c);
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("buildable-cpp tests"),
                                   -1, -1, 0) == 1,
        "subject O");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "subject CN");
  const bool is_ca = issuer == nullptr;
  X509* signer = is_ca ? c : issuer;
  check(X509_set_issuer_name(c, X509_get_subject_name(signer)) == 1, "X509_set_issuer_name");
  add_extension(c, signer, NID_subject_key_identifier, "hash");
  add_extension(c, signer, NID_authority_key_identifier, "keyid:always");
  if (is_ca) {
    add_extension(c, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(c, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(c, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(c, signer, NID_key_usage, "critical,digitalSignature");
    add_extension(c, signer, NID_ext_key_usage, "serverAuth");
    add_extension(c, signer, NID_subject_alt_name, san.c_str());
  }
  check(X509_sign(c, is_ca ? key : issuer_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

void write_cert(X509* cert, const std::string& file) {
  Bio bio(BIO_new_file(file.c_str(), "w"));
  check(bio != nullptr, "BIO_new_file (certificate)");
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
}

void write_key(EVP_PKEY* key, const std::string& file) {
  Bio bio(BIO_new_file(file.c_str(), "w"));
  check(bio != nullptr, "BIO_new_file (key)");
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
}

}  // namespace

TestPki make_test_pki(const std::filesystem::path& dir) {
  TestPki pki;
  pki.ca_cert = dir / "ca.pem";
  pki.server_cert = dir / "server.pem";
  pki.server_key = dir / "server-key.pem";
  pki.wrong_host_cert = dir / "wrong-host.pem";
  pki.wrong_host_key = dir / "wrong-host-key.pem";
  pki.other_ca_cert = dir / "other-ca.pem";

  const Pkey ca_key = make_key();
  const Cert ca = make_cert(ca_key.get(), "buildable-cpp test CA", 1, nullptr, nullptr, {});
  write_cert(ca.get(), pki.ca_cert);

  const Pkey server_key = make_key();
  const Cert server = make_cert(server_key.get(), "127.0.0.1", 2, ca.get(), ca_key.get(),
                                "IP:127.0.0.1,DNS:localhost");
  write_cert(server.get(), pki.server_cert);
  write_key(server_key.get(), pki.server_key);

  const Pkey wrong_key = make_key();
  const Cert wrong = make_cert(wrong_key.get(), "wrong-host.invalid", 3, ca.get(), ca_key.get(),
                               "DNS:wrong-host.invalid");
  write_cert(wrong.get(), pki.wrong_host_cert);
  write_key(wrong_key.get(), pki.wrong_host_key);

  const Pkey other_key = make_key();
  const Cert other = make_cert(other_key.get(), "unrelated test CA", 4, nullptr, nullptr, {});
  write_cert(other.get(), pki.other_ca_cert);
  return pki;
}

}  // namespace security_test
