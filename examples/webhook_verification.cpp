// Webhook signature verification: a receiver checks the signature header against the raw
// request body before trusting (or even parsing) it. buildable::sign() produces the header the
// way a sender would; buildable::verify() checks it. The scheme is this SDK's own (see
// <buildable/verify.hpp>): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
#include <buildable/verify.hpp>
#include <chrono>
#include <iostream>
#include <string>

namespace {

// A receiver's decision, as the HTTP status it would answer with.
int handle_webhook(const std::string& signature_header, const std::string& raw_body,
                   const std::string& secret) {
  // Verify the bytes exactly as received: re-serialising parsed JSON would change them.
  if (!buildable::verify(signature_header, secret, raw_body)) return 401;
  return 200;  // now it is safe to parse raw_body and act on it
}

bool check(const char* what, int status, int expected) {
  const bool ok = status == expected;
  std::cout << (ok ? "ok   " : "FAIL ") << what << ": " << status << "\n";
  return ok;
}

}  // namespace

int main() {
  using namespace std::chrono_literals;
  const std::string secret = "whsec_example_signing_secret";
  const std::string body = R"({"event":"invoice.paid","payload":{"id":"in_42","amount":1999}})";
  const auto now = std::chrono::system_clock::now();

  const std::string header = buildable::sign(secret, body, now);
  std::cout << "X-Signature: " << header << "\n";

  bool ok = true;
  // 1. The genuine request.
  ok &= check("valid signature", handle_webhook(header, body, secret), 200);
  // 2. The body changed in transit (one digit): the HMAC no longer matches.
  std::string tampered = body;
  tampered.replace(tampered.find("1999"), 4, "9999");
  ok &= check("tampered body", handle_webhook(header, tampered, secret), 401);
  // 3. A captured request replayed later: signed 10 minutes ago, default tolerance is 5.
  const std::string stale = buildable::sign(secret, body, now - 10min);
  ok &= check("stale timestamp", handle_webhook(stale, body, secret), 401);
  // 4. Signed with another secret.
  ok &= check("wrong secret",
              handle_webhook(buildable::sign("whsec_someone_else", body, now), body, secret), 401);
  // 5. Secret rotation: the sender signs with the old and the new secret; a receiver that
  //    already has the new one accepts the header (sign() both with the same timestamp).
  const std::string old_part = buildable::sign("whsec_old_secret", body, now);
  const std::string new_part = buildable::sign(secret, body, now);
  const std::string rotated = old_part + "," + new_part.substr(new_part.find("v1="));
  ok &= check("rotation, two v1 entries", handle_webhook(rotated, body, secret), 200);
  // 6. Garbage never throws: it is just not a valid signature.
  ok &= check("malformed header", handle_webhook("t=abc,v1=zz", body, secret), 401);
  // 7. A deterministic check with an explicit clock and tolerance (as in a unit test).
  const bool within = buildable::verify(stale, secret, body, now, 15min);
  ok &= check("stale header with a 15 min tolerance", within ? 200 : 401, 200);

  return ok ? 0 : 1;
}
