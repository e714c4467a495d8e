#include "request_head.hpp"

#include "target.hpp"

namespace buildable::emulator::detail::http {

HttpRequest request_from_head(const boost::beast::http::request_header<>& head,
                              std::string remote_address, int remote_port) {
  HttpRequest request;
  request.method = std::string(head.method_string());
  request.target = std::string(head.target());
  split_target(request);
  for (const auto& field : head)
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  request.remote_address = std::move(remote_address);
  request.remote_port = remote_port;
  return request;
}

}  // namespace buildable::emulator::detail::http
