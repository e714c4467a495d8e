#include "detail/transport/sync_transport.hpp"

#include <utility>

namespace buildable::detail {

SyncTransport::SyncTransport(std::shared_ptr<const TransportConfig> config)
    : config_(std::move(config)) {}

HttpResponse SyncTransport::perform(std::string_view path, RequestBody body) {
  // The handle goes back to the pool on every path, exceptions included.
  struct Lease {
    SyncTransport& owner;
    std::unique_ptr<EasyRequest> request;
    ~Lease() { owner.release(std::move(request)); }
  } lease{*this, acquire()};
  lease.request->prepare(path, std::move(body));
  return lease.request->perform();
}

std::unique_ptr<EasyRequest> SyncTransport::acquire() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [&] { return !idle_.empty() || created_ < config_->max_connections; });
  if (!idle_.empty()) {
    auto request = std::move(idle_.back());
    idle_.pop_back();
    return request;
  }
  ++created_;
  lock.unlock();
  try {
    return std::make_unique<EasyRequest>(config_, EasyRequest::Interruption::progress_callback);
  } catch (...) {
    lock.lock();
    --created_;
    returned_.notify_one();
    throw;
  }
}

void SyncTransport::release(std::unique_ptr<EasyRequest> request) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(request));
  }
  returned_.notify_one();
}

}  // namespace buildable::detail
