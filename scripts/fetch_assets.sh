#!/usr/bin/env bash
# Fetches the face models and the test media into DIR (default
# ${BISK_ASSETS_DIR:-$HOME/.cache/bisk-assets}):
#   DIR/models/  fr_detect.onnx fr_landmark.onnx fr_feature.onnx
#                from the npm package faceplugin-face-recognition-js@0.0.1,
#                pinned by the sha256 values in src/config/model_files.h
#   DIR/media/   grace_hopper_512x512.jpg (Debian facedetect), messi5.jpg,
#                baboon.jpg, Megamind.avi, vtest.avi (opencv-doc),
#                astronaut.png, camera.png (python3-skimage)
#   DIR/demo/    demo_camera.mp4 (made here with ffmpeg from the face photos
#                above: Grace Hopper, a baboon, Eileen Collins, 4 s each) and
#                students/ (the photos `bisk demo` enrolls)
#   DIR/web/     htmx.min.js from the npm package htmx.org (served by `bisk
#                serve` for the dashboard; pinned by sha256 below)
#   DIR/node/    node_modules/playwright-core (the browser tests drive Debian's
#                Chromium with it; pinned by version)
# Nothing is installed: packages are downloaded into a temporary directory
# (`npm pack`, `apt-get download` + `dpkg -x`) and only the files are kept.
# Idempotent: files already present (and, for models, with the right sha256)
# are not fetched again, so a second run takes well under a second.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-${BISK_ASSETS_DIR:-$HOME/.cache/bisk-assets}}"
models_dir="$dir/models"
media_dir="$dir/media"

npm_package="faceplugin-face-recognition-js@0.0.1"
model_files_header="$repo_root/src/config/model_files.h"
model_names=(fr_detect.onnx fr_landmark.onnx fr_feature.onnx)

htmx_package="htmx.org@2.0.11"
htmx_sha256="d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
playwright_package="playwright-core@1.65.1"

# Debian package -> "path inside the package" entries (the first existing one of
# each space-separated list of alternatives wins; a .gz variant is accepted too).
declare -A media_source=(
  [grace_hopper_512x512.jpg]="facedetect:usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg"
  [messi5.jpg]="opencv-doc:usr/share/doc/opencv-doc/examples/data/messi5.jpg"
  [baboon.jpg]="opencv-doc:usr/share/doc/opencv-doc/examples/data/baboon.jpg"
  [Megamind.avi]="opencv-doc:usr/share/doc/opencv-doc/examples/data/Megamind.avi"
  [vtest.avi]="opencv-doc:usr/share/doc/opencv-doc/examples/data/vtest.avi"
  [astronaut.png]="python3-skimage:usr/lib/python3/dist-packages/skimage/data/astronaut.png"
  [camera.png]="python3-skimage:usr/lib/python3/dist-packages/skimage/data/camera.png"
)
media_order=(grace_hopper_512x512.jpg messi5.jpg baboon.jpg Megamind.avi vtest.avi astronaut.png camera.png)

die() {
  echo "fetch_assets: error: $*" >&2
  exit 1
}
log() { echo "fetch_assets: $*"; }

