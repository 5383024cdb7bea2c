# Installation layout and the Debian package (included by the top-level
# CMakeLists.txt after src/, which installs the executable and the dashboard).
#
#   <prefix>/bin/bisk
#   <prefix>/share/bisk/web/         templates + static (with htmx)     src/CMakeLists.txt
#   <prefix>/share/bisk/models/      the three face models             ${BISK_ASSETS_DIR}/models
#   <prefix>/share/bisk/demo/        demo video + students' photos     ${BISK_ASSETS_DIR}/demo (when fetched)
#   <prefix>/share/bisk/deploy/install_enforcer.sh                     deploy/
#   <prefix>/share/doc/bisk/         README.md, copyright
#
# `cmake --install build [--prefix DIR]` installs that tree (the default prefix
# is CMake's /usr/local; the executable's built-in BISK_MODEL_DIR and
# BISK_WEB_DIR point into /usr/share/bisk, so another prefix needs the env file
# the installer writes for it). `cpack -G DEB` in a build directory (or
# `cmake --build build --target package`) makes bisk_<version>_<arch>.deb with
# prefix /usr, whose postinst runs the installer (deploy/debian/).

# ------------------------------------------------------------------ install
# The face models: names and sha256 from src/config/model_files.h (the one
# source of truth, shared with scripts/fetch_assets.sh and `bisk check`).
set(BISK_MODEL_FILES_HEADER ${PROJECT_SOURCE_DIR}/src/config/model_files.h)
file(STRINGS ${BISK_MODEL_FILES_HEADER} model_lines REGEX "{\"[A-Za-z0-9_.-]+\\.onnx\", *\"[0-9a-f]+\"}")
set(model_names)
set(model_sha256s)
foreach(line IN LISTS model_lines)
  string(REGEX REPLACE ".*{\"([A-Za-z0-9_.-]+\\.onnx)\", *\"([0-9a-f]+)\"}.*" "\\1;\\2" pair "${line}")
  list(GET pair 0 name)
  list(GET pair 1 sum)
  list(APPEND model_names ${name})
  list(APPEND model_sha256s ${sum})
endforeach()
list(LENGTH model_names model_count)
if(model_count EQUAL 0)
  message(FATAL_ERROR "No model files found in ${BISK_MODEL_FILES_HEADER} (expected {\"name.onnx\", \"sha256\"} entries)")
endif()

set(BISK_MODELS_SOURCE_DIR ${BISK_ASSETS_DIR}/models)
set(model_paths)
set(missing_models)
foreach(name IN LISTS model_names)
  list(APPEND model_paths ${BISK_MODELS_SOURCE_DIR}/${name})
  if(NOT EXISTS ${BISK_MODELS_SOURCE_DIR}/${name})
    list(APPEND missing_models ${name})
  endif()
endforeach()
string(CONCAT fetch_hint "run scripts/fetch_assets.sh (it fetches them from the npm package "
              "faceplugin-face-recognition-js), or configure with -DBISK_ASSETS_DIR=<the directory it filled>")
if(missing_models)
  # Not fatal here: a build for the unit tests alone does not install. `cmake
  # --install` and cpack stop below with the same message.
  string(REPLACE ";" ", " missing_text "${missing_models}")
  message(WARNING "Face models missing in ${BISK_MODELS_SOURCE_DIR}: ${missing_text}; "
                  "installing and packaging will fail: ${fetch_hint}")
endif()

# Checked when installing (and so when packaging): present, and the pinned files.
install(CODE "
  set(names \"${model_names}\")
  set(sums \"${model_sha256s}\")
  foreach(name sum IN ZIP_LISTS names sums)
    set(file \"${BISK_MODELS_SOURCE_DIR}/\${name}\")
    if(NOT EXISTS \"\${file}\")
      message(FATAL_ERROR \"Face model \${file} is missing: ${fetch_hint}\")
    endif()
    file(SHA256 \"\${file}\" got)
    if(NOT got STREQUAL sum)
      message(FATAL_ERROR \"Face model \${file} has sha256 \${got}, expected \${sum} (src/config/model_files.h): \"
                          \"${fetch_hint}\")
    endif()
  endforeach()")
install(FILES ${model_paths} DESTINATION ${BISK_INSTALL_DATADIR}/models)

# The demo (`bisk demo`): a face video and the students' photos, made by
# scripts/fetch_assets.sh; installed when present.
install(DIRECTORY ${BISK_ASSETS_DIR}/demo/ DESTINATION ${BISK_INSTALL_DATADIR}/demo OPTIONAL
        PATTERN "*.tmp" EXCLUDE PATTERN "*.tmp.*" EXCLUDE)

# The installer (SPEC §7); it derives --app-dir from its own location.
install(PROGRAMS ${PROJECT_SOURCE_DIR}/deploy/install_enforcer.sh DESTINATION ${BISK_INSTALL_DATADIR}/deploy)

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/deploy/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# ------------------------------------------------------------------ CPack (Debian package)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bisk)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "BISK team")
set(CPACK_PACKAGE_CONTACT "BISK team")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "face-recognition attendance: camera enforcer, runners and dashboard")
# The extended description, wrapped for dpkg (CPack indents each line; "." is
# an empty line).
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "BISK runs face-recognition attendance cameras on a school's timetable.\n"
       "During active class periods an enforcer keeps exactly one runner process\n"
       "alive per allowed camera/stream profile; runners read the camera through\n"
       "FFmpeg, recognise enrolled students and report through a keyed heartbeat\n"
       "API; a web dashboard shows it all live. SQLite by default, PostgreSQL for\n"
       "larger installations.\n"
       ".\n"
       "Installing the package runs /usr/share/bisk/deploy/install_enforcer.sh:\n"
       "it writes /etc/bisk/bisk.env, creates the bisk user and the systemd units\n"
       "bisk-web, bisk-enforcer and bisk-prune-heartbeats, and starts them when\n"
       "systemd is running.")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # bisk_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "BISK team")
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# Libraries: from the executable's ELF NEEDED entries (dpkg-shlibdeps, Debian package dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Programs the product runs: ffmpeg + ffprobe (the ffmpeg_all runner, stream
# tests), the time zone database (schedules); and the installer (postinst):
# useradd/groupadd (passwd), awk, runuser (`bisk migrate` as the service user;
# util-linux is Essential, so versioned: runuser came with 2.23).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "ffmpeg, tzdata, passwd, mawk | awk, util-linux (>= 2.23)")
# systemd runs the units; without it (containers, chroots) the installer writes
# everything and starts nothing, so it is not a hard dependency.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS systemd)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# `package_source`: the repository without build trees and VCS data.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/[.]git/" "/build[^/]*/" "/Testing/" "/[.]cache/" "/node_modules/")

# Read by cpack for each generator. The Debian package installs under /usr
# (CPACK_PACKAGING_INSTALL_PREFIX); set here rather than above, where it would
# also put the source archive's files under usr/.
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/CPackProjectConfig.cmake CONTENT [[
if(CPACK_GENERATOR STREQUAL "DEB")
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
endif()
]])
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_BINARY_DIR}/CPackProjectConfig.cmake)

include(CPack)
