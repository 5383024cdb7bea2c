#!/usr/bin/env bash
# install_enforcer.sh: install, upgrade or remove BISK's systemd services
# (SPEC §7). Run as root; safe to run again and again.
#
#   /etc/bisk/bisk.env          the configuration every bisk command reads (0640 root:GROUP);
#                               operator edits are kept, a flag replaces only the value it sets
#   /etc/systemd/system/        bisk-web.service (bisk serve), bisk-enforcer.service
#                               (bisk run-enforcer), bisk-prune-heartbeats.service + .timer
#   /etc/tmpfiles.d/bisk.conf   /run/bisk (the enforcer's lock file)
#   data, media, snapshot and log directories (0750 USER:GROUP), the accounts,
#   `bisk migrate`, and then enable + start, restarting what changed.
#
# Every file is written only when its content changes (atomically), so a
# second identical run changes nothing. `install_enforcer.sh --help` lists the flags.
#
# Test hook (tests/installer/install_enforcer_test.sh; not for production use):
# when BISK_INSTALL_SYSTEMCTL is set and non-empty, it must name an executable
# (else the installer stops before changing anything); every systemctl call
# goes to it instead of systemctl, and systemd counts as running, also under
# --root (which otherwise makes no systemctl call). Nothing else changes: --root
# still skips bisk migrate and systemd-tmpfiles, and keeps the restart record
# in DIR/var/lib/bisk/.installed.
set -euo pipefail
umask 022

readonly PROG=install_enforcer.sh
readonly ENV_PATH=/etc/bisk/bisk.env
readonly UNIT_DIR=/etc/systemd/system
readonly TMPFILES_PATH=/etc/tmpfiles.d/bisk.conf
readonly DATA_DIR=/var/lib/bisk
readonly STATE_PATH=$DATA_DIR/.installed
readonly RUN_DIR=/run/bisk
readonly SAFE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
readonly UNITS=(bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.service bisk-prune-heartbeats.timer)
readonly DEFAULT_HB_URL=http://127.0.0.1:8000/api/runner/heartbeat/
readonly DEFAULT_DB_URL=sqlite:///var/lib/bisk/bisk.db
readonly DEFAULT_LISTEN=127.0.0.1:8000
# The test hook described above ("" = none).
readonly SYSTEMCTL_HOOK=${BISK_INSTALL_SYSTEMCTL:-}
SYSTEMCTL=systemctl

# ------------------------------------------------------------------ messages

