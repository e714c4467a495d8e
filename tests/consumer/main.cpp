// The program every consumer test builds: a user's first program. It includes nothing but the
// umbrella header, so building it also proves that header is self-contained and reachable
// through the consumer's include path, and linking it proves the link interface is complete
// (sign()/verify() pull in libcrypto, emit() libcurl, also from a static libbuildable).
//
// Nothing listens on 127.0.0.1:1, so emit() must fail with a buildable::Error. Exit codes:
// 0 = buildable::Error caught (expected), 1 = emit() returned, 2 = another std::exception,
// 3 = something else was thrown, 4 = verify() rejected what sign() produced.
#include <buildable/buildable.hpp>

int main() {
  if (!buildable::verify(buildable::sign("s", "{}"), "s", "{}")) return 4;
  try {
    buildable::ClientOptions o;
    o.secret = "s";
    o.base_url = "http://127.0.0.1:1";
    buildable::Client c(o);
    (void)c.emit("user.created", {{"name", "x"}});
  } catch (const buildable::Error&) {
    return 0;
  } catch (const std::exception&) {
    return 2;
  } catch (...) {
    return 3;
  }
  return 1;
}
