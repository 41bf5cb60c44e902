#!/usr/bin/env bash
# Runs FieldSync's whole test suite, as CI does (.ci/run calls this).
# Release mode: the randomised convergence histories run ~20x faster optimised,
# which pays for the longer build. Exit status is swift test's.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v sqlite3 >/dev/null 2>&1 || [ ! -e /usr/include/sqlite3.h ]; then
  echo "scripts/test.sh: needs SQLite 3 and its headers: apt-get install -y sqlite3 libsqlite3-dev" >&2
  exit 1
fi

swift build -c release --build-tests
swift test -c release --skip-build "$@"
