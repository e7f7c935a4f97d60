#!/usr/bin/env bash
# Starts (or stops) a private PostgreSQL cluster for the tests on a loopback port, owned by the system user postgres
# (initdb refuses root). Installs Debian's postgresql package when the server is missing. Prints the connection string.
#   bash tests/postgres.sh start    bash tests/postgres.sh stop
set -euo pipefail
port=${RECTIFICATION_PG_PORT:-55432}
dir=${RECTIFICATION_PG_DIR:-/tmp/rectification-pg}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)

case "${1:-start}" in
  start)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
      echo "Installing PostgreSQL for the tests..." >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
      bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
    run() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
    if ! run "'$bin/pg_ctl' -D '$dir/data' status" >/dev/null 2>&1; then
      rm -rf "$dir"
      mkdir -p "$dir"
      [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
      run "'$bin/initdb' -D '$dir/data' -U rectification --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
      # Tests throw a database away per class: durability is not what they measure, speed is.
      run "'$bin/pg_ctl' -D '$dir/data' -l '$dir/log' -w -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start" >/dev/null
    fi
    echo "Host=127.0.0.1;Port=$port;Username=rectification"
    ;;
  stop)
    [ -n "$bin" ] && [ -d "$dir/data" ] && { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "'$bin/pg_ctl' -D '$dir/data' -m fast stop"; else "$bin/pg_ctl" -D "$dir/data" -m fast stop; fi; } >/dev/null || true
    ;;
esac
