# readme_cpp_blocks(<file.md>): the ```cpp blocks of a Markdown file, for the tests that compile
# them (tests/consumer, MODE readme_snippets) and check the extraction (readme.cpp_blocks).
# Sets in the caller's scope:
#   readme_block_count         the blocks extracted
#   readme_block_<i>           block i (1-based): its lines as written, each ending in a newline
#   readme_block_<i>_fragment  ON when the line before its fence is `<!-- snippet: fragment -->`
#   readme_fence_count         the ```cpp fence lines, counted separately (line by line), so a
#                              caller can fail when the extraction missed a block
# The text is read whole and cut with string(FIND)/string(SUBSTRING), never turned into a CMake
# list, so brackets, semicolons and backslashes in the file cannot merge or split blocks.
function(readme_cpp_blocks file)
  file(READ "${file}" text)
  # A newline at both ends: every fence line is then "\n<indent>```...\n".
  set(rest "\n${text}\n")
  set(count 0)
  string(REGEX MATCH "\n[ \t]*```cpp[ \t]*\n" open "${rest}")
  while(NOT open STREQUAL "")
    # The literal's first occurrence is the regular expression's first match.
    string(FIND "${rest}" "${open}" at)
    # The line before the fence's: from the newline before it (if any) up to `at`.
    string(SUBSTRING "${rest}" 0 ${at} head)
    string(FIND "${head}" "\n" line_start REVERSE)
    math(EXPR line_start "${line_start} + 1")
    string(SUBSTRING "${head}" ${line_start} -1 previous)
    string(STRIP "${previous}" previous)
    string(LENGTH "${open}" open_length)
    math(EXPR body_start "${at} + ${open_length}")
    string(SUBSTRING "${rest}" ${body_start} -1 after)
    # The closing fence; "\n" in front finds one right after the opening fence too.
    string(REGEX MATCH "\n[ \t]*```[ \t]*\n" close "\n${after}")
    if(close STREQUAL "")
      message(FATAL_ERROR "${file}: a ```cpp block is never closed")
    endif()
    string(FIND "\n${after}" "${close}" close_at)
    math(EXPR count "${count} + 1")
    string(SUBSTRING "${after}" 0 ${close_at} body)
    set(readme_block_${count} "${body}" PARENT_SCOPE)
    if(previous STREQUAL "<!-- snippet: fragment -->")
      set(readme_block_${count}_fragment ON PARENT_SCOPE)
    else()
      set(readme_block_${count}_fragment OFF PARENT_SCOPE)
    endif()
    # Go on from the closing fence's newline, which may start the next opening fence's line.
    string(LENGTH "${close}" close_length)
    math(EXPR next "${close_at} + ${close_length} - 1")
    string(SUBSTRING "\n${after}" ${next} -1 rest)
    string(REGEX MATCH "\n[ \t]*```cpp[ \t]*\n" open "${rest}")
  endwhile()
  set(readme_block_count ${count} PARENT_SCOPE)
  # Counted line by line; only the fence lines are kept, so no other text reaches the list.
  file(STRINGS "${file}" fences REGEX "^[ \t]*```cpp[ \t]*$")
  list(LENGTH fences fence_count)
  set(readme_fence_count ${fence_count} PARENT_SCOPE)
endfunction()
