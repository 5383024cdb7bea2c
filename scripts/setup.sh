#!/usr/bin/env bash
# Installs, idempotently, every Debian package BISK's build, tests and demo
# need. Safe to run again: it asks apt only when something is missing.
set -euo pipefail

packages=(
  # toolchain; dpkg-dev for cpack's Debian package (dpkg-shlibdeps, cmake/Packaging.cmake)
  g++ cmake make pkg-config git ca-certificates clang-format dpkg-dev
  # libraries (SPEC §1)
  libcpp-httplib-dev nlohmann-json3-dev libsoci-dev libsqlite3-dev libpq-dev libspdlog-dev libfmt-dev
  libcli11-dev libhowardhinnant-date-dev libsodium-dev libsystemd-dev
  # the dashboard's templates (header-only Mustache)
  libkainjow-mustache-dev
  # Debian's SOCI headers include Boost.Fusion (SOCI_HAVE_BOOST) without depending on it
  libboost-dev prometheus-cpp-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev wrk
  # the dashboard's browser tests: Playwright (npm, scripts/fetch_assets.sh) drives Debian's Chromium
  chromium nodejs
  # runtime: time zone data, the throwaway PostgreSQL server of the tests, runuser
  tzdata postgresql-15 util-linux sqlite3
  # ffprobe for stream tests, ffmpeg for the ffmpeg_all runner
  ffmpeg
  # the runner: FFmpeg libraries (ffmpeg_one), OpenCV dnn (recognition), JPEG and PNG
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libopencv-dev libjpeg62-turbo-dev libpng-dev
  # the RTSP test server (GStreamer's RTSP server library)
  libgstrtspserver-1.0-dev gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly
  gstreamer1.0-tools
)

# npm fetches the face models (scripts/fetch_assets.sh). A machine whose
# Node.js comes from elsewhere (e.g. NodeSource, whose nodejs conflicts with
# Debian's npm package) already has it.
if ! command -v npm >/dev/null; then packages+=(npm); fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#packages[@]} Debian packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
