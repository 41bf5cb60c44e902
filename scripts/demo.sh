#!/usr/bin/env bash
# An offline day in the field: two managers' devices edit the same customer
# without a network, swap change files (a USB stick), and end holding the same
# data. Builds fieldsync first; works in a temporary directory it removes.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product fieldsync >&2
fieldsync="$(swift build -c release --show-bin-path)/fieldsync"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ana() { "$fieldsync" --replica "$work/ana.db" "$@"; }
bruno() { "$fieldsync" --replica "$work/bruno.db" "$@"; }
step() { printf '\n== %s\n' "$*"; }

step "Two devices: Ana's laptop and Bruno's tablet (same branch)"
ana init --manager ana
bruno init --manager bruno

step "Ana adds a customer and hands Bruno a change file"
customer=$(ana customer add "Maria Costa" phone=+351912000111 city=Lisbon risk_profile=moderate birth_date=1975-03-14)
ana changes export "$work/ana-1.json"
bruno changes import "$work/ana-1.json"

step "Offline, both edit the customer: different fields, and one field both"
ana customer edit "$customer" phone=+351912999888 notes="Prefers morning calls"
ana visit log "$customer" --channel visit --summary "Reviewed savings" --outcome positive --opportunity "Pension plan" >/dev/null
bruno customer edit "$customer" city=Porto tier=premium notes="Moving to Porto in spring"
bruno task add "$customer" "Send pension plan brochure" --due 2026-12-01 >/dev/null

step "Another program edits Ana's replica with plain SQL: it is captured, not lost"
sqlite3 "$work/ana.db" "UPDATE customers SET occupation='Architect' WHERE id='$customer'"
ana status

step "They swap change files, in both directions, twice (re-delivery changes nothing)"
ana changes export "$work/ana-2.json"
bruno changes export "$work/bruno-2.json"
ana changes import "$work/bruno-2.json"
bruno changes import "$work/ana-2.json"
ana changes import "$work/bruno-2.json"

step "Both devices hold the same file: both different-field edits survived"
ana customer show "$customer"
step "The field both edited (notes) went to the later edit, on both devices"
echo "ana:   $(ana record get customers "$customer" --json | sed 's/.*"notes":"\([^"]*\)".*/\1/')"
echo "bruno: $(bruno record get customers "$customer" --json | sed 's/.*"notes":"\([^"]*\)".*/\1/')"

step "Digests"
a=$(ana digest)
b=$(bruno digest)
echo "ana:   $a"
echo "bruno: $b"
if [ "$a" = "$b" ]; then echo "Equal: the devices are in sync."; else echo "MISMATCH" >&2; exit 1; fi
