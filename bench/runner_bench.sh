#!/usr/bin/env bash
# runner_bench.sh -- `bisk runner` (Release build) on the anchor's test video (input720.mp4: H.264
# 1280×720, 25 fps, one face, Grace Hopper) processed at 5 fps, side by side in one run with the
# original runner design rebuilt in shared/anchors/py-runner. One `bisk serve` (SQLite, temp dir,
# 127.0.0.1, a free port) takes the heartbeats and events; Grace is enrolled with `bisk enroll`
# from the photo the video was made of, so the runners really match her. Five benchmarks:
#
# 1. CPU per camera, with the anchor's own measure.sh (its quiet-machine wait and re-runs, each case
#    alone under /usr/bin/time -v, cores = CPU s / wall s, children included). Every round runs
#    `CASES="a c x"` with X_CMD = bisk runner --impl ffmpeg_all, then `CASES=x` with --impl
#    ffmpeg_one, so bare decode (a: ffmpeg -re -i input -f null -), the original design (c) and
#    both flavours are measured back to back. X_CMD is a wrapper that writes its pid and execs the
#    runner (same pid), so a sampler can give it a running_processes row (heartbeats are stored
#    for the pair's current runner only) and read its heartbeats (processed_fps) and VmHWM.
#    Targets: ≤ 0.26 cores, ≥ 3× less than c, ≤ 1.05 × (a + model cost from 2).
# 2. recognition_bench (bench/recognition_bench.cc): FacePipeline + match() against 1,000
#    students × 3 templates on the decoded frames: every face of every frame (one OpenCV thread, and
#    the default) and as the runner does it (one thread, FaceTracker); per-stage p50/p99, CPU ms per
#    frame, model cost in cores at 5 fps, RSS.
# 3. Cameras per machine: N runners at once (cameras 1..N, one serve), N = 1, 2, ... until a
#    runner's mean processed_fps (heartbeats after SWEEP_WARMUP s, over SWEEP_WINDOW s, read from
#    running_processes) falls below 4.75 (95 % of 5), or N = MAX_CAMERAS. CPU of the runners and
#    their ffmpeg children from /proc/PID/stat over the window. Target ≥ 7 (original design: 2).
# 4. RSS per runner: peak VmHWM of the runner and of its ffmpeg child (ffmpeg_all) during the
#    case-x runs of 1 (sampled every second), and their sum; /usr/bin/time's max RSS beside it.
#    Target ≤ 150 MB.
# 5. Frame-to-event latency: one runner for LATENCY_DURATION s; attendance_events is polled every
#    0.1 s (it has no creation-time column), latency = first seen − the event's ts_at (the time
#    of the window's best sighting). By design it includes the rest of the 10 s cooldown window
#    (the best sighting of a window is posted when the window ends), then the reporter thread's
#    hand-off and the POST /api/runner/events.
#
# Run: bench/runner_bench.sh (about 15 min on a quiet 2-core machine; measure.sh waits up to 300 s
# per case for a quiet machine, so other load makes it longer). QUICK=1: a short validation run
# (1 round × 12 s, N ≤ 3, shorter windows, 1 try per case). Env knobs (defaults in brackets):
#   ROUNDS [3] and DURATION [30 s] for measure.sh (not SECONDS: bash's own clock);
#   MAX_CAMERAS [16], SWEEP_IMPL [ffmpeg_all], SWEEP_WARMUP [15 s], SWEEP_WINDOW [25 s];
#   LATENCY_DURATION [60 s], LATENCY_IMPL [ffmpeg_all]; HB_INTERVAL [5 s, every runner];
#   ITERATIONS [300] frames per recognition_bench pass; TRIES/OTHER_MAX go to measure.sh;
#   SKIP="anchor recognition sweep latency" skips parts; NO_BUILD=1 uses build-bench as it is;
#   KEEP_WORK=1 keeps the temp dir (database, runner and measure.sh logs);
#   ANCHOR_DIR [../shared/anchors/py-runner], MODEL_DIR [$BISK_ASSETS_DIR or
#   ~/.cache/bisk-assets, /models], INPUT [the anchor's <cache>/input720.mp4, made by its setup.sh
#   from the same photo when missing].
# Prints one Markdown table per benchmark. The heartbeat key is random, lives in a mode-600 env
# file, and is never printed (X_CMD, which measure.sh prints, does not contain it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
anchor=${ANCHOR_DIR:-$root/../shared/anchors/py-runner}
assets=${BISK_ASSETS_DIR:-$HOME/.cache/bisk-assets}
model_dir=${MODEL_DIR:-$assets/models}
photo=$assets/media/grace_hopper_512x512.jpg
anchor_cache=${BISK_ANCHORS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bisk-anchors}
input=${INPUT:-$anchor_cache/input720.mp4}
if [ "${QUICK:-0}" = 1 ]; then
  rounds=${ROUNDS:-1} duration=${DURATION:-12} max_cameras=${MAX_CAMERAS:-3}
  sweep_warmup=${SWEEP_WARMUP:-8} sweep_window=${SWEEP_WINDOW:-12} latency_duration=${LATENCY_DURATION:-25}
  iterations=${ITERATIONS:-60} tries=${TRIES:-1}
