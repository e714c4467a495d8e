#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "detail/transport/http_response.hpp"
#include "detail/transport/request_body.hpp"

namespace buildable::detail {

/// The asynchronous side of the network as the listening engine and async emits see it: one
/// I/O thread that sends requests, runs their completions, tasks and timers, one at a time.
/// EventLoop implements it over libcurl; unit tests implement it with a scripted transport
/// that answers, holds, fails or resets each request on command, so any interleaving can be
/// driven without sockets or sleeps.
///
/// Contract: every request accepted by submit() gets its completion called exactly once, on
/// the I/O thread: with the outcome, or, when the transport stops first, with an aborted
/// transport failure (maybe_sent false when it never left this process). Timers not yet due
/// when the transport stops are dropped. submit(), post(), post_at() and stop() may be called
/// from any thread; stop() not from the I/O thread.
class AsyncTransport {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Completion = std::function<void(HttpResponse&&)>;
  using Task = std::function<void()>;

  virtual ~AsyncTransport() = default;

  /// Starts the I/O thread if it is not running. Returns false after stop().
  virtual bool start() = 0;
  /// Aborts what is in flight (completions are called), drops timers, joins the I/O thread.
  /// Idempotent.
  virtual void stop() = 0;
  /// Queues a POST of `body` to `path`. Returns false (and never calls `done`) once stopped.
  virtual bool submit(std::string path, RequestBody body, Completion done) = 0;

  /// One request of submit_all().
  struct Submission {
    std::string path;
    RequestBody body;
    Completion done;
  };
  /// Queues every request of `requests` (which it empties) as submit() would; an
  /// implementation may hand them over at once (one lock, one wake-up). Returns false when the
  /// transport stopped first: the requests it did not accept are dropped, their `done` never
  /// called.
  virtual bool submit_all(std::vector<Submission>& requests) {
    bool accepted = true;
    for (Submission& request : requests) {
      accepted = accepted &&
                 submit(std::move(request.path), std::move(request.body), std::move(request.done));
    }
    requests.clear();
    return accepted;
  }
  /// Runs `task` on the I/O thread soon. Returns false once stopped.
  virtual bool post(Task task) = 0;
  /// Runs `task` on the I/O thread once the client's Clock reaches `when`. Returns false once
  /// stopped.
  virtual bool post_at(TimePoint when, Task task) = 0;
};

}  // namespace buildable::detail
