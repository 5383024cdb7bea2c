#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, on 127.0.0.1 and a free port.
#   pg_cluster.sh start DIR   creates DIR/data, starts the server, writes its URL to DIR/url
#   pg_cluster.sh stop DIR    stops it and removes DIR
# PostgreSQL refuses to run as root, so as root the server runs as user postgres.
set -euo pipefail

cmd=${1:-}; dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2; exit 2
fi
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$pg_bin" || ! -x "$pg_bin/initdb" ]]; then
  echo "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install the postgresql-15 package (scripts/setup.sh does)" >&2
  exit 1
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A random high port; start is retried on another one if it is taken.
random_port() { echo $((20000 + RANDOM % 40000)); }

case "$cmd" in
  start)
    "$0" stop "$dir" >/dev/null 2>&1 || true
    mkdir -p "$dir/data"
    [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$dir"
    as_owner "$pg_bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    for _ in 1 2 3 4 5; do
      port=$(random_port)
      # fsync off: test data is thrown away, and durability costs most of the time.
      if as_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
          -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
          start >/dev/null; then
        echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/url"
        cat "$dir/url"
        exit 0
      fi
    done
    cat "$dir/server.log" >&2
    exit 1
    ;;
  stop)
    if [[ -d "$dir/data" ]]; then
      as_owner "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