else
  rounds=${ROUNDS:-3} duration=${DURATION:-30} max_cameras=${MAX_CAMERAS:-16}
  sweep_warmup=${SWEEP_WARMUP:-15} sweep_window=${SWEEP_WINDOW:-25} latency_duration=${LATENCY_DURATION:-60}
  iterations=${ITERATIONS:-300} tries=${TRIES:-4}
fi
other_max=${OTHER_MAX:-0.25}
sweep_impl=${SWEEP_IMPL:-ffmpeg_all}
latency_impl=${LATENCY_IMPL:-ffmpeg_all}
hb_interval=${HB_INTERVAL:-5}
skip=" ${SKIP:-} "
fps=5
target_fps_min=4.75
clk_tck=$(getconf CLK_TCK)

if [ -z "${NO_BUILD:-}" ]; then
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBISK_BUILD_TESTS=OFF >/dev/null
  cmake --build build-bench -j "$(nproc)" --target bisk recognition_bench >/dev/null
fi
bisk=$root/build-bench/src/bisk
for f in fr_detect.onnx fr_feature.onnx fr_landmark.onnx; do
  [ -f "$model_dir/$f" ] || { echo "missing $model_dir/$f (scripts/fetch_assets.sh)" >&2; exit 1; }
done
[ -f "$photo" ] || { echo "missing $photo (scripts/fetch_assets.sh)" >&2; exit 1; }
if [ ! -f "$input" ]; then  # the anchor's video, byte-identical when made from the same photo
  (cd "$anchor" && MODEL_DIR=$model_dir FACE_IMAGE=$photo INPUT=$input ./setup.sh >&2)
fi

work=$(mktemp -d /tmp/bisk-runner-bench.XXXXXX)
db=$work/bench.db
server_pid=""
sampler_pid=""
measure_pid=""
runner_pids=()
cleanup() {
  local p
  if [ -n "$sampler_pid" ]; then kill "$sampler_pid" 2>/dev/null || true; fi
  # measure.sh's current case ends by itself (ffmpeg -t, --duration, timeout).
  if [ -n "$measure_pid" ]; then kill "$measure_pid" 2>/dev/null || true; fi
  for p in "${runner_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${runner_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "runner_bench: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
log() { echo "runner_bench: $*" >&2; }

# ---------------------------------------------------------------- server and seed
umask 077
printf 'BISK_HEARTBEAT_KEY=%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$work/bisk.env"
umask 022
port=18200
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && [ "$port" -lt 18300 ]; do port=$((port + 1)); done
hb_url=http://127.0.0.1:$port/api/runner/heartbeat/
# bisk with only the settings given here (the caller's BISK_* never leak in); the key comes from the env file.
bisk_env=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work" BISK_ENV_FILE="$work/bisk.env" BISK_TIME_ZONE=UTC
  BISK_MEDIA_DIR="$work/media" BISK_NODE=bench BISK_LISTEN="127.0.0.1:$port" BISK_MODEL_DIR="$model_dir"
  BISK_DATABASE_URL="sqlite://$db" BISK_LOG_DIR="$work/log" BISK_FFMPEG_BIN=/usr/bin/ffmpeg)
run_bisk() { "${bisk_env[@]}" "$bisk" "$@"; }
sql() { sqlite3 -cmd '.timeout 5000' "$db" "$1"; }

