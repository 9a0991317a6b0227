# check_examples.cmake — keeps docs/language.md and tests/docs/ in step.
#
#   cmake -DDOC=<docs/language.md> -DEXAMPLE=<tests/docs/NN-name.rules> -P check_examples.cmake
#       the example held by the file — the lines between "# >>> example" and
#       "# <<< example" — must be, verbatim, the whole of a ```-fenced block of DOC;
#   cmake -DDOC=<docs/language.md> -DEXAMPLES=<tests/docs> -P check_examples.cmake
#       every ```-fenced block of DOC (bare ``` or ```rules) must be held by a file under
#       EXAMPLES, so that a new example in the doc cannot go untested.
#
# Texts are walked with string(FIND) rather than as CMake lists, which would break on the
# ';' and '[' ']' that rulebooks may hold.

cmake_policy(VERSION 3.20)

if(NOT DEFINED DOC)
  message(FATAL_ERROR "check_examples.cmake: -DDOC=... is required")
endif()
file(READ "${DOC}" doc)

set(begin_marker "# >>> example\n")
set(end_marker "# <<< example\n")

# example_of(<file> <out-var>): the text between the markers of file.
function(example_of file out)
  file(READ "${file}" text)
  string(FIND "${text}" "${begin_marker}" b)
  string(FIND "${text}" "${end_marker}" e)
  if(b EQUAL -1 OR e EQUAL -1)
    message(FATAL_ERROR "${file}: no '# >>> example' ... '# <<< example' lines")
  endif()
  string(LENGTH "${begin_marker}" blen)
  math(EXPR start "${b} + ${blen}")
  if(e LESS start)
    message(FATAL_ERROR "${file}: '# <<< example' comes before '# >>> example'")
  endif()
  math(EXPR len "${e} - ${start}")
  string(SUBSTRING "${text}" ${start} ${len} ex)
  set(${out} "${ex}" PARENT_SCOPE)
endfunction()

if(DEFINED EXAMPLE)
  example_of("${EXAMPLE}" ex)
  string(FIND "${doc}" "\n```\n${ex}```\n" at)
  if(at EQUAL -1)
    string(FIND "${doc}" "\n```rules\n${ex}```\n" at)
  endif()
  if(at EQUAL -1)
    message(FATAL_ERROR "${EXAMPLE}: its example is no longer a fenced block of ${DOC}, "
                        "verbatim. Copy the block from the doc again (and keep what the "
                        "file adds around it valid). The example held now:\n${ex}")
  endif()
  message(STATUS "${EXAMPLE}: the example is in ${DOC}")
  return()
endif()

if(NOT DEFINED EXAMPLES)
  message(FATAL_ERROR "check_examples.cmake: -DEXAMPLE=... or -DEXAMPLES=... is required")
endif()

# Every example held under EXAMPLES, each wrapped in fences as it must appear.
file(GLOB_RECURSE files "${EXAMPLES}/*.rules")
set(held "")
foreach(f IN LISTS files)
  example_of("${f}" ex)
  string(APPEND held "```\n${ex}```\n\n")
endforeach()

# Walk DOC line by line; collect each fenced block.
set(pos 0)
set(line_no 0)
set(in_block FALSE)
set(missing 0)
set(blocks 0)
string(LENGTH "${doc}" doc_len)
while(pos LESS doc_len)
  string(SUBSTRING "${doc}" ${pos} -1 rest)
  string(FIND "${rest}" "\n" nl)
  if(nl EQUAL -1)
    set(line "${rest}")
    set(pos ${doc_len})
  else()
    string(SUBSTRING "${rest}" 0 ${nl} line)
    math(EXPR pos "${pos} + ${nl} + 1")
  endif()
  math(EXPR line_no "${line_no} + 1")
  if(NOT in_block)
    if(line MATCHES "^```")
      set(in_block TRUE)
      set(block "")
      set(block_line ${line_no})
      # only rulebook text is an example: ```sh and the like are not
      string(SUBSTRING "${line}" 3 -1 info)
      string(STRIP "${info}" info)
      set(is_example FALSE)
      if(info STREQUAL "" OR info STREQUAL "rules")
        set(is_example TRUE)
      endif()
    endif()
  elseif(line MATCHES "^```[ \t]*$")
    set(in_block FALSE)
    if(is_example)
      math(EXPR blocks "${blocks} + 1")
      string(FIND "${held}" "```\n${block}```\n" at)
      if(at EQUAL -1)
        message(SEND_ERROR "${DOC}:${block_line}: this example is not under ${EXAMPLES}/ "
                           "(add NN-name.rules holding it between '# >>> example' and "
                           "'# <<< example' lines)")
        math(EXPR missing "${missing} + 1")
      endif()
    endif()
  else()
    string(APPEND block "${line}\n")
  endif()
endwhile()
if(in_block)
  message(FATAL_ERROR "${DOC}:${block_line}: a fenced block is never closed")
endif()
if(missing EQUAL 0)
  message(STATUS "${DOC}: all ${blocks} examples are under ${EXAMPLES}/")
endif()
