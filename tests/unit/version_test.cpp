// buildable::version() reports the library's version; with the headers of the same build it
// matches kVersion and the version macros.
#include <gtest/gtest.h>

#include <buildable/version.hpp>
#include <string>

TEST(Version, TheLibraryReportsTheVersionItWasBuiltAs) {
  EXPECT_STREQ(buildable::version(), buildable::kVersion);
  const std::string expected = std::to_string(BUILDABLE_VERSION_MAJOR) + "." +
                               std::to_string(BUILDABLE_VERSION_MINOR) + "." +
                               std::to_string(BUILDABLE_VERSION_PATCH);
  EXPECT_EQ(buildable::version(), expected);
}
