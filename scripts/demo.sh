#!/usr/bin/env bash
# A visit day: two managers sync through a FieldSync service on embedded
# SQLite. Offline, both edit one customer (different fields, and one field
# both); they sync; both different-field edits survive, and the field both
# edited is a conflict holding both values. It is settled, everyone syncs
# again, and both devices' digests equal the service's. Builds first; works in
# a temporary directory it removes, and stops the server it started.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product fieldsync >&2
swift build -c release --product fieldsync-server >&2
bin="$(swift build -c release --show-bin-path)"
work="$(mktemp -d)"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -INT "$server_pid" && wait "$server_pid" || true
  fi
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT
ana() { "$bin/fieldsync" --replica "$work/ana.db" "$@"; }
bruno() { "$bin/fieldsync" --replica "$work/bruno.db" "$@"; }
step() { printf '\n== %s\n' "$*"; }
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

step "The branch's sync service starts on embedded SQLite (any free port)"
"$bin/fieldsync-server" serve --open --port 0 --data "$work/central.db" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/server.out" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/^fieldsync-server listening on //p' "$work/server.out")
[ -n "$url" ] || { cat "$work/server.log" >&2; echo "the server did not start" >&2; exit 1; }
echo "Service at $url (log: open mode, no tokens in this version)"

step "Two devices: Ana's laptop and Bruno's tablet"
ana init --manager ana --server "$url"
bruno init --manager bruno --server "$url"

step "Ana adds a customer at the branch and syncs; Bruno syncs and has it too"
customer=$(ana customer add "Maria Costa" phone=+351912000111 city=Lisbon tier=standard birth_date=1975-03-14)
ana sync
bruno sync

step "Offline at visits, both edit Maria: different fields, and the tier both"
ana customer edit "$customer" phone=+351912999888 tier=premium
ana visit log "$customer" --channel visit --summary "Reviewed savings" --outcome positive --opportunity "Pension plan" >/dev/null
bruno customer edit "$customer" city=Porto tier=private
bruno task add "$customer" "Send pension plan brochure" --due 2026-12-01 >/dev/null

step "Back online, both sync (Ana first, then Bruno, then Ana again to receive Bruno's edits)"
ana sync
bruno sync
ana sync

step "Both different-field edits survived, on both devices"
echo "ana:   phone=$(ana record get customers "$customer" --json | field phone) city=$(ana record get customers "$customer" --json | field city)"
echo "bruno: phone=$(bruno record get customers "$customer" --json | field phone) city=$(bruno record get customers "$customer" --json | field city)"

step "The tier both changed is a conflict, with both values (the later edit won for now)"
ana conflicts list
conflict=$(ana conflicts list --json | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1)
ana conflicts show "$conflict"

step "Ana settles it: she keeps her value, written again as a fresh change"
ana conflicts settle "$conflict" --keep mine

step "Everyone syncs again"
bruno sync
ana sync
echo "tier: ana=$(ana record get customers "$customer" --json | field tier) bruno=$(bruno record get customers "$customer" --json | field tier)"

step "Digests: both devices hold exactly what the service holds"
ana digest --compare
bruno digest --compare

step "The service stops gracefully (SIGINT)"
stop_server
tail -n 1 "$work/server.log"