tmp=""
cleanup() {
  if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
make_tmp() {
  if [[ -z "$tmp" ]]; then
    tmp="$(mktemp -d -t bisk-assets.XXXXXX)"
    # apt-get download runs as the unprivileged _apt user when it can: let it write here.
    chmod 0777 "$tmp"
  fi
}

# The pinned sha256 of a model file, read from src/config/model_files.h (the one source of truth).
expected_sha256() {
  local name="$1" sum
  [[ -r "$model_files_header" ]] || die "cannot read $model_files_header (the pinned model hashes)"
  sum="$(sed -n "s/.*{\"${name//./\\.}\", *\"\([0-9a-f]\{64\}\)\"}.*/\1/p" "$model_files_header")"
  [[ -n "$sum" ]] || die "no sha256 for $name in $model_files_header"
  echo "$sum"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------- models
fetch_models() {
  local missing=() name
  for name in "${model_names[@]}"; do
    if [[ -f "$models_dir/$name" && "$(sha256_of "$models_dir/$name")" == "$(expected_sha256 "$name")" ]]; then
      continue
    fi
    missing+=("$name")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "models: ${#model_names[@]} present, sha256 verified ($models_dir)"
    return
  fi

  make_tmp
  local work="$tmp/npm"
  log "models: fetching ${missing[*]} from npm package $npm_package"
  npm_unpack "$npm_package" "$work"
  mkdir -p "$models_dir"
  for name in "${missing[@]}"; do
    local src="$work/package/model/$name" want got
    [[ -f "$src" ]] || die "npm package $npm_package has no model/$name (it has: $(cd "$work/package" && find . -name '*.onnx' | tr '\n' ' '))"
    want="$(expected_sha256 "$name")"
    got="$(sha256_of "$src")"
    [[ "$got" == "$want" ]] ||
      die "sha256 mismatch for $name from npm package $npm_package: got $got, expected $want (src/config/model_files.h); not installed"
    install -m 0644 "$src" "$models_dir/$name.tmp"
    mv -f "$models_dir/$name.tmp" "$models_dir/$name"
    log "models: $name ok"
  done
}

# npm_unpack PACKAGE WORKDIR: `npm pack`s PACKAGE into WORKDIR and unpacks it
# there (WORKDIR/package/...).
npm_unpack() {
  local package="$1" work="$2" tarball
  command -v npm >/dev/null || die "npm is needed to fetch npm package $package; run scripts/setup.sh or apt-get install npm"
  mkdir -p "$work"
  if ! tarball="$(cd "$work" && npm pack --silent "$package" 2>"$work/npm.err" | tail -n1)" || [[ -z "$tarball" ]]; then
    cat "$work/npm.err" >&2 || true
    die "npm pack $package failed (is the npm registry reachable?)"
  fi
  tar -xzf "$work/$tarball" -C "$work" || die "cannot extract $tarball (npm package $package)"
}

# ---------------------------------------------------------------- web front end
fetch_web() {
  local htmx="$dir/web/htmx.min.js"
  if [[ -f "$htmx" && "$(sha256_of "$htmx")" == "$htmx_sha256" ]]; then
    log "web: htmx.min.js present, sha256 verified"
  else
    make_tmp
    log "web: fetching htmx.min.js from npm package $htmx_package"
    npm_unpack "$htmx_package" "$tmp/htmx"
    local src="$tmp/htmx/package/dist/htmx.min.js" got
    [[ -f "$src" ]] || die "npm package $htmx_package has no dist/htmx.min.js"
    got="$(sha256_of "$src")"
    [[ "$got" == "$htmx_sha256" ]] ||
      die "sha256 mismatch for htmx.min.js from npm package $htmx_package: got $got, expected $htmx_sha256; not installed"
    mkdir -p "$dir/web"
    install -m 0644 "$src" "$htmx.tmp"
    mv -f "$htmx.tmp" "$htmx"
  fi

  local playwright="$dir/node/node_modules/playwright-core"
  local want_version="${playwright_package##*@}"
  if [[ -f "$playwright/package.json" ]] && grep -q "\"version\": \"$want_version\"" "$playwright/package.json"; then
    log "web: $playwright_package present"
    return
  fi
  make_tmp
  log "web: fetching $playwright_package (browser tests)"
  npm_unpack "$playwright_package" "$tmp/playwright"
  mkdir -p "$dir/node/node_modules"
  rm -rf "$playwright"
  mv "$tmp/playwright/package" "$playwright"
}

# ---------------------------------------------------------------- media
apt_updated=0
apt_update_once() {
  [[ $apt_updated -eq 0 ]] || return 1
  apt_updated=1
  local sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || return 1
    sudo_cmd=(sudo)
  fi
  log "media: apt-get download failed, running apt-get update (empty or stale package lists?) and retrying"
  "${sudo_cmd[@]}" apt-get update -qq >&2 || return 1
}

# Downloads and unpacks a Debian package into $tmp/deb/PKG (once per run) and
# sets $unpacked_root to that directory (no subshell, so the cache survives).
declare -A unpacked=()
unpacked_root=""
unpack_package() {
  local pkg="$1"
  if [[ -n "${unpacked[$pkg]:-}" ]]; then
    unpacked_root="${unpacked[$pkg]}"
    return
  fi
  make_tmp
  local dl="$tmp/dl-$pkg" out="$tmp/deb/$pkg"
  mkdir -p "$dl" "$out"
  chmod 0777 "$dl"
  until (cd "$dl" && apt-get download -q "$pkg" >"$dl/apt.log" 2>&1); do
    if ! apt_update_once; then
      cat "$dl/apt.log" >&2 || true
      die "apt-get download $pkg failed (Debian package $pkg; is a Debian mirror reachable?)"
    fi
  done
  local deb
  deb="$(find "$dl" -maxdepth 1 -name '*.deb' | head -n1)"
  [[ -n "$deb" ]] || die "apt-get download $pkg produced no .deb"
  dpkg -x "$deb" "$out" || die "dpkg -x failed on $deb (Debian package $pkg)"
  unpacked[$pkg]="$out"
  unpacked_root="$out"
}

fetch_media() {
  local missing=() name
  for name in "${media_order[@]}"; do
    [[ -s "$media_dir/$name" ]] || missing+=("$name")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "media: ${#media_order[@]} files present ($media_dir)"
    return
  fi
  if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
    die "apt-get and dpkg are needed to fetch the test media"
  fi
  mkdir -p "$media_dir"
  for name in "${missing[@]}"; do
    local spec="${media_source[$name]}" pkg path root
    pkg="${spec%%:*}"
    path="${spec#*:}"
    unpack_package "$pkg"
    root="$unpacked_root"
    local src=""
    if [[ -f "$root/$path" ]]; then
      src="$root/$path"
    elif [[ -f "$root/$path.gz" ]]; then
      gunzip -c "$root/$path.gz" >"$tmp/$name.unz" || die "cannot gunzip $path.gz from Debian package $pkg"
      src="$tmp/$name.unz"
    else
      # Not where expected: look for it by name anywhere in the package.
      local found
      found="$(find "$root" -type f \( -name "$name" -o -name "$name.gz" \) | head -n1)"
      [[ -n "$found" ]] || die "Debian package $pkg has no $name (looked for $path); its files: $(cd "$root" && find . -type f | head -n 40 | tr '\n' ' ')"
      if [[ "$found" == *.gz ]]; then
        gunzip -c "$found" >"$tmp/$name.unz" || die "cannot gunzip ${found#"$root"/} from Debian package $pkg"
        src="$tmp/$name.unz"
      else
        src="$found"
      fi
      log "media: note: $name found at ${found#"$root"/} in $pkg"
    fi
    [[ -s "$src" ]] || die "$name from Debian package $pkg is empty"
    install -m 0644 "$src" "$media_dir/$name.tmp"
    mv -f "$media_dir/$name.tmp" "$media_dir/$name"
    log "media: $name ok (Debian package $pkg)"
  done
}

# ---------------------------------------------------------------- demo
# `bisk demo`'s camera and students, made from the media above (no network).
make_demo() {
  local demo_dir="$dir/demo" video="$dir/demo/demo_camera.mp4"
  mkdir -p "$demo_dir/students"
  # Copied only when different, so a second run leaves the directory untouched.
  local photo
  for photo in grace_hopper_512x512.jpg:grace_hopper.jpg astronaut.png:eileen_collins.png; do
    cmp -s "$media_dir/${photo%%:*}" "$demo_dir/students/${photo#*:}" ||
      install -m 0644 "$media_dir/${photo%%:*}" "$demo_dir/students/${photo#*:}"
  done
  if [[ -s "$video" ]]; then
    log "demo: present ($demo_dir)"
    return
  fi
  command -v ffmpeg >/dev/null || die "ffmpeg is needed to make the demo video; run scripts/setup.sh or apt-get install ffmpeg"
  # Each photo fitted into 640x480 for 4 s at 10 fps; H.264 with a key frame
  # every second so the looping file restarts cleanly.
  local fit="scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=10"
  ffmpeg -nostdin -v error -y \
    -loop 1 -t 4 -i "$media_dir/grace_hopper_512x512.jpg" \
    -loop 1 -t 4 -i "$media_dir/baboon.jpg" \
    -loop 1 -t 4 -i "$media_dir/astronaut.png" \
    -filter_complex "[0]$fit[a];[1]$fit[b];[2]$fit[c];[a][b][c]concat=n=3:v=1:a=0,format=yuv420p[v]" \
    -map "[v]" -c:v libx264 -preset veryfast -crf 23 -g 10 -movflags +faststart "$video.tmp.mp4" ||
    die "ffmpeg could not make the demo video $video"
  mv -f "$video.tmp.mp4" "$video"
  log "demo: demo_camera.mp4 made from grace_hopper, baboon and astronaut ($demo_dir)"
}

fetch_models
fetch_web
fetch_media
make_demo
log "done: $dir"
