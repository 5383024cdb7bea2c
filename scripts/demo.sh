#!/usr/bin/env bash
# The demo command: installs what is missing, builds `bisk` and runs `bisk demo`:
# a camera playing a face video, a period active now, two enrolled students,
# the enforcer, a runner and the dashboard, on a throwaway SQLite database.
# Ctrl-C stops everything and leaves no process and no file behind.
#   scripts/demo.sh [--listen 127.0.0.1:PORT]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/fetch_assets.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBISK_WERROR=ON >/dev/null
cmake --build build --target bisk -j "$(nproc)"

# The build tree's models and dashboard files (an installed bisk finds them
# under /usr/share/bisk).
assets="${BISK_ASSETS_DIR:-$HOME/.cache/bisk-assets}"
export BISK_MODEL_DIR="$assets/models" BISK_WEB_DIR="$PWD/build/web"
exec build/src/bisk demo "$@"
