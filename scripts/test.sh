#!/usr/bin/env bash
# Runs FieldSync's whole test suite, as CI does (.ci/run calls this).
# Release mode: the randomised convergence histories run ~20x faster optimised,
# which pays for the longer build. Exit status is swift test's.
# The server tests run against SQLite and PostgreSQL: unless
# FIELDSYNC_TEST_POSTGRES already names a server (postgres://USER@HOST:PORT/DB,
# a superuser: tests create a database each), this starts a throwaway
# PostgreSQL 15 (scripts/postgres.sh) and removes it at the end, however the
# run ends.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v sqlite3 >/dev/null 2>&1 || [ ! -e /usr/include/sqlite3.h ]; then
  echo "scripts/test.sh: needs SQLite 3 and its headers: apt-get install -y sqlite3 libsqlite3-dev" >&2
  exit 1
fi

if [ -z "${FIELDSYNC_TEST_POSTGRES:-}" ]; then
  postgres_state="$(mktemp -d)"
  trap 'bash scripts/postgres.sh stop "$postgres_state" || true; rm -rf "$postgres_state"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if ! FIELDSYNC_TEST_POSTGRES="$(bash scripts/postgres.sh start "$postgres_state")"; then
    echo "scripts/test.sh: the server tests need PostgreSQL 15, which could not be started (see above)" >&2
    exit 1
  fi
  echo "scripts/test.sh: PostgreSQL for the server tests at $FIELDSYNC_TEST_POSTGRES" >&2
fi
export FIELDSYNC_TEST_POSTGRES

swift build -c release --build-tests
swift test -c release --skip-build "$@"
