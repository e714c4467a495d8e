#include "prometheus_text.hpp"

#include <cstdio>

namespace buildable::emulator::detail {

namespace {

void write_name_and_labels(std::string& out, const std::string& name,
                           const PrometheusLabels& labels) {
  out += name;
  if (labels.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first;
    out += "=\"";
    for (const char c : labels[i].second) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '"') {
        out += "\\\"";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += '}';
}

}  // namespace

void write_family_head(std::string& out, const std::string& name, const std::string& help,
                       const char* type) {
  out += "# HELP " + name + " " + help + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}

void write_sample(std::string& out, const std::string& name, const PrometheusLabels& labels,
                  std::uint64_t value) {
  write_name_and_labels(out, name, labels);
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void write_sample(std::string& out, const std::string& name, const PrometheusLabels& labels,
                  double value) {
  write_name_and_labels(out, name, labels);
  char text[32];
  std::snprintf(text, sizeof text, " %.9g\n", value);
  out += text;
}

}  // namespace buildable::emulator::detail
