# Driver of the consumer tests: cmake -DMODE=<mode> -D... -P run_consumer.cmake
#
# Every mode starts from an empty WORK_DIR, builds one of the tiny projects next to this file
# (or, for pkg_config, compiles main.cpp with the compiler directly) and runs the resulting
# program, which must exit 0 (see main.cpp).
#
# MODE
#   build_tree        find_package(buildable) with buildable_DIR = BINARY_DIR; with EMULATOR=ON
#                     find_package(buildable COMPONENTS emulator) and the in-process emulator
#                     program (emulator_main.cpp) linked against the build tree's libraries
#   install           fixture: install the SDK (LINKAGE shared|static) into WORK_DIR/prefix:
#                     the SDK's components of BINARY_DIR when it has that linkage, otherwise
#                     a fresh library-only build of SOURCE_DIR; with EMULATOR=ON the emulator
#                     component too
#   emulator_find_package  find_package(buildable COMPONENTS emulator) from PREFIX: an
#                     in-process emulator and the SDK end to end, and the installed
#                     buildable-emulator binary starts
#   emulator_pkg_config  the same program (or PROGRAM, e.g. the README's quickstart) compiled
#                     with `pkg-config --cflags --libs buildable buildable-emulator`, and run
#   emulator_missing  COMPONENTS emulator against a PREFIX without it fails, saying why
#   deb_packages      `cpack -G DEB` in SDK_BUILD (a shared build with the emulator, made by the
#                     install_emulator_shared fixture): the packages and their dependencies
#                     (every pkg-config module a packaged .pc requires, privately or not, comes
#                     from a package its package depends on), unpacked into a scratch root
#                     that a consumer then builds against and runs
#   readme_snippets   every ```cpp block of README.md (cmake/ReadmeCppBlocks.cmake; fails unless
#                     there are as many blocks as ```cpp fences) compiled against PREFIX (an
#                     install with the emulator and testing components): a complete program as
#                     it is, a block marked `<!-- snippet: fragment -->` inside a function
#                     that has readme_snippets/prelude.hpp and the names fragments use in scope
#   testing_examples  examples/testing (COMPONENTS emulator testing) built from PREFIX; its
#                     tests (handler, mock, emulator fixture) run and pass
#   find_package_install  find_package(buildable) with CMAKE_PREFIX_PATH = PREFIX
#   pkg_config        compile main.cpp with `pkg-config --cflags --libs buildable` from PREFIX
#   abi               the shared libbuildable in PREFIX: its SONAME follows the 0.x policy
#                     (libbuildable.so.0.MINOR) and it exports the public API and nothing of
#                     buildable::detail (README: "Versioning and ABI")
#   add_subdirectory  vendor SOURCE_DIR with add_subdirectory (EXPORT=ON: with a parent target
#                     export()ed, configure only unless EMULATOR=ON); EMULATOR=ON: the parent is
#                     configured with -DBUILDABLE_BUILD_EMULATOR=ON and the consumer is
#                     emulator_main.cpp, linking buildable::emulator
#   fetchcontent_source_dir  FetchContent_Declare(buildable SOURCE_DIR SOURCE_DIR); EMULATOR=ON:
#                     with set(BUILDABLE_BUILD_EMULATOR ON), the consumer is emulator_main.cpp
#   fetchcontent_git  FetchContent_Declare(buildable GIT_REPOSITORY <shallow clone of SOURCE_DIR>)
# Also: SOURCE_DIR, BINARY_DIR (the SDK's trees), WORK_DIR (emptied first), GENERATOR,
# CXX_COMPILER, EXPECTED_VERSION, LINKAGE and CURRENT_LINKAGE (shared|static), PREFIX (made by
# the install mode), EXPORT, EMULATOR, PREFIX_PATH (the outer build's CMAKE_PREFIX_PATH,
# '|'-separated, handed to the builds through the CMAKE_PREFIX_PATH environment variable).
#
# A mode that cannot run here prints "BUILDABLE_CONSUMER_SKIPPED" (the tests' skip pattern).
cmake_minimum_required(VERSION 3.16)

set(projects "${CMAKE_CURRENT_LIST_DIR}")
string(REPLACE "|" ";" PREFIX_PATH "${PREFIX_PATH}")
if(MODE STREQUAL "find_package_install" OR MODE MATCHES "^emulator_|^testing_")
  list(INSERT PREFIX_PATH 0 "${PREFIX}")