run_bisk migrate >/dev/null
run_bisk profile add --name bench-5fps --fps "$fps" >/dev/null
for c in $(seq 1 "$max_cameras"); do run_bisk camera add --name "cam$c" --url "rtsp://bench.invalid/$c" >/dev/null; done
run_bisk student add --code GRACE --first_name Grace --last_name Hopper >/dev/null
run_bisk enroll --student GRACE "$photo" >/dev/null
"${bisk_env[@]}" "$bisk" serve >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$hb_url" || true)" = 405 ] && break
  sleep 0.1
done

# runner_args IMPL CAMERA: the SPEC §5 argv (the URL comes from BISK_RTSP_URL).
runner_args() {
  echo runner --impl "$1" --camera "$2" --profile 1 --fps "$fps" --det_set auto --hb "$hb_url" \
    --hb_interval "$hb_interval" --snapshots "$work/snaps" --snapshot_every 30
}
# A running_processes row for a runner, as the enforcer would write it: its heartbeats are then stored.
add_runner_row() {  # CAMERA PID IMPL
  local start_time
  start_time=$(awk '{sub(/.*\) /, ""); print $20}' "/proc/$2/stat" 2>/dev/null || true)
  start_time=${start_time:-0}
  sql "INSERT INTO running_processes (camera_id, profile_id, node, pid, process_start_time, impl, argv_masked,
    spec_hash, lifecycle, started_at) VALUES ($1, 1, 'bench', $2, $start_time, '$3', 'bisk runner', 'bench',
    'running', $(date +%s%3N))"
}
now_ms() { date +%s%3N; }
hwm_kib() { local v; v=$(awk '/^VmHWM:/{print $2}' "/proc/$1/status" 2>/dev/null || true); echo "${v:-0}"; }
# Proportional set size now (shared library pages divided among the processes that map them).
pss_kib() { local v; v=$(awk '/^Pss:/{print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || true); echo "${v:-0}"; }
# utime+stime (clock ticks) of a process and of its live children (an ffmpeg_all runner's ffmpeg).
tree_ticks() {
  local p t=0 v
  for p in "$1" $(pgrep -P "$1" || true); do
    v=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null || true)
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
# Heartbeat samples of some pids: "pid last_heartbeat_at processed_fps dropped_frames detected matched".
heartbeats() {
  sql "SELECT pid, last_heartbeat_at, processed_fps, dropped_frames, detected, matched FROM running_processes
       WHERE pid IN ($(tr ' ' ',' <<<"$*")) AND last_heartbeat_at IS NOT NULL AND processed_fps IS NOT NULL" |
    tr '|' ' '
}
fmt() { awk -v x="$1" -v d="${2:-3}" 'BEGIN{ if (x == "" || x == "-") print "-"; else printf "%.*f", d, x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a != "" && b != "" && a != "-" && b != "-" && b > 0) printf "%.2f×", a/b; else print "-" }'; }

# ---------------------------------------------------------------- 2. recognition cost
model_cores_1="" model_cores_every="" model_cores_default=""
if [[ $skip != *" recognition "* ]]; then
  log "recognition_bench ($iterations frames per pass)"
  "$root/build-bench/bench/recognition_bench" --model_dir "$model_dir" --input "$input" --photo "$photo" \
    --iterations "$iterations" >"$work/recognition.txt"
  # The model cost as the runner pays it: one OpenCV thread, the tracker choosing the faces to embed.
  model_cores_1=$(sed -n 's/^RESULT threads=1 mode=tracked .*model_cores=\([0-9.]*\).*/\1/p' "$work/recognition.txt")
  model_cores_every=$(sed -n 's/^RESULT threads=1 mode=every_frame .*model_cores=\([0-9.]*\).*/\1/p' "$work/recognition.txt")
  model_cores_default=$(sed -n 's/^RESULT threads=default .*model_cores=\([0-9.]*\).*/\1/p' "$work/recognition.txt")
fi

# ---------------------------------------------------------------- 1 and 4. measure.sh: a, c, x (both flavours)
# measure.sh's case x: sh -c "exec $X_CMD" -> this wrapper (pid file) -> env -> bisk runner, one pid.
cat >"$work/x-runner.sh" <<EOF
#!/bin/sh
echo \$\$ >"$work/x.pid"
exec $(printf '%q ' "${bisk_env[@]}") BISK_RTSP_URL="\$INPUT" "$bisk" \$(cat "$work/x-args-\$1")
EOF
chmod +x "$work/x-runner.sh"
runner_args ffmpeg_all 1 >"$work/x-args-ffmpeg_all"
runner_args ffmpeg_one 2 >"$work/x-args-ffmpeg_one"

# In the background during a measure.sh call: gives each new case-x runner its row, and every second
# records its heartbeats (x-LABEL.hb) and the VmHWM of it and its children (x-LABEL.rss).
x_sampler() {
  local label=$1 pid="" start=0 seen="" p child rk ck pss
  local deadline=$(($(date +%s) + 5 * tries * (duration + 330)))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ -f "$work/x.pid" ]; then
      p=$(cat "$work/x.pid")
      if [ -n "$p" ] && [ "$p" != "$pid" ] && [ -d "/proc/$p" ]; then
        pid=$p start=$(now_ms)
        add_runner_row "$(sed -n 's/.*--camera \([0-9]*\).*/\1/p' "$work/x-args-$label")" "$pid" "$label"
        echo "$pid $start" >>"$work/x-$label.pids"
      fi
    fi
    if [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
      rk=$(hwm_kib "$pid") ck=0 pss=$(pss_kib "$pid")
      for child in $(pgrep -P "$pid" || true); do
        ck=$((ck + $(hwm_kib "$child"))) pss=$((pss + $(pss_kib "$child")))
      done
      echo "$pid $rk $ck $pss" >>"$work/x-$label.rss"
    fi
    if [ -n "$pid" ]; then
      seen=$(heartbeats "$pid")
      [ -n "$seen" ] && echo "$seen" >>"$work/x-$label.hb"
    fi
    sleep 1
  done
}
measure() {  # LABEL CASES: one measure.sh round; appends its TSV rows (case x renamed LABEL) to measure.tsv
  local label=$1 cases=$2 out tsv
  rm -f "$work/x.pid"
  x_sampler "$label" &
  sampler_pid=$!
  (cd "$anchor" && exec env MODEL_DIR="$model_dir" INPUT="$input" TRIES="$tries" OTHER_MAX="$other_max" \
    CASES="$cases" X_CMD="$work/x-runner.sh $label" ./measure.sh 1 "$duration") >"$work/measure-out.txt" 2>&1 &
  measure_pid=$!
  wait "$measure_pid" || true
  measure_pid=""
  out=$(cat "$work/measure-out.txt")
  sleep 2  # the final heartbeat
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  echo "$out" >>"$work/measure.log"
  tsv=$(sed -n 's/^TSV: //p' <<<"$out")
  if [ -z "$tsv" ] || [ ! -f "$tsv" ]; then log "measure.sh failed:"; echo "$out" >&2; exit 1; fi
  awk -F'\t' -v l="$label" -v OFS='\t' '!/^#/ && $1 != "round" { if ($2 == "x") $2 = l; print }' "$tsv" |
    tee -a "$work/measure.tsv" | cut -f2,3,8,12,15,17,18 | sed 's/^/  case try cores pfps maxrss other clean: /' >&2
}
if [[ $skip != *" anchor "* ]]; then
  for r in $(seq 1 "$rounds"); do
    log "measure.sh round $r/$rounds: a c x=ffmpeg_all, then x=ffmpeg_one (${duration} s each, after a quiet wait)"
    measure ffmpeg_all "a c x"
    measure ffmpeg_one "x"
  done
fi

# ---------------------------------------------------------------- 3. cameras per machine
declare -A sweep_row
sweep_ran=0 sustained=0
start_runners() {  # N IMPL
  local c
  runner_pids=()
  for c in $(seq 1 "$1"); do
    # shellcheck disable=SC2046  # runner_args words
    "${bisk_env[@]}" BISK_RTSP_URL="$input" "$bisk" $(runner_args "$2" "$c") >"$work/runner-$2-$1-$c.log" 2>&1 &
    runner_pids+=($!)
    add_runner_row "$c" "$!" "$2"
  done
}
stop_runners() {
  local p
  for p in "${runner_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${runner_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  runner_pids=()
}
if [[ $skip != *" sweep "* ]]; then
  sweep_ran=1
  for n in $(seq 1 "$max_cameras"); do
    log "sweep: $n × $sweep_impl (${sweep_warmup} s warm-up, ${sweep_window} s window)"
    start_runners "$n" "$sweep_impl"
    sleep "$sweep_warmup"
    t0=$(now_ms); read -r b0 j0 < <(busy_jiffies)
    ticks0=0; for p in "${runner_pids[@]}"; do ticks0=$((ticks0 + $(tree_ticks "$p"))); done
    server0=$(tree_ticks "$server_pid")
    : >"$work/sweep.hb"
    end=$(($(date +%s) + sweep_window))
    while [ "$(date +%s)" -lt "$end" ]; do heartbeats "${runner_pids[@]}" >>"$work/sweep.hb"; sleep 1; done
    ticks1=0; for p in "${runner_pids[@]}"; do ticks1=$((ticks1 + $(tree_ticks "$p"))); done
    server1=$(tree_ticks "$server_pid")
    t1=$(now_ms); read -r b1 j1 < <(busy_jiffies)
    stop_runners
    # Per runner: the mean and min of its heartbeats' processed_fps in the window, dropped frames in it.
    stats=$(sort -u "$work/sweep.hb" | awk -v t0="$t0" -v n="$n" '
      $2 >= t0 { k[$1]++; s[$1] += $3; if (!($1 in mn) || $3 < mn[$1]) mn[$1] = $3
                 if (!($1 in d0)) d0[$1] = $4; d1[$1] = $4 }
      END { worst = ""; low = ""; drop = 0; runners = 0
            for (p in k) { runners++; m = s[p] / k[p]; if (worst == "" || m < worst) worst = m
                           if (low == "" || mn[p] < low) low = mn[p]; drop += d1[p] - d0[p] }
            if (runners < n) worst = 0
            printf "%s %s %d %d\n", (worst == "" ? 0 : worst), (low == "" ? 0 : low), drop, runners }')
    read -r worst low dropped reporting <<<"$stats"
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b - a) / 1000}')
    cores=$(awk -v t="$((ticks1 - ticks0))" -v h="$clk_tck" -v s="$secs" 'BEGIN{printf "%.3f", t / h / s}')
    server_cores=$(awk -v t="$((server1 - server0))" -v h="$clk_tck" -v s="$secs" 'BEGIN{printf "%.3f", t / h / s}')
    machine=$(awk -v b="$((b1 - b0))" -v j="$((j1 - j0))" -v c="$(nproc)" 'BEGIN{printf "%.2f", (j > 0 ? b / j * c : 0)}')
    ok=$(awk -v w="$worst" -v m="$target_fps_min" 'BEGIN{print ((w >= m) ? "yes" : "no")}')
    sweep_row[$n]="| $n | $(fmt "$worst" 2) | $(fmt "$low" 2) | $reporting/$n | $dropped | $cores | $(fmt "$(awk -v c="$cores" -v n="$n" 'BEGIN{print c / n}')") | $server_cores | $machine | $ok |"
    log "sweep: $n runners: worst mean processed fps $(fmt "$worst" 2), $cores cores, sustained: $ok"
    if [ "$ok" = yes ]; then sustained=$n; else break; fi
  done
fi

# ---------------------------------------------------------------- 5. frame-to-event latency
: >"$work/latency.tsv"
if [[ $skip != *" latency "* ]]; then
  log "latency: one $latency_impl runner for ${latency_duration} s, attendance_events polled every 0.1 s"
  last_id=$(sql "SELECT COALESCE(MAX(id), 0) FROM attendance_events")
  start_runners 1 "$latency_impl"
  end=$(($(date +%s) + latency_duration))
  while [ "$(date +%s)" -lt "$end" ]; do
    seen=$(now_ms)
    while IFS='|' read -r id ts; do
      [ -n "$id" ] || continue
      printf '%s\t%s\t%s\n' "$id" "$ts" "$seen" >>"$work/latency.tsv"
      last_id=$id
    done < <(sql "SELECT id, ts_at FROM attendance_events WHERE id > $last_id AND camera_id = 1 ORDER BY id")
    sleep 0.1
  done
  stop_runners  # its pending sighting is flushed now: not counted
fi

# ---------------------------------------------------------------- tables
echo "## Runner CPU per camera: 1280×720 25 fps H.264, processed at $fps fps, one face (measure.sh)"
echo
# Per label: mean/min/max cores of the clean rows (all rows, flagged, when none is clean), and the
# mean /usr/bin/time max RSS.
summary() {
  awk -F'\t' -v l="$1" '$2 == l { n++; s += $8; r += $15; if ($18 == "yes") { c++; cs += $8
      cmin = (c == 1 || $8 < cmin) ? $8 : cmin; cmax = (c == 1 || $8 > cmax) ? $8 : cmax } }
    END { if (c > 0) printf "%.3f %.3f %.3f %d/%d %.0f %s\n", cs / c, cmin, cmax, c, n, r / n, "clean"
          else if (n > 0) printf "%.3f - - 0/%d %.0f %s\n", s / n, n, r / n, "disturbed"
          else print "- - - 0/0 - none" }' "$work/measure.tsv" 2>/dev/null || echo "- - - 0/0 - none"
}
# Per flavour: mean of the heartbeats' processed_fps 10 s or more after the runner started, and
# the last detected/matched counts; peak VmHWM of the runner and of its children.
x_fps() {
  if [ ! -f "$work/x-$1.hb" ] || [ ! -f "$work/x-$1.pids" ]; then echo "-"; return; fi
  sort -u "$work/x-$1.hb" | awk 'NR == FNR { start[$1] = $2; next }
    ($1 in start) && $2 >= start[$1] + 10000 { n++; s += $3 } END { if (n) printf "%.2f", s / n; else print "-" }' \
    "$work/x-$1.pids" -
}
x_counts() {
  [ -f "$work/x-$1.hb" ] || { echo "-"; return; }
  sort -u "$work/x-$1.hb" | sort -k2,2n | awk '{ d[$1] = $5; m[$1] = $6 } END { for (p in d) { td += d[p]; tm += m[p]; n++ }
    if (n) printf "%d/%d in %d runs", tm, td, n; else print "-" }'
}
x_rss() {  # prints "runner_mib child_mib sum_mib pss_mib" (peaks over the runs)
  [ -f "$work/x-$1.rss" ] || { echo "- - - -"; return; }
  awk '{ if ($2 > r) r = $2; if ($3 > c) c = $3; if ($2 + $3 > t) t = $2 + $3; if ($4 > p) p = $4 }
    END { printf "%.1f %.1f %.1f %.1f\n", r / 1024, c / 1024, t / 1024, p / 1024 }' "$work/x-$1.rss"
}
read -r a_cores _ _ _ _ _ <<<"$(summary a)"
read -r c_cores _ _ _ _ _ <<<"$(summary c)"
model=${model_cores_1:-}
floor=$( [ -n "$model" ] && [ "$a_cores" != "-" ] && awk -v a="$a_cores" -v m="$model" 'BEGIN{printf "%.3f", a + m}' || echo "-")
echo "| case | cores (mean) | min–max | clean runs | processed fps | matched/detected faces | max RSS MiB (time -v) | vs original design (c ÷ case) | vs bare decode (case ÷ a) | vs decode + model (case ÷ $floor) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for label in a c ffmpeg_all ffmpeg_one; do
  read -r mean lo hi clean rss state <<<"$(summary "$label")"
  case $label in
    a) name="a: bare decode, \`ffmpeg -re -i … -f null -\`" pfps="-" faces="-" ;;
    c) name="c: original design (py-runner, 5 fps target)"
       pfps=$(awk -F'\t' '$2 == "c" { n++; s += $12 } END { if (n) printf "%.2f", s / n; else print "-" }' "$work/measure.tsv" 2>/dev/null || echo -)
       faces=$(awk -F'\t' '$2 == "c" { f = $14 } END { print (f == "" ? "-" : f " (faces/frames)") }' "$work/measure.tsv" 2>/dev/null || echo -) ;;
    *) name="**bisk runner --impl $label**" pfps=$(x_fps "$label") faces=$(x_counts "$label") ;;
  esac
  [ "$state" = disturbed ] && clean="$clean (none clean: mean of all)"
  rss_mb=$(awk -v k="$rss" 'BEGIN{ if (k == "-" || k == "") print "-"; else printf "%.1f", k / 1024 }')
  range="$lo–$hi"; [ "$lo" = - ] && range=-
  echo "| $name | $(fmt "$mean") | $range | $clean | $pfps | $faces | $rss_mb | $(ratio "$c_cores" "$mean") | $(ratio "$mean" "$a_cores") | $(ratio "$mean" "$floor") |"
