# run_test.cmake — run one CLI test (tests/cli/*.test) and compare what talentflow did.
#
#   cmake -DTF=<talentflow binary> -DTEST=<file.test> -DSRC=<repo root> -DTMP=<scratch dir>
#         -P tests/cli/run_test.cmake
#
# A .test file is data, one test per file (like curl's tests/data): optional comment
# lines starting with '#' at the top, then sections, each starting at column 0 with its
# name and a colon:
#
#   args: ARGS           the command line after `talentflow`, split like a shell would
#                        (quotes group words); run from the repository root
#   exit: N              the expected exit code (default 0)
#   stdout-to: PATH      send stdout to PATH (e.g. /dev/full) instead of capturing it
#   stdin:               the lines that follow, up to the next section, are fed to stdin
#                        (default: empty input)
#   stdout:              the lines that follow are the exact expected stdout
#   stderr:              the lines that follow are the exact expected stderr
#   stdout-contains:     each following line must occur somewhere in stdout
#   stderr-contains:     each following line must occur somewhere in stderr
#   stdout-matches:      each following line is a CMake regular expression that must
#   stderr-matches:      match somewhere in the output (for what varies, like a hash)
#
# A block runs up to the next line that is a section header, byte for byte: an empty
# block (header directly followed by another) expects empty output, and a blank line
# before the next header is part of the block. Without stdout:, stdout-contains: or
# stdout-matches: the stdout is not checked (likewise stderr). No other language is
# involved: the runner is CMake, the program under test is the talentflow binary.

cmake_policy(VERSION 3.20) # IN_LIST; quoted strings are never variable names

foreach(var TF TEST SRC TMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_test.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${TEST}" text)
get_filename_component(test_name "${TEST}" NAME_WE)

set(header_re "^(args|exit|stdout-to|stdin|stdout|stderr")
string(APPEND header_re "|stdout-contains|stderr-contains|stdout-matches|stderr-matches):(.*)$")
set(args "")
set(args_seen FALSE)
set(expect_exit 0)
set(stdout_to "")
set(section "")
set(seen_sections "")

# Walk the file line by line with string(FIND) rather than as a CMake list: a list would
# break on the ';' and '[' ']' that JSON and diagnostics are full of.
set(pos 0)
string(LENGTH "${text}" text_len)
while(pos LESS text_len)
  string(SUBSTRING "${text}" ${pos} -1 rest)
  string(FIND "${rest}" "\n" nl)
  if(nl EQUAL -1)
    set(line "${rest}")
    set(has_nl FALSE)
    set(pos ${text_len})
  else()
    string(SUBSTRING "${rest}" 0 ${nl} line)
    set(has_nl TRUE)
    math(EXPR pos "${pos} + ${nl} + 1")
  endif()

  if(line MATCHES "${header_re}")
    set(name "${CMAKE_MATCH_1}")
    string(STRIP "${CMAKE_MATCH_2}" value)
    if(name STREQUAL "args")
      set(args "${value}")
      set(args_seen TRUE)
      set(section "")
    elseif(name STREQUAL "exit")
      set(expect_exit "${value}")
      set(section "")
    elseif(name STREQUAL "stdout-to")
      set(stdout_to "${value}")
      set(section "")
    else()
      if(NOT value STREQUAL "")
        message(FATAL_ERROR "${TEST}: '${name}:' takes its text on the following lines")
      endif()
      set(section "${name}")
      string(REPLACE "-" "_" var "${name}")
      set(block_${var} "")
      list(APPEND seen_sections "${var}")
    endif()
  elseif(NOT section STREQUAL "")
    string(REPLACE "-" "_" var "${section}")
    if(has_nl)
      string(APPEND block_${var} "${line}\n")
    else()
      string(APPEND block_${var} "${line}")
    endif()
  elseif(line MATCHES "^#" OR line STREQUAL "")
    # a comment or a blank line outside any block
  else()
    message(FATAL_ERROR "${TEST}: a line outside any section: ${line}")
  endif()
endwhile()

if(NOT args_seen)
  message(FATAL_ERROR "${TEST}: no 'args:' line")
endif()
separate_arguments(argv UNIX_COMMAND "${args}")

set(stdin_file "${TMP}/${test_name}.stdin")
if("stdin" IN_LIST seen_sections)
  file(WRITE "${stdin_file}" "${block_stdin}")
else()
  file(WRITE "${stdin_file}" "")
endif()

set(out_args OUTPUT_VARIABLE actual_stdout)
if(NOT stdout_to STREQUAL "")
  set(out_args OUTPUT_FILE "${stdout_to}")
endif()
execute_process(
  COMMAND "${TF}" ${argv}
  WORKING_DIRECTORY "${SRC}"
  INPUT_FILE "${stdin_file}"
  ${out_args}
  ERROR_VARIABLE actual_stderr
  RESULT_VARIABLE actual_exit)

set(failures "")
if(NOT "${actual_exit}" STREQUAL "${expect_exit}")
  string(APPEND failures "exit code: expected ${expect_exit}, got ${actual_exit}\n")
endif()
foreach(stream stdout stderr)
  if("${stream}" IN_LIST seen_sections AND
     NOT "${actual_${stream}}" STREQUAL "${block_${stream}}")
    string(APPEND failures "${stream} differs.\n"
           "---- expected ${stream} ----\n${block_${stream}}"
           "---- actual ${stream} ----\n${actual_${stream}}"
           "---- end ----\n")
  endif()
  foreach(kind contains matches)
    if(NOT "${stream}_${kind}" IN_LIST seen_sections)
      continue()
    endif()
    set(want "${block_${stream}_${kind}}")
    while(NOT want STREQUAL "")
      string(FIND "${want}" "\n" nl)
      if(nl EQUAL -1)
        set(needle "${want}")
        set(want "")
      else()
        string(SUBSTRING "${want}" 0 ${nl} needle)
        math(EXPR nl "${nl} + 1")
        string(SUBSTRING "${want}" ${nl} -1 want)
      endif()
      if(needle STREQUAL "")
        continue()
      endif()
      if(kind STREQUAL "contains")
        string(FIND "${actual_${stream}}" "${needle}" at)
        if(at EQUAL -1)
          string(APPEND failures "${stream} lacks: ${needle}\n")
        endif()
      elseif(NOT "${actual_${stream}}" MATCHES "${needle}")
        string(APPEND failures "${stream} does not match: ${needle}\n")
      endif()
    endwhile()
  endforeach()
endforeach()

if(NOT failures STREQUAL "")
  if(NOT "stdout" IN_LIST seen_sections AND stdout_to STREQUAL "")
    string(APPEND failures "---- actual stdout ----\n${actual_stdout}---- end ----\n")
  endif()
  if(NOT "stderr" IN_LIST seen_sections)
    string(APPEND failures "---- actual stderr ----\n${actual_stderr}---- end ----\n")
  endif()
  message("${TEST}: talentflow ${args}\n${failures}")
  message(FATAL_ERROR "${test_name}: failed")
endif()
