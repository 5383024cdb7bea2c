#!/usr/bin/env bash
# heartbeat_bench.sh -- POST /api/runner/heartbeat/ of `bisk serve` (SQLite and PostgreSQL) against
# the Django anchor of the original design (shared/anchors/django-heartbeat), in one run, with the
# anchor's own load tool (load.sh: wrk -t2 -c10 -d15s --latency, CPU of the server pids from
# /proc/PID/stat) and one wrk script for both (bench/heartbeat.lua, the anchor's payload).
#
# Per bisk backend: a fresh database seeded like the anchor (cameras 1..20, profiles 1..2, one live
# runner row per pair with pid 30000 + 10*camera + profile), then
#   - closed loop, 10 connections: req/s, p50, p99, server CPU ms per heartbeat;
#   - 1,000 req/s offered: p99. wrk has no rate mode and Debian has no wrk2, so heartbeat.lua's
#     delay() gives each request the next slot of a fixed schedule per wrk thread (rate/threads
#     per second, from a monotonic clock; a late request goes at once). Latency is measured from
#     the send, as wrk does (no coordinated-omission correction); the achieved rate is printed;
#   - peak RSS (VmHWM) of the server after both runs.
# Then the anchor exactly as its README says: setup.sh, run.sh, load.sh 10 2 15, stop.sh; and the
# tuned variant (BISK_SQLITE_WAL=1 BISK_CONN_MAX_AGE=60). Prints a Markdown table.
# Env: DURATION (s, default 15), ANCHOR_DIR (default ../shared/anchors/django-heartbeat beside the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
anchor=${ANCHOR_DIR:-$root/../shared/anchors/django-heartbeat}
duration=${DURATION:-15}
lua=$root/bench/heartbeat.lua
# One random key for both servers and heartbeat.lua (the anchor reads it from the environment too).
export BISK_HEARTBEAT_KEY=${BISK_HEARTBEAT_KEY:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBISK_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target bisk >/dev/null
bisk=$root/build-bench/src/bisk

work=$(mktemp -d /tmp/bisk-hb-bench.XXXXXX)
pg_dir=$(mktemp -d /tmp/bisk-hb-bench-pg.XXXXXX)  # its own: the server runs as user postgres
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; fi
  scripts/pg_cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
pg_url=$(scripts/pg_cluster.sh start "$pg_dir")
: >"$work/empty.env"

port=18080
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && [ "$port" -lt 18180 ]; do port=$((port + 1)); done
url=http://127.0.0.1:$port/api/runner/heartbeat/

# bisk with only the settings given here (the caller's BISK_* never leak in).
bisk_env=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work" BISK_ENV_FILE="$work/empty.env"
  BISK_HEARTBEAT_KEY="$BISK_HEARTBEAT_KEY" BISK_TIME_ZONE=UTC BISK_MEDIA_DIR="$work/media" BISK_NODE=bench
  BISK_LISTEN="127.0.0.1:$port")
run_bisk() {
  local database_url=$1; shift
  "${bisk_env[@]}" BISK_DATABASE_URL="$database_url" "$bisk" "$@"
}

# The anchor's seed: 2 profiles, 20 cameras, a live runner row per pair.
seed() {
  local database_url=$1 sql_client=$2
  run_bisk "$database_url" migrate >/dev/null
  run_bisk "$database_url" profile add --name lunch-6fps --fps 6 --snapshot_every 3 >/dev/null
  run_bisk "$database_url" profile add --name attendance-2fps --fps 2 >/dev/null
  for c in $(seq 1 20); do
    run_bisk "$database_url" camera add --name "cam$c" --url "rtsp://bench.invalid/$c" >/dev/null
  done
  local now_ms rows=""
  now_ms=$(($(date +%s) * 1000))
  for c in $(seq 1 20); do
    for p in 1 2; do
      rows+="${rows:+,}($c,$p,'bench',$((30000 + 10 * c + p)),0,'ffmpeg_all','bisk runner','bench','running',$now_ms)"
    done
  done
  $sql_client "INSERT INTO running_processes (camera_id, profile_id, node, pid, process_start_time, impl,
    argv_masked, spec_hash, lifecycle, started_at) VALUES $rows"
}

field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | head -n 1; }
kib_to_mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
vm_hwm_kib() { local s=0 p; for p in "$@"; do s=$((s + $(awk '/^VmHWM:/{print $2}' "/proc/$p/status"))); done; echo $s; }

