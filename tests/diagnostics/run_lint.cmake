# run_lint.cmake — one golden diagnostics test: `talentflow lint NAME.rules` must exit 3
# (the rulebooks have errors) and write exactly NAME.expected to stderr.
#
#   cmake -DTF=<talentflow binary> -DRULES=<tests/diagnostics/NAME.rules> -DSRC=<repo root>
#         -DTMP=<scratch dir> -P tests/diagnostics/run_lint.cmake
#
# RULES is relative to SRC, and lint runs from SRC, so the diagnostics name the file as
# the expected text does. Each NAME.rules holds one bad rulebook; NAME.expected is the
# whole stderr, caret lines and the closing count included, compared byte for byte. On a
# difference the actual stderr is kept in TMP/NAME.actual for `diff`. (An expected file
# is written by hand or from the binary's output once read and found right: see
# tests/diagnostics/README.md.)

cmake_policy(VERSION 3.20)

foreach(var TF RULES SRC TMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_lint.cmake: -D${var}=... is required")
  endif()
endforeach()

string(REGEX REPLACE "\\.rules$" ".expected" expected_path "${RULES}")
get_filename_component(name "${RULES}" NAME_WE)
if(NOT EXISTS "${SRC}/${expected_path}")
  message(FATAL_ERROR "${RULES}: no ${expected_path} beside it")
endif()
file(READ "${SRC}/${expected_path}" expected)

execute_process(COMMAND "${TF}" lint "${RULES}"
                WORKING_DIRECTORY "${SRC}"
                RESULT_VARIABLE rc
                OUTPUT_VARIABLE out
                ERROR_VARIABLE err)

set(failed FALSE)
if(NOT rc STREQUAL "3")
  message(SEND_ERROR "${RULES}: talentflow lint exited ${rc}, expected 3")
  set(failed TRUE)
endif()
if(NOT err STREQUAL expected)
  file(MAKE_DIRECTORY "${TMP}")
  file(WRITE "${TMP}/${name}.actual" "${err}")
  message(SEND_ERROR "${RULES}: stderr differs from ${expected_path}\n"
                     "---- expected\n${expected}---- actual\n${err}----\n"
                     "diff -u ${SRC}/${expected_path} ${TMP}/${name}.actual")
  set(failed TRUE)
endif()
if(NOT failed)
  message(STATUS "${RULES}: ok")
endif()
