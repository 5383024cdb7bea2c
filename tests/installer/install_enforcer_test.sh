#!/usr/bin/env bash
# Tests deploy/install_enforcer.sh (SPEC §7) in --root mode: every case installs
# into a fresh staging root (mktemp -d) with the bisk executable linked in, so
# nothing outside it changes except the system accounts it creates
# (bisk-itest:bisk-itest and bisk-itest2:bisk-itest2, removed at the end, and
# bisk:bisk for the seed's command line, kept). The service handling (enable,
# start, restart what changed, --no-start, --uninstall) is tested through the
# installer's test hook BISK_INSTALL_SYSTEMCTL with fake_systemctl.sh, which
# records the calls; the host's systemd is never called. Needs root; exit 77
# (skipped) otherwise.
#
#   BISK_BINARY=build/src/bisk bash tests/installer/install_enforcer_test.sh
set -euo pipefail
unset BISK_INSTALL_SYSTEMCTL # only the cases that mean to use the test hook set it

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
installer=$(cd "$here/../.." && pwd)/deploy/install_enforcer.sh
bin=${BISK_BINARY:-}
readonly test_user=bisk-itest test_group=bisk-itest
readonly test_user2=bisk-itest2 test_group2=bisk-itest2

if [[ $EUID -ne 0 ]]; then
  echo "skipped: the installer test needs root (it creates system accounts and root-owned files in a staging root)"
  exit 77
fi
if [[ -z $bin || ! -x $bin ]]; then
  echo "FAIL: BISK_BINARY must name the built bisk executable (got '${bin}')" >&2
  exit 1
