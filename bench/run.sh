#!/usr/bin/env bash
# Runs every benchmark on a release build and prints their tables (numbers go
# into the README's benchmark section). Starts and stops a throwaway PostgreSQL.
#   desired_set_bench   desired-set load + compute (SQLite, PostgreSQL)
#   enforcer_bench      the enforcer's reconcile tick with 1,000 cameras, 200 runners (SQLite, PostgreSQL)
#   enforcer_idle.sh    `bisk run-enforcer` with 200 runners at rest: CPU % of a core, RSS, clean SIGTERM
#   dashboard_bench     the dashboard's live panel with 200 runners (server time)
#   heartbeat_bench.sh  POST /api/runner/heartbeat/ against the Django anchor
#   recognition_bench   the runner's recognition per frame (detect, align, embed, match), 1 and default threads
#   runner_bench.sh     `bisk runner` CPU/camera vs bare decode and the py-runner anchor, cameras per machine,
#                       RSS, frame-to-event latency (runs recognition_bench; about 15 min, QUICK=1 for a short run)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBISK_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target desired_set_bench enforcer_bench dashboard_bench bisk >/dev/null
pg_dir=$(mktemp -d /tmp/bisk-bench-pg.XXXXXX)
trap 'scripts/pg_cluster.sh stop "$pg_dir"' EXIT
pg_url=$(scripts/pg_cluster.sh start "$pg_dir")
echo "## desired set (bench/desired_set_bench.cc)"
build-bench/bench/desired_set_bench --pg "$pg_url"
echo "## enforcer reconcile tick (bench/enforcer_bench.cc)"
build-bench/bench/enforcer_bench --pg "$pg_url"
echo "## enforcer at rest (bench/enforcer_idle.sh)"
NO_BUILD=1 BUILD_DIR=build-bench bench/enforcer_idle.sh
echo "## dashboard panel (bench/dashboard_bench.cc)"
build-bench/bench/dashboard_bench build-bench/web
echo "## heartbeat endpoint vs the Django anchor (bench/heartbeat_bench.sh)"
bench/heartbeat_bench.sh
echo "## runner: CPU per camera, recognition, cameras per machine, RSS, latency (bench/runner_bench.sh)"
bench/runner_bench.sh
