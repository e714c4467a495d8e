// The dashboard's page (emulator/dashboard/: HTML, CSS, JS), embedded into the binary at build
// time by emulator/cmake/EmbedDashboardAssets.cmake, so the emulator needs no files on disk.
#pragma once

#include <string_view>

namespace buildable::emulator::detail {

struct DashboardAsset {
  std::string_view name;          ///< file name, e.g. "app.js"
  std::string_view content_type;  ///< e.g. "text/javascript; charset=utf-8"
  std::string_view content;
};

/// The embedded file called `name`, or nullptr.
const DashboardAsset* find_dashboard_asset(std::string_view name);

}  // namespace buildable::emulator::detail
