# Every dependency comes from a Debian 12 package; scripts/setup.sh installs them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(date REQUIRED)

# SOCI 4.0.3 ships neither a CMake config nor a pkg-config file.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIB soci_core REQUIRED)
find_library(SOCI_SQLITE_LIB soci_sqlite3 REQUIRED)
find_library(SOCI_POSTGRESQL_LIB soci_postgresql REQUIRED)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
add_library(soci INTERFACE)
# soci/postgresql/soci-postgresql.h includes <libpq-fe.h>, which Debian keeps in /usr/include/postgresql.
target_include_directories(soci SYSTEM INTERFACE ${SOCI_INCLUDE_DIR} /usr/include/postgresql)
target_link_libraries(soci INTERFACE ${SOCI_SQLITE_LIB} ${SOCI_POSTGRESQL_LIB} ${SOCI_CORE_LIB}
                      PkgConfig::SQLITE3 PkgConfig::LIBPQ ${CMAKE_DL_LIBS})

# bisk serve
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
find_package(prometheus-cpp CONFIG REQUIRED)
# The dashboard's templates: header-only kainjow Mustache (Debian libkainjow-mustache-dev).
find_path(KAINJOW_MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp)
if(NOT KAINJOW_MUSTACHE_INCLUDE_DIR)
  message(FATAL_ERROR "kainjow/mustache.hpp not found: install the Debian package libkainjow-mustache-dev "
                      "(scripts/setup.sh does)")
endif()
add_library(kainjow_mustache INTERFACE)
target_include_directories(kainjow_mustache SYSTEM INTERFACE ${KAINJOW_MUSTACHE_INCLUDE_DIR})

# bisk runner
# Not imgcodecs: Debian's pulls in GDAL, GDCM, poppler and ~120 more libraries
# (see src/runner/image_codec.h); JPEG and PNG go through libjpeg and libpng.
find_package(OpenCV 4 REQUIRED COMPONENTS core imgproc dnn calib3d)
pkg_check_modules(JPEG REQUIRED IMPORTED_TARGET libjpeg)
pkg_check_modules(PNG REQUIRED IMPORTED_TARGET libpng)
pkg_check_modules(LIBAV REQUIRED IMPORTED_TARGET libavformat libavcodec libswscale libavutil)
# Face models and test media fetched at setup time (scripts/fetch_assets.sh), never at run time.
set(BISK_ASSETS_DIR "$ENV{HOME}/.cache/bisk-assets" CACHE PATH "Face models and test media for tests and benchmarks")

if(BISK_BUILD_TESTS OR BISK_BUILD_BENCH)
  find_package(GTest REQUIRED)
endif()
if(BISK_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
