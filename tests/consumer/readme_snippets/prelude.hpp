// What the README's C++ fragments (blocks marked `<!-- snippet: fragment -->`) take for
// granted: the SDK's headers, and the names of the surrounding program they mention.
#pragma once

#include <gmock/gmock.h>

#include <buildable/buildable.hpp>
#include <buildable/emulator/emulator.hpp>
#include <buildable/testing/mock_event_emitter.hpp>
#include <chrono>
#include <future>
#include <string>
#include <vector>

namespace readme {

struct User {
  std::string name;
};
inline void to_json(nlohmann::json& j, const User& user) {
  j = {{"name", user.name}};
}
inline void charge(const nlohmann::json&) {}

using ::testing::Return;

}  // namespace readme
