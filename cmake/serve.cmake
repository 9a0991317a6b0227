# serve.cmake — `talentflow serve`: the HTTP service and its web page (src/serve/, web/).
#
# Included from the top-level CMakeLists.txt after the talentflow executable is defined.
# Builds talentflow-serve — the CLI's objects, src/cli/serve_run.c, src/serve/*.c and the
# generated web_assets.c — linked with libmicrohttpd (Debian libmicrohttpd-dev), SQLite
# (libsqlite3-dev) and threads; `talentflow serve` runs it (src/cli/cli.h, "serve: two
# programs"), so building talentflow builds it too.
#
# The web page: web/src/ holds index.html, app.js and style.css. When scripts/setup.sh
# has installed the front-end packages (web/node_modules, pinned by web/package-lock.json),
# esbuild bundles and minifies app.js and style.css into build/web/; without them the
# sources are copied unchanged (plain modern JavaScript: the page works the same, only
# larger). cmake/embed_web.cmake then embeds build/web/* and src/serve/openapi.json into
# web_assets.c, so the binary serves the page from any directory.

pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
find_package(Threads REQUIRED)

set(TF_WEB_SRC "${CMAKE_SOURCE_DIR}/web/src")
set(TF_WEB_OUT "${CMAKE_BINARY_DIR}/web")
set(TF_ESBUILD "${CMAKE_SOURCE_DIR}/web/node_modules/.bin/esbuild")
file(GLOB TF_WEB_SOURCES CONFIGURE_DEPENDS "${TF_WEB_SRC}/*")
set(TF_WEB_BUILT "${TF_WEB_OUT}/index.html" "${TF_WEB_OUT}/app.js" "${TF_WEB_OUT}/style.css")
if(EXISTS "${TF_ESBUILD}")
  set(TF_WEB_HOW "bundling web/src with esbuild")
  set(TF_WEB_COMMANDS
      COMMAND "${TF_ESBUILD}" "${TF_WEB_SRC}/app.js" --bundle --minify --format=esm
              --target=es2020 --log-level=warning "--outfile=${TF_WEB_OUT}/app.js"
      COMMAND "${TF_ESBUILD}" "${TF_WEB_SRC}/style.css" --minify --log-level=warning
              "--outfile=${TF_WEB_OUT}/style.css")
else()
  set(TF_WEB_HOW "copying web/src (no web/node_modules: run scripts/setup.sh to minify)")
  set(TF_WEB_COMMANDS
      COMMAND "${CMAKE_COMMAND}" -E copy "${TF_WEB_SRC}/app.js" "${TF_WEB_SRC}/style.css"
              "${TF_WEB_OUT}/")
endif()
add_custom_command(
  OUTPUT ${TF_WEB_BUILT}
  COMMAND "${CMAKE_COMMAND}" -E make_directory "${TF_WEB_OUT}"
  ${TF_WEB_COMMANDS}
  COMMAND "${CMAKE_COMMAND}" -E copy "${TF_WEB_SRC}/index.html" "${TF_WEB_OUT}/"
  DEPENDS ${TF_WEB_SOURCES}
  COMMENT "Building the web page: ${TF_WEB_HOW}"
  VERBATIM)
add_custom_command(
  OUTPUT "${CMAKE_BINARY_DIR}/web_assets.c"
  COMMAND "${CMAKE_COMMAND}" "-DDIR=${TF_WEB_OUT}"
          "-DOPENAPI=${CMAKE_SOURCE_DIR}/src/serve/openapi.json"
          "-DOUT=${CMAKE_BINARY_DIR}/web_assets.c" -P "${CMAKE_SOURCE_DIR}/cmake/embed_web.cmake"
  DEPENDS "${CMAKE_SOURCE_DIR}/cmake/embed_web.cmake" "${CMAKE_SOURCE_DIR}/src/serve/openapi.json"
          ${TF_WEB_BUILT}
  COMMENT "Embedding the web page and the OpenAPI document into web_assets.c"
  VERBATIM)

file(GLOB TF_SERVE_SOURCES CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/src/serve/*.c")
add_executable(talentflow-serve $<TARGET_OBJECTS:talentflow_cli> "${CMAKE_SOURCE_DIR}/src/cli/serve_run.c"
               ${TF_SERVE_SOURCES} "${CMAKE_BINARY_DIR}/web_assets.c")
target_link_libraries(talentflow-serve PRIVATE talentflow_core PkgConfig::MHD PkgConfig::SQLITE3
                      Threads::Threads)
add_dependencies(talentflow talentflow-serve)
