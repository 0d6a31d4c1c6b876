#!/bin/bash
# e2e-agent-clock.sh — a wrong or malicious county cannot move a station's
# clock years ahead (issue 10 item 6): a fake county (tests/fake-county.py,
# mode "ahead") sends a pulled version 3 years ahead of the time it gave at
# hello.  The agent keeps the version as sent (the replica still holds what
# the county holds), does not move its own clock past the county's
# max_drift_ms, says so, and status shows it.  Only 127.0.0.1.
. "$(dirname "$0")/tap.sh"

SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")" && pwd)}
FAKE=$SRCDIR/fake-county.py
D=$TAP_TMP
DB=$D/a.db
TOKEN=sw1_$(printf '%064d' 0 | tr 0 a)
printf '%s\n' "$TOKEN" >"$D/token"
chmod 600 "$D/token"
S() { "$SWSYNC" --db "$DB" "$@"; }
q() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$DB" "$1"; }

FAKE_PID=
at_exit 'kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null'
python3 "$FAKE" ahead "$D/port" "$D/log" 60 &
FAKE_PID=$!
for _ in $(seq 100); do
    [ -s "$D/port" ] && break
    sleep 0.05
done
PORT=$(cat "$D/port" 2>/dev/null) || bail_out "fake county did not start"

exits 0 "init" S init --station A01 --server "http://127.0.0.1:$PORT" \
    --token-file "$D/token"
NOW=$(date +%s%3N)
exits 0 "sync against a county that sends a version 3 years ahead" S sync
like "$OUT" "2 pulled versions up to 109[0-9] days ahead of the county's clock" \
    "the sync says it (name and category: two versions)"
is "$(S case list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["name"])')" \
    未来 "the case is stored"
AHEAD_DAYS=$(q "SELECT max(hlc >> 16) FROM versions")
AHEAD_DAYS=$(((AHEAD_DAYS - NOW) / 86400000))
like "$AHEAD_DAYS" '^10(9[0-9]|[0-9][0-9])$' \
    "as sent: its version is still ~1095 days ahead (the replica equals the county)"
CLOCK_MS=$(($(q "SELECT hlc FROM sync_state WHERE id = 1") >> 16))
is "$(((CLOCK_MS - NOW) / 60000 <= 15))" 1 \
    "but the replica's clock moved at most the county's max_drift (10 min) ahead, not 1095 days"
exits 0 "status" S status
like "$OUT" 'clock clamped:   2 pulled versions up to 109[0-9] days ahead' \
    "status shows what was clamped"
exits 0 "status --json" S status --json
like "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["clock_clamped"])' <<<"$OUT")" \
    '^2 pulled versions up to 109[0-9] days ahead of the county.s clock \(bound 10 min' \
    "status --json too"

exits 0 "a local edit" S case add name=今天 category=other
exits 0 "sealed with a sync" S sync --quiet
NEWEST=$(q "SELECT max(v.hlc >> 16) FROM versions v JOIN cases c ON c.rid = v.rid WHERE c.name = '今天'")
is "$(((NEWEST - NOW) / 60000 <= 15))" 1 \
    "a new local version is near the county's time, not 3 years ahead"

done_testing
