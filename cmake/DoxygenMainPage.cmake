# Writes the Doxygen main page from README.md (-DREADME=... -DOUTPUT=... -DEXAMPLES=...):
# links Doxygen cannot resolve (section anchors, other Markdown files of the repository) keep
# their text without the link, and an Examples section lists every example source (the
# programs of examples/ and the tests of examples/testing/, with the headers they share),
# whose source Doxygen shows: the @example blocks are written to OUTPUT's name with .dox in
# place of .md, a documentation-only file that the API reference's file list leaves out.
# ctest docs.mainpage_links_every_example checks the generated page links each one.
file(READ "${README}" text)
# Images of docs/ are found through IMAGE_PATH (and set aside while links are rewritten);
# [text](#anchor) and [text](path#anchor) keep their text (and the file's name); absolute URLs
# stay links.
string(REGEX REPLACE "!\\[([^][\n]*)\\]\\(docs/([^)\n]*)\\)" "IMAGE@[\\1]{\\2}" text "${text}")
string(REGEX REPLACE "\\[([^][\n]*)\\]\\(#[^)\n]*\\)" "\\1" text "${text}")
string(REGEX REPLACE "\\[([^][\n]*)\\]\\(([^):#\n]*)(#[^)\n]*)?\\)" "\\1 (\\2 in the repository)" text
       "${text}")
string(REGEX REPLACE "IMAGE@\\[([^][\n]*)\\]{([^}\n]*)}" "![\\1](\\2)" text "${text}")
file(GLOB examples RELATIVE "${EXAMPLES}" "${EXAMPLES}/*.cpp" "${EXAMPLES}/*.hpp")
file(GLOB testing_examples RELATIVE "${EXAMPLES}" "${EXAMPLES}/testing/*.cpp"
     "${EXAMPLES}/testing/*.hpp")
list(SORT examples)
list(SORT testing_examples)
set(blocks "")
macro(list_examples heading names)
  string(APPEND text "${heading}")
  foreach(example IN LISTS ${names})
    string(APPEND text "- @ref ${example}\n")
    string(APPEND blocks "/** @example ${example}\n * The example examples/${example}.\n */\n")
  endforeach()
endmacro()
list_examples("\n## Examples\n\nThe programs in `examples/`, each built by the project, and the \
headers they share:\n\n" examples)
list_examples("\nThe tests in `examples/testing/` (see \"Testing your service\"), built against \
an install, and the code they test:\n\n" testing_examples)
file(WRITE "${OUTPUT}" "${text}")
string(REGEX REPLACE "\\.md$" ".dox" dox "${OUTPUT}")
file(WRITE "${dox}" "${blocks}")
