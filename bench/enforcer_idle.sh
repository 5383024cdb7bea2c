#!/usr/bin/env bash
# enforcer_idle.sh -- the real `bisk run-enforcer` (release build) supervising 200 runners at rest:
# CPU (percent of one core) and RSS, then a clean SIGTERM shutdown. Issue target: idle CPU < 0.5 %.
#
# The SQLite database is the one enforcer_bench.cc measures (enforcer_bench --populate-only): 1,000
# cameras, 200 (camera, profile) pairs desired now. The runner program is a shell script that execs
# `sleep 3600`; heartbeats go nowhere and BISK_RUNNER_SILENT_AFTER=3600 keeps every runner alive.
# Steps: start run-enforcer (default interval, 15 s); wait until 200 runners run (rows live in the
# database and 200 `sleep` children); wait SETTLE seconds; measure utime+stime of the enforcer
# (/proc/PID/stat) over DURATION seconds -> percent of one core, and its VmRSS / VmHWM; SIGTERM it,
# check it exits 0 within 30 s with no runner process and no live row left. Prints a Markdown row.
# Env: DURATION (s, default 60), SETTLE (s, default 5), BUILD_DIR (default build-bench),
#      NO_BUILD=1 to use BUILD_DIR as it is, KEEP_LOG=FILE to keep the enforcer's output.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$root/${BUILD_DIR:-build-bench}
duration=${DURATION:-60}
settle=${SETTLE:-5}
runners=200

if [ -z "${NO_BUILD:-}" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBISK_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j "$(nproc)" --target bisk enforcer_bench >/dev/null
fi
bisk=$build/src/bisk

work=$(mktemp -d /tmp/bisk-enforcer-idle.XXXXXX)
db=$work/bisk.db
enforcer_pid=""

# Process groups of this run's runners still alive (pgid = the runner's pid, from its rows).
leftover_groups() {
  local pid
  [ -f "$db" ] || return 0
  for pid in $(sqlite3 "$db" "SELECT pid FROM running_processes WHERE node = 'bench'" 2>/dev/null); do
    if pgrep -g "$pid" -x sleep >/dev/null 2>&1; then echo "$pid"; fi
  done
}
cleanup() {
  local pgid
  if [ -n "$enforcer_pid" ] && kill -0 "$enforcer_pid" 2>/dev/null; then
    kill -TERM "$enforcer_pid" 2>/dev/null || true
    wait_gone "$enforcer_pid" 30 || kill -KILL "$enforcer_pid" 2>/dev/null || true
  fi
  for pgid in $(leftover_groups); do kill -KILL -- "-$pgid" 2>/dev/null || true; done
  if [ -n "${KEEP_LOG:-}" ]; then cp "$work/enforcer.log" "$KEEP_LOG" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits up to $2 seconds for pid $1 to end (50 ms resolution); false when it did not.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.05
  done
  return 1
}

fail() {
  echo "enforcer_idle: $*" >&2
  echo "--- last lines of the enforcer's output:" >&2
  tail -n 20 "$work/enforcer.log" >&2 || true
  exit 1
}

printf '#!/bin/sh\nexec sleep 3600\n' >"$work/runner.sh"
chmod 755 "$work/runner.sh"
: >"$work/empty.env"
timeout 120 "$build/bench/enforcer_bench" --populate-only "$db"

# Only the settings given here (the caller's BISK_* never leak in).
env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work" BISK_ENV_FILE="$work/empty.env" \
  BISK_DATABASE_URL="sqlite:///$db" BISK_HEARTBEAT_KEY=bench-heartbeat-key-0123456789abcdef \
  BISK_HEARTBEAT_URL=http://127.0.0.1:9/api/runner/heartbeat/ BISK_RUNNER_SILENT_AFTER=3600 \
  BISK_RUNNER_PROGRAM="$work/runner.sh" BISK_LOG_DIR="$work/logs" BISK_SNAPSHOT_DIR="$work/snapshots" \
  BISK_MEDIA_DIR="$work/media" BISK_ENFORCER_LOCK_FILE="$work/enforcer.lock" BISK_NODE=bench \
  BISK_TIME_ZONE=UTC BISK_SPAWN_RATE=100 BISK_STRICT_BINARIES=0 \
  "$bisk" run-enforcer >"$work/enforcer.log" 2>&1 &
enforcer_pid=$!

live_rows() { sqlite3 "$db" "SELECT count(*) FROM running_processes WHERE node = 'bench' AND ended_at IS NULL"; }
sleeping_children() { pgrep -P "$enforcer_pid" -x sleep -c || true; }

start=$(date +%s%N)
while :; do
  kill -0 "$enforcer_pid" 2>/dev/null || fail "bisk run-enforcer exited during start-up"
  rows=$(live_rows 2>/dev/null || echo 0)
  children=$(sleeping_children)
  [ "$rows" = "$runners" ] && [ "$children" = "$runners" ] && break
  [ $(($(date +%s%N) - start)) -lt 60000000000 ] || fail "after 60 s: $rows live rows, $children sleep children (want $runners)"
  sleep 0.2
done
start_ms=$((($(date +%s%N) - start) / 1000000))
sleep "$settle"

ticks() { awk '{print $14 + $15}' "/proc/$enforcer_pid/stat"; }
status_kib() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$enforcer_pid/status"; }
hz=$(getconf CLK_TCK)
t0=$(date +%s%N)
c0=$(ticks)
sleep "$duration"
c1=$(ticks)
t1=$(date +%s%N)
rss=$(status_kib VmRSS)
hwm=$(status_kib VmHWM)
children=$(sleeping_children)
[ "$children" = "$runners" ] || fail "$children of $runners runners left while idle"
tick_ms=$(sqlite3 "$db" "SELECT printf('%.1f', last_tick_ms) FROM enforcer_states WHERE node = 'bench'")
cpu=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) 'BEGIN{printf "%.3f", 100 * c / hz / (ns / 1e9)}')
cpu_ms=$(awk -v c=$((c1 - c0)) -v hz="$hz" 'BEGIN{printf "%.0f", 1000 * c / hz}')

stop_start=$(date +%s%N)
kill -TERM "$enforcer_pid"
code=0
wait_gone "$enforcer_pid" 30 || fail "bisk run-enforcer still running 30 s after SIGTERM"
wait "$enforcer_pid" || code=$?
enforcer_pid=""
stop_ms=$((($(date +%s%N) - stop_start) / 1000000))
left=$(leftover_groups | wc -l)
rows=$(live_rows)

verdict=$(awk -v p="$cpu" 'BEGIN{print (p < 0.5) ? "< 0.5 %: met" : "< 0.5 %: MISSED"}')
echo "| enforcer | runners | CPU % of a core (${duration} s idle) | CPU ms | target | RSS MiB | peak RSS MiB | last tick ms | start-up | SIGTERM → exit |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '| bisk run-enforcer, SQLite, interval 15 s | %d | %s | %s | %s | %.1f | %.1f | %s | %.1f s | exit %d in %.1f s, %d runner(s) left, %d live row(s) |\n' \
  "$runners" "$cpu" "$cpu_ms" "$verdict" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" \
  "$(awk -v k="$hwm" 'BEGIN{print k/1024}')" "$tick_ms" "$(awk -v m="$start_ms" 'BEGIN{print m/1000}')" \
  "$code" "$(awk -v m="$stop_ms" 'BEGIN{print m/1000}')" "$left" "$rows"
[ "$code" -eq 0 ] && [ "$left" -eq 0 ] && [ "$rows" -eq 0 ] || fail "unclean shutdown: exit $code, $left runner group(s) left, $rows live row(s)"
