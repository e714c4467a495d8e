# cmake -DSOURCE_DIR=<repository> -P tests/readme/check.cmake (ctest readme.cpp_blocks)
# The README's ```cpp blocks are extracted whole whatever text surrounds them: on sample.md
# (brackets, semicolons, backslashes, an indented block, an empty one) every block comes out
# exactly as written, and on README.md as many blocks come out as there are ```cpp fences.
cmake_minimum_required(VERSION 3.16)
include("${SOURCE_DIR}/cmake/ReadmeCppBlocks.cmake")

function(expect what actual expected)
  if(NOT "${actual}" STREQUAL "${expected}")
    message(FATAL_ERROR "${what}: got\n[${actual}]\nexpected\n[${expected}]")
  endif()
endfunction()

readme_cpp_blocks("${CMAKE_CURRENT_LIST_DIR}/sample.md")
expect("sample.md blocks" "${readme_block_count}" 4)
expect("sample.md fences" "${readme_fence_count}" 4)
expect("sample.md block 1" "${readme_block_1}"
       [==[int main() { int a[2] = {0, 1}; return a[0]; }  // [ ; \ ${NOT_A_VARIABLE}
]==])
expect("sample.md block 1 fragment" "${readme_block_1_fragment}" OFF)
expect("sample.md block 2" "${readme_block_2}" [==[std::string s = "[;]";
s += "\\";
]==])
expect("sample.md block 2 fragment" "${readme_block_2_fragment}" ON)
expect("sample.md block 3" "${readme_block_3}" "  call(x);  // ] ;;\n")
expect("sample.md block 3 fragment" "${readme_block_3_fragment}" ON)
expect("sample.md block 4" "${readme_block_4}" "")

readme_cpp_blocks("${SOURCE_DIR}/README.md")
if(NOT readme_block_count EQUAL readme_fence_count)
  message(FATAL_ERROR "README.md has ${readme_fence_count} ```cpp fences but "
                      "${readme_block_count} blocks were extracted")
endif()
message(STATUS "README.md: ${readme_block_count} C++ blocks, one per ```cpp fence")