say() { printf '%s\n' "$*"; }
note() { printf 'note: %s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

# The installer's own location decides the default prefix: a copy installed
# at <prefix>/share/bisk/deploy/install_enforcer.sh belongs to <prefix>.
default_app_dir() {
  local self=${BASH_SOURCE[0]:-}
  if [[ -n $self && -e $self ]]; then
    self=$(readlink -f -- "$self")
    if [[ $self == */share/bisk/deploy/install_enforcer.sh ]]; then
      local prefix=${self%/share/bisk/deploy/install_enforcer.sh}
      printf '%s\n' "${prefix:-/}"
      return
    fi
  fi
  printf '/usr\n'
}

usage() {
  cat <<EOF
Usage: $PROG [OPTIONS]

Installs (or upgrades) BISK's services on this machine: the configuration
/etc/bisk/bisk.env, bisk-web.service (bisk serve: dashboard, API, heartbeats),
bisk-enforcer.service (bisk run-enforcer: starts and stops the runners) and
bisk-prune-heartbeats.timer (hourly: bisk prune-heartbeats --days 3). It creates
the service account and directories, runs bisk migrate, then enables and starts
the services, restarting those whose unit, env file or executable changed.
Run it as root. Running it again is safe: edits to /etc/bisk/bisk.env are kept,
and a flag replaces only the value it sets.

Options (--flag VALUE or --flag=VALUE, in any order):
  --app-dir DIR       prefix BISK is installed under: DIR/bin/bisk, DIR/share/bisk
                      (default: $(default_app_dir))
  --user USER         service account (default bisk; created when missing)
  --group GROUP       its group (default bisk; created when missing)
  --runner FLAVOR     BISK_RUNNER_IMPL: ffmpeg_all or ffmpeg_one
  --hb-url URL        BISK_HEARTBEAT_URL: where runners post their heartbeats
  --hb-key KEY        BISK_HEARTBEAT_KEY (visible in the process list and shell
                      history; prefer --hb-key-file). Generated when absent.
  --hb-key-file FILE  read BISK_HEARTBEAT_KEY from the first line of FILE (- = stdin)
  --db URL            BISK_DATABASE_URL: sqlite:///path or postgresql://user:pass@host/db
  --listen ADDR       BISK_LISTEN: host:port of the web server (e.g. 127.0.0.1:8000)
  --root DIR          install everything under DIR (packaging, tests): no systemctl,
                      no migrate; the executable is looked up at DIR/<app-dir>/bin/bisk
  --no-start          write, migrate and enable, but start or restart nothing
  --uninstall         stop, disable and remove the units; keep the configuration,
                      data, logs and accounts
  --purge             --uninstall, and also remove /etc/bisk, the data, the logs
                      and /run/bisk (the accounts are kept)
  --venv DIR, --settings MODULE
                      flags of the Python-era installer: accepted and ignored
  -h, --help          show this help

Examples:
  sudo bash $PROG --runner ffmpeg_all
  sudo bash $PROG --hb-key-file /root/hb.key --listen 0.0.0.0:8000
  sudo bash $PROG --uninstall
EOF
}

usage_error() {
  printf '%s: %s\n' "$PROG" "$*" >&2
  usage >&2
  exit 2
}

# ------------------------------------------------------------------ flags

APP_DIR=
APP_PREFIX=
APP_DIR_GIVEN=0
SVC_USER=bisk
SVC_GROUP=bisk
ACCOUNTS_GIVEN=0
RUNNER=
HB_URL=
HB_KEY=
HB_KEY_GIVEN=0
HB_KEY_ON_CMDLINE=0
HB_KEY_FILE=
DB_URL=
LISTEN=
ROOT=
ROOT_MODE=0
NO_START=0
MODE=install
VENV_GIVEN=0
SETTINGS_GIVEN=0

parse_flags() {
  local arg value inline
  while (($# > 0)); do
    arg=$1
    shift
    value=
    inline=0
    if [[ $arg == --*=* ]]; then
      value=${arg#*=}
      arg=${arg%%=*}
      inline=1
    fi
    case $arg in
      -h | --help | --no-start | --uninstall | --purge)
        if ((inline)); then usage_error "option $arg takes no value"; fi
        case $arg in
          -h | --help)
            usage
            exit 0
            ;;
          --no-start) NO_START=1 ;;
          --uninstall) if [[ $MODE != purge ]]; then MODE=uninstall; fi ;;
          --purge) MODE=purge ;;
        esac
        ;;
      --app-dir | --user | --group | --runner | --hb-url | --hb-key | --hb-key-file | --db | --listen | --root | --venv | --settings)
        if ((!inline)); then
          if (($# == 0)); then usage_error "option $arg needs a value"; fi
          if [[ $1 == --* ]]; then usage_error "option $arg needs a value (got the option $1; write $arg=VALUE for a value starting with --)"; fi
          value=$1
          shift
        fi
        if [[ -z $value ]]; then usage_error "option $arg needs a non-empty value"; fi
        if [[ $value == *$'\n'* || $value == *$'\r'* ]]; then usage_error "the value of $arg must be a single line"; fi
        case $arg in
          --app-dir)
            APP_DIR=$value
            APP_DIR_GIVEN=1
            ;;
          --user)
            SVC_USER=$value
            ACCOUNTS_GIVEN=1
            ;;
          --group)
            SVC_GROUP=$value
            ACCOUNTS_GIVEN=1
            ;;
          --runner) RUNNER=$value ;;
          --hb-url) HB_URL=$value ;;
          --hb-key)
            HB_KEY=$value
            HB_KEY_GIVEN=1
            HB_KEY_ON_CMDLINE=1
            ;;
          --hb-key-file) HB_KEY_FILE=$value ;;
          --db) DB_URL=$value ;;
          --listen) LISTEN=$value ;;
          --root)
            ROOT=$value
            ROOT_MODE=1
            ;;
          --venv) VENV_GIVEN=1 ;;
          --settings) SETTINGS_GIVEN=1 ;;
        esac
        ;;
      -*) usage_error "unknown option: $arg" ;;
      *) usage_error "unexpected argument: $arg (all settings are --flag VALUE)" ;;
    esac
  done

  # Derived values are computed only now, after every flag is known.
  if [[ -n $RUNNER && $RUNNER != ffmpeg_all && $RUNNER != ffmpeg_one ]]; then
    usage_error "--runner must be ffmpeg_all or ffmpeg_one (got '$RUNNER')"
  fi
  local name
  for name in "$SVC_USER" "$SVC_GROUP"; do
    if [[ ! $name =~ ^[a-z_][a-z0-9_-]{0,31}$ ]]; then
      usage_error "invalid account name '$name' (lower-case letters, digits, '_' and '-'; at most 32)"
    fi
  done
  if [[ -n $HB_KEY_FILE && $HB_KEY_ON_CMDLINE == 1 ]]; then usage_error "give either --hb-key or --hb-key-file, not both"; fi
  if ((ROOT_MODE)); then
    ROOT=$(realpath -m -- "$ROOT")
    if [[ $ROOT == / ]]; then ROOT=; fi
  fi
  if ((!APP_DIR_GIVEN)); then
    APP_DIR=$(default_app_dir)
    # A copy run from inside a staging root belongs to the target's prefix.
    if ((ROOT_MODE)) && [[ -n $ROOT && $APP_DIR == "$ROOT"/* ]]; then APP_DIR=${APP_DIR#"$ROOT"}; fi
  fi
  if [[ $APP_DIR != /* ]]; then usage_error "--app-dir must be an absolute path (got '$APP_DIR')"; fi
  APP_DIR=$(realpath -ms -- "$APP_DIR")
  APP_PREFIX=${APP_DIR%/} # "" for /
}

# ------------------------------------------------------------------ helpers

WORK=
TEMP_FILES=()
cleanup() {
  local file
  for file in "${TEMP_FILES[@]}"; do rm -f -- "$file"; done
  if [[ -n $WORK ]]; then rm -rf -- "$WORK"; fi
}
trap cleanup EXIT

# The target path of a real path (under --root DIR when staging).
target() { printf '%s%s\n' "$ROOT" "$1"; }

can_chown() { [[ $EUID -eq 0 ]]; }

CHANGES=()
changed() { CHANGES+=("$*"); }

# join_by SEPARATOR WORD...
join_by() {
  local separator=$1 out=
  shift
  while (($#)); do
    out+=${out:+$separator}$1
    shift
  done
  printf '%s' "$out"
}

# 48 random letters and digits from /dev/urandom.
random_token() {
  local token
  token=$(head -c 96 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | cut -c1-48)
  if ((${#token} < 40)); then die "could not read random bytes from /dev/urandom"; fi
  printf '%s' "$token"
}

# bisk with a clean environment, as systemd starts it: the process
# environment would otherwise override the env file (SPEC §2).
bisk_clean() { env -i PATH="$SAFE_PATH" LANG=C.UTF-8 "$BIN" "$@"; }

# ------------------------------------------------------------------ env file parsing
#
# The same rules as bisk's parser (src/config/env_file.h): blank and '#' lines
# are ignored, an optional "export ", unquoted values are trimmed and a '#'
# after a blank starts a comment, '...' is literal, "..." knows \" \\ \n, and
# the last assignment of a key counts. split_line() also returns the pieces
# needed to replace a value in place: PRE (up to the value), VTXT (the value
# as written), GAP (blanks before the comment) and CMT (the comment).
readonly AWK_LIB='
function ltrim(s) { sub(/^[ \t]+/, "", s); return s }
function split_line(line,    t, p, raw, lead, body, q, i, n, c, rest, cpos, v) {
  K = ""; VAL = ""; VTXT = ""; GAP = ""; CMT = ""; PRE = ""
  sub(/\r$/, "", line)
  t = ltrim(line)
  if (t ~ /^export[ \t]/) t = ltrim(substr(t, 7))
  if (t == "" || substr(t, 1, 1) == "#") return
  p = index(t, "=")
  if (p == 0) return
  K = substr(t, 1, p - 1); sub(/[ \t]+$/, "", K)
  if (K !~ /^[A-Za-z_][A-Za-z0-9_]*$/) { K = ""; return }
  p = index(line, "=")
  raw = substr(line, p + 1)
  match(raw, /^[ \t]*/); lead = substr(raw, 1, RLENGTH); body = substr(raw, RLENGTH + 1)
  PRE = substr(line, 1, p) lead
  q = substr(body, 1, 1)
  if (q == "\"" || q == SQ) {
    n = length(body)
    for (i = 2; i <= n; i++) {
      c = substr(body, i, 1)
      if (c == q) break
      if (q == "\"" && c == "\\" && i < n) {
        i++; c = substr(body, i, 1)
        if (c == "n") VAL = VAL "\n"; else if (c == "\"" || c == "\\") VAL = VAL c; else VAL = VAL "\\" c
        continue
      }
      VAL = VAL c
    }
    VTXT = substr(body, 1, i); rest = substr(body, i + 1)
    match(rest, /^[ \t]*/); GAP = substr(rest, 1, RLENGTH); CMT = substr(rest, RLENGTH + 1)
    return
  }
  n = length(raw); cpos = 0
  for (i = 2; i <= n; i++) if (substr(raw, i, 1) == "#" && substr(raw, i - 1, 1) ~ /[ \t]/) { cpos = i; break }
  if (cpos) { v = substr(raw, 1, cpos - 1); CMT = substr(raw, cpos) } else v = raw
  v = substr(v, length(lead) + 1)
  match(v, /[ \t]*$/); VTXT = substr(v, 1, RSTART - 1); GAP = substr(v, RSTART)
  if (CMT == "") GAP = ""
  VAL = VTXT
}'

