#!/bin/bash
# e2e-storage-faults.sh — faults in storage, not just in the network (issue
# 10 item 9), with the real binaries on 127.0.0.1:
#   - the county's disk fills during a push: 507, nothing half-written, the
#     county keeps serving pulls, and the push goes through once there is
#     room again;
#   - a station's disk fills during a pull: exit 74, the replica intact,
#     the next sync completes;
#   - kill -9 of the county while four replicas push at once; after a
#     restart every replica converges, nothing lost or duplicated.
# A full disk is simulated with the test hook SWSYNC_TEST_DISK_FULL=PATH:N
# (sync/db.c, docs/design-notes.md): the database at PATH may grow by N pages.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"
county_sqlite_only "disk-full, integrity_check and kill -9 durability of the county FILE"

T=$TAP_TMP
CDB=$T/county.db
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
count() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2"; }
integrity() { is "$(count "$1" 'PRAGMA integrity_check')" ok "$2: integrity_check ok"; }
# add_cases REPLICA STATION N: N cases written straight into the file (the
# capture triggers record them), so that a sync has thousands to push
# serve: start the county again (a new port) and point the replicas at it
serve() {
    county_start "$CDB"
    for r in a a2 b d; do S $r config set server "$URL"; done
}
add_cases() {
    python3 - "$T/$1.db" "$2" "$3" <<'PY'
import sqlite3, sys
db, st, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = sqlite3.connect(db)
c.executemany(
    "INSERT INTO cases (station, name, category, risk_level, status, "
    "opened_on, village) VALUES (?, ?, 'other', 'low', 'open', "
    "'2026-12-01', ?)",
    [(st, "批量%d" % i, "村%d" % (i % 17)) for i in range(n)])
c.commit()
PY
}

exits 0 "county init" C init --county C01
C station add A --name 东风镇 >"$T/a.token"
C station token A --device laptop >"$T/a2.token"
C station add B --name 西河镇 >"$T/b.token"
C station add D --name 南山镇 >"$T/d.token"
chmod 600 "$T"/*.token
county_start "$CDB"
for r in a a2 b d; do
    st=$(tr a-z A-Z <<<"${r:0:1}")
    exits 0 "init replica $r" S $r init --station "$st" --server "$URL" \
        --token-file "$T/$r.token"
done
exits 0 "station B adds a case" S b case add name=李四 category=low_income
BCASE=$OUT
for r in a b; do exits 0 "$r syncs" S $r sync --quiet; done
exits 0 "the county corrects B's case" C case set "$BCASE" village=西村

# ---- the county's disk fills during a push --------------------------------

county_stop
SWSYNC_TEST_DISK_FULL="$CDB:2" serve
add_cases a A 300
exits 75 "a push to a county whose disk is full: exit 75 (try again later)" \
    S a sync
like "$ERR" '507 storage_full' "... the county answered 507 storage_full"
is "$(count "$CDB" 'SELECT count(*) FROM cases')" 1 \
    "nothing of the push is at the county"
integrity "$CDB" "the county"
is "$(S a status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_changes"] > 0)')" \
    True "the station still holds its changes"
exits 0 "station B still syncs (hello and pull)" S b sync --quiet
is "$(S b case show "$BCASE" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["village"])')" \
    西村 "and pulled the county's correction"
like "$(cat "$LOG")" 'POST /v1/push 507 .*storage_full' "the county's log shows the 507"

county_stop
serve
exits 0 "room again: the push goes through" S a sync --quiet
is "$(count "$CDB" 'SELECT count(*) FROM cases')" 301 "every case once at the county"
ok "a equals the county" scope_equal "$T/a.db" "$CDB" A

# ---- a station's disk fills during a pull ---------------------------------

exits 74 "the laptop's disk fills during its pull: exit 74" \
    env SWSYNC_TEST_DISK_FULL="$T/a2.db:3" "$SWSYNC" --db "$T/a2.db" sync --quiet
like "$ERR" 'full' "... saying the disk is full"
diag "$ERR"
integrity "$T/a2.db" "the laptop's replica"
is "$(count "$T/a2.db" 'SELECT count(*) FROM cases')" 0 \
    "nothing half-pulled: the batch is all or nothing"
exits 0 "with room again, the next sync completes" S a2 sync --quiet
ok "the laptop equals the county" scope_equal "$T/a2.db" "$CDB" A

# ---- kill -9 of the county while four replicas push ---------------------

add_cases a A 700
add_cases a2 A 700
add_cases b B 700
add_cases d D 700
PIDS=()
for r in a a2 b d; do
    S $r sync --quiet >"$T/$r.out" 2>&1 &
    PIDS+=($!)
done
for _ in $(seq 1000); do
    grep -q 'POST /v1/push 200' "$LOG" 2>/dev/null && break
    sleep 0.01
done
county_stop KILL
CUT=0
for p in "${PIDS[@]}"; do
    wait "$p" || CUT=$((CUT + 1))
done
diag "$CUT of 4 syncs were cut by the kill"
isnt "$CUT" 0 "the kill landed while replicas were pushing"
integrity "$CDB" "the county after kill -9"
serve
for round in 1 2; do
    for r in a a2 b d; do exits 0 "$r syncs after the restart (round $round)" S $r sync --quiet; done
done
is "$(count "$CDB" 'SELECT count(*) FROM cases')" $((1 + 300 + 4 * 700)) \
    "the county holds every case exactly once"
for r in a a2; do ok "$r equals the county for A" scope_equal "$T/$r.db" "$CDB" A; done
ok "b equals the county for B" scope_equal "$T/b.db" "$CDB" B
ok "d equals the county for D" scope_equal "$T/d.db" "$CDB" D
for r in a a2 b d; do integrity "$T/$r.db" "replica $r"; done
is "$(count "$T/a.db" "SELECT count(*) FROM cases WHERE station = 'A'")" 1700 \
    "both of A's replicas hold all 1700 of A's cases"

county_stop
is "$SERVER_RC" 0 "the server exits 0 on SIGTERM"
done_testing
