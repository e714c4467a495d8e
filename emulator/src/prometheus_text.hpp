// Writing the Prometheus text exposition format (version 0.0.4): family heads and samples.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace buildable::emulator::detail {

/// The Content-Type of the format.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4";

using PrometheusLabels = std::vector<std::pair<std::string, std::string>>;

/// `# HELP name help` and `# TYPE name type` lines.
void write_family_head(std::string& out, const std::string& name, const std::string& help,
                       const char* type);

/// `name{label="value",...} value`; label values escaped (backslash, quote, newline).
void write_sample(std::string& out, const std::string& name, const PrometheusLabels& labels,
                  std::uint64_t value);
/// The same with a floating-point value.
void write_sample(std::string& out, const std::string& name, const PrometheusLabels& labels,
                  double value);

}  // namespace buildable::emulator::detail
