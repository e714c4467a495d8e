#pragma once
/// @file measure.hpp
/// Clocks, CPU time, process statistics and sample summaries for the benchmark.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

/// Seconds since an arbitrary epoch (steady clock).
double now_seconds();

/// CPU seconds (user + system) used by this whole process so far (getrusage RUSAGE_SELF).
double process_cpu_seconds();
/// Voluntary + involuntary context switches of this whole process so far (getrusage).
double process_context_switches();
/// CPU seconds used by the calling thread so far (getrusage RUSAGE_THREAD).
double thread_cpu_seconds();
/// CPU seconds (user + system) another process used so far, from /proc/<pid>/stat; -1 on error.
double pid_cpu_seconds(int pid);

/// Threads of this process (entries of /proc/self/task).
int thread_count();
/// Resident set size of this process in bytes (/proc/self/statm).
std::int64_t rss_bytes();
/// Bytes of heap in use by this process, all malloc arenas (glibc mallinfo2); -1 if unknown.
std::int64_t heap_in_use_bytes();
/// Open file descriptors of this process (entries of /proc/self/fd).
int fd_count();

/// The kernel's TcpExt ListenOverflows counter (SYNs dropped because an accept queue was
/// full), machine-wide for this network namespace; -1 when unavailable.
double listen_overflows();

/// Pins the calling thread (and what it later creates or forks) to one CPU; false when the
/// machine has no such CPU or the call failed.
bool pin_to_cpu(int cpu);
/// Number of CPUs this process may run on.
int available_cpus();

/// Wall time and process CPU of a measured section.
struct Span {
  double wall_s = 0;
  double cpu_s = 0;
  double switches = 0;  ///< context switches of the process
};

/// Starts a measurement; stop() returns what elapsed since.
class Stopwatch {
 public:
  Stopwatch()
      : wall0_(now_seconds()), cpu0_(process_cpu_seconds()), csw0_(process_context_switches()) {}
  Span stop() const {
    return Span{now_seconds() - wall0_, process_cpu_seconds() - cpu0_,
                process_context_switches() - csw0_};
  }

 private:
  double wall0_;
  double cpu0_;
  double csw0_;
};

/// Median, min and max of repeated samples.
struct Summary {
  double median = 0;
  double min = 0;
  double max = 0;
  std::vector<double> samples;
  bool empty() const { return samples.empty(); }
};
Summary summarize(std::vector<double> samples);

/// The q-quantile (0..1) of `values` by nearest rank; 0 for an empty vector.
double percentile(std::vector<double> values, double q);

/// A range of values, ends included.
struct Interval {
  double low = 0;
  double high = 0;
};

/// Fewer values than this say nothing about where the median lies (median_interval).
constexpr std::size_t kMinValuesForInterval = 10;

/// Where the true median lies with 95% confidence, judging from `values` alone: the order
/// statistics 0.98 sqrt(n) ranks either side of the middle. With fewer than
/// kMinValuesForInterval values (where those ranks hold it far less often) it is unbounded,
/// -inf to +inf.
Interval median_interval(const std::vector<double>& values);

}  // namespace bench