# env_get FILE KEY: prints the value; fails when the key is not assigned.
env_get() {
  awk -v KEY="$2" -v SQ="'" "$AWK_LIB"'
    { split_line($0); if (K == KEY) { found = 1; value = VAL } }
    END { if (found) printf "%s", value; exit found ? 0 : 1 }' "$1"
}

# env_value FILE KEY DEFAULT: the value, or DEFAULT when unset or empty.
env_value() {
  local value
  if value=$(env_get "$1" "$2") && [[ -n $value ]]; then printf '%s\n' "$value"; else printf '%s\n' "$3"; fi
}

# How a value is written: bare when that reads back the same, else quoted.
encode_value() {
  local value=$1
  if [[ $value != *[[:space:]\'\"\\\$\`]* && $value != \#* ]]; then
    printf '%s' "$value"
  elif [[ $value != *\'* ]]; then
    printf "'%s'" "$value"
  else
    value=${value//\\/\\\\}
    value=${value//\"/\\\"}
    printf '"%s"' "$value"
  fi
}

ENV_APPENDED=0
# env_put FILE KEY VALUE: replaces the value on the key's (last) line, keeping
# the rest of the line and the column of its trailing comment, or appends the
# key. Prints nothing; returns 1 when the value was already that.
env_put() {
  local file=$1 key=$2 value=$3 current
  if current=$(env_get "$file" "$key"); then
    if [[ $current == "$value" ]]; then return 1; fi
    BISK_INSTALLER_VALUE=$(encode_value "$value") awk -v KEY="$key" -v SQ="'" "$AWK_LIB"'
      { line[NR] = $0; split_line($0); if (K == KEY) last = NR }
      END {
        new = ENVIRON["BISK_INSTALLER_VALUE"]
        for (i = 1; i <= NR; i++) {
          if (i != last) { print line[i]; continue }
          split_line(line[i])
          out = PRE new
          if (CMT != "") {
            pad = length(VTXT) + length(GAP) - length(new)
            if (pad < 1) pad = 1
            out = out sprintf("%" pad "s", "") CMT
          }
          print out
        }
      }' "$file" >"$file.new"
    mv -f -- "$file.new" "$file"
  else
    if [[ -s $file && -n $(tail -c1 -- "$file") ]]; then printf '\n' >>"$file"; fi
    if ((!ENV_APPENDED)); then
      printf '\n# Added by %s:\n' "$PROG" >>"$file"
      ENV_APPENDED=1
    fi
    printf '%s=%s\n' "$key" "$(encode_value "$value")" >>"$file"
  fi
  return 0
}

# ------------------------------------------------------------------ file writing

# install_file SOURCE DEST MODE OWNER:GROUP DESCRIPTION [DETAIL]: writes DEST
# atomically when its content differs; fixes mode and owner when they differ.
install_file() {
  local source=$1 dest=$2 mode=$3 owner=$4 what=$5 detail=${6:-} tmp
  if [[ -f $dest ]] && cmp -s -- "$source" "$dest"; then
    fix_mode_owner "$dest" "$mode" "$owner" "$what"
    return 0
  fi
  local existed=0
  if [[ -e $dest ]]; then existed=1; fi
  mkdir -p -- "$(dirname -- "$dest")"
  tmp=$(mktemp "$(dirname -- "$dest")/.$(basename -- "$dest").XXXXXX")
  TEMP_FILES+=("$tmp")
  cat -- "$source" >"$tmp"
  chmod "$mode" -- "$tmp"
  if can_chown; then chown "$owner" -- "$tmp"; fi
  mv -f -- "$tmp" "$dest"
  if ((existed)); then changed "updated $what${detail:+: $detail}"; else changed "created $what${detail:+ ($detail)}"; fi
}

fix_mode_owner() {
  local path=$1 mode=$2 owner=$3 what=$4 fixed=()
  if [[ $(stat -c '%a' -- "$path") != "${mode#0}" ]]; then
    chmod "$mode" -- "$path"
    fixed+=("mode $mode")
  fi
  if can_chown && [[ $(stat -c '%U:%G' -- "$path") != "$owner" ]]; then
    chown "$owner" -- "$path"
    fixed+=("owner $owner")
  fi
  if ((${#fixed[@]})); then changed "set ${fixed[*]} on $what"; fi
}

# Paths the installer never chowns or deletes, whatever the env file says.
is_system_dir() {
  local dir=${1%/}
  # / and its children (/var, /srv, /data), and the children of the system's
  # own directories (/var/lib, /var/log, /usr/share, /home/someone).
  if [[ $dir =~ ^/[^/]*$ ]]; then return 0; fi
  if [[ $dir =~ ^/(bin|boot|dev|etc|home|lib|lib32|lib64|opt|proc|root|run|sbin|sys|tmp|usr|var)/[^/]+$ ]]; then return 0; fi
  return 1
}

# ensure_dir REAL_PATH: DIR exists, USER:GROUP, 0750.
ensure_dir() {
  local real=$1 path
  path=$(target "$real")
  if is_system_dir "$real"; then
    warn "not taking over $real (a system directory) for the service; choose a directory of its own in $ENV_PATH"
    return 0
  fi
  if [[ ! -d $path ]]; then
    mkdir -p -- "$path"
    chmod 0750 -- "$path"
    if can_chown; then chown "$SVC_USER:$SVC_GROUP" -- "$path"; fi
    changed "created directory $real"
    return 0
  fi
  fix_mode_owner "$path" 0750 "$SVC_USER:$SVC_GROUP" "directory $real"
}

# ------------------------------------------------------------------ accounts

ensure_accounts() {
  if ! can_chown; then
    note "not root: the accounts $SVC_USER:$SVC_GROUP are not checked and owners are not set (--root as non-root)"
    return 0
  fi
  if ! getent group "$SVC_GROUP" >/dev/null; then
    groupadd --system "$SVC_GROUP"
    changed "created system group $SVC_GROUP"
  fi
  if ! getent passwd "$SVC_USER" >/dev/null; then
    useradd --system --gid "$SVC_GROUP" --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin \
      --comment "BISK services" "$SVC_USER"
    changed "created system user $SVC_USER"
  fi
}

# ------------------------------------------------------------------ env file

env_template() {
  local hb_url=$DEFAULT_HB_URL share_block=
  if [[ $APP_PREFIX != /usr ]]; then
    share_block="# The dashboard files and the face models of the installation in $APP_DIR.
BISK_WEB_DIR=$APP_PREFIX/share/bisk/web
BISK_MODEL_DIR=$APP_PREFIX/share/bisk/models

"
  fi
  # A first install with only --listen: runners post to that address.
  if [[ -n $LISTEN && -z $HB_URL ]]; then
    local host=${LISTEN%:*} port=${LISTEN##*:}
    case $host in 0.0.0.0 | '') host=127.0.0.1 ;; '[::]') host='[::1]' ;; esac
    hb_url="http://$host:$port/api/runner/heartbeat/"
  fi
  cat <<EOF
# /etc/bisk/bisk.env: the configuration of BISK. Every bisk command reads it
# itself: bisk serve (bisk-web.service), bisk run-enforcer (bisk-enforcer.service),
# the heartbeat prune timer, and the commands you type.
#
# Written by install_enforcer.sh on the first install. Your edits are kept when
# the installer runs again: a flag (--runner, --hb-url, --hb-key, --db,
# --listen, --app-dir) replaces only the value it sets, on its line.
# Format: KEY=VALUE, '#' comments, a trailing "   # comment" is allowed.
# \`bisk config\` prints the effective configuration and where each value comes from.
# After an edit: sudo systemctl restart bisk-web.service bisk-enforcer.service

# Runner flavour: ffmpeg_all or ffmpeg_one. 1 = refuse to start when a needed
# binary (ffmpeg, ffprobe) is missing.
BISK_RUNNER_IMPL=ffmpeg_all        # ffmpeg_all | ffmpeg_one
BISK_STRICT_BINARIES=1

# Storage: SQLite, or postgresql://user:password@host/dbname
BISK_DATABASE_URL=$DEFAULT_DB_URL

# The web server (dashboard, operator API, runner heartbeats).
BISK_LISTEN=$DEFAULT_LISTEN

# Where runners post heartbeats, and the key they share with bisk serve.
BISK_HEARTBEAT_URL=$hb_url
BISK_HEARTBEAT_KEY=$(random_token)
# Signs dashboard sessions.
BISK_SECRET_KEY=$(random_token)

BISK_MEDIA_DIR=/var/lib/bisk/media
BISK_LOG_DIR=/var/log/bisk
BISK_ENFORCER_LOCK_FILE=/run/bisk/enforcer.lock
BISK_ENFORCER_INTERVAL=15          # seconds between full reconciliations

${share_block}# Optional overrides:
# BISK_SNAPSHOT_DIR=               # default: \$BISK_MEDIA_DIR/snapshots
# BISK_GPU_INDEX=                  # default GPU of the runners
# BISK_FFMPEG_BIN=                 # default: ffmpeg on PATH
# BISK_FFPROBE_BIN=                # default: ffprobe on PATH
# BISK_TIME_ZONE=                  # IANA zone of the timetable; default: the system's
# BISK_NODE=                       # this host's node name (several hosts on one PostgreSQL)
EOF
}

ENV_KEYS_SET=()
# Builds the env file the run wants in $WORK/bisk.env, validates it with
# `bisk config`, and writes it when it differs from the one on disk.
write_env_file() {
  local dest cand key
  dest=$(target "$ENV_PATH")
  cand=$WORK/bisk.env
  local first=0
  if [[ -e $dest ]]; then
    [[ -f $dest ]] || die "$ENV_PATH exists and is not a regular file"
    cat -- "$dest" >"$cand"
  else
    first=1
    env_template >"$cand"
  fi

  local -a flag_keys=() flag_values=()
  if [[ -n $RUNNER ]]; then flag_keys+=(BISK_RUNNER_IMPL) flag_values+=("$RUNNER"); fi
  if [[ -n $HB_URL ]]; then flag_keys+=(BISK_HEARTBEAT_URL) flag_values+=("$HB_URL"); fi
  if ((HB_KEY_GIVEN)); then flag_keys+=(BISK_HEARTBEAT_KEY) flag_values+=("$HB_KEY"); fi
  if [[ -n $DB_URL ]]; then flag_keys+=(BISK_DATABASE_URL) flag_values+=("$DB_URL"); fi
  if [[ -n $LISTEN ]]; then flag_keys+=(BISK_LISTEN) flag_values+=("$LISTEN"); fi
  # The executable's built-in web and model directories are /usr/share/bisk/...;
  # another prefix needs them here. An explicit --app-dir owns these two values.
  local share
  for key in BISK_WEB_DIR BISK_MODEL_DIR; do
    if [[ $key == BISK_WEB_DIR ]]; then share=$APP_PREFIX/share/bisk/web; else share=$APP_PREFIX/share/bisk/models; fi
    if [[ $APP_DIR != /usr ]]; then
      if ((APP_DIR_GIVEN)) || ! env_get "$cand" "$key" >/dev/null; then flag_keys+=("$key") flag_values+=("$share"); fi
    elif ((APP_DIR_GIVEN)) && env_get "$cand" "$key" >/dev/null; then
      flag_keys+=("$key") flag_values+=("$share")
    fi
  done

  local i
  for i in "${!flag_keys[@]}"; do
    if env_put "$cand" "${flag_keys[$i]}" "${flag_values[$i]}"; then ENV_KEYS_SET+=("${flag_keys[$i]}"); fi
  done
  # Keys are generated only when missing: a Python-era file's deprecated
  # BISK_RUNNER_HB_KEY is a key too.
  local hb_key
  hb_key=$(env_value "$cand" BISK_HEARTBEAT_KEY "")
  if [[ -z $hb_key ]]; then hb_key=$(env_value "$cand" BISK_RUNNER_HB_KEY ""); fi
  if [[ -z $hb_key ]]; then
    env_put "$cand" BISK_HEARTBEAT_KEY "$(random_token)"
    ENV_KEYS_SET+=("BISK_HEARTBEAT_KEY (generated)")
  fi
  if [[ -z $(env_value "$cand" BISK_SECRET_KEY "") ]]; then
    env_put "$cand" BISK_SECRET_KEY "$(random_token)"
    ENV_KEYS_SET+=("BISK_SECRET_KEY (generated)")
  fi

  # Validate before anything is replaced: a bad flag or edit leaves the file
  # on disk as it was. Messages name the real file, not the candidate.
  local messages listing rc=0
  listing=$(bisk_clean --env-file "$cand" config 2>"$WORK/config.err") || rc=$?
  messages=$(cat -- "$WORK/config.err")
  # On success its warnings and notes follow the listing on standard output.
  if ((rc == 0)); then messages+=$(printf '%s\n' "$listing" | grep -E '^(warning|note):' || true); fi
  messages=${messages//"$cand"/$ENV_PATH}
  if ((rc != 0)); then
    printf '%s\n' "$messages" >&2
    if ((first)); then
      die "bisk rejects the configuration for $ENV_PATH (above); nothing was written. Fix the flag and run again."
    fi
    die "bisk rejects the configuration in $ENV_PATH (above); the file was left as it was. Fix the line (or the flag) and run again."
  fi
  if [[ -n $messages ]]; then
    say "bisk config on $ENV_PATH:"
    printf '%s\n' "$messages" | sed 's/^/  /'
  fi

  local detail
  if ((first)); then
    if ((HB_KEY_GIVEN)); then detail="heartbeat key as given"; else detail="heartbeat key generated"; fi
    detail+=", secret key generated"
  else
    detail=$(join_by ', ' "${ENV_KEYS_SET[@]}")
  fi
  install_file "$cand" "$dest" 0640 "root:$SVC_GROUP" "$ENV_PATH" "$detail"
}

# ------------------------------------------------------------------ units

HARDENING='# Hardening. ProtectSystem=full makes /usr, /boot and /etc read-only; /var,
# /run and /srv stay writable (data, media, logs, the lock). ProtectHome=read-only:
# keep BISK_MEDIA_DIR and BISK_LOG_DIR out of /home. PrivateTmp is safe because
# the enforcer lock is in /run/bisk, which every bisk command sees, not in /tmp.
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=full
ProtectHome=read-only
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictRealtime=yes
SystemCallArchitectures=native
# AF_NETLINK: interface lookups by libc and FFmpeg.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK'

# The service account every unit runs as (set by the flags, so a function).
run_as() {
  cat <<EOF
User=$SVC_USER
Group=$SVC_GROUP
# Files it creates (SQLite, media, logs) are not readable by other users.
UMask=0027
EOF
}

# bisk serve and bisk run-enforcer alike.
RESTART_ON_FAILURE='# Not "always": exit 0 after SIGTERM is a clean stop.
Restart=on-failure
RestartSec=3
# Exit status 2 is a configuration error (e.g. a bad BISK_RUNNER_IMPL, or ffmpeg
# missing with BISK_STRICT_BINARIES=1): restarting cannot fix it. Fix the env
# file (bisk config shows the problem), then systemctl start the unit.
RestartPreventExitStatus=2'

unit_header() {
  cat <<EOF
# Written by $PROG; running it again rewrites this file.
# Local changes belong in a drop-in: systemctl edit $1
EOF
}

unit_web() {
  unit_header bisk-web.service
  cat <<EOF
[Unit]
Description=BISK web server: dashboard, operator API and runner heartbeats
# Ordering only: the database may be a local PostgreSQL (SQLite installs have none).
After=network-online.target postgresql.service
Wants=network-online.target

[Service]
Type=simple
# bisk reads $ENV_PATH itself. No EnvironmentFile=: systemd would keep a
# trailing "# comment" in the value. The web server and the runners read the
# heartbeat key from the same file, so they always agree.
ExecStart=$UNIT_BIN --env-file $ENV_PATH serve
$(run_as)
$RESTART_ON_FAILURE
$HARDENING

[Install]
WantedBy=multi-user.target
EOF
}

unit_enforcer() {
  unit_header bisk-enforcer.service
  cat <<EOF
[Unit]
Description=BISK enforcer: one runner per camera/profile during active periods
After=network-online.target postgresql.service bisk-web.service
Wants=network-online.target

[Service]
# bisk run-enforcer sends READY=1 after its first reconciliation and WATCHDOG=1
# every WatchdogSec/2; only the enforcer itself may notify, not its runners.
Type=notify
NotifyAccess=main
# An enforcer that stops sending WATCHDOG=1 for 60 s is hung: systemd kills and
# restarts it (the new one adopts or replaces the runners).
WatchdogSec=60
# bisk reads $ENV_PATH itself (no EnvironmentFile=: systemd would keep a
# trailing "# comment" in the value).
ExecStart=$UNIT_BIN --env-file $ENV_PATH run-enforcer
$(run_as)
$RESTART_ON_FAILURE
# SIGTERM goes to the enforcer only: it stops its runners itself (SIGTERM,
# BISK_STOP_GRACE = 10 s, then SIGKILL) and records why. Whatever is still in
# the cgroup after TimeoutStopSec gets SIGKILL. (The default control-group
# mode would signal the runners behind the enforcer's back.)
KillMode=mixed
# Longer than BISK_STOP_GRACE, so the enforcer finishes its own stops; raise
# both together.
TimeoutStopSec=30
$HARDENING
# Deliberately absent, because they break runners: PrivateDevices= and
# DevicePolicy= (runners may use GPUs: /dev/nvidia*, /dev/dri; the user may
# need the video/render groups: SupplementaryGroups= in a drop-in) and
# MemoryDenyWriteExecute= (FFmpeg and GPU drivers generate code at run time).
# A negative nice for runners needs AmbientCapabilities=CAP_SYS_NICE in a drop-in.

[Install]
WantedBy=multi-user.target
EOF
}

unit_prune_service() {
  unit_header bisk-prune-heartbeats.service
  cat <<EOF
[Unit]
Description=BISK: delete runner heartbeats older than 3 days
After=network-online.target postgresql.service

[Service]
# Started by bisk-prune-heartbeats.timer; systemctl start it to prune now.
Type=oneshot
ExecStart=$UNIT_BIN --env-file $ENV_PATH prune-heartbeats --days 3
$(run_as)
$HARDENING
EOF
}

unit_prune_timer() {
  unit_header bisk-prune-heartbeats.timer
  cat <<EOF
[Unit]
Description=BISK: prune runner heartbeats every hour

[Timer]
OnCalendar=hourly
# A run missed while the machine was off happens at the next boot.
Persistent=true

[Install]
WantedBy=timers.target
EOF
}

UNITS_WRITTEN=0
write_units() {
  local unit before
  for unit in "${UNITS[@]}"; do
    case $unit in
      bisk-web.service) unit_web ;;
      bisk-enforcer.service) unit_enforcer ;;
      bisk-prune-heartbeats.service) unit_prune_service ;;
      bisk-prune-heartbeats.timer) unit_prune_timer ;;
    esac >"$WORK/$unit"
    before=${#CHANGES[@]}
    install_file "$WORK/$unit" "$(target "$UNIT_DIR/$unit")" 0644 root:root "$UNIT_DIR/$unit"
    if ((${#CHANGES[@]} > before)); then UNITS_WRITTEN=1; fi
  done
}

write_tmpfiles() {
  printf '# Written by %s: the runtime directory of BISK (enforcer lock file).\nd %s 0755 %s %s - -\n' \
    "$PROG" "$RUN_DIR" "$SVC_USER" "$SVC_GROUP" >"$WORK/tmpfiles.conf"
  install_file "$WORK/tmpfiles.conf" "$(target "$TMPFILES_PATH")" 0644 root:root "$TMPFILES_PATH"
  if ((ROOT_MODE)); then
    local run
    run=$(target "$RUN_DIR")
    if [[ ! -d $run ]]; then
      mkdir -p -- "$run"
      chmod 0755 -- "$run"
      if can_chown; then chown "$SVC_USER:$SVC_GROUP" -- "$run"; fi
      changed "created directory $RUN_DIR"
    else
      fix_mode_owner "$run" 0755 "$SVC_USER:$SVC_GROUP" "directory $RUN_DIR"
    fi
  else
    local before_state=missing
    if [[ -d $RUN_DIR ]]; then before_state=$(stat -c '%a %U:%G' -- "$RUN_DIR"); fi
    systemd-tmpfiles --create "$TMPFILES_PATH"
    if [[ $(stat -c '%a %U:%G' -- "$RUN_DIR") != "$before_state" ]]; then changed "created $RUN_DIR (systemd-tmpfiles)"; fi
  fi
}

# The directories the services write, from the effective env file values.
service_dirs() {
  local env_file=$1 db media
  printf '%s\n' "$DATA_DIR"
  db=$(env_value "$env_file" BISK_DATABASE_URL "$DEFAULT_DB_URL")
  if [[ $db == sqlite://* ]]; then
    local path=${db#sqlite://}
    path=${path%%\?*}
    if [[ $path == /* ]]; then printf '%s\n' "$(dirname -- "$path")"; fi
  fi
  media=$(env_value "$env_file" BISK_MEDIA_DIR /var/lib/bisk/media)
  printf '%s\n' "$media"
  env_value "$env_file" BISK_SNAPSHOT_DIR "$media/snapshots"
  env_value "$env_file" BISK_LOG_DIR /var/log/bisk
}

# ------------------------------------------------------------------ systemd

systemd_running() { [[ -n $SYSTEMCTL_HOOK ]] || { ((!ROOT_MODE)) && [[ -d /run/systemd/system ]]; }; }

sha_of() { if [[ -f $1 ]]; then sha256sum -- "$1" | cut -d' ' -f1; else printf 'none\n'; fi; }

# The state file records what the running services were last (re)started
# with, so a later run restarts exactly those whose unit, env file or
# executable changed, by this installer or by hand.
state_get() {
  local path
  path=$(target "$STATE_PATH")
  if [[ -f $path ]]; then awk -v k="$1" '$1 == k { print $2; found = 1 } END { exit !found }' "$path"; else return 1; fi
}

write_state() {
  local unit
  {
    printf '# Written by %s: sha256 of what the services were last started with.\n' "$PROG"
    printf 'binary %s\n' "$BIN_SHA"
    printf 'env %s\n' "$(sha_of "$(target "$ENV_PATH")")"
    for unit in "${UNITS[@]}"; do printf '%s %s\n' "$unit" "$(sha_of "$(target "$UNIT_DIR/$unit")")"; done
  } >"$WORK/state"
  local path
  path=$(target "$STATE_PATH")
  if [[ -f $path ]] && cmp -s -- "$WORK/state" "$path"; then return 0; fi
  local tmp
  tmp=$(mktemp "$(dirname -- "$path")/.installed.XXXXXX")
  TEMP_FILES+=("$tmp")
  cat -- "$WORK/state" >"$tmp"
  chmod 0644 -- "$tmp"
  mv -f -- "$tmp" "$path"
}

# Why UNIT needs a restart ("" when it does not).
restart_reasons() {
  local unit=$1 reasons=() old
  if ! old=$(state_get "$unit"); then
    printf 'no record of how it was started'
    return 0
  fi
  if [[ $old != "$(sha_of "$(target "$UNIT_DIR/$unit")")" ]]; then reasons+=("unit changed"); fi
  if [[ $unit == *.service ]]; then
    if [[ $(state_get env || true) != "$(sha_of "$(target "$ENV_PATH")")" ]]; then reasons+=("env file changed"); fi
    if [[ $(state_get binary || true) != "$BIN_SHA" ]]; then reasons+=("bisk executable changed"); fi
  fi
  join_by ', ' "${reasons[@]}"
}

BIN_SHA=
activate_units() {
  local unit reload=0
  BIN_SHA=$(sha_of "$BIN") # once: the executable is large
  if ((UNITS_WRITTEN)); then reload=1; fi
  for unit in "${UNITS[@]}"; do
    if [[ $("$SYSTEMCTL" show -p NeedDaemonReload --value "$unit" 2>/dev/null || true) == yes ]]; then reload=1; fi
  done
  if ((reload)); then
    "$SYSTEMCTL" daemon-reload
    changed "reloaded systemd (units changed)"
  fi
  for unit in bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.timer; do
    if ! "$SYSTEMCTL" is-enabled --quiet "$unit" 2>/dev/null; then
      "$SYSTEMCTL" enable --quiet "$unit"
      changed "enabled $unit"
    fi
  done
  local reasons
  if ((NO_START)); then
    note "--no-start: nothing was started or restarted. Start with: systemctl start bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.timer"
    for unit in bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.timer; do
      if "$SYSTEMCTL" is-active --quiet "$unit"; then
        reasons=$(restart_reasons "$unit")
        if [[ -n $reasons ]]; then note "$unit is running but needs a restart ($reasons): systemctl restart $unit"; fi
      fi
    done
    return 0
  fi
  for unit in bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.timer; do
    if "$SYSTEMCTL" is-active --quiet "$unit"; then
      reasons=$(restart_reasons "$unit")
      if [[ -n $reasons ]]; then
        say "Restarting $unit ($reasons)..."
        "$SYSTEMCTL" restart "$unit" || die "$unit failed to restart; see: systemctl status $unit; journalctl -u $unit -n 50"
        changed "restarted $unit ($reasons)"
      fi
    else
      say "Starting $unit..."
      "$SYSTEMCTL" start "$unit" || die "$unit failed to start; see: systemctl status $unit; journalctl -u $unit -n 50"
      changed "started $unit"
    fi
  done
  write_state
}

# ------------------------------------------------------------------ install

listen_url() {
  local listen=$1 host port
  host=${listen%:*}
  port=${listen##*:}
  case $host in
    0.0.0.0 | '' | '[::]') host=$(hostname -f 2>/dev/null || hostname) ;;
  esac
  printf 'http://%s:%s/\n' "$host" "$port"
}

check_hb_url_matches_listen() {
  local hb_url=$1 listen=$2 hostport hb_host hb_port l_port
  hostport=${hb_url#*://}
  hostport=${hostport%%/*}
  hb_host=${hostport%:*}
  hb_port=${hostport##*:}
  if [[ $hostport != *:* ]]; then
    hb_host=$hostport
    if [[ $hb_url == https:* ]]; then hb_port=443; else hb_port=80; fi
  fi
  l_port=${listen##*:}
  case $hb_host in
    127.0.0.1 | localhost | '[::1]')
      if [[ $hb_port != "$l_port" ]]; then
        warn "BISK_HEARTBEAT_URL ($hb_url) points at port $hb_port of this host, but bisk serve listens on $listen: runners will not reach it (set --hb-url or --listen)"
      fi
      ;;
  esac
}

do_install() {
  BIN=$(target "$APP_PREFIX/bin/bisk")
  UNIT_BIN=$APP_PREFIX/bin/bisk
  if [[ ! -x $BIN ]]; then
    local where=$APP_DIR
    if ((ROOT_MODE)); then where="$APP_DIR under the staging root $ROOT"; fi
    die "the bisk executable was not found at $BIN. --app-dir is the prefix BISK is installed under (now $where). Install BISK first: apt install ./bisk_*.deb (prefix /usr), or from a build: cmake --install build --prefix $APP_DIR; then run this again (or pass --app-dir PREFIX)."
  fi
  local version
  version=$(bisk_clean version 2>&1) || die "$BIN does not run: $version"

  if ((ROOT_MODE)); then
    say "BISK installer: $version, prefix $APP_DIR, user $SVC_USER, group $SVC_GROUP, staging root ${ROOT:-/}"
  else
    say "BISK installer: $version, prefix $APP_DIR, user $SVC_USER, group $SVC_GROUP"
  fi
  if ((VENV_GIVEN)); then note "--venv ignored: BISK is one executable ($UNIT_BIN) and needs no virtualenv."; fi
  if ((SETTINGS_GIVEN)); then note "--settings ignored: BISK has no Django settings module; it is configured by $ENV_PATH."; fi
  if ((HB_KEY_ON_CMDLINE)); then
    note "--hb-key puts the key on the command line, where other users can see it in the process list and your shell history keeps it; --hb-key-file FILE (or - for standard input) avoids that."
  fi
  if [[ -n $HB_KEY_FILE ]]; then
    local line=
    if [[ $HB_KEY_FILE == - ]]; then
      IFS= read -r line || true
    else
      [[ -r $HB_KEY_FILE ]] || die "cannot read --hb-key-file $HB_KEY_FILE"
      IFS= read -r line <"$HB_KEY_FILE" || true
    fi
    line=${line%$'\r'}
    [[ -n $line ]] || die "--hb-key-file $HB_KEY_FILE: the first line is empty (expected the heartbeat key)"
    HB_KEY=$line
    HB_KEY_GIVEN=1
  fi
  # (bisk config warns about the public example key of the old guide.)

  ensure_accounts
  write_env_file

  local env_file dir
  env_file=$(target "$ENV_PATH")
  local -A seen=()
  while IFS= read -r dir; do
    dir=${dir%/}
    if [[ -z $dir || -n ${seen[$dir]:-} ]]; then continue; fi
    seen[$dir]=1
    if [[ $dir != /* ]]; then
      warn "$dir (from $ENV_PATH) is not an absolute path; not created"
      continue
    fi
    ensure_dir "$dir"
  done < <(service_dirs "$env_file")
  write_tmpfiles
  # A bisk command run as root (bisk enforce) may have created the lock file
  # as root; the enforcer, running as the service user, could not open it.
  local lock
  lock=$(env_value "$env_file" BISK_ENFORCER_LOCK_FILE "$RUN_DIR/enforcer.lock")
  if [[ $lock == /* && -f $(target "$lock") ]]; then
    fix_mode_owner "$(target "$lock")" 0644 "$SVC_USER:$SVC_GROUP" "$lock"
  fi
  write_units

  local listen hb_url
  listen=$(env_value "$env_file" BISK_LISTEN "$DEFAULT_LISTEN")
  hb_url=$(env_value "$env_file" BISK_HEARTBEAT_URL "$(env_value "$env_file" BISK_RUNNER_HB_URL "$DEFAULT_HB_URL")")
  check_hb_url_matches_listen "$hb_url" "$listen"

  local admin_hint=1 run_as="sudo -u $SVC_USER"
  if ((ROOT_MODE)) && [[ -n $SYSTEMCTL_HOOK ]]; then
    note "--root: bisk migrate was not run (nothing here touches the target's database). On the target: $run_as $UNIT_BIN migrate"
    activate_units
  elif ((ROOT_MODE)); then
    note "--root: bisk migrate was not run and no service was enabled or started (nothing here touches the target's database or systemd). On the target: $run_as $UNIT_BIN migrate; systemctl enable --now bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.timer"
  else
    say "Migrating the database (as $SVC_USER)..."
    (umask 0027 && runuser -u "$SVC_USER" -g "$SVC_GROUP" -- env -i PATH="$SAFE_PATH" LANG=C.UTF-8 \
      "$BIN" --env-file "$ENV_PATH" migrate) ||
      die "bisk migrate failed (above). Check BISK_DATABASE_URL in $ENV_PATH (is the database up?), then run this again."
    local users
    if users=$(runuser -u "$SVC_USER" -g "$SVC_GROUP" -- env -i PATH="$SAFE_PATH" LANG=C.UTF-8 \
      "$BIN" --env-file "$ENV_PATH" user list 2>/dev/null) && (($(printf '%s\n' "$users" | wc -l) > 1)); then
      admin_hint=0
    fi
    if systemd_running; then
      activate_units
    else
      note "systemd is not running here (a container?): the units are written but not enabled or started. On a systemd host: systemctl enable --now bisk-web.service bisk-enforcer.service bisk-prune-heartbeats.timer. Here, run them by hand as $SVC_USER: $UNIT_BIN --env-file $ENV_PATH serve, and $UNIT_BIN --env-file $ENV_PATH run-enforcer"
    fi
  fi

  say ""
  if ((${#CHANGES[@]} == 0)); then
    say "Nothing changed: everything was already installed as asked."
  else
    say "Changes:"
    local change
    for change in "${CHANGES[@]}"; do say "  - $change"; done
  fi
  say ""
  say "Configuration: $ENV_PATH (bisk config prints it; secrets are masked)"
  say "Dashboard:     $(listen_url "$listen")"
  if ((admin_hint)); then
    say "First operator (if none yet), with the password read without echo:"
    say "  read -rs -p 'Password: ' PW; echo; printf '%s\\n' \"\$PW\" | $run_as $UNIT_BIN user add admin --admin --password-stdin; unset PW"
  fi
  say "Check:         $run_as $UNIT_BIN check"
  say "               systemctl status bisk-enforcer.service"
  say "               journalctl -u bisk-enforcer.service -f"
  say "               pgrep -af 'bisk runner'"
}

# ------------------------------------------------------------------ uninstall

do_uninstall() {
  local unit path removed=0
  # The accounts the units ran as, when they still say.
  path=$(target "$UNIT_DIR/bisk-enforcer.service")
  if ((!ACCOUNTS_GIVEN)); then
    if [[ -f $path ]]; then
      SVC_USER=$(awk -F= '$1 == "User" { value = $2 } END { print value }' "$path")
      SVC_GROUP=$(awk -F= '$1 == "Group" { value = $2 } END { print value }' "$path")
    elif [[ -d $(target "$DATA_DIR") ]]; then
      SVC_USER=$(stat -c '%U' -- "$(target "$DATA_DIR")")
      SVC_GROUP=$(stat -c '%G' -- "$(target "$DATA_DIR")")
    fi
    SVC_USER=${SVC_USER:-bisk}
    SVC_GROUP=${SVC_GROUP:-bisk}
  fi
  if systemd_running; then
    for unit in bisk-prune-heartbeats.timer bisk-prune-heartbeats.service bisk-enforcer.service bisk-web.service; do
      if [[ -n $("$SYSTEMCTL" list-unit-files --no-legend "$unit" 2>/dev/null) ]] || "$SYSTEMCTL" is-active --quiet "$unit"; then
        say "Stopping and disabling $unit..."
        "$SYSTEMCTL" disable --now --quiet "$unit" || warn "could not stop/disable $unit"
      fi
    done
  fi
  for unit in "${UNITS[@]}"; do
    path=$(target "$UNIT_DIR/$unit")
    if [[ -e $path || -L $path ]]; then
      rm -f -- "$path"
      changed "removed $UNIT_DIR/$unit"
      removed=1
    fi
    # Enable links left behind (systemd not running, or --root).
    local link
    for link in "$(target "$UNIT_DIR")"/*.wants/"$unit"; do
      if [[ -L $link ]]; then
        rm -f -- "$link"
        changed "removed ${link#"$ROOT"}"
      fi
    done
  done
  path=$(target "$TMPFILES_PATH")
  if [[ -e $path ]]; then
    rm -f -- "$path"
    changed "removed $TMPFILES_PATH"
  fi
  path=$(target "$STATE_PATH")
  if [[ -e $path ]]; then rm -f -- "$path"; fi
  if systemd_running && ((removed)); then
    "$SYSTEMCTL" daemon-reload
    changed "reloaded systemd"
  fi

  local env_file dirs=() dir
  env_file=$(target "$ENV_PATH")
  if [[ -f $env_file ]]; then
    mapfile -t dirs < <(service_dirs "$env_file")
  else
    dirs=("$DATA_DIR" /var/lib/bisk/media /var/lib/bisk/media/snapshots /var/log/bisk)
  fi
  # Each directory once, and not below one already listed.
  local kept=() other inside
  for dir in "${dirs[@]}"; do
    dir=${dir%/}
    if [[ -z $dir || $dir != /* ]]; then continue; fi
    inside=0
    for other in "${kept[@]}"; do
      if [[ $dir == "$other" || $dir == "$other"/* ]]; then inside=1; fi
    done
    if ((!inside)); then kept+=("$dir"); fi
  done

  if [[ $MODE == purge ]]; then
    local db
    db=$(env_value "$env_file" BISK_DATABASE_URL "$DEFAULT_DB_URL" 2>/dev/null || printf '%s' "$DEFAULT_DB_URL")
    path=$(target /etc/bisk)
    if [[ -e $path ]]; then
      rm -rf -- "$path"
      changed "removed /etc/bisk"
    fi
    for dir in "${kept[@]}" "$RUN_DIR"; do
      path=$(target "$dir")
      [[ -e $path ]] || continue
      if is_system_dir "$dir" && [[ $dir != "$RUN_DIR" ]]; then
        warn "not removing $dir (a system directory)"
        continue
      fi
      # Directories outside the installer's own go only when they are the service's.
      case $dir in
        "$DATA_DIR" | "$DATA_DIR"/* | /var/log/bisk | /var/log/bisk/* | "$RUN_DIR") ;;
        *)
          if [[ $(stat -c '%U' -- "$path") != "$SVC_USER" ]]; then
            warn "not removing $dir: it is not owned by $SVC_USER"
            continue
          fi
          ;;
      esac
      rm -rf -- "$path"
      changed "removed $dir"
    done
    say ""
    if ((${#CHANGES[@]})); then
      say "Purged:"
      local change
      for change in "${CHANGES[@]}"; do say "  - $change"; done
    else
      say "Nothing to purge: BISK's units, configuration and data were already gone."
    fi
    say "Kept: the user $SVC_USER and the group $SVC_GROUP (files elsewhere may still belong to them); to remove them: userdel $SVC_USER; groupdel $SVC_GROUP"
    if [[ $db == postgres* ]]; then say "Kept: the PostgreSQL database (drop it with dropdb if it is no longer needed)."; fi
    return 0
  fi

  say ""
  if ((${#CHANGES[@]})); then
    say "Uninstalled:"
    local change
    for change in "${CHANGES[@]}"; do say "  - $change"; done
  else
    say "Nothing to uninstall: no BISK units were installed."
  fi
  say "Kept (a later install picks them up again):"
  say "  - $ENV_PATH (configuration, heartbeat key and secret key)"
  for dir in "${kept[@]}"; do
    if [[ -e $(target "$dir") ]]; then say "  - $dir"; fi
  done
  say "  - the user $SVC_USER and the group $SVC_GROUP"
  say "To remove the configuration, the data and the logs too: $PROG --purge (the accounts stay: userdel $SVC_USER; groupdel $SVC_GROUP)"
}

# ------------------------------------------------------------------ main

main() {
  parse_flags "$@"
  if ((!ROOT_MODE)) && [[ $EUID -ne 0 ]]; then
    die "run this as root (sudo bash $0 ...): it writes /etc/bisk, systemd units and system accounts. To stage the files without root, use --root DIR."
  fi
  if [[ -n $SYSTEMCTL_HOOK ]]; then
    [[ -f $SYSTEMCTL_HOOK && -x $SYSTEMCTL_HOOK ]] || die "BISK_INSTALL_SYSTEMCTL=$SYSTEMCTL_HOOK is not an executable file (it is a test hook; unset it to use systemctl)"
    SYSTEMCTL=$SYSTEMCTL_HOOK
    note "BISK_INSTALL_SYSTEMCTL (test hook): $SYSTEMCTL replaces systemctl, and systemd counts as running"
  fi
  if ((ROOT_MODE)); then mkdir -p -- "${ROOT:-/}"; fi
  WORK=$(mktemp -d)
  case $MODE in
    install) do_install ;;
    uninstall | purge) do_uninstall ;;
  esac
}

main "$@"