# load LABEL RATE [URL PIDS]: one load.sh run (against the anchor unless URL and PIDS are given);
# sets result and cpu, its RESULT and CPU lines.
load() {
  local label=$1 rate=$2
  local -a vars=(BISK_BENCH_RATE="$rate" BISK_BENCH_THREADS=2 SCRIPT="$lua")
  if [ $# -ge 4 ]; then vars+=(URL="$3" SERVER_PIDS="$4"); fi
  local out
  out=$(cd "$anchor" && env "${vars[@]}" ./load.sh 10 2 "$duration" "$label")
  result=$(grep '^RESULT ' <<<"$out")
  cpu=$(grep '^CPU ' <<<"$out")
}

declare -A rps p50 p99 p99_rate rate_rps rate_cpu_ms cpu_ms rss errors
record() {  # record KEY: from the last load()
  rps[$1]=$(field rps "$result"); p50[$1]=$(field p50_ms "$result"); p99[$1]=$(field p99_ms "$result")
  cpu_ms[$1]=$(field server_cpu_ms_per_req "$cpu")
  errors[$1]=$(( $(field err_connect "$result") + $(field err_read "$result") + $(field err_write "$result") +
                 $(field err_status "$result") + $(field err_timeout "$result") ))
}

bench_bisk() {
  local name=$1 database_url=$2 sql_client=$3
  seed "$database_url" "$sql_client"
  # A simple command in the background: env and then bisk exec in place, so $! is the server.
  "${bisk_env[@]}" BISK_DATABASE_URL="$database_url" "$bisk" serve >"$work/serve-$name.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)" = 405 ] && break
    sleep 0.1
  done
  load "bisk-$name-c10" "" "$url" "$server_pid"; record "bisk-$name"
  load "bisk-$name-r1000" 1000 "$url" "$server_pid"
  p99_rate[bisk-$name]=$(field p99_ms "$result"); rate_rps[bisk-$name]=$(field rps "$result")
  rate_cpu_ms[bisk-$name]=$(field server_cpu_ms_per_req "$cpu")
  errors[bisk-$name]=$(( ${errors[bisk-$name]} + $(field err_status "$result") + $(field err_timeout "$result") ))
  rss[bisk-$name]=$(kib_to_mib "$(vm_hwm_kib "$server_pid")")
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
}

sqlite_client() { sqlite3 -cmd '.timeout 5000' "$work/bench.db" "$1"; }
pg_client() { psql -q -v ON_ERROR_STOP=1 "$pg_url" -c "$1" >/dev/null; }
bench_bisk sqlite "sqlite://$work/bench.db" sqlite_client
bench_bisk postgres "$pg_url" pg_client

# The anchor, as its README says; RSS = peak of the gunicorn master and its workers.
anchor_var=${BISK_ANCHOR_VAR:-${BISK_ANCHORS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bisk-anchors}/django-heartbeat}
bench_anchor() {
  local name=$1; shift
  (cd "$anchor" && ./setup.sh >/dev/null && env "$@" ./run.sh >/dev/null)
  local master pids
  master=$(cat "$anchor_var/gunicorn.pid"); pids="$master $(pgrep -P "$master" | tr '\n' ' ')"
  load "$name-c10" ""; record "$name"
  rss[$name]=$(kib_to_mib "$(vm_hwm_kib $pids)")
  (cd "$anchor" && ./stop.sh >/dev/null)
}
bench_anchor django
bench_anchor django-tuned BISK_SQLITE_WAL=1 BISK_CONN_MAX_AGE=60

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1f×", a/b; else print "-" }'; }
echo "| server | req/s | p50 ms | p99 ms | p99 ms at ~1,000/s (achieved) | CPU ms/heartbeat | CPU ms/heartbeat at ~1,000/s | peak RSS MiB | errors | req/s vs anchor / tuned | CPU vs anchor / tuned |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for k in bisk-sqlite bisk-postgres django django-tuned; do
  at_rate="-"; [ -n "${p99_rate[$k]:-}" ] && at_rate="${p99_rate[$k]} (${rate_rps[$k]}/s)"
  echo "| $k | ${rps[$k]} | ${p50[$k]} | ${p99[$k]} | $at_rate | ${cpu_ms[$k]} | ${rate_cpu_ms[$k]:--} | ${rss[$k]} | ${errors[$k]} |" \
       "$(ratio "${rps[$k]}" "${rps[django]}") / $(ratio "${rps[$k]}" "${rps[django-tuned]}") |" \
       "$(ratio "${cpu_ms[django]}" "${cpu_ms[$k]}") / $(ratio "${cpu_ms[django-tuned]}" "${cpu_ms[$k]}") |"
done
echo
echo "wrk -t2 -c10 -d${duration}s --latency, keep-alive, 40 pairs, bench/heartbeat.lua for every server; CPU from"
echo "/proc/PID/stat (load.sh). bisk serve: Release build, access log to a file; anchor: 2 gunicorn sync workers."
