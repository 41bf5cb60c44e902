#!/usr/bin/env bash
# A visit day: a manager and her supervisor sync through a FieldSync service
# on embedded SQLite, each with their own token. Offline, both edit one
# customer (different fields, and one field both); they sync; both
# different-field edits survive, and the field both edited is a conflict
# holding both values. It is settled, everyone syncs again, and both devices'
# digests equal the service's. Then the audit trail of that field, the branch
# report, and a reassignment that takes the customer off Ana's device.
# Builds first; works in a temporary directory it removes, and stops the
# server it started.
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

admin() { "$bin/fieldsync-server" "$@" --data "$work/central.db"; }

step "The branch's managers and their tokens (only the tokens' hashes are stored)"
admin manager add ana --name "Ana Lima" --branch lisbon --role manager
admin manager add bruno --name "Bruno Costa" --branch lisbon --role supervisor
admin manager add carla --name "Carla Dias" --branch lisbon --role manager
ana_token=$(admin token issue ana 2>/dev/null)
bruno_token=$(admin token issue bruno 2>/dev/null)
admin manager list

step "The branch's sync service starts on embedded SQLite (any free port)"
"$bin/fieldsync-server" serve --port 0 --data "$work/central.db" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/server.out" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/^fieldsync-server listening on //p' "$work/server.out")
[ -n "$url" ] || { cat "$work/server.log" >&2; echo "the server did not start" >&2; exit 1; }
echo "Service at $url"

step "Two devices: Ana's laptop and the tablet of Bruno, her supervisor"
ana init --manager ana --server "$url" --token "$ana_token"
bruno init --manager bruno --server "$url" --token "$bruno_token"

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

step "The audit trail of the tier: every change, who, which device, when, and the conflict's settlement"
admin history customers "$customer" tier

step "The branch report"
admin report --branch lisbon --since 2020-01-01

step "Bruno gives Maria to Carla; Ana's next sync removes Maria from her laptop"
bruno customer reassign "$customer" --to carla
ana sync
echo "customers on Ana's laptop: $(ana customer list --json | grep -c "$customer" || true)"
ana digest --compare

step "The service stops gracefully (SIGINT)"
stop_server
tail -n 1 "$work/server.log"
