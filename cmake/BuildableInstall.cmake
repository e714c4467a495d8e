# Packaging of the SDK (target buildable, exported as buildable::buildable).
#
# Build tree (always, also when we are vendored with BUILDABLE_INSTALL=OFF):
#   <build>/buildableTargets.cmake, buildableConfig.cmake and buildableConfigVersion.cmake, so
#   `find_package(buildable CONFIG)` works with buildable_DIR=<build dir>, and a parent that
#   vendors us can export() its own targets that link buildable::buildable (fmt #4806).
# Install tree (BUILDABLE_INSTALL=ON):
#   the library, the public headers with the generated version.hpp, the CMake package in
#   <libdir>/cmake/buildable and a relocatable <libdir>/pkgconfig/buildable.pc.
#
# The emulator (target buildable_emulator, exported as buildable::emulator) is the optional
# component `emulator`, present when it was built (BUILDABLE_BUILD_EMULATOR): its own export
# file next to the SDK's, its headers, the buildable-emulator binary and buildable-emulator.pc.

include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(buildable_exported_targets buildable)
set(buildable_cmake_install_dir "${CMAKE_INSTALL_LIBDIR}/cmake/buildable")
set(buildable_config_template "${CMAKE_CURRENT_LIST_DIR}/buildableConfig.cmake.in")

# A static libbuildable carries its private link dependencies into the consumer's link, so its
# package config must find them too; a shared one needs only the public nlohmann_json.
get_target_property(buildable_library_type buildable TYPE)
if(buildable_library_type STREQUAL "STATIC_LIBRARY")
  set(BUILDABLE_CONFIG_STATIC ON)
else()
  set(BUILDABLE_CONFIG_STATIC OFF)
endif()

write_basic_package_version_file("${PROJECT_BINARY_DIR}/buildableConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY ${BUILDABLE_PACKAGE_COMPATIBILITY})

# --- Build tree -----------------------------------------------------------------------------
export(TARGETS ${buildable_exported_targets}
  NAMESPACE buildable::
  FILE "${PROJECT_BINARY_DIR}/buildableTargets.cmake")
set(buildable_with_emulator OFF)
set(BUILDABLE_EMULATOR_STATIC OFF)
if(TARGET buildable_emulator AND BUILDABLE_BUILD_EMULATOR)
  set(buildable_with_emulator ON)
  get_target_property(buildable_emulator_type buildable_emulator TYPE)
  if(buildable_emulator_type STREQUAL "STATIC_LIBRARY")
    set(BUILDABLE_EMULATOR_STATIC ON)
  endif()
  export(TARGETS buildable_emulator
    NAMESPACE buildable::
    FILE "${PROJECT_BINARY_DIR}/buildableEmulatorTargets.cmake")
endif()
set(buildable_with_testing OFF)
if(TARGET buildable_testing AND buildable_with_emulator)
  set(buildable_with_testing ON)
  export(TARGETS buildable_testing
    NAMESPACE buildable::
    FILE "${PROJECT_BINARY_DIR}/buildableTestingTargets.cmake")
endif()
# The config file is written again below for the install tree; both read the variables above.
configure_package_config_file("${buildable_config_template}"
  "${PROJECT_BINARY_DIR}/buildableConfig.cmake"
  INSTALL_DESTINATION "${PROJECT_BINARY_DIR}"
  INSTALL_PREFIX "${PROJECT_BINARY_DIR}")

if(NOT BUILDABLE_INSTALL)
  return()
endif()

# --- Install tree ---------------------------------------------------------------------------
install(TARGETS ${buildable_exported_targets}
  EXPORT buildableTargets
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT buildable_Runtime
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT buildable_Runtime
    NAMELINK_COMPONENT buildable_Development
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT buildable_Development)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/buildable"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT buildable_Development
  FILES_MATCHING PATTERN "*.hpp")
install(FILES "${PROJECT_BINARY_DIR}/generated/include/buildable/version.hpp"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/buildable"
  COMPONENT buildable_Development)

install(EXPORT buildableTargets
  NAMESPACE buildable::
  FILE buildableTargets.cmake
  DESTINATION "${buildable_cmake_install_dir}"
  COMPONENT buildable_Development)
