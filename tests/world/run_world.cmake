# run_world.cmake — run one world-pack test (tests/world/*.test) and compare the result.
#
#   cmake -DTF=<talentflow> -DCN_COMPARE=<world_cn_compare> -DTEST=<file.test>
#         -DSRC=<repo root> -DTMP=<scratch dir> -P tests/world/run_world.cmake
#
# A .test file is data, one test per file: comment lines starting with '#' at the top,
# then sections, each starting at column 0 with its name and a colon:
#
#   program: NAME        talentflow (default) or cn_compare (tests/world/cn_compare.c)
#   args: ARGS           the program's arguments, split as a shell would (quotes group);
#                        @OUT@ is replaced by an empty scratch folder; run from the repo root
#   exit: N              the expected exit code (default 0)
#   stdout-file: PATH    stdout must equal the file PATH (relative to the repo root)
#   out-dir: PATH        after the run, @OUT@ must hold exactly the files of the folder
#                        PATH, byte for byte once the scratch folder's path is written
#                        back as @OUT@; with no PATH, @OUT@ must be left empty
#   stdout:  / stderr:   the lines that follow, up to the next section, are the exact output
#   stdout-contains: / stderr-contains:
#                        each following line must occur somewhere in that output
#
# Output not named by a section is not checked. The runner is CMake; nothing else is
# involved but the program under test.

cmake_policy(VERSION 3.20)

foreach(var TF CN_COMPARE TEST SRC TMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_world.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${TEST}" text)
get_filename_component(name "${TEST}" NAME_WE)
set(out_dir "${TMP}/${name}.out")
file(REMOVE_RECURSE "${out_dir}")
file(MAKE_DIRECTORY "${out_dir}")

set(program "${TF}")
set(args "")
set(expect_exit 0)
set(stdout_file "")
set(golden_dir "")
set(check_dir FALSE)
set(section "")
foreach(s stdout stderr stdout-contains stderr-contains)
  set(block_${s} "")
  set(has_${s} FALSE)
endforeach()

# Line by line with string(FIND): a CMake list would break on ';' and brackets.
set(pos 0)
string(LENGTH "${text}" len)
while(pos LESS len)
  string(SUBSTRING "${text}" ${pos} -1 rest)
  string(FIND "${rest}" "\n" nl)
  if(nl EQUAL -1)
    set(line "${rest}")
    set(pos ${len})
  else()
    string(SUBSTRING "${rest}" 0 ${nl} line)
    math(EXPR pos "${pos} + ${nl} + 1")
  endif()
  if(line MATCHES "^(program|args|exit|stdout-file|out-dir|stdout|stderr|stdout-contains|stderr-contains):(.*)$")
    set(key "${CMAKE_MATCH_1}")
    string(STRIP "${CMAKE_MATCH_2}" value)
    set(section "")
    if(key STREQUAL "program")
      if(value STREQUAL "cn_compare")
        set(program "${CN_COMPARE}")
      elseif(NOT value STREQUAL "talentflow")
        message(FATAL_ERROR "${TEST}: unknown program '${value}'")
      endif()
    elseif(key STREQUAL "args")
      string(REPLACE "@OUT@" "${out_dir}" value "${value}")
      separate_arguments(args UNIX_COMMAND "${value}")
    elseif(key STREQUAL "exit")
      set(expect_exit "${value}")
    elseif(key STREQUAL "stdout-file")
      set(stdout_file "${value}")
    elseif(key STREQUAL "out-dir")
      set(golden_dir "${value}")
      set(check_dir TRUE)
    else()
      set(section "${key}")
      set(has_${key} TRUE)
    endif()
  elseif(section STREQUAL "" AND (line MATCHES "^#" OR line STREQUAL ""))
    # a comment or a blank line outside a block
  elseif(section STREQUAL "")
    message(FATAL_ERROR "${TEST}: text outside a section: ${line}")
  else()
    string(APPEND block_${section} "${line}\n")
  endif()
endwhile()

execute_process(COMMAND "${program}" ${args}
                WORKING_DIRECTORY "${SRC}"
                INPUT_FILE /dev/null
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)

set(failures "")
if(NOT code STREQUAL "${expect_exit}")
  string(APPEND failures "exit code ${code}, expected ${expect_exit}\n")
endif()
foreach(stream stdout stderr)
  if(stream STREQUAL "stdout")
    set(got "${out}")
  else()
    set(got "${err}")
  endif()
  if(has_${stream} AND NOT got STREQUAL "${block_${stream}}")
    string(APPEND failures "${stream} differs.\n--- expected\n${block_${stream}}--- got\n${got}---\n")
  endif()
  if(has_${stream}-contains)
    # line by line again, not as a list: JSON's brackets would upset list splitting
    set(wanted "${block_${stream}-contains}")
    while(NOT wanted STREQUAL "")
      string(FIND "${wanted}" "\n" nl)
      string(SUBSTRING "${wanted}" 0 ${nl} w)
      math(EXPR nl "${nl} + 1")
      string(SUBSTRING "${wanted}" ${nl} -1 wanted)
      string(FIND "${got}" "${w}" at)
      if(at EQUAL -1)
        string(APPEND failures "${stream} lacks: ${w}\n")
      endif()
    endwhile()
    if(failures MATCHES "${stream} lacks")
      string(APPEND failures "--- ${stream} was\n${got}---\n")
    endif()
  endif()
endforeach()
if(stdout_file)
  file(READ "${SRC}/${stdout_file}" want)
  if(NOT out STREQUAL want)
    file(WRITE "${TMP}/${name}.stdout" "${out}")
    string(APPEND failures "stdout differs from ${stdout_file} (got: ${TMP}/${name}.stdout)\n")
  endif()
endif()
if(check_dir)
  set(want_files "")
  if(golden_dir)
    file(GLOB want_files RELATIVE "${SRC}/${golden_dir}" "${SRC}/${golden_dir}/*")
  endif()
  file(GLOB got_files RELATIVE "${out_dir}" "${out_dir}/*")
  list(SORT want_files)
  list(SORT got_files)
  if(NOT want_files STREQUAL got_files)
    string(APPEND failures "files written: ${got_files}; expected: ${want_files}\n")
  endif()
  foreach(f IN LISTS want_files)
    if(EXISTS "${out_dir}/${f}")
      file(READ "${SRC}/${golden_dir}/${f}" want)
      file(READ "${out_dir}/${f}" got)
      string(REPLACE "${out_dir}" "@OUT@" got "${got}") # the command line in the header
      if(NOT got STREQUAL want)
        string(APPEND failures "${f} differs from ${golden_dir}/${f} (got: ${out_dir}/${f})\n")
      endif()
    endif()
  endforeach()
endif()

if(failures)
  message(FATAL_ERROR "${name}: FAILED\n${failures}")
endif()
message(STATUS "${name}: ok")
