// A TLS terminator for the CLI's transport test (cli_transport_test.sh): serves HTTPS on
// 127.0.0.1 with the given certificate and key (signed by a private CA the test generates)
// and forwards each request to the plain-HTTP origin 127.0.0.1:UPSTREAM_PORT (the emulator),
// as a TLS-terminating reverse proxy in front of a service would. With STATUS, it answers
// every request itself with that HTTP status and a text body instead, as a gateway that
// refuses access (403) would.
// Usage: buildable_cli_tls_forwarder CERT KEY UPSTREAM_PORT [STATUS]. Prints "port N" once
// it listens; runs until killed.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s CERT KEY UPSTREAM_PORT [STATUS]\n", argv[0]);
    return 2;
  }
  const int upstream_port = std::atoi(argv[3]);
  const int status = argc == 5 ? std::atoi(argv[4]) : 0;
  httplib::SSLServer server(argv[1], argv[2]);
  if (!server.is_valid()) {
    std::fprintf(stderr, "tls_forwarder: the certificate or key is not usable\n");
    return 1;
  }
  const auto forward = [upstream_port, status](const httplib::Request& request,
                                               httplib::Response& response) {
    if (status != 0) {
      response.status = status;
      response.set_content("refused by the gateway\n", "text/plain");
      return;
    }
    httplib::Client upstream("127.0.0.1", upstream_port);
    httplib::Headers headers;
    for (const auto& [name, value] : request.headers) {
      // cpp-httplib adds the peer's address as pseudo-headers; the length is recomputed.
      if (name == "Host" || name == "Content-Length" || name == "REMOTE_ADDR" ||
          name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") {
        continue;
      }
      headers.emplace(name, value);
    }
    const std::string type = request.get_header_value("Content-Type");
    const auto answer = request.method == "POST"
                            ? upstream.Post(request.path, headers, request.body, type)
                            : upstream.Get(request.path, headers);
    if (!answer) {
      response.status = 502;
      return;
    }
    response.status = answer->status;
    for (const char* name : {"Retry-After"}) {
      if (answer->has_header(name)) response.set_header(name, answer->get_header_value(name));
    }
    response.set_content(answer->body, answer->get_header_value("Content-Type"));
  };
  server.Post(".*", forward);
  server.Get(".*", forward);
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "tls_forwarder: cannot listen on 127.0.0.1\n");
    return 1;
  }
  std::printf("port %d\n", port);
  std::fflush(stdout);
  return server.listen_after_bind() ? 0 : 1;
}
