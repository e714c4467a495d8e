# Writes the Doxygen main page from README.md (-DREADME=... -DOUTPUT=... -DEXAMPLES=...):
# links Doxygen cannot resolve (section anchors, other Markdown files of the repository) keep
# their text without the link, and an Examples section lists every example program, whose
# source Doxygen shows (see the @example blocks written next to it).
file(READ "${README}" text)
# Images of docs/ are found through IMAGE_PATH (and set aside while links are rewritten);
# [text](#anchor) and [text](path#anchor) keep their text (and the file's name); absolute URLs
# stay links.
string(REGEX REPLACE "!\\[([^][\n]*)\\]\\(docs/([^)\n]*)\\)" "IMAGE@[\\1]{\\2}" text "${text}")
string(REGEX REPLACE "\\[([^][\n]*)\\]\\(#[^)\n]*\\)" "\\1" text "${text}")
string(REGEX REPLACE "\\[([^][\n]*)\\]\\(([^):#\n]*)(#[^)\n]*)?\\)" "\\1 (\\2 in the repository)" text
       "${text}")
string(REGEX REPLACE "IMAGE@\\[([^][\n]*)\\]{([^}\n]*)}" "![\\1](\\2)" text "${text}")
file(GLOB examples RELATIVE "${EXAMPLES}" "${EXAMPLES}/*.cpp")
list(SORT examples)
string(APPEND text "\n## Examples\n\nThe programs in `examples/`, each built by the project:\n\n")
set(blocks "")
foreach(example IN LISTS examples)
  string(APPEND text "- @ref ${example}\n")
  string(APPEND blocks "/** @example ${example}\n * The example program examples/${example}.\n */\n")
endforeach()
file(WRITE "${OUTPUT}" "${text}")
file(WRITE "${OUTPUT}.examples.hpp" "${blocks}")
