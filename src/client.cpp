#include <buildable/client.hpp>
#include <utility>

#include "client_impl.hpp"

namespace buildable {

// Out of line: the vtable and typeinfo of the interface live in the library.
EventEmitter::~EventEmitter() = default;

Client::Client(ClientOptions options)
    : impl_(std::make_shared<detail::ClientImpl>(std::move(options))) {}

Client::Client(std::string secret)
    : Client([&] {
        ClientOptions options = ClientOptions::from_env();
        options.secret = std::move(secret);
        return options;
      }()) {}

Client::Client(Client&&) noexcept = default;

Client& Client::operator=(Client&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->close();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

Client::~Client() {
  if (impl_) impl_->close();
}

EmitResult Client::emit(std::string_view event, const nlohmann::json& payload) {
  return impl_->emit(event, payload);
}

std::future<EmitResult> Client::emit_async(std::string_view event, const nlohmann::json& payload) {
  return impl_->emit_async(event, payload);
}

std::vector<EmitOutcome> Client::emit_batch(const std::vector<OutgoingEvent>& events) {
  return impl_->emit_batch_async(events).get();
}

std::future<std::vector<EmitOutcome>> Client::emit_batch_async(
    const std::vector<OutgoingEvent>& events) {
  return impl_->emit_batch_async(events);
}

void Client::flush() {
  impl_->flush(std::nullopt);
}

bool Client::flush(std::chrono::milliseconds timeout) {
  return impl_->flush(std::chrono::steady_clock::now() + timeout);
}

Subscription Client::on(std::string event, Handler handler, ListenOptions options) {
  return impl_->on(std::move(event), std::move(handler), std::move(options));
}

bool Client::off(const Subscription& subscription) {
  return impl_->off(subscription);
}

std::vector<Subscription> Client::off(const ListenerFilter& filter) {
  return impl_->off(filter);
}

std::vector<Subscription> Client::off_all() {
  return impl_->off(ListenerFilter{});
}

std::vector<Subscription> Client::subscriptions() const {
  return impl_->subscriptions();
}

StrandedList Client::stranded(const StrandedQuery& query) {
  return impl_->stranded().list(query);
}

ResolveResult Client::resolve(const Message& message, const Resolution& resolution) {
  return impl_->stranded().resolve(message.event, message.key, resolution, message.tx_key);
}

ResolveResult Client::resolve(std::string_view event, std::string_view key,
                              const Resolution& resolution, std::string_view tx_key) {
  return impl_->stranded().resolve(event, key, resolution, tx_key);
}

std::vector<ResolveResult> Client::resolve_all(const StrandedQuery& query,
                                               const Resolution& resolution) {
  return impl_->stranded().resolve_all(query, resolution);
}

std::vector<ResolveResult> Client::handle_stranded(const StrandedQuery& query, Handler handler) {
  return impl_->stranded().handle(query, handler);
}

void Client::close() {
  impl_->close();
}

const ClientOptions& Client::options() const {
  return impl_->options();
}

Metrics Client::metrics() const {
  return impl_->metrics();
}

}  // namespace buildable
