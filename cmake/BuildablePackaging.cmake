# Debian packages with CPack, one per install component (see README "Packages"):
#   cmake -S . -B build-deb -DBUILD_SHARED_LIBS=ON -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-deb && (cd build-deb && cpack -G DEB)
# libbuildable<soversion> (runtime), libbuildable-dev, buildable-emulator (library, headers,
# binary), buildable-tools (the `buildable` command) and libbuildable-testing-dev (the mock and
# the GoogleTest fixture), those of them that the build has.
set(CPACK_PACKAGE_NAME "buildable-cpp")
set(CPACK_PACKAGE_VENDOR "buildable-cpp")
set(CPACK_PACKAGE_CONTACT "buildable-cpp maintainers <buildable-cpp@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "libs")

set(buildable_runtime_package "libbuildable${BUILDABLE_SOVERSION}")
set(buildable_dev_package "libbuildable-dev")
set(buildable_exact "(= ${PROJECT_VERSION})")

set(CPACK_COMPONENTS_ALL buildable_Runtime buildable_Development)
set(CPACK_DEBIAN_BUILDABLE_RUNTIME_PACKAGE_NAME "${buildable_runtime_package}")
set(CPACK_DEBIAN_BUILDABLE_RUNTIME_PACKAGE_DEPENDS "libcurl4 (>= 7.85), libssl3")
set(CPACK_DEBIAN_BUILDABLE_DEVELOPMENT_PACKAGE_NAME "${buildable_dev_package}")
set(CPACK_DEBIAN_BUILDABLE_DEVELOPMENT_PACKAGE_SECTION "libdevel")
# A -dev package depends on the Debian packages that provide every pkg-config module its .pc
# files name in Requires and Requires.private (pkg-config reads both, shared or static), so
# `pkg-config --cflags --libs` works once it is installed; consumer.deb_packages checks it:
#   nlohmann_json: nlohmann-json3-dev, libcurl: libcurl4-openssl-dev, libcrypto: libssl-dev,
#   sqlite3: libsqlite3-dev, libpq: libpq-dev.
# The static libraries' link dependencies are the same packages.
set(CPACK_DEBIAN_BUILDABLE_DEVELOPMENT_PACKAGE_DEPENDS
    "${buildable_runtime_package} ${buildable_exact}, nlohmann-json3-dev (>= 3.9)")
string(APPEND CPACK_DEBIAN_BUILDABLE_DEVELOPMENT_PACKAGE_DEPENDS
       ", libcurl4-openssl-dev (>= 7.85), libssl-dev")
get_target_property(buildable_package_type buildable TYPE)

if(TARGET buildable_emulator AND BUILDABLE_BUILD_EMULATOR)
  list(APPEND CPACK_COMPONENTS_ALL buildable_Emulator)
  set(CPACK_DEBIAN_BUILDABLE_EMULATOR_PACKAGE_NAME "buildable-emulator")
  set(CPACK_DEBIAN_BUILDABLE_EMULATOR_PACKAGE_SECTION "devel")
  # The library (libsqlite3-0, libpq5 at run time) and buildable-emulator.pc (sqlite3, libpq,
  # nlohmann_json).
  set(CPACK_DEBIAN_BUILDABLE_EMULATOR_PACKAGE_DEPENDS
      "${buildable_dev_package} ${buildable_exact}, libsqlite3-0, libpq5")
  string(APPEND CPACK_DEBIAN_BUILDABLE_EMULATOR_PACKAGE_DEPENDS
         ", nlohmann-json3-dev (>= 3.9), libsqlite3-dev, libpq-dev")
  if(buildable_package_type STREQUAL "STATIC_LIBRARY")
    string(APPEND CPACK_DEBIAN_BUILDABLE_EMULATOR_PACKAGE_DEPENDS ", libboost-dev (>= 1.74)")
  endif()
endif()
if(TARGET buildable_cli)
  list(APPEND CPACK_COMPONENTS_ALL buildable_Tools)
  set(CPACK_DEBIAN_BUILDABLE_TOOLS_PACKAGE_NAME "buildable-tools")
  set(CPACK_DEBIAN_BUILDABLE_TOOLS_PACKAGE_SECTION "devel")
  set(CPACK_DEBIAN_BUILDABLE_TOOLS_PACKAGE_DEPENDS
      "${buildable_runtime_package} ${buildable_exact}, libsqlite3-0")
  if(TARGET buildable_emulator AND BUILDABLE_BUILD_EMULATOR)  # `buildable emulator` links it
    string(APPEND CPACK_DEBIAN_BUILDABLE_TOOLS_PACKAGE_DEPENDS
           ", libpq5, buildable-emulator ${buildable_exact}")
  endif()
endif()
if(TARGET buildable_testing)
  list(APPEND CPACK_COMPONENTS_ALL buildable_Testing)
  set(CPACK_DEBIAN_BUILDABLE_TESTING_PACKAGE_NAME "libbuildable-testing-dev")
  set(CPACK_DEBIAN_BUILDABLE_TESTING_PACKAGE_SECTION "libdevel")
  set(CPACK_DEBIAN_BUILDABLE_TESTING_PACKAGE_DEPENDS
      "buildable-emulator ${buildable_exact}, googletest (>= 1.12) | libgmock-dev")
endif()

include(CPack)
