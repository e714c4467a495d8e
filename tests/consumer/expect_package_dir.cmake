# Included by the consumer projects after find_package(buildable): guards against testing some
# other copy of the SDK (e.g. one installed on the system) than the one under
# EXPECTED_PACKAGE_DIR, when the driver sets it.
if(DEFINED EXPECTED_PACKAGE_DIR)
  get_filename_component(found "${buildable_DIR}" REALPATH)
  get_filename_component(expected "${EXPECTED_PACKAGE_DIR}" REALPATH)
  string(FIND "${found}/" "${expected}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "found buildable in ${found}, expected it under ${expected}")
  endif()
endif()
