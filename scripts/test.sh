#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test
# (unit tests beside the code, integration tests in tests/, both storage
# backends; ctest starts and stops a throwaway PostgreSQL server).
#   scripts/test.sh             release build in build/
#   scripts/test.sh --sanitize  AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBISK_WERROR=ON)
case "${1:-}" in
  "") ;;
  --sanitize)
    build_dir=build-asan
    cmake_args=(-DCMAKE_BUILD_TYPE=Debug -DBISK_WERROR=ON -DBISK_SANITIZE=ON -DBISK_BUILD_BENCH=OFF)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ;;
  *) echo "usage: $0 [--sanitize]" >&2; exit 2 ;;
esac

scripts/setup.sh
scripts/fetch_assets.sh
cmake -S . -B "$build_dir" "${cmake_args[@]}"
cmake --build "$build_dir" -j "$(nproc)"
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" --timeout 600
