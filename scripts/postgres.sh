#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL 15 server for tests and benchmarks
# (scripts/test.sh runs the server tests against it), so that nobody needs a
# PostgreSQL of their own set up to run them.
#
#   scripts/postgres.sh start STATE_DIR   prints postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/postgres.sh stop STATE_DIR    stops it and removes its data; safe to repeat
#
# STATE_DIR is an existing directory the caller owns (a `mktemp -d`); start
# records there what stop needs. Only the URL goes to standard output.
#
# The server listens on 127.0.0.1 only, on a free port, as superuser
# `postgres` with trust authentication, so tests can CREATE DATABASE freely.
# It is tuned for speed, not safety (fsync off): its data is thrown away.
# As root it is a Debian cluster with a unique name (pg_createcluster and
# pg_dropcluster: initdb refuses to run as root); otherwise initdb and pg_ctl
# in a temporary directory. A start that fails cleans up after itself.
#
# Environment: FIELDSYNC_PG_BINDIR (default /usr/lib/postgresql/15/bin) and
# FIELDSYNC_PG_WAIT (seconds to wait for connections, default 30).
set -euo pipefail

me="scripts/postgres.sh"
version=15
bindir="${FIELDSYNC_PG_BINDIR:-/usr/lib/postgresql/$version/bin}"
wait_seconds="${FIELDSYNC_PG_WAIT:-30}"
# Settings for a throwaway server: the tests open several connection pools
# at once, and nothing here needs to survive a crash.
settings=(max_connections=300 fsync=off synchronous_commit=off full_page_writes=off
  listen_addresses=127.0.0.1)

say() { echo "$me: $*" >&2; }
die() { say "$*"; exit 1; }

usage() {
  echo "usage: $me start STATE_DIR | stop STATE_DIR" >&2
  exit 64
}

# What this user needs to run a server, or a message saying how to get it.
check_installed() {
  local fix="install PostgreSQL $version: apt-get install -y postgresql-$version (or set FIELDSYNC_PG_BINDIR to its bin directory)"
  local tool
  for tool in postgres pg_isready; do
    [ -x "$bindir/$tool" ] || die "needs PostgreSQL $version's $bindir/$tool, which is missing; $fix"
  done
  if [ "$(id -u)" -eq 0 ]; then
    for tool in pg_createcluster pg_ctlcluster pg_dropcluster pg_lsclusters; do
      command -v "$tool" >/dev/null 2>&1 \
        || die "needs $tool to run PostgreSQL as root, which is missing; $fix"
    done
  else
    for tool in initdb pg_ctl; do
      [ -x "$bindir/$tool" ] || die "needs PostgreSQL $version's $bindir/$tool, which is missing; $fix"
    done
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port tries
  for tries in $(seq 1 200); do
    port=$((20000 + (RANDOM + tries) % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "found no free TCP port on 127.0.0.1"
}

cluster_exists() { pg_lsclusters -h "$version" "$1" >/dev/null 2>&1; }

# Reads STATE_DIR/postgres.state (lines key=value) into mode, name, dir, port.
read_state() {
  mode="" name="" dir="" port=""
  local key value
  while IFS='=' read -r key value; do
    case $key in
      mode) mode=$value ;;
      name) name=$value ;;
      dir) dir=$value ;;
      port) port=$value ;;
    esac
  done < "$state_file"
}

# The server's log file.
log_file() {
  if [ "$mode" = cluster ]; then
    echo "/var/log/postgresql/postgresql-$version-$name.log"
  else
    echo "$dir/server.log"
  fi
}

# The end of the server's log, for a failure message.
show_log() {
  local log
  log="$(log_file)"
  if [ -s "$log" ]; then
    say "the end of the server log $log:"
    tail -n 30 "$log" >&2
  fi
}