endif()
if(PREFIX_PATH)
  string(REPLACE ";" ":" env_prefix_path "${PREFIX_PATH}")
  if(NOT "$ENV{CMAKE_PREFIX_PATH}" STREQUAL "")
    string(APPEND env_prefix_path ":$ENV{CMAKE_PREFIX_PATH}")
  endif()
  set(ENV{CMAKE_PREFIX_PATH} "${env_prefix_path}")
endif()

function(skip reason)
  message("BUILDABLE_CONSUMER_SKIPPED: ${reason}")
endfunction()

# Runs a command, echoing it; stops the test when it fails.
function(run what)
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "[${MODE}] ${what}: ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "[${MODE}] ${what} failed (${rc})")
  endif()
endfunction()

# Configures and builds the consumer project `project` in WORK_DIR/build; extra -D arguments
# follow. CONFIGURE_ONLY stops after the configure (and generate) step.
function(build_consumer project)
  cmake_parse_arguments(PARSE_ARGV 1 arg "CONFIGURE_ONLY" "" "")
  set(build "${WORK_DIR}/build")
  run("configure ${project}" "${CMAKE_COMMAND}" -S "${projects}/${project}" -B "${build}"
      -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" ${arg_UNPARSED_ARGUMENTS})
  if(NOT arg_CONFIGURE_ONLY)
    run("build ${project}" "${CMAKE_COMMAND}" --build "${build}")
    run_program("${build}/consumer")
  endif()
endfunction()

# Runs the consumer program; `env` arguments (VAR=value) go before it.
function(run_program program)
  message(STATUS "[${MODE}] run: ${program}")
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env ${ARGN} "${program}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    set(meaning "unexpected exit")
    if(rc EQUAL 1)
      set(meaning "emit() succeeded although nothing listens on 127.0.0.1:1")
    elseif(rc EQUAL 2)
      set(meaning "a std::exception other than buildable::Error was thrown")
    elseif(rc EQUAL 3)
      set(meaning "a non-std exception was thrown")
    elseif(rc EQUAL 4)
      set(meaning "verify() rejected what sign() produced")
    elseif(rc EQUAL 5)
      set(meaning "the in-process emulator did not store the emitted message")
    elseif(rc EQUAL 6)
      set(meaning "an exception escaped the emulator check")
    endif()
    message(FATAL_ERROR "[${MODE}] consumer exited with ${rc}: ${meaning}")
  endif()
endfunction()

# Configures, builds and installs the SDK from SOURCE_DIR with the given linkage into `dest`.
function(install_fresh_sdk linkage dest)
  set(shared OFF)
  if(linkage STREQUAL "shared")
    set(shared ON)
  endif()
  set(emulator OFF)
  if(EMULATOR)
    set(emulator ON)
  endif()
  set(build "${WORK_DIR}/sdk-build")
  run("configure SDK (${linkage})" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${build}"
      -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DBUILD_SHARED_LIBS=${shared}
      -DBUILDABLE_INSTALL=ON
      -DBUILDABLE_BUILD_TESTS=OFF -DBUILDABLE_BUILD_EXAMPLES=OFF -DBUILDABLE_BUILD_EMULATOR=${emulator}
      -DBUILDABLE_BUILD_TOOLS=${emulator} -DBUILDABLE_BUILD_BENCH=OFF)
  run("build SDK (${linkage})" "${CMAKE_COMMAND}" --build "${build}")
  run("install SDK (${linkage})" "${CMAKE_COMMAND}" --install "${build}" --prefix "${dest}")
endfunction()

# The installed package files must not point back into the trees they were made from.
function(check_relocatable prefix)
  file(GLOB_RECURSE package_files "${prefix}/*.cmake" "${prefix}/*.pc")
  foreach(file IN LISTS package_files)
    file(READ "${file}" text)
    foreach(origin "${SOURCE_DIR}" "${BINARY_DIR}" "${WORK_DIR}")
      string(FIND "${text}" "${origin}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "[${MODE}] ${file} contains the absolute path ${origin}")
      endif()
    endforeach()
  endforeach()
endfunction()

# find_pc_dir(<file.pc>): sets pc_dir (empty when pkg-config is not installed: the caller
# skips) and libdir to where <file.pc> lies in PREFIX; stops the test when it is missing.
function(find_pc_dir name)
  find_program(PKG_CONFIG NAMES pkg-config pkgconf)
  if(NOT PKG_CONFIG)
    set(pc_dir "" PARENT_SCOPE)
    return()
  endif()
  file(GLOB_RECURSE pc_file "${PREFIX}/*/pkgconfig/${name}")
  if(NOT pc_file)
    message(FATAL_ERROR "[${MODE}] no ${name} under ${PREFIX}")
  endif()
  get_filename_component(dir "${pc_file}" DIRECTORY)
  get_filename_component(lib "${dir}" DIRECTORY)
  set(pc_dir "${dir}" PARENT_SCOPE)
  set(libdir "${lib}" PARENT_SCOPE)
endfunction()

# pkg_config(<out> <arguments>...): the output of pkg-config with pc_dir in its path.
function(pkg_config out)
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${pc_dir}"
                          "${PKG_CONFIG}" ${ARGN}
                  OUTPUT_VARIABLE output OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "[${MODE}] pkg-config ${ARGN} failed (${rc})")
  endif()
  string(REPLACE "\n" " " output "${output}")
  set(${out} "${output}" PARENT_SCOPE)
endfunction()

# The names in a Debian Depends field, without versions, architectures or alternatives' bars.
function(debian_depends_names out depends)
  string(REGEX REPLACE "\\([^)]*\\)" "" depends "${depends}")
  string(REGEX REPLACE ":[a-z0-9]+" "" depends "${depends}")
  string(REGEX REPLACE "[ \t\n]" "" depends "${depends}")
  string(REGEX REPLACE "[,|]+" ";" depends "${depends}")
  set(${out} "${depends}" PARENT_SCOPE)
endfunction()

# For every .pc file in every package in `debs`: each pkg-config module of its Requires and
# Requires.private is provided (found by `dpkg -S` on the module's .pc, located with
# `pkg-config --variable=pcfiledir`, or shipped by one of `debs`) by a package that this
# package's Depends names. Stops the test at the first one missing.
function(check_pc_dependencies debs)
  find_program(DPKG dpkg)
  find_program(PKG_CONFIG NAMES pkg-config pkgconf)
  if(NOT DPKG OR NOT PKG_CONFIG)
    message(FATAL_ERROR "[${MODE}] dpkg and pkg-config are needed to check the packages' .pc "
                        "dependencies")
  endif()
  file(GLOB packages "${debs}/*.deb")
  set(names "")
  # Unpack each package on its own, and note which package ships which .pc file.
  set(checked 0)
  foreach(deb IN LISTS packages)
    execute_process(COMMAND "${DPKG_DEB}" -f "${deb}" Package OUTPUT_VARIABLE package
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    set(contents "${WORK_DIR}/contents/${package}")
    file(MAKE_DIRECTORY "${contents}")
    run("unpack ${package} alone" "${DPKG_DEB}" -x "${deb}" "${contents}")
    file(GLOB_RECURSE pc_files "${contents}/*.pc")
    set(pc_files_${package} "${pc_files}")
    foreach(pc IN LISTS pc_files)
      get_filename_component(module "${pc}" NAME_WE)
      set(shipped_by_${module} "${package}")
    endforeach()
    list(APPEND names "${package}")
  endforeach()
  foreach(package IN LISTS names)
    file(GLOB deb "${debs}/${package}_*.deb")
    execute_process(COMMAND "${DPKG_DEB}" -f "${deb}" Depends OUTPUT_VARIABLE depends
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    debian_depends_names(depended "${depends}")
    foreach(pc IN LISTS pc_files_${package})
      get_filename_component(pc_name "${pc}" NAME)
      file(STRINGS "${pc}" requires REGEX "^Requires(\\.private)?:")
      string(REGEX REPLACE "Requires(\\.private)?:" " " modules "${requires}")
      # Drop version constraints ("libcurl >= 7.85"), then split on commas and blanks.
      string(REGEX REPLACE "[<>=!]+[ \t]*[^ ,;\t]+" " " modules "${modules}")
      string(REGEX REPLACE "[ ,;\t]+" ";" modules "${modules}")
      list(REMOVE_ITEM modules "")
      foreach(module IN LISTS modules)
        if(DEFINED shipped_by_${module})
          set(provider "${shipped_by_${module}}")
        else()
          execute_process(COMMAND "${PKG_CONFIG}" --variable=pcfiledir "${module}"
                          OUTPUT_VARIABLE pc_dir OUTPUT_STRIP_TRAILING_WHITESPACE
                          RESULT_VARIABLE rc)
          if(NOT rc EQUAL 0 OR pc_dir STREQUAL "")
            message(FATAL_ERROR "[${MODE}] ${package}'s ${pc_name} requires ${module}, which "
                                "pkg-config does not find here (install its -dev package)")
          endif()
          execute_process(COMMAND "${DPKG}" -S "${pc_dir}/${module}.pc"
                          OUTPUT_VARIABLE owner OUTPUT_STRIP_TRAILING_WHITESPACE
                          RESULT_VARIABLE rc)
          if(NOT rc EQUAL 0)
            message(FATAL_ERROR "[${MODE}] no Debian package owns ${pc_dir}/${module}.pc "
                                "(${module}, required by ${package}'s ${pc_name})")
          endif()
          # "libcurl4-openssl-dev:amd64: /usr/lib/.../libcurl.pc"
          string(REGEX REPLACE ": /.*$" "" provider "${owner}")
          debian_depends_names(provider "${provider}")
        endif()
        set(found OFF)
        foreach(candidate IN LISTS provider)
          if(candidate IN_LIST depended)
            set(found ON)
          endif()
        endforeach()
        if(NOT found)
          message(FATAL_ERROR "[${MODE}] ${package}'s ${pc_name} requires the pkg-config "
                              "module ${module}, provided by ${provider}, but ${package} "
                              "depends only on: ${depends}")
        endif()
        message(STATUS "[${MODE}] ${package}: ${pc_name} requires ${module}, from ${provider}")
        math(EXPR checked "${checked} + 1")
      endforeach()
    endforeach()
  endforeach()
  if(checked EQUAL 0)
    message(FATAL_ERROR "[${MODE}] no pkg-config dependency found to check in ${debs}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

if(MODE STREQUAL "build_tree")
  if(EMULATOR)
    build_consumer(emulator_component "-Dbuildable_DIR=${BINARY_DIR}"
                   "-DEXPECTED_PACKAGE_DIR=${BINARY_DIR}")
  else()
    build_consumer(find_package "-Dbuildable_DIR=${BINARY_DIR}"
                   "-DEXPECTED_PACKAGE_DIR=${BINARY_DIR}" "-DEXPECTED_VERSION=${EXPECTED_VERSION}")
  endif()

elseif(MODE STREQUAL "install")
  # Install into a staging prefix, then move it: consuming the moved tree proves it relocatable.
  set(staging "${WORK_DIR}/staging")
  set(prefix "${WORK_DIR}/prefix")
  if(LINKAGE STREQUAL CURRENT_LINKAGE)
    # Only the SDK's components: other targets of the build (emulator, tools) may not be built.
    set(components buildable_Runtime buildable_Development)
    if(EMULATOR)
      list(APPEND components buildable_Emulator buildable_Tools buildable_Testing)
    endif()
    foreach(component IN LISTS components)
      run("install ${component} of the current build" "${CMAKE_COMMAND}" --install "${BINARY_DIR}"
          --prefix "${staging}" --component ${component})
    endforeach()
  else()
    install_fresh_sdk(${LINKAGE} "${staging}")
  endif()
  file(RENAME "${staging}" "${prefix}")
  check_relocatable("${prefix}")
  file(GLOB_RECURSE libraries "${prefix}/*libbuildable.*")
  message(STATUS "[${MODE}] installed: ${libraries}")
  set(expected "libbuildable\\.so")
  if(LINKAGE STREQUAL "static")
    set(expected "libbuildable\\.a")
  endif()
  if(NOT libraries MATCHES "${expected}")
    message(FATAL_ERROR "[${MODE}] no ${LINKAGE} libbuildable in ${prefix}")
  endif()

elseif(MODE STREQUAL "find_package_install")
  build_consumer(find_package "-DEXPECTED_PACKAGE_DIR=${PREFIX}"
                 "-DEXPECTED_VERSION=${EXPECTED_VERSION}")

elseif(MODE STREQUAL "emulator_find_package")
  build_consumer(emulator_component "-DEXPECTED_PACKAGE_DIR=${PREFIX}")
  file(GLOB_RECURSE emulator_binary "${PREFIX}/*/buildable-emulator")
  if(NOT emulator_binary)
    message(FATAL_ERROR "[${MODE}] no buildable-emulator under ${PREFIX}")
  endif()
  # Without LD_LIBRARY_PATH: a shared install must find its libraries by itself.
  run("run the installed emulator" "${emulator_binary}" --help)
  file(GLOB_RECURSE cli_binary "${PREFIX}/bin/buildable")
  if(NOT cli_binary)
    message(FATAL_ERROR "[${MODE}] no buildable command-line tool under ${PREFIX}/bin")
  endif()
  run("run the installed command-line tool" "${cli_binary}" --help)

elseif(MODE STREQUAL "emulator_pkg_config")
  find_pc_dir(buildable-emulator.pc)
  if(NOT pc_dir)
    skip("pkg-config not found")
    return()
  endif()
  pkg_config(flags --cflags --libs buildable buildable-emulator)
  message(STATUS "[${MODE}] pkg-config --cflags --libs buildable buildable-emulator: ${flags}")
  separate_arguments(flags UNIX_COMMAND "${flags}")
  if(NOT PROGRAM)
    set(PROGRAM "${projects}/emulator_main.cpp")
  endif()
  run("compile and link" "${CXX_COMPILER}" -std=c++17 "${PROGRAM}" ${flags}
      -o "${WORK_DIR}/consumer")
  run_program("${WORK_DIR}/consumer" "LD_LIBRARY_PATH=${libdir}")

elseif(MODE STREQUAL "deb_packages")
  find_program(DPKG_DEB dpkg-deb)
  if(NOT DPKG_DEB)
    skip("dpkg-deb not found")
    return()
  endif()
  get_filename_component(cmake_bin "${CMAKE_COMMAND}" DIRECTORY)
  set(debs "${WORK_DIR}/debs")
  execute_process(COMMAND "${cmake_bin}/cpack" -G DEB -B "${debs}"
                  WORKING_DIRECTORY "${SDK_BUILD}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "[${MODE}] cpack -G DEB failed (${rc})")
  endif()
  string(REPLACE "." ";" version_parts "${EXPECTED_VERSION}")
  list(GET version_parts 0 major)
  list(GET version_parts 1 minor)
  set(runtime "libbuildable${major}.${minor}")
  if(NOT major EQUAL 0)
    set(runtime "libbuildable${major}")
  endif()
  # package name -> a dependency it must declare
  set(expected "${runtime}=libcurl4" "libbuildable-dev=${runtime} (= ${EXPECTED_VERSION})"
               "buildable-emulator=libbuildable-dev (= ${EXPECTED_VERSION})"
               "buildable-tools=buildable-emulator (= ${EXPECTED_VERSION})")
  set(root "${WORK_DIR}/root")
  foreach(entry IN LISTS expected)
    string(REGEX MATCH "^([^=]*)=(.*)$" _ "${entry}")
    set(package "${CMAKE_MATCH_1}")
    set(dependency "${CMAKE_MATCH_2}")
    file(GLOB deb "${debs}/${package}_*.deb")
    if(NOT deb)
      file(GLOB made "${debs}/*.deb")
      message(FATAL_ERROR "[${MODE}] no package ${package}; cpack made: ${made}")
    endif()
    execute_process(COMMAND "${DPKG_DEB}" -f "${deb}" Depends OUTPUT_VARIABLE depends)
    string(FIND "${depends}" "${dependency}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "[${MODE}] ${package} depends on '${depends}', not on ${dependency}")
    endif()
    run("unpack ${package}" "${DPKG_DEB}" -x "${deb}" "${root}")
  endforeach()
  check_pc_dependencies("${debs}")
  # A consumer of the unpacked packages, as if they were installed under /usr.
  set(ENV{CMAKE_PREFIX_PATH} "${root}/usr")
  build_consumer(emulator_component "-DEXPECTED_PACKAGE_DIR=${root}/usr")
  run("run the packaged emulator" "${root}/usr/bin/buildable-emulator" --help)
  run("run the packaged command-line tool" "${root}/usr/bin/buildable" --help)

elseif(MODE STREQUAL "readme_snippets")
  find_pc_dir(buildable-emulator.pc)
  if(NOT pc_dir)
    skip("pkg-config not found")
    return()
  endif()
  pkg_config(cflags --cflags buildable buildable-emulator)
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  # README.md's ```cpp blocks, noting which are marked as fragments; every fence must give one.
  include("${SOURCE_DIR}/cmake/ReadmeCppBlocks.cmake")
  readme_cpp_blocks("${SOURCE_DIR}/README.md")
  set(count ${readme_block_count})
  if(count EQUAL 0)
    message(FATAL_ERROR "[${MODE}] no C++ block found in README.md")
  endif()
  if(NOT count EQUAL readme_fence_count)
    message(FATAL_ERROR "[${MODE}] README.md has ${readme_fence_count} ```cpp fences but "
                        "${count} blocks were extracted")
  endif()
  foreach(i RANGE 1 ${count})
    set(source "${WORK_DIR}/snippet_${i}.cpp")
    if(readme_block_${i}_fragment)
      file(WRITE "${source}" "#include \"${projects}/readme_snippets/prelude.hpp\"\n"
           "namespace readme {\n"
           "void snippet(buildable::Client& client, "
           "buildable::ClientOptions& options, const User& user, const std::vector<User>& orders, "
           "const nlohmann::json& expected_json) {\n{\n" "${readme_block_${i}}"
           "}\n}\n}  // namespace readme\n")
    else()
      string(FIND "${readme_block_${i}}" "int main(" has_main)
      if(has_main EQUAL -1)
        message(FATAL_ERROR "[${MODE}] README block ${i} is neither a program nor marked as a "
                            "fragment:\n${readme_block_${i}}")
      endif()
      file(WRITE "${source}" "${readme_block_${i}}")
    endif()
    run("compile README block ${i}" "${CXX_COMPILER}" -std=c++17 -fsyntax-only ${cflags}
        "${source}")
  endforeach()
  message(STATUS "[${MODE}] ${count} README blocks compile (${readme_fence_count} ```cpp fences)")

elseif(MODE STREQUAL "testing_examples")
  set(build "${WORK_DIR}/build")
  run("configure examples/testing" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/examples/testing"
      -B "${build}" -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
  run("build examples/testing" "${CMAKE_COMMAND}" --build "${build}")
  get_filename_component(cmake_bin "${CMAKE_COMMAND}" DIRECTORY)
  run("run the examples' tests" "${cmake_bin}/ctest" --test-dir "${build}"
      --output-on-failure)

elseif(MODE STREQUAL "emulator_missing")
  set(build "${WORK_DIR}/build")
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${projects}/emulator_component" -B "${build}"
                          -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    message(FATAL_ERROR "[${MODE}] COMPONENTS emulator was found in a prefix without it")
  endif()
  string(FIND "${out}${err}" "the emulator component is not part of this buildable-cpp package" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "[${MODE}] the failure does not say why:\n${out}${err}")
  endif()

elseif(MODE STREQUAL "abi")
  find_program(NM nm)
  find_program(READELF readelf)
  if(NOT NM OR NOT READELF)
    skip("nm or readelf not found")
    return()
  endif()
  file(GLOB_RECURSE library "${PREFIX}/*/libbuildable.so")
  if(NOT library)
    message(FATAL_ERROR "[${MODE}] no libbuildable.so under ${PREFIX}")
  endif()
  execute_process(COMMAND "${READELF}" -d "${library}" OUTPUT_VARIABLE dynamic)
  string(REGEX MATCH "Library soname: \\[([^]]*)\\]" soname_line "${dynamic}")
  string(REPLACE "." ";" version_parts "${EXPECTED_VERSION}")
  list(GET version_parts 0 major)
  list(GET version_parts 1 minor)
  set(expected_soname "libbuildable.so.${major}")
  if(major EQUAL 0)
    set(expected_soname "libbuildable.so.0.${minor}")
  endif()
  if(NOT CMAKE_MATCH_1 STREQUAL expected_soname)
    message(FATAL_ERROR "[${MODE}] SONAME is '${CMAKE_MATCH_1}', expected '${expected_soname}'")
  endif()
  execute_process(COMMAND "${NM}" -DC --defined-only "${library}" OUTPUT_VARIABLE symbols)
  string(REPLACE "\n" ";" symbols "${symbols}")
  set(exported 0)
  set(internal "")
  foreach(line IN LISTS symbols)
    if(line STREQUAL "")
      continue()
    endif()
    math(EXPR exported "${exported} + 1")
    # The symbol's own name (after address and type) starting with buildable::detail is an
    # internal made ABI; std:: templates instantiated over internal types cannot be hidden.
    if(line MATCHES "^[0-9a-f]+ [A-Za-z] buildable::detail::")
      list(APPEND internal "${line}")
    endif()
  endforeach()
  message(STATUS "[${MODE}] ${library}: SONAME ${CMAKE_MATCH_1}, ${exported} exported symbols")
  if(internal)
    list(LENGTH internal count)
    list(GET internal 0 first)
    message(FATAL_ERROR "[${MODE}] ${count} buildable::detail symbols exported, e.g. ${first}")
  endif()
  foreach(public "buildable::Client::emit(" "buildable::version()" "typeinfo for buildable::Error")
    string(FIND "${symbols}" "${public}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "[${MODE}] the public symbol ${public} is not exported")
    endif()
  endforeach()

elseif(MODE STREQUAL "pkg_config")
  find_pc_dir(buildable.pc)
  if(NOT pc_dir)
    skip("pkg-config not found")
    return()
  endif()
  # The README's line, verbatim, for static and shared installs alike.
  pkg_config(cflags_and_libs --cflags --libs buildable)
  pkg_config(includedir --variable=includedir buildable)
  message(STATUS "[${MODE}] pkg-config --cflags --libs buildable: ${cflags_and_libs}")
  # The prefix derived from the .pc file's location must be the moved prefix.
  if(NOT EXISTS "${includedir}/buildable/buildable.hpp")
    message(FATAL_ERROR "[${MODE}] pkg-config's includedir ${includedir} has no buildable.hpp")
  endif()
  separate_arguments(cflags_and_libs UNIX_COMMAND "${cflags_and_libs}")
  run("compile and link" "${CXX_COMPILER}" -std=c++17 "${projects}/main.cpp" ${cflags_and_libs}
      -o "${WORK_DIR}/consumer")
  run_program("${WORK_DIR}/consumer" "LD_LIBRARY_PATH=${libdir}")

elseif(MODE STREQUAL "add_subdirectory")
  set(configure_only "")
  set(emulator "")
  if(EMULATOR)
    # The README's line for a vendored emulator, on the parent's command line; built and run.
    set(emulator -DBUILDABLE_BUILD_EMULATOR=ON)
  elseif(EXPORT)
    set(configure_only CONFIGURE_ONLY)
  endif()
  build_consumer(add_subdirectory ${configure_only} "-DBUILDABLE_SOURCE_DIR=${SOURCE_DIR}"
                 "-DCONSUMER_EXPORT=${EXPORT}" ${emulator})

elseif(MODE STREQUAL "fetchcontent_source_dir")
  set(emulator OFF)
  if(EMULATOR)
    set(emulator ON)
  endif()
  build_consumer(fetchcontent "-DBUILDABLE_SOURCE_DIR=${SOURCE_DIR}"
                 "-DCONSUMER_EMULATOR=${emulator}")

elseif(MODE STREQUAL "fetchcontent_git")
  find_program(GIT NAMES git)
  if(NOT GIT)
    skip("git not found")
    return()
  endif()
  execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" rev-parse --show-toplevel
                  OUTPUT_VARIABLE toplevel OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE rc ERROR_VARIABLE error ERROR_STRIP_TRAILING_WHITESPACE)
  get_filename_component(toplevel "${toplevel}" REALPATH)
  get_filename_component(source "${SOURCE_DIR}" REALPATH)
  if(NOT rc EQUAL 0 OR NOT toplevel STREQUAL source)
    skip("${SOURCE_DIR} is not the top of a git checkout ${error}")
    return()
  endif()
  execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" status --porcelain --untracked-files=normal
                  OUTPUT_VARIABLE dirty)
  if(dirty)
    message(WARNING "[${MODE}] this test builds the last commit; uncommitted changes in "
                    "${SOURCE_DIR} are not part of it")
  endif()
  set(clone "${WORK_DIR}/repository")
  run("clone" "${GIT}" clone --quiet --depth 1 "file://${source}" "${clone}")
  execute_process(COMMAND "${GIT}" -C "${clone}" rev-parse HEAD OUTPUT_VARIABLE commit
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  build_consumer(fetchcontent "-DBUILDABLE_GIT_REPOSITORY=file://${clone}"
                 "-DBUILDABLE_GIT_TAG=${commit}")

else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