configure_package_config_file("${buildable_config_template}"
  "${PROJECT_BINARY_DIR}/install-config/buildableConfig.cmake"
  INSTALL_DESTINATION "${buildable_cmake_install_dir}")
install(FILES
    "${PROJECT_BINARY_DIR}/install-config/buildableConfig.cmake"
    "${PROJECT_BINARY_DIR}/buildableConfigVersion.cmake"
  DESTINATION "${buildable_cmake_install_dir}"
  COMPONENT buildable_Development)

# pkg-config: the prefix is derived from the .pc file's own location, so the installed tree can
# be moved. Absolute CMAKE_INSTALL_{LIB,INCLUDE}DIR values cannot be relocated and are kept.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(BUILDABLE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH buildable_pc_up "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" buildable_pc_up "${buildable_pc_up}")
  set(BUILDABLE_PC_PREFIX "\${pcfiledir}/${buildable_pc_up}")
endif()
foreach(kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
    set(BUILDABLE_PC_${kind} "${CMAKE_INSTALL_${kind}}")
  else()
    set(BUILDABLE_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
  endif()
endforeach()
# `pkg-config --cflags --libs buildable` must link as it is (the README's line): a static
# libbuildable therefore lists what it links against in Requires and Libs, since only
# `--static` reads the .private fields (and Debian's libcurl.pc cannot be used with it).
get_target_property(buildable_type buildable TYPE)
if(buildable_type STREQUAL "STATIC_LIBRARY")
  set(BUILDABLE_PC_REQUIRES "nlohmann_json libcurl libcrypto")
  set(BUILDABLE_PC_REQUIRES_PRIVATE "")
  set(BUILDABLE_PC_LIBS "${CMAKE_THREAD_LIBS_INIT}")
  set(BUILDABLE_PC_LIBS_PRIVATE "")
else()
  set(BUILDABLE_PC_REQUIRES "nlohmann_json")
  set(BUILDABLE_PC_REQUIRES_PRIVATE "libcurl libcrypto")
  set(BUILDABLE_PC_LIBS "")
  set(BUILDABLE_PC_LIBS_PRIVATE "${CMAKE_THREAD_LIBS_INIT}")
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/buildable.pc.in" "${PROJECT_BINARY_DIR}/buildable.pc"
  @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/buildable.pc"
  DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
  COMPONENT buildable_Development)

# --- The emulator component -----------------------------------------------------------------
if(buildable_with_emulator)
  install(EXPORT buildableEmulatorTargets
    NAMESPACE buildable::
    FILE buildableEmulatorTargets.cmake
    DESTINATION "${buildable_cmake_install_dir}"
    COMPONENT buildable_Emulator)
  # Its private stores: SQLite and PostgreSQL's client library (libpq); a static library lists
  # them in Requires, as buildable.pc does libcurl.
  if(BUILDABLE_EMULATOR_STATIC)
    set(BUILDABLE_EMULATOR_PC_REQUIRES "nlohmann_json sqlite3 libpq")
    set(BUILDABLE_EMULATOR_PC_REQUIRES_PRIVATE "")
    set(BUILDABLE_EMULATOR_PC_LIBS "${CMAKE_THREAD_LIBS_INIT}")
  else()
    set(BUILDABLE_EMULATOR_PC_REQUIRES "nlohmann_json")
    set(BUILDABLE_EMULATOR_PC_REQUIRES_PRIVATE "sqlite3 libpq")
    set(BUILDABLE_EMULATOR_PC_LIBS "")
  endif()
  configure_file("${CMAKE_CURRENT_LIST_DIR}/buildable-emulator.pc.in"
    "${PROJECT_BINARY_DIR}/buildable-emulator.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/buildable-emulator.pc"
    DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    COMPONENT buildable_Emulator)
endif()

# --- The testing component ------------------------------------------------------------------
if(buildable_with_testing)
  install(EXPORT buildableTestingTargets
    NAMESPACE buildable::
    FILE buildableTestingTargets.cmake
    DESTINATION "${buildable_cmake_install_dir}"
    COMPONENT buildable_Testing)
endif()
