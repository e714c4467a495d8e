#include "access_log.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "access_log_line.hpp"

namespace buildable::emulator::detail {

struct AccessLog::State {
  ~State() {
    if (owns_file) std::fclose(file);
  }

  AccessLogFormat format = AccessLogFormat::plain;
  std::FILE* file = nullptr;
  bool owns_file = false;

  std::mutex mutex;
  std::condition_variable wake;     ///< the writer: lines queued, or stopping
  std::condition_variable written;  ///< the writer is idle with nothing queued, or finished
  std::deque<std::string> pending;  // guarded by mutex
  std::size_t pending_bytes = 0;    // guarded by mutex
  bool writing = false;             // guarded by mutex: a batch is being written
  bool stopping = false;            // guarded by mutex
  bool finished = false;            // guarded by mutex: the writer returned
  std::uint64_t dropped = 0;        // guarded by mutex
};

AccessLog::AccessLog(const std::string& destination, AccessLogFormat format)
    : state_(std::make_shared<State>()) {
  if (destination.empty()) throw std::runtime_error("access log: empty destination");
  state_->format = format;
  if (destination == "-") {
    state_->file = stdout;
  } else {
    state_->file = std::fopen(destination.c_str(), "ae");  // O_APPEND | O_CLOEXEC
    if (!state_->file) {
      throw std::runtime_error("cannot open the access log " + destination + " (" +
                               std::strerror(errno) + ")");
    }
    state_->owns_file = true;
  }
  std::thread([state = state_] {
    run(state);
  }).detach();  // ends by itself once stopping (see ~AccessLog)
}

AccessLog::~AccessLog() {
  std::unique_lock lock(state_->mutex);
  state_->stopping = true;
  state_->wake.notify_all();
  state_->written.wait_for(lock, kMaxWait, [&] { return state_->finished; });
}

void AccessLog::write(const http::AnsweredRequest& request) noexcept {
  State& state = *state_;
  try {
    std::string line = access_log_line(request, state.format, std::chrono::system_clock::now());
    {
      std::lock_guard lock(state.mutex);
      if (state.pending_bytes + line.size() > kMaxPendingBytes) {
        ++state.dropped;
        return;
      }
      state.pending_bytes += line.size();
      state.pending.push_back(std::move(line));
    }
    state.wake.notify_one();
  } catch (...) {  // out of memory: the line is lost, the request is not
    std::lock_guard lock(state.mutex);
    ++state.dropped;
  }
}

void AccessLog::flush() {
  std::unique_lock lock(state_->mutex);
  state_->written.wait_for(lock, kMaxWait,
                           [&] { return state_->pending.empty() && !state_->writing; });
}

std::uint64_t AccessLog::dropped() const {
  std::lock_guard lock(state_->mutex);
  return state_->dropped;
}

void AccessLog::run(const std::shared_ptr<State>& state) {
  // A destination that went away (a closed pipe) is a failed write here, not a signal that
  // kills the process: a library cannot count on its host ignoring SIGPIPE.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

  std::unique_lock lock(state->mutex);
  for (;;) {
    state->wake.wait(lock, [&] { return !state->pending.empty() || state->stopping; });
    if (state->pending.empty()) break;  // stopping, everything written
    std::deque<std::string> batch;
    batch.swap(state->pending);
    state->pending_bytes = 0;
    state->writing = true;
    lock.unlock();
    // Flushed line by line: one write(2) each, so that lines stay whole beside another
    // process appending to the same file (O_APPEND), and a crash loses none already taken.
    std::uint64_t failed = 0;
    for (const auto& line : batch) {
      if (std::fwrite(line.data(), 1, line.size(), state->file) != line.size() ||
          std::fflush(state->file) != 0) {
        ++failed;
        std::clearerr(state->file);
      }
    }
    lock.lock();
    state->dropped += failed;
    state->writing = false;
    if (state->pending.empty()) state->written.notify_all();
  }
  state->finished = true;
  state->written.notify_all();
}

}  // namespace buildable::emulator::detail