done
echo
echo "Targets per camera: ≤ 0.26 cores; ≥ 3× less than the original design (c); within 5 % of bare decode"
echo "plus the model cost (last column ≤ 1.05×), model cost = recognition_bench as the runner runs it (one"
echo "OpenCV thread, the face tracker choosing which faces to embed): ${model_cores_1:--} cores (every face of every"
echo "frame embedded: ${model_cores_every:--}; that on OpenCV's default threads: ${model_cores_default:--}). measure.sh: $rounds round(s) ×"
echo "$duration s per case, each alone after a quiet-machine wait; \"clean\" = other load ≤ $other_max cores during"
echo "the case. Processed fps: the runner's heartbeats ≥ 10 s after its start; c: the anchor's own count."
echo "The bisk runner also runs the 68-point landmark model for alignment, which the anchor leaves out."
echo
if [ -f "$work/recognition.txt" ]; then
  echo "## Recognition per frame (bench/recognition_bench.cc), no decoding"
  echo
  grep -v '^RESULT ' "$work/recognition.txt"
  echo
fi
if [ "$sweep_ran" = 1 ]; then
  echo "## Cameras per machine: N × \`bisk runner --impl $sweep_impl\` at once, $(nproc) cores, one \`bisk serve\`"
  echo
  echo "| runners | worst runner's mean processed fps | lowest heartbeat fps | runners reporting | frames dropped in window | runner CPU (cores, ffmpeg incl.) | per runner | bisk serve cores | machine busy cores | sustains ≥ $target_fps_min fps |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for n in $(seq 1 "$max_cameras"); do [ -n "${sweep_row[$n]:-}" ] && echo "${sweep_row[$n]}"; done
  echo
  echo "Largest N sustained: **$sustained** (target ≥ 7; the original design: 2). Each runner reads input720.mp4"
  echo "in real time (looping); fps from heartbeats every $hb_interval s after a ${sweep_warmup} s warm-up, over ${sweep_window} s;"
  echo "\"sustains\" = every runner's mean processed_fps ≥ $target_fps_min (95 % of $fps). The search stops at the first failure."
  echo