stop_server() {
  [ -f "$state_file" ] || return 0
  read_state
  case $mode in
    cluster)
      case $name in fieldsync_test_*) ;; *) die "$state_file names no cluster of ours" ;; esac
      if cluster_exists "$name"; then
        pg_dropcluster --stop "$version" "$name" >&2 || {
          pg_ctlcluster "$version" "$name" stop -m immediate >&2 || true
          pg_dropcluster "$version" "$name" >&2
        }
      fi
      # An interrupted pg_createcluster leaves directories pg_lsclusters does not list.
      rm -rf "${PG_CLUSTER_CONF_ROOT:-/etc/postgresql}/$version/$name" \
        "/var/lib/postgresql/$version/$name" "$(log_file)"
      ;;
    initdb)
      if [ -n "$dir" ] && [ -d "$dir" ]; then
        if [ -f "$dir/data/postmaster.pid" ]; then
          "$bindir/pg_ctl" -D "$dir/data" stop -m fast -w >&2 \
            || "$bindir/pg_ctl" -D "$dir/data" stop -m immediate -w >&2 || true
        fi
        rm -rf "$dir"
      fi
      ;;
  esac
  rm -f "$state_file"
}

# One attempt to create and start a server on $port; the state file is
# written first, so that stop_server can clean up whatever this leaves.
start_once() {
  local option
  if [ "$(id -u)" -eq 0 ]; then
    mode=cluster
    name="fieldsync_test_$$_$RANDOM"
    while cluster_exists "$name"; do name="fieldsync_test_$$_$RANDOM"; done
    printf 'mode=cluster\nname=%s\nport=%s\n' "$name" "$port" > "$state_file" || return 1
    # manual: a cluster left behind by a killed run never starts at boot.
    pg_createcluster --start-conf manual -p "$port" "$version" "$name" -- -A trust >&2 \
      || return 1
    # Settings go in by hand: pg_createcluster -o would write 127.0.0.1 unquoted.
    local conf="${PG_CLUSTER_CONF_ROOT:-/etc/postgresql}/$version/$name/postgresql.conf"
    {
      echo "# scripts/postgres.sh: a throwaway server for tests"
      for option in "${settings[@]}"; do echo "${option%%=*} = '${option#*=}'"; done
    } >> "$conf" || return 1
    pg_ctlcluster "$version" "$name" start >&2 || return 1
  else
    mode=initdb
    dir="$(mktemp -d "${TMPDIR:-/tmp}/fieldsync-postgres.XXXXXX")" || return 1
    printf 'mode=initdb\ndir=%s\nport=%s\n' "$dir" "$port" > "$state_file" || return 1
    "$bindir/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      return 1
    }
    # pg_ctl hands these to a shell: quote the socket directory.
    local server_options="-p $port -k '$dir'"
    for option in "${settings[@]}"; do server_options+=" -c $option"; done
    "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$server_options" -w start >&2 \
      || return 1
  fi
  local waited
  for waited in $(seq 0 "$wait_seconds"); do
    "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" && return 0
    [ "$waited" -lt "$wait_seconds" ] && sleep 1
  done
  say "PostgreSQL did not accept connections on 127.0.0.1:$port within $wait_seconds s"
  return 1
}

start_server() {
  [ ! -e "$state_file" ] || die "$state_file exists: a server was started with this directory; stop it first"
  check_installed
  local stale
  if [ "$(id -u)" -eq 0 ]; then
    stale="$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v && $2 ~ /^fieldsync_test_/ { print $2 }' | tr '\n' ' ')"
    [ -z "$stale" ] || say "note: clusters of earlier runs remain: ${stale}(if no run is using them: pg_dropcluster --stop $version NAME)"
  fi
  # Clean up after a failed or interrupted start.
  trap 'stop_server' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local attempt
  for attempt in 1 2 3; do
    port="$(free_port)"
    say "starting PostgreSQL $version on 127.0.0.1:$port"
    if start_once; then
      trap - EXIT INT TERM
      echo "postgres://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
    # Someone took the port between choosing it and starting: try another.
    if [ "$attempt" -lt 3 ] && grep -qs "Address already in use" "$(log_file)"; then
      say "port $port was taken meanwhile; trying another"
      stop_server
      continue
    fi
    show_log
    die "could not start PostgreSQL $version (see above)"
  done
}

[ $# -eq 2 ] || usage
command=$1
[ -d "$2" ] || die "$2 is not a directory (pass one made with mktemp -d)"
state_file="$(cd "$2" && pwd)/postgres.state"
mode="" name="" dir="" port=""
case $command in
  start) start_server ;;
  stop) stop_server ;;
  *) usage ;;
esac