fi
bin=$(readlink -f -- "$bin")
[[ -f $installer ]] || {
  echo "FAIL: $installer is missing" >&2
  exit 1
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/bisk-installer-test.XXXXXX")
remove_test_accounts() {
  local name
  for name in "$test_user" "$test_user2"; do
    if getent passwd "$name" >/dev/null; then userdel "$name"; fi
  done
  for name in "$test_group" "$test_group2"; do
    if getent group "$name" >/dev/null; then groupdel "$name"; fi
  done
}
cleanup() {
  rm -rf -- "$scratch"
  remove_test_accounts || echo "warning: could not remove the test accounts $test_user:$test_group" >&2
}
trap cleanup EXIT
remove_test_accounts # left over by an interrupted run

current_case=
fail() {
  echo "FAIL: [$current_case] $*" >&2
  exit 1
}
ok() { echo "ok - $*"; }

# A fresh staging root with bisk at ROOT/srv/bisk/app/bin/bisk and
# ROOT/usr/bin/bisk (symbolic links; `link=copy` for systemd-analyze, which
# resolves the ExecStart path inside the root).
new_root() {
  local root link=${1:-symlink}
  root=$(mktemp -d "$scratch/root.XXXXXX")
  mkdir -p "$root/srv/bisk/app/bin" "$root/usr/bin"
  local dest
  for dest in "$root/srv/bisk/app/bin/bisk" "$root/usr/bin/bisk"; do
    if [[ $link == copy ]]; then
      cp -l -- "$bin" "$dest" 2>/dev/null || cp -- "$bin" "$dest"
    else
      ln -s -- "$bin" "$dest"
    fi
  done
  printf '%s\n' "$root"
}

# run_installer ARGS...: runs it, output in $out/$err, status in $rc.
out=$scratch/out
err=$scratch/err
rc=0
run_installer() {
  rc=0
  bash "$installer" "$@" >"$out" 2>"$err" || rc=$?
}
show_output() {
  echo "--- stdout:"
  cat "$out"
  echo "--- stderr:"
  cat "$err"
}
expect_rc() {
  if [[ $rc != "$1" ]]; then
    show_output >&2
    fail "the installer exited $rc, expected $1 (${2:-})"
  fi
}
expect_in() { # FILE TEXT WHAT
  grep -qF -- "$2" "$1" || {
    show_output >&2
    fail "${3:-$1} does not contain: $2"
  }
}
expect_not_in() {
  if grep -qF -- "$2" "$1"; then
    show_output >&2
    fail "${3:-$1} contains: $2"
  fi
}
expect_line() { # FILE LINE: an exact line
  grep -qxF -- "$2" "$1" || {
    echo "--- $1:" >&2
    cat "$1" >&2
    fail "$1 has no line: $2"
  }
}
expect_stat() { # PATH MODE OWNER:GROUP
  local got
  [[ -e $1 ]] || fail "$1 is missing"
  got=$(stat -c '%a %U:%G' -- "$1")
  [[ $got == "$2 $3" ]] || fail "$1 is $got, expected $2 $3"
}
env_value() { # FILE KEY: the value of KEY's last line as written
  sed -n "s/^$2=//p" "$1" | tail -n1
}

install_test() { # ROOT [ARGS...]: a default install as the test user
  local root=$1
  shift
  run_installer --root "$root" --app-dir /srv/bisk/app --user "$test_user" --group "$test_group" "$@"
}

# Path, type+mode, owner, size, mtime and sha256 of everything under ROOT.
snapshot() {
  (
    cd "$1"
    find . -printf '%p %M %u:%g %s %T@\n' | sort
    find . -type f -print0 | sort -z | xargs -0 -r sha256sum
  )
}

# ------------------------------------------------------------------ 1
current_case="files, modes, owners"
r1=$(new_root)
install_test "$r1"
expect_rc 0 "first install"
env_file=$r1/etc/bisk/bisk.env
expect_stat "$env_file" 640 "root:$test_group"
expect_stat "$r1/etc/bisk" 755 root:root
for line in \
  "BISK_RUNNER_IMPL=ffmpeg_all        # ffmpeg_all | ffmpeg_one" \
  "BISK_STRICT_BINARIES=1" \
  "BISK_DATABASE_URL=sqlite:///var/lib/bisk/bisk.db" \
  "BISK_LISTEN=127.0.0.1:8000" \
  "BISK_HEARTBEAT_URL=http://127.0.0.1:8000/api/runner/heartbeat/" \
  "BISK_MEDIA_DIR=/var/lib/bisk/media" \
  "BISK_LOG_DIR=/var/log/bisk" \
  "BISK_ENFORCER_LOCK_FILE=/run/bisk/enforcer.lock" \
  "BISK_WEB_DIR=/srv/bisk/app/share/bisk/web" \
  "BISK_MODEL_DIR=/srv/bisk/app/share/bisk/models"; do
  expect_line "$env_file" "$line"
done
grep -qE '^BISK_ENFORCER_INTERVAL=15( |$)' "$env_file" || fail "no BISK_ENFORCER_INTERVAL=15 in $env_file"
for key in BISK_SNAPSHOT_DIR BISK_GPU_INDEX BISK_FFMPEG_BIN BISK_FFPROBE_BIN BISK_TIME_ZONE BISK_NODE; do
  grep -qE "^# $key=" "$env_file" || fail "no commented '# $key=' override in $env_file"
done
expect_in "$env_file" "bisk config" "the env file's header"
hb_key1=$(env_value "$env_file" BISK_HEARTBEAT_KEY)
secret1=$(env_value "$env_file" BISK_SECRET_KEY)
((${#hb_key1} >= 32)) || fail "generated BISK_HEARTBEAT_KEY has ${#hb_key1} characters, expected >= 32"
((${#secret1} >= 32)) || fail "generated BISK_SECRET_KEY has ${#secret1} characters, expected >= 32"
[[ $hb_key1 != "$secret1" ]] || fail "the heartbeat key and the secret key are the same"
expect_not_in "$out" "$hb_key1" "the installer's output (the heartbeat key)"
expect_not_in "$out" "$secret1" "the installer's output (the secret key)"
expect_not_in "$err" "$hb_key1" "the installer's stderr (the heartbeat key)"
for dir in var/lib/bisk var/lib/bisk/media var/lib/bisk/media/snapshots var/log/bisk; do
  expect_stat "$r1/$dir" 750 "$test_user:$test_group"
done
expect_stat "$r1/run/bisk" 755 "$test_user:$test_group"
expect_stat "$r1/etc/tmpfiles.d/bisk.conf" 644 root:root
expect_line "$r1/etc/tmpfiles.d/bisk.conf" "d /run/bisk 0755 $test_user $test_group - -"
units=$r1/etc/systemd/system
for unit in bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.service bisk-prune-heartbeats.timer; do
  expect_stat "$units/$unit" 644 root:root
  if grep -q '^EnvironmentFile=' "$units/$unit"; then fail "$unit uses EnvironmentFile= (bisk reads the env file itself)"; fi
  expect_not_in "$units/$unit" "$r1" "$unit (staging root in a path)"
done
for unit in bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.service; do
  expect_line "$units/$unit" "User=$test_user"
  expect_line "$units/$unit" "Group=$test_group"
done
web=$units/bisk-web.service
expect_line "$web" "ExecStart=/srv/bisk/app/bin/bisk --env-file /etc/bisk/bisk.env serve"
expect_line "$web" "Type=simple"
expect_line "$web" "Restart=on-failure"
expect_line "$web" "RestartSec=3"
expect_line "$web" "UMask=0027"
expect_line "$web" "After=network-online.target postgresql.service"
expect_line "$web" "WantedBy=multi-user.target"
for setting in NoNewPrivileges=yes PrivateTmp=yes ProtectSystem=full ProtectHome=read-only \
  ProtectKernelTunables=yes ProtectKernelModules=yes ProtectControlGroups=yes RestrictSUIDSGID=yes \
  LockPersonality=yes RestrictRealtime=yes SystemCallArchitectures=native \
  "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"; do
  expect_line "$web" "$setting"
  expect_line "$units/bisk-enforcer.service" "$setting"
done
enforcer=$units/bisk-enforcer.service
expect_line "$enforcer" "ExecStart=/srv/bisk/app/bin/bisk --env-file /etc/bisk/bisk.env run-enforcer"
for setting in Type=notify NotifyAccess=main WatchdogSec=60 KillMode=mixed TimeoutStopSec=30 \
  Restart=on-failure RestartSec=3 "After=network-online.target postgresql.service bisk-web.service" \
  WantedBy=multi-user.target; do
  expect_line "$enforcer" "$setting"
done
if grep -qE '^(PrivateDevices|MemoryDenyWriteExecute|DevicePolicy)=' "$enforcer"; then
  fail "bisk-enforcer.service has a setting that breaks runners (PrivateDevices/MemoryDenyWriteExecute/DevicePolicy)"
fi
prune=$units/bisk-prune-heartbeats.service
expect_line "$prune" "Type=oneshot"
expect_line "$prune" "ExecStart=/srv/bisk/app/bin/bisk --env-file /etc/bisk/bisk.env prune-heartbeats --days 3"
timer=$units/bisk-prune-heartbeats.timer
expect_line "$timer" "OnCalendar=hourly"
expect_line "$timer" "Persistent=true"
expect_line "$timer" "WantedBy=timers.target"
leftovers=$(find "$r1" -name '.*' -print)
[[ -z $leftovers ]] || fail "temporary files left behind: $leftovers"
config_out=$("$bin" --env-file "$env_file" config 2>&1) || fail "bisk config rejects the installed env file: $config_out"
expect_in "$out" "--root" "the installer's output (the note that --root skips migrate)"
# A second fresh install generates other keys.
r1b=$(new_root)
install_test "$r1b"
expect_rc 0 "second fresh install"
hb_key2=$(env_value "$r1b/etc/bisk/bisk.env" BISK_HEARTBEAT_KEY)
secret2=$(env_value "$r1b/etc/bisk/bisk.env" BISK_SECRET_KEY)
[[ $hb_key1 != "$hb_key2" ]] || fail "two fresh installs generated the same heartbeat key"
[[ $secret1 != "$secret2" ]] || fail "two fresh installs generated the same secret key"
ok "$current_case"

# ------------------------------------------------------------------ 2
current_case="a second identical run changes nothing"
before=$(snapshot "$r1")
install_test "$r1"
expect_rc 0 "second run"
after=$(snapshot "$r1")
if [[ $before != "$after" ]]; then
  diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2 || true
  fail "the second run changed files under the staging root (diff above)"
fi
expect_in "$out" "Nothing changed" "the second run's output"
ok "$current_case"

# ------------------------------------------------------------------ 3
current_case="operator edits and comments survive a re-run"
sed -i 's/^BISK_ENFORCER_INTERVAL=.*/BISK_ENFORCER_INTERVAL=30   # slower box/' "$env_file"
printf '# Cameras are on VLAN 20 (edited by the operator)\n' >>"$env_file"
cp -p -- "$env_file" "$scratch/edited.env"
install_test "$r1"
expect_rc 0 "re-run after an edit"
cmp -s -- "$env_file" "$scratch/edited.env" || {
  diff "$scratch/edited.env" "$env_file" >&2 || true
  fail "the re-run changed the operator's env file (diff above)"
}
config_out=$("$bin" --env-file "$env_file" config 2>&1) || fail "bisk config rejects the edited env file: $config_out"
grep -qE '^BISK_ENFORCER_INTERVAL=30 ' <<<"$config_out" || fail "bisk config does not see the edit: $config_out"
ok "$current_case"

# ------------------------------------------------------------------ 4
current_case="a flag replaces only the value it sets"
cp -p -- "$env_file" "$scratch/before-runner.env"
install_test "$r1" --runner ffmpeg_one
expect_rc 0 "--runner ffmpeg_one"
changed_lines=$(diff "$scratch/before-runner.env" "$env_file" | grep -c '^[<>]' || true)
[[ $changed_lines == 2 ]] || {
  diff "$scratch/before-runner.env" "$env_file" >&2 || true
  fail "--runner changed $changed_lines diff lines, expected exactly one line replaced"
}
expect_line "$env_file" "BISK_RUNNER_IMPL=ffmpeg_one        # ffmpeg_all | ffmpeg_one"
expect_line "$env_file" "BISK_ENFORCER_INTERVAL=30   # slower box"
expect_line "$env_file" "# Cameras are on VLAN 20 (edited by the operator)"
expect_in "$out" "BISK_RUNNER_IMPL" "the output (which key changed)"
# --hb-key-file (a file, then standard input) replaces the key, and only it.
new_key=Key-from-file-0123456789abcdefghijklmnopqrstuvwxyz
printf '%s\n' "$new_key" >"$scratch/hb.key"
cp -p -- "$env_file" "$scratch/before-key.env"
install_test "$r1" --hb-key-file="$scratch/hb.key"
expect_rc 0 "--hb-key-file FILE"
expect_line "$env_file" "BISK_HEARTBEAT_KEY=$new_key"
changed_lines=$(diff "$scratch/before-key.env" "$env_file" | grep -c '^[<>]' || true)
[[ $changed_lines == 2 ]] || fail "--hb-key-file changed $changed_lines diff lines, expected exactly one line replaced"
expect_not_in "$out" "$new_key" "the output (the key)"
expect_not_in "$err" "$new_key" "the stderr (the key)"
rc=0
printf '%s\n' "stdin-key-abcdefghijklmnopqrstuvwxyz0123456789" |
  bash "$installer" --root "$r1" --app-dir /srv/bisk/app --user "$test_user" --group "$test_group" --hb-key-file - >"$out" 2>"$err" || rc=$?
expect_rc 0 "--hb-key-file -"
expect_line "$env_file" "BISK_HEARTBEAT_KEY=stdin-key-abcdefghijklmnopqrstuvwxyz0123456789"
# --hb-key on the command line: a note about its visibility, never the key.
install_test "$r1" --hb-key "cmdline-key-abcdefghijklmnopqrstuvwxyz0123456789"
expect_rc 0 "--hb-key KEY"
expect_line "$env_file" "BISK_HEARTBEAT_KEY=cmdline-key-abcdefghijklmnopqrstuvwxyz0123456789"
expect_in "$out" "process list" "the output (the note that --hb-key is visible)"
expect_not_in "$out" "cmdline-key-abcdefghijklmnopqrstuvwxyz" "the output (the key)"
# --db is never echoed (it may hold a password); --listen lands in place.
install_test "$r1" --db "postgresql://bisk:Pa55word-secret@db.example/bisk" --listen=127.0.0.1:8001 --hb-url http://127.0.0.1:8001/api/runner/heartbeat/
expect_rc 0 "--db --listen --hb-url"
expect_line "$env_file" "BISK_DATABASE_URL=postgresql://bisk:Pa55word-secret@db.example/bisk"
expect_line "$env_file" "BISK_LISTEN=127.0.0.1:8001"
expect_not_in "$out" "Pa55word-secret" "the output (the database password)"
expect_not_in "$err" "Pa55word-secret" "the stderr (the database password)"
expect_in "$out" "http://127.0.0.1:8001/" "the output (the dashboard URL)"
# A value bisk rejects leaves the file as it was and names it.
cp -p -- "$env_file" "$scratch/before-bad.env"
install_test "$r1" --listen "not an address"
expect_rc 1 "--listen with an invalid address"
expect_in "$err" "/etc/bisk/bisk.env" "the error (naming the env file)"
cmp -s -- "$env_file" "$scratch/before-bad.env" || fail "a rejected --listen changed the env file"
ok "$current_case"

# ------------------------------------------------------------------ 5
current_case="--uninstall keeps configuration and data; --purge removes them"
r5=$(new_root)
install_test "$r5"
expect_rc 0 "install before uninstall"
echo "attendance data" >"$r5/var/lib/bisk/keep.txt"
run_installer --root "$r5" --uninstall
expect_rc 0 "--uninstall"
for path in etc/systemd/system/bisk-web.service etc/systemd/system/bisk-enforcer.service \
  etc/systemd/system/bisk-prune-heartbeats.service etc/systemd/system/bisk-prune-heartbeats.timer \
  etc/tmpfiles.d/bisk.conf; do
  [[ ! -e $r5/$path ]] || fail "--uninstall left $path"
done
for path in etc/bisk/bisk.env var/lib/bisk/keep.txt var/log/bisk; do
  [[ -e $r5/$path ]] || fail "--uninstall removed $path (it must keep it)"
done
expect_in "$out" "Kept" "the --uninstall output"
expect_in "$out" "--purge" "the --uninstall output (how to purge)"
expect_in "$out" "$test_user" "the --uninstall output (the accounts it keeps, from the data directory's owner)"
run_installer --root "$r5" --purge
expect_rc 0 "--purge"
for path in etc/bisk var/lib/bisk var/log/bisk run/bisk; do
  [[ ! -e $r5/$path ]] || fail "--purge left $path"
done
expect_in "$out" "userdel" "the --purge output (the accounts are kept)"
getent passwd "$test_user" >/dev/null || fail "--purge removed the account $test_user"
ok "$current_case"

# ------------------------------------------------------------------ 6
current_case="systemd-analyze verify accepts every unit"
command -v systemd-analyze >/dev/null || fail "systemd-analyze not found (Debian package systemd)"
r6=$(new_root copy)
install_test "$r6"
expect_rc 0 "install for systemd-analyze"
# --root makes systemd-analyze look up units, and ExecStart's executable,
# inside the staging root; it needs the system's own units there too.
mkdir -p "$r6/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$r6/usr/lib/systemd/"
unit_names=(bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.service bisk-prune-heartbeats.timer)
verify_rc=0
verify_out=$(systemd-analyze verify --root="$r6" "${unit_names[@]}" 2>&1) || verify_rc=$?
if [[ $verify_rc != 0 || -n $verify_out ]]; then
  echo "$verify_out" >&2
  fail "systemd-analyze verify exited $verify_rc with the output above (it must be silent)"
fi
# It does check: without the executable it complains.
mv -- "$r6/srv/bisk/app/bin/bisk" "$r6/srv/bisk/app/bin/bisk.away"
verify_rc=0
verify_out=$(systemd-analyze verify --root="$r6" bisk-enforcer.service 2>&1) || verify_rc=$?
[[ $verify_rc != 0 && $verify_out == *"/srv/bisk/app/bin/bisk"* ]] ||
  fail "systemd-analyze verify did not notice a missing ExecStart executable (exit $verify_rc: $verify_out)"
ok "$current_case"

# ------------------------------------------------------------------ 7
current_case="invalid flags: usage and exit 2; --help exit 0"
r7=$(new_root)
expect_usage() { # TEXT ARGS...: exit 2, TEXT and the usage on stderr, nothing written
  local text=$1
  shift
  run_installer --root "$r7" "$@"
  expect_rc 2 "$*"
  expect_in "$err" "install_enforcer.sh: $text" "stderr of '$*'"
  expect_in "$err" "Usage:" "stderr of '$*'"
  [[ ! -e $r7/etc ]] || fail "'$*' wrote files before failing"
}
expect_usage "unknown option: --bogus" --bogus
expect_usage "option --runner needs a value" --runner
expect_usage "option --user needs a value" --user --group "$test_group"
expect_usage "--runner must be ffmpeg_all or ffmpeg_one (got 'bogus')" --runner bogus
expect_usage "--runner must be ffmpeg_all or ffmpeg_one (got 'bogus')" --runner=bogus
expect_usage "option --no-start takes no value" --no-start=yes
expect_usage "unexpected argument: stray" stray
run_installer --help
expect_rc 0 "--help"
expect_in "$out" "Usage:" "--help output"
expect_in "$out" "--hb-key-file" "--help output"
[[ ! -s $err ]] || fail "--help wrote to stderr: $(cat "$err")"
# Not root and no --root: a clear error, exit 1.
cp -- "$installer" "$scratch/installer-copy.sh"
chmod 0755 "$scratch" "$scratch/installer-copy.sh"
rc=0
runuser -u nobody -- bash "$scratch/installer-copy.sh" --runner ffmpeg_all >"$out" 2>"$err" || rc=$?
chmod 0700 "$scratch"
expect_rc 1 "not root"
expect_in "$err" "run this as root" "the not-root error"
ok "$current_case"

# ------------------------------------------------------------------ 8
current_case="the seed's command line"
r8=$(new_root)
run_installer --root "$r8" \
  --app-dir /srv/bisk/app \
  --venv /srv/bisk/venv \
  --user bisk --group bisk \
  --settings bisk.settings \
  --runner ffmpeg_all \
  --hb-url "http://127.0.0.1:8000/api/runner/heartbeat/" \
  --hb-key "dev-key-change-me"
expect_rc 0 "the seed's command line"
expect_in "$out" "--venv ignored" "the output"
expect_in "$out" "--settings ignored" "the output"
expect_in "$out" "process list" "the output (the note that --hb-key is visible)"
# The key is printed nowhere but in bisk config's warning that it is the
# public example value.
expect_in "$out" "public example value" "the output (the warning about the example key)"
if grep -v "public example value" "$out" "$err" | grep -qF dev-key-change-me; then
  show_output >&2
  fail "the key is printed outside bisk config's warning"
fi
expect_line "$r8/etc/bisk/bisk.env" "BISK_HEARTBEAT_KEY=dev-key-change-me"
expect_stat "$r8/etc/bisk/bisk.env" 640 root:bisk
expect_line "$r8/etc/systemd/system/bisk-enforcer.service" "User=bisk"
getent passwd bisk >/dev/null || fail "the account bisk was not created"
config_out=$("$bin" --env-file "$r8/etc/bisk/bisk.env" config 2>&1) || fail "bisk config rejects it: $config_out"
ok "$current_case"

# ------------------------------------------------------------------ 9
current_case="a Python-era env file is kept"
r9=$(new_root)
mkdir -p "$r9/etc/bisk"
cat >"$r9/etc/bisk/bisk.env" <<'EOF'
DJANGO_SETTINGS_MODULE=bisk.settings
BISK_RUNNER_IMPL=ffmpeg_all        # ffmpeg_all | ffmpeg_one
BISK_STRICT_BINARIES=1

# Heartbeat envs consumed by settings.py
BISK_RUNNER_HB_URL=http://127.0.0.1:8000/api/runner/heartbeat/
BISK_RUNNER_HB_KEY=old

# Optional overrides:
# BISK_SNAPSHOT_DIR=
# BISK_GPU_INDEX=
EOF
chmod 0644 "$r9/etc/bisk/bisk.env"
cp -- "$r9/etc/bisk/bisk.env" "$scratch/python.env"
install_test "$r9"
expect_rc 0 "install over a Python-era env file"
python_size=$(stat -c %s "$scratch/python.env")
cmp -s -n "$python_size" -- "$scratch/python.env" "$r9/etc/bisk/bisk.env" ||
  fail "the Python-era lines were not kept as they were: $(diff "$scratch/python.env" "$r9/etc/bisk/bisk.env")"
if grep -q '^BISK_HEARTBEAT_KEY=' "$r9/etc/bisk/bisk.env"; then
  fail "a BISK_HEARTBEAT_KEY was generated although BISK_RUNNER_HB_KEY is set"
fi
expect_stat "$r9/etc/bisk/bisk.env" 640 "root:$test_group"
config_out=$("$bin" --env-file "$r9/etc/bisk/bisk.env" config 2>&1) || fail "bisk config rejects it: $config_out"
grep -q '^BISK_HEARTBEAT_KEY=(set, hidden)' <<<"$config_out" || fail "bisk config has no heartbeat key: $config_out"
expect_in "$out" "DJANGO_SETTINGS_MODULE" "the output (bisk config's note on the Python setting)"
ok "$current_case"

# ------------------------------------------------------------------ 10
current_case="default --app-dir"
r10=$(new_root)
run_installer --root "$r10" --user "$test_user" --group "$test_group"
expect_rc 0 "install without --app-dir (repository copy: /usr)"
expect_line "$r10/etc/systemd/system/bisk-web.service" "ExecStart=/usr/bin/bisk --env-file /etc/bisk/bisk.env serve"
if grep -qE '^BISK_(WEB|MODEL)_DIR=' "$r10/etc/bisk/bisk.env"; then fail "a /usr install sets BISK_WEB_DIR/BISK_MODEL_DIR"; fi
# A copy installed at <prefix>/share/bisk/deploy/ belongs to <prefix>.
r10b=$(new_root)
mkdir -p "$r10b/opt/bisk/share/bisk/deploy" "$r10b/opt/bisk/bin"
cp -- "$installer" "$r10b/opt/bisk/share/bisk/deploy/install_enforcer.sh"
ln -s -- "$bin" "$r10b/opt/bisk/bin/bisk"
rc=0
bash "$r10b/opt/bisk/share/bisk/deploy/install_enforcer.sh" --root "$r10b" --user "$test_user" --group "$test_group" >"$out" 2>"$err" || rc=$?
expect_rc 0 "install by the copy in /opt/bisk/share/bisk/deploy"
expect_line "$r10b/etc/systemd/system/bisk-enforcer.service" "ExecStart=/opt/bisk/bin/bisk --env-file /etc/bisk/bisk.env run-enforcer"
expect_line "$r10b/etc/bisk/bisk.env" "BISK_WEB_DIR=/opt/bisk/share/bisk/web"
# A missing executable: the path and what to do.
r10c=$scratch/empty-root
mkdir -p "$r10c"
run_installer --root "$r10c" --app-dir /srv/nowhere --user "$test_user" --group "$test_group"
expect_rc 1 "a missing executable"
expect_in "$err" "/srv/nowhere/bin/bisk" "the error (the path)"
expect_in "$err" "cmake --install build --prefix /srv/nowhere" "the error (what to do)"
expect_in "$err" "apt install" "the error (what to do)"
ok "$current_case"

# ------------------------------------------------------------------ 11
# The service handling, through the test hook BISK_INSTALL_SYSTEMCTL: every
# systemctl call goes to fake_systemctl.sh, which records it in $fake_log and
# keeps which units are enabled and started in $fake_state.
fake=$scratch/fake-systemctl
install -m 0755 -- "$here/fake_systemctl.sh" "$fake"
fake_state=$scratch/fake-systemd
fake_log=$scratch/systemctl.calls
fake_fail=
r11=$(new_root)
units11=$r11/etc/systemd/system
state_file=$r11/var/lib/bisk/.installed
host_state_before=$(stat -c '%s %Y' -- /var/lib/bisk/.installed 2>/dev/null || echo missing)
run_fake() { # ARGS...: the installer on $r11 with the fake systemctl; its calls in $fake_log
  : >"$fake_log"
  rc=0
  BISK_INSTALL_SYSTEMCTL=$fake FAKE_SYSTEMCTL_LOG=$fake_log FAKE_SYSTEMCTL_STATE=$fake_state \
    FAKE_SYSTEMCTL_UNIT_DIR=$units11 FAKE_SYSTEMCTL_FAIL=$fake_fail \
    bash "$installer" --root "$r11" "$@" >"$out" 2>"$err" || rc=$?
}
install_fake() { run_fake --app-dir /srv/bisk/app --user "$test_user" --group "$test_group" "$@"; }
show_calls() {
  show_output
  echo "--- systemctl calls:"
  cat "$fake_log"
}
expect_calls() { # LINE...: exactly these systemctl calls, in this order
  local want got
  want=$(printf '%s\n' "$@")
  got=$(cat "$fake_log")
  if [[ $got != "$want" ]]; then
    show_calls >&2
    echo "--- expected calls:" >&2
    printf '%s\n' "$want" >&2
    fail "the systemctl calls differ from the expected ones"
  fi
}
expect_actions() { # LINE...: exactly these calls that change something (all but the queries), in order
  local want got
  want=$(printf '%s\n' "$@")
  got=$(grep -vE '^(is-active|is-enabled|show|list-unit-files) ' "$fake_log" || true)
  if [[ $got != "$want" ]]; then
    show_calls >&2
    echo "--- expected actions (queries left out):" >&2
    printf '%s\n' "$want" >&2
    fail "the systemctl actions differ from the expected ones"
  fi
}
expect_active() { # UNIT...: exactly these units are started in the fake
  local got want
  got=$(find "$fake_state/active" -mindepth 1 -printf '%f\n' | sort)
  want=$(printf '%s\n' "$@" | sort)
  [[ $got == "$want" ]] || fail "started units are '${got//$'\n'/ }', expected '${want//$'\n'/ }'"
}
sha() { sha256sum -- "$1" | cut -d' ' -f1; }
# What the state file records when the services run what is installed now.
expected_state() {
  local unit
  printf 'binary %s\nenv %s\n' "$(sha "$r11/srv/bisk/app/bin/bisk")" "$(sha "$r11/etc/bisk/bisk.env")"
  for unit in bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.service bisk-prune-heartbeats.timer; do
    printf '%s %s\n' "$unit" "$(sha "$units11/$unit")"
  done
}
expect_state_current() {
  [[ -f $state_file ]] || fail "no restart record at $state_file"
  expect_stat "$state_file" 644 root:root
  local got want
  got=$(grep -v '^#' "$state_file")
  want=$(expected_state)
  if [[ $got != "$want" ]]; then
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2 || true
    fail "the restart record $state_file does not match the installed files (diff expected/got above)"
  fi
}
restart_pair=("restart bisk-web.service" "restart bisk-enforcer.service")

current_case="service handling (test hook): a bad BISK_INSTALL_SYSTEMCTL stops before any change"
rc=0
BISK_INSTALL_SYSTEMCTL=$scratch/no-such-systemctl bash "$installer" --root "$r11" --app-dir /srv/bisk/app \
  --user "$test_user" --group "$test_group" >"$out" 2>"$err" || rc=$?
expect_rc 1 "BISK_INSTALL_SYSTEMCTL naming a missing file"
expect_in "$err" "BISK_INSTALL_SYSTEMCTL=$scratch/no-such-systemctl is not an executable file" "the error"
[[ ! -e $r11/etc ]] || fail "a bad BISK_INSTALL_SYSTEMCTL wrote files before failing"
ok "$current_case"

current_case="service handling (a): a first install reloads, enables and starts"
install_fake
expect_rc 0 "first install with the fake systemctl"
expect_calls \
  "show -p NeedDaemonReload --value bisk-web.service" \
  "show -p NeedDaemonReload --value bisk-enforcer.service" \
  "show -p NeedDaemonReload --value bisk-prune-heartbeats.service" \
  "show -p NeedDaemonReload --value bisk-prune-heartbeats.timer" \
  "daemon-reload" \
  "is-enabled --quiet bisk-web.service" \
  "enable --quiet bisk-web.service" \
  "is-enabled --quiet bisk-enforcer.service" \
  "enable --quiet bisk-enforcer.service" \
  "is-enabled --quiet bisk-prune-heartbeats.timer" \
  "enable --quiet bisk-prune-heartbeats.timer" \
  "is-active --quiet bisk-web.service" \
  "start bisk-web.service" \
  "is-active --quiet bisk-enforcer.service" \
  "start bisk-enforcer.service" \
  "is-active --quiet bisk-prune-heartbeats.timer" \
  "start bisk-prune-heartbeats.timer"
expect_active bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.timer
expect_state_current
expect_in "$out" "BISK_INSTALL_SYSTEMCTL (test hook)" "the output (the hook is announced)"
expect_in "$out" "--root: bisk migrate was not run" "the output (--root still skips migrate)"
expect_not_in "$out" "Migrating the database" "the output (--root still skips migrate)"
expect_not_in "$out" "no service was enabled or started" "the output (the services were handled)"
for line in "  - reloaded systemd (units changed)" "  - enabled bisk-prune-heartbeats.timer" \
  "  - started bisk-web.service" "  - started bisk-enforcer.service" "  - started bisk-prune-heartbeats.timer"; do
  expect_line "$out" "$line"
done
leftovers=$(find "$r11" -name '.installed.*' -print)
[[ -z $leftovers ]] || fail "temporary state files left behind: $leftovers"
ok "$current_case"

current_case="service handling (b): an identical second run calls no action"
before=$(snapshot "$r11")
install_fake
expect_rc 0 "identical second run"
expect_actions
expect_in "$out" "Nothing changed" "the output"
after=$(snapshot "$r11")
if [[ $before != "$after" ]]; then
  diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2 || true
  fail "the identical run changed files under the staging root (diff above)"
fi
# systemd reporting a unit changed on disk (NeedDaemonReload=yes): a reload, nothing more.
touch "$fake_state/need-daemon-reload"
install_fake
expect_rc 0 "run with NeedDaemonReload=yes"
expect_actions "daemon-reload"
ok "$current_case"

current_case="service handling (c): a changed env file restarts both services, no reload"
install_fake --runner ffmpeg_one
expect_rc 0 "--runner ffmpeg_one"
expect_actions "${restart_pair[@]}"
expect_line "$out" "Restarting bisk-web.service (env file changed)..."
expect_line "$out" "Restarting bisk-enforcer.service (env file changed)..."
expect_line "$out" "  - restarted bisk-enforcer.service (env file changed)"
expect_active bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.timer
expect_state_current
# An edit by hand counts too.
printf '# edited by the operator\n' >>"$r11/etc/bisk/bisk.env"
install_fake
expect_rc 0 "run after an edit by hand"
expect_actions "${restart_pair[@]}"
expect_state_current
ok "$current_case"

current_case="service handling (d): a new bisk executable restarts both services"
# A different file at the same path: a script that runs the real executable.
rm -f -- "$r11/srv/bisk/app/bin/bisk"
printf '#!/bin/sh\n# a new build of bisk\nexec %q "$@"\n' "$bin" >"$r11/srv/bisk/app/bin/bisk"
chmod 0755 -- "$r11/srv/bisk/app/bin/bisk"
install_fake
expect_rc 0 "run with a new executable"
expect_actions "${restart_pair[@]}"
expect_line "$out" "Restarting bisk-web.service (bisk executable changed)..."
expect_line "$out" "Restarting bisk-enforcer.service (bisk executable changed)..."
expect_state_current
ok "$current_case"

current_case="service handling (e): a changed unit reloads and restarts only its service"
# As an older installer would have left it: another bisk-enforcer.service,
# started with that content.
enforcer11=$units11/bisk-enforcer.service
printf '# written by an older installer\n' >>"$enforcer11"
sed -i "s/^bisk-enforcer\.service .*/bisk-enforcer.service $(sha "$enforcer11")/" "$state_file"
install_fake
expect_rc 0 "run with an outdated bisk-enforcer.service"
expect_actions "daemon-reload" "restart bisk-enforcer.service"
expect_line "$out" "Restarting bisk-enforcer.service (unit changed)..."
expect_not_in "$enforcer11" "older installer" "the rewritten unit"
expect_state_current
# The timer's unit: the timer alone.
timer11=$units11/bisk-prune-heartbeats.timer
printf '# written by an older installer\n' >>"$timer11"
sed -i "s/^bisk-prune-heartbeats\.timer .*/bisk-prune-heartbeats.timer $(sha "$timer11")/" "$state_file"
install_fake
expect_rc 0 "run with an outdated timer"
expect_actions "daemon-reload" "restart bisk-prune-heartbeats.timer"
expect_state_current
# Another account changes the three service units: both services, not the timer.
run_fake --app-dir /srv/bisk/app --user "$test_user2" --group "$test_group2"
expect_rc 0 "--user/--group $test_user2"
expect_actions "daemon-reload" "${restart_pair[@]}"
expect_line "$out" "Restarting bisk-web.service (unit changed)..."
expect_line "$out" "Restarting bisk-enforcer.service (unit changed)..."
expect_state_current
ok "$current_case"

current_case="service handling (f): --no-start restarts nothing and says what needs a restart"
cp -p -- "$state_file" "$scratch/state-before-no-start"
install_fake --no-start # back to $test_user: the service units change
expect_rc 0 "--no-start after a change"
expect_actions "daemon-reload"
expect_in "$out" "--no-start: nothing was started or restarted" "the --no-start output"
expect_line "$out" "note: bisk-web.service is running but needs a restart (unit changed): systemctl restart bisk-web.service"
expect_line "$out" "note: bisk-enforcer.service is running but needs a restart (unit changed): systemctl restart bisk-enforcer.service"
expect_not_in "$out" "bisk-prune-heartbeats.timer is running but needs a restart" "the --no-start output"
cmp -s -- "$state_file" "$scratch/state-before-no-start" || fail "--no-start rewrote the restart record"
# The timer too, when its unit changed.
printf '# written by an older installer\n' >>"$timer11"
sed -i "s/^bisk-prune-heartbeats\.timer .*/bisk-prune-heartbeats.timer $(sha "$timer11")/" "$state_file"
install_fake --no-start
expect_rc 0 "--no-start after a timer change"
expect_actions "daemon-reload"
expect_line "$out" "note: bisk-prune-heartbeats.timer is running but needs a restart (unit changed): systemctl restart bisk-prune-heartbeats.timer"
expect_line "$out" "note: bisk-web.service is running but needs a restart (unit changed): systemctl restart bisk-web.service"
install_fake
expect_rc 0 "normal run after --no-start"
expect_actions "${restart_pair[@]}" "restart bisk-prune-heartbeats.timer"
expect_line "$out" "Restarting bisk-web.service (unit changed)..."
expect_line "$out" "Restarting bisk-prune-heartbeats.timer (unit changed)..."
expect_state_current
# --no-start with stopped services starts none of them.
rm -f -- "$fake_state/active/"*
install_fake --no-start
expect_rc 0 "--no-start with the services stopped"
expect_actions
expect_not_in "$out" "needs a restart" "the --no-start output (nothing runs)"
install_fake
expect_rc 0 "normal run after --no-start with the services stopped"
expect_actions "start bisk-web.service" "start bisk-enforcer.service" "start bisk-prune-heartbeats.timer"
ok "$current_case"

current_case="service handling: a failed restart stops the run and keeps the old record"
cp -p -- "$state_file" "$scratch/state-before-fail"
fake_fail="restart bisk-web.service"
install_fake --runner ffmpeg_all
fake_fail=
expect_rc 1 "a failing restart"
expect_actions "restart bisk-web.service"
expect_in "$err" "bisk-web.service failed to restart; see: systemctl status bisk-web.service; journalctl -u bisk-web.service -n 50" "the error"
expect_not_in "$err" ".service.service" "the error"
cmp -s -- "$state_file" "$scratch/state-before-fail" || fail "a failed restart updated the restart record"
install_fake
expect_rc 0 "the run after a failed restart"
expect_actions "${restart_pair[@]}"
expect_state_current
ok "$current_case"

current_case="service handling (g): --uninstall stops and disables every unit, then reloads"
run_fake --uninstall
expect_rc 0 "--uninstall with the fake systemctl"
expect_actions \
  "disable --now --quiet bisk-prune-heartbeats.timer" \
  "disable --now --quiet bisk-prune-heartbeats.service" \
  "disable --now --quiet bisk-enforcer.service" \
  "disable --now --quiet bisk-web.service" \
  "daemon-reload"
expect_active
[[ -z $(ls -- "$fake_state/enabled") ]] || fail "units still enabled: $(ls -- "$fake_state/enabled")"
[[ ! -e $state_file ]] || fail "--uninstall left the restart record"
expect_line "$out" "Stopping and disabling bisk-enforcer.service..."
expect_line "$out" "  - reloaded systemd"
run_fake --uninstall
expect_rc 0 "a second --uninstall"
expect_actions
expect_in "$out" "Nothing to uninstall" "the second --uninstall's output"
host_state_after=$(stat -c '%s %Y' -- /var/lib/bisk/.installed 2>/dev/null || echo missing)
[[ $host_state_before == "$host_state_after" ]] || fail "the host's /var/lib/bisk/.installed changed ($host_state_before -> $host_state_after)"
ok "$current_case"

echo "all installer cases passed"
