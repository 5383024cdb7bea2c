#!/usr/bin/env bash
# package_test: builds the Debian package from a build tree with cpack
# (cmake/Packaging.cmake) and inspects it with dpkg-deb: the files, the control
# fields, the maintainer scripts, and that the packaged executable runs.
#   tests/package/package_test.sh BUILD_DIR VERSION ASSETS_DIR [SANITIZE]
# Exit 77 (ctest SKIP_RETURN_CODE) when the build tree is not one to package.
set -euo pipefail

build_dir="$1"
version="$2"
assets_dir="$3"
sanitize="${4:-OFF}"
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
  local what="$1"
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
has_line() { grep -qx -- "$1" <<<"$2"; }       # has_line LINE TEXT
has_prefix() { grep -q -- "^$1" <<<"$2"; }     # has_prefix PREFIX TEXT
has_word() { grep -qw -- "$1" <<<"$2"; }       # has_word WORD TEXT
not_matching() { ! grep -Eq -- "$1" <<<"$2"; }  # not_matching REGEX TEXT

case "${sanitize^^}" in
  ON | 1 | TRUE | YES)
    echo "SKIP: $build_dir is an AddressSanitizer build (BISK_SANITIZE=ON); its bisk is not one to ship." \
      "The package is tested in the normal build (scripts/test.sh)."
    exit 77
    ;;
esac
for tool in cpack dpkg-deb dpkg-shlibdeps dpkg; do
  command -v "$tool" >/dev/null ||
    { echo "FAIL: $tool not found (cmake, dpkg and dpkg-dev; scripts/setup.sh installs them)" >&2; exit 1; }
done

tmp="$(mktemp -d -t bisk-package-test.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

# ------------------------------------------------------------------ build the .deb
start=$SECONDS
if ! (cd "$build_dir" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1); then
  cat "$tmp/cpack.log" >&2
  echo "FAIL: cpack -G DEB in $build_dir failed (log above)" >&2
  exit 1
fi
arch="$(dpkg --print-architecture)"
deb="$tmp/out/bisk_${version}_${arch}.deb"
if [[ ! -f "$deb" ]]; then
  cat "$tmp/cpack.log" >&2
  echo "FAIL: cpack made no $(basename "$deb"); it made: $(cd "$tmp/out" && ls)" >&2
  exit 1
fi
pass "cpack made $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB, in $((SECONDS - start)) s"

# ------------------------------------------------------------------ control fields
field() { dpkg-deb -f "$deb" "$1"; }
expect_field() {
  local name="$1" want="$2" got
  got="$(field "$name")"
  if [[ "$got" == "$want" ]]; then pass "$name: $got"; else fail "$name is '$got', expected '$want'"; fi
}
expect_field Package bisk
expect_field Version "$version"
expect_field Architecture "$arch"
expect_field Section misc
expect_field Maintainer "BISK team"
check "Description present" test -n "$(field Description)"

depends="$(field Depends)"
echo "Depends: $depends"
# One Depends entry per package name (the alternatives and versions stripped).
depends_names="$(tr ',' '\n' <<<"$depends" | sed -e 's/^ *//' -e 's/[ (|].*//')"
for name in ffmpeg tzdata passwd util-linux libc6 libstdc++6; do
  check "Depends on $name" has_line "$name" "$depends_names"
done
# From dpkg-shlibdeps: the libraries bisk links (names carry their soname, hence prefixes).
for prefix in libsodium libavformat libopencv-dnn libsoci-sqlite3 libsoci-postgresql libpq libjpeg libpng; do
  check "Depends on a $prefix* package (CPACK_DEBIAN_PACKAGE_SHLIBDEPS)" has_prefix "$prefix" "$depends_names"
done
check "Recommends systemd" has_word systemd "$(field Recommends)"

# ------------------------------------------------------------------ files
dpkg-deb -c "$deb" >"$tmp/contents"
# "-rwxr-xr-x root/root 123 2026-01-01 00:00 ./usr/bin/bisk" -> mode, owner, path
awk '{print $1, $2, $6}' "$tmp/contents" | sed 's|/$||' >"$tmp/files"
mode_of() { awk -v p="./$1" '$3 == p {print $1}' "$tmp/files"; }
expect_file() {
  local path="$1" want_mode="${2:-}" mode
  mode="$(mode_of "$path")"
  if [[ -z "$mode" ]]; then
    fail "the package lacks /$path"
  elif [[ -n "$want_mode" && "$mode" != "$want_mode" ]]; then
    fail "/$path has mode $mode, expected $want_mode"
  else
    pass "/$path ($mode)"
  fi
}
expect_file usr/bin/bisk -rwxr-xr-x
expect_file usr/share/bisk/deploy/install_enforcer.sh -rwxr-xr-x
expect_file usr/share/doc/bisk/copyright -rw-r--r--
# The dashboard: every template and static file of the repository, and htmx.
while IFS= read -r file; do
  expect_file "usr/share/bisk/web/${file#"$source_dir"/web/}" -rw-r--r--
