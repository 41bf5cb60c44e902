#!/usr/bin/env bash
# Builds in release and runs FieldSync's benchmarks, each beside a baseline
# measured in the same run: merge, then initial-sync and load on SQLite, then
# initial-sync and load on PostgreSQL. Prints one table of every figure. Each
# result is also kept as one JSON line in $BENCH_RESULTS (default:
# .build/bench-results.jsonl) for comparing runs.
# PostgreSQL: unless FIELDSYNC_BENCH_POSTGRES names a server already
# (postgres://USER@HOST:PORT/DB, a user who may create databases), this
# starts a throwaway PostgreSQL 15 (scripts/postgres.sh; fsync off, as its
# data is thrown away) and removes it at the end, however the run ends.
# Exit status: 0 when every target was met, 3 when one was missed, other
# when a benchmark could not run. Arguments go to every benchmark's run
# (for example --directory DIR to keep their files).
set -uo pipefail
cd "$(dirname "$0")/.."

swift build -c release || exit 1
bench=.build/release/fieldsync-bench
results=${BENCH_RESULTS:-.build/bench-results.jsonl}
: > "$results"

status=0
run() {
  echo "== $*" >&2
  "$bench" "$@" --json >> "$results"
  local code=$?
  case $code in
    0) ;;
    3) [ "$status" -eq 0 ] && status=3 ;;
    *) echo "scripts/bench.sh: $1 failed (exit $code)" >&2; status=$code ;;
  esac
}

for benchmark in merge initial-sync load; do
  run "$benchmark" "$@"
done

postgres="${FIELDSYNC_BENCH_POSTGRES:-}"
if [ -z "$postgres" ]; then
  postgres_state="$(mktemp -d)"
  trap 'bash scripts/postgres.sh stop "$postgres_state" || true; rm -rf "$postgres_state"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  postgres="$(bash scripts/postgres.sh start "$postgres_state")" || postgres=""
fi
if [ -n "$postgres" ]; then
  echo "scripts/bench.sh: PostgreSQL at $postgres" >&2
  for benchmark in initial-sync load; do
    run "$benchmark" --postgres "$postgres" "$@"
  done
else
  echo "scripts/bench.sh: PostgreSQL 15 could not be started (see above): no PostgreSQL figures" >&2
  status=1
fi

"$bench" table "$results"
exit "$status"
