# no_server.cmake — `talentflow serve` without talentflow-serve beside it.
#
#   cmake -DTF=<talentflow binary> -DTMP=<scratch dir> -P tests/serve/no_server.cmake
#
# `talentflow serve` reads its options, then runs the program talentflow-serve from its
# own folder (src/cli/serve_exec.c). A copy of talentflow alone in a folder must say that
# it cannot run talentflow-serve there and exit 70, and still reject a bad option itself
# (exit 2, before looking for the server).

cmake_policy(VERSION 3.20)
foreach(var TF TMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "no_server.cmake: -D${var}=... is required")
  endif()
endforeach()

set(dir "${TMP}/no-server")
file(REMOVE_RECURSE "${dir}")
file(MAKE_DIRECTORY "${dir}")
file(COPY "${TF}" DESTINATION "${dir}")
get_filename_component(name "${TF}" NAME)
set(tf "${dir}/${name}")

# Runs `talentflow serve ARGS...` from the lone copy: it must exit `code` with `says` in
# its stderr.
function(expect code says)
  execute_process(COMMAND "${tf}" serve ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
  if(NOT rc EQUAL code)
    message(FATAL_ERROR "serve ${ARGN} without talentflow-serve: exit ${rc}, want ${code}; stderr: ${err}")
  endif()
  string(FIND "${err}" "${says}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "serve ${ARGN} without talentflow-serve: stderr lacks \"${says}\": ${err}")
  endif()
endfunction()

expect(70 "talentflow serve: cannot run ${dir}/talentflow-serve: No such file or directory"
       --listen 127.0.0.1:0 --decision-log "${dir}/d.db")
if(EXISTS "${dir}/d.db")
  message(FATAL_ERROR "serve without talentflow-serve: the decision log was created")
endif()
expect(2 "--threads: \"0\" is not a number from 1 to 256" --threads 0)
file(REMOVE_RECURSE "${dir}")