done < <(find "$source_dir/web" -type f | sort)
expect_file usr/share/bisk/web/static/vendor/htmx.min.js -rw-r--r--
# The face models, as src/config/model_files.h names them.
mapfile -t models < <(sed -n 's/.*{"\([A-Za-z0-9_.-]*\.onnx\)", *"\([0-9a-f]\{64\}\)"}.*/\1 \2/p' \
  "$source_dir/src/config/model_files.h")
[[ ${#models[@]} -gt 0 ]] || fail "no models named in src/config/model_files.h"
for entry in "${models[@]}"; do
  expect_file "usr/share/bisk/models/${entry%% *}" -rw-r--r--
done
# The demo, when scripts/fetch_assets.sh made it.
if [[ -d "$assets_dir/demo" ]]; then
  while IFS= read -r file; do
    expect_file "usr/share/bisk/demo/${file#"$assets_dir"/demo/}"
  done < <(find "$assets_dir/demo" -type f | sort)
else
  echo "note: $assets_dir/demo absent (older scripts/fetch_assets.sh?): no demo files expected"
fi
outside="$(awk '$3 != "." && $3 != "./usr" && $3 !~ /^\.\/usr\/(bin|share)(\/|$)/' "$tmp/files")"
check "everything under /usr/bin and /usr/share${outside:+; not: $outside}" test -z "$outside"
not_root="$(awk '$2 != "root/root"' "$tmp/files")"
check "every file owned by root/root${not_root:+; not: $not_root}" test -z "$not_root"

# ------------------------------------------------------------------ maintainer scripts
dpkg-deb -e "$deb" "$tmp/control"
for script in postinst prerm postrm; do
  path="$tmp/control/$script"
  if [[ ! -f "$path" ]]; then
    fail "no $script in the control archive"
    continue
  fi
  check "$script is executable" test -x "$path"
  check "$script: sh -n" sh -n "$path"
  check "$script is deploy/debian/$script" cmp -s "$path" "$source_dir/deploy/debian/$script"
  check "$script starts with #!/bin/sh" has_line '#!/bin/sh' "$(head -n1 "$path")"
done
check "postinst names /usr/share/bisk/deploy/install_enforcer.sh" \
  grep -q '^installer=/usr/share/bisk/deploy/install_enforcer.sh$' "$tmp/control/postinst"
# shellcheck disable=SC2016 # "$installer" is the scripts' text
check "postinst runs the installer with --app-dir /usr" grep -q '"$installer" --app-dir /usr' "$tmp/control/postinst"
# shellcheck disable=SC2016
check "prerm runs the installer with --uninstall" grep -q '"$installer" --uninstall' "$tmp/control/prerm"
check "postrm purge removes /etc/bisk /var/lib/bisk /var/log/bisk" \
  grep -q 'rm -rf /etc/bisk /var/lib/bisk /var/log/bisk' "$tmp/control/postrm"
check "md5sums present" test -f "$tmp/control/md5sums"

# ------------------------------------------------------------------ the extracted tree runs
dpkg-deb -x "$deb" "$tmp/root"
# (`bisk version`: the CLI has a version subcommand, like `git version`.)
if out="$("$tmp/root/usr/bin/bisk" version 2>&1)" && grep -qF "bisk $version" <<<"$out"; then
  pass "extracted usr/bin/bisk version: $out"
else
  fail "extracted usr/bin/bisk version failed or did not print 'bisk $version': $out"
fi
if command -v readelf >/dev/null; then
  sections="$(readelf -S "$tmp/root/usr/bin/bisk")"
  check "usr/bin/bisk stripped, no .symtab or .debug_* ($(du -k "$tmp/root/usr/bin/bisk" | cut -f1) KiB)" \
    not_matching '\.symtab|\.debug_' "$sections"
fi
for entry in "${models[@]}"; do
  name="${entry%% *}" want="${entry##* }"
  file="$tmp/root/usr/share/bisk/models/$name"
  [[ -f "$file" ]] || continue
  got="$(sha256sum "$file" | cut -d' ' -f1)"
  check "$name sha256 as pinned in src/config/model_files.h (got $got)" test "$got" = "$want"
done
# The installer is the repository's (its own tests live in tests/installer/).
check "the packaged installer is deploy/install_enforcer.sh" \
  cmp -s "$tmp/root/usr/share/bisk/deploy/install_enforcer.sh" "$source_dir/deploy/install_enforcer.sh"
check "install_enforcer.sh: bash -n" bash -n "$tmp/root/usr/share/bisk/deploy/install_enforcer.sh"

echo "package_test: $failures failure(s), $((SECONDS - start)) s"
[[ $failures -eq 0 ]]
