#!/usr/bin/env bash
# Builds in release and runs FieldSync's benchmarks (merge, initial-sync,
# load), each beside a baseline measured in the same run, then prints one
# table of every figure. Each result is also kept as one JSON line in
# $BENCH_RESULTS (default: .build/bench-results.jsonl) for comparing runs.
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
for benchmark in merge initial-sync load; do
  echo "== $benchmark" >&2
  "$bench" "$benchmark" --json "$@" >> "$results"
  code=$?
  case $code in
    0) ;;
    3) [ "$status" -eq 0 ] && status=3 ;;
    *) echo "scripts/bench.sh: $benchmark failed (exit $code)" >&2; status=$code ;;
  esac
done

"$bench" table "$results"
exit "$status"