fi
echo "## Peak RSS per runner (VmHWM, sampled every second during the case-x runs)"
echo
echo "| runner | runner process MiB | ffmpeg child MiB | sum MiB | /usr/bin/time max RSS MiB | target | peak PSS, runner + child MiB |"
echo "|---|---|---|---|---|---|---|"
for label in ffmpeg_all ffmpeg_one; do
  read -r rr cr tr pr <<<"$(x_rss "$label")"
  read -r _ _ _ _ rss _ <<<"$(summary "$label")"
  tmb=$(awk -v k="$rss" 'BEGIN{ if (k == "-" || k == "") print "-"; else printf "%.1f", k / 1024 }')
  ok=$(awk -v t="$tr" 'BEGIN{ if (t == "-") print "-"; else print (t <= 150 ? "≤ 150: met" : "≤ 150: not met") }')
  [ "$label" = ffmpeg_one ] && cr="– (none)"
  echo "| $label | $rr | $cr | $tr | $tmb | $ok | $pr |"
done
echo
echo "MiB = kB/1024; the target is 150 per runner (runner + its ffmpeg child). /usr/bin/time reports the"
echo "largest single process of the tree, not the sum. RSS includes every shared-library page the process"
echo "touched (about 60 MiB for a runner, shared with other runners); PSS divides shared pages among the"
echo "processes mapping them, so it is nearer to what one more runner costs."
echo
if [ -s "$work/latency.tsv" ]; then
  echo "## Frame-to-event latency (one $latency_impl runner, ${latency_duration} s)"
  echo
  gap=$(awk -F'\t' 'NR > 1 { n++; s += $3 - prev } { prev = $3 } END { if (n) printf "%.2f", s / n / 1000; else print "-" }' \
    "$work/latency.tsv")
  echo "| events | ts → stored: min s | p50 s | max s | mean time between stored events s | cooldown window | --hb_interval |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' '{ print ($3 - $2) / 1000 }' "$work/latency.tsv" | sort -n | awk -v hb="$hb_interval" -v gap="$gap" '
    { v[NR] = $1 } END { printf "| %d | %.2f | %.2f | %.2f | %s | 10 s | %d s |\n", NR, v[1], v[int((NR + 1) / 2)], v[NR], gap, hb }'
  echo
  echo "From the event's ts (the wall time of the window's best sighting) to its row in attendance_events"
  echo "(polled every 0.1 s). By design this includes the rest of the 10 s cooldown window (the best"
  echo "sighting of a window is posted when it ends: anywhere from ~0 to 10 s), then the hand-off to the"
  echo "reporter thread and the POST /api/runner/events. The face never leaves the"
  echo "picture, so a new window opens with the next frame after one ends: the time between stored events"
  echo "is the cooldown plus the posting overhead. Events flushed by SIGTERM at the end are not counted."
fi
