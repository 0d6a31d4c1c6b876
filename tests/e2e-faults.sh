#!/bin/bash
# e2e-faults.sh — regressions for what the fault campaign found (issue 18),
# with the real binaries on 127.0.0.1:
#   1. an edit lost to a delete that never saw it (two replicas of one
#      station and the county, both orders of arrival);
#   2. a record inserted incomplete by another program (sqlite3 shell);
#   3. a record split across two pull answers, the pull stopped between;
#   4. a replica locked by another program: 75, not "not a replica";
#   5. an answer cut inside its headers or body: 75, not 69 or 65.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")" && pwd)}
T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
sync_ok() { exits 0 "$1 syncs${2:+ ($2)}" S "$1" sync --quiet; }
token() { local f=$T/$1.token; cat >"$f"; chmod 600 "$f"; }
sq() { python3 - "$@" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(sys.argv[2], sys.argv[3:]):
    print("|".join("" if v is None else str(v) for v in row))
PY
}

exits 0 "county init" C init --county C01
C station add A --name 东风镇 | token a1
C station token A --device laptop | token a2
county_start "$CDB"
for r in a1 a2; do
    exits 0 "init replica $r" S "$r" init --station A --server "$URL" \
        --token-file "$T/$r.token"
done

# ---- 1. an edit the deleter had not seen --------------------------------

exits 0 "office adds case X" S a1 case add name=张三 category=elderly_alone
X=$OUT
exits 0 "office adds case Y" S a1 case add name=李四 category=disabled
Y=$OUT
sync_ok a1
sync_ok a2 "gets X and Y"

# X: the laptop edits first (older), the office deletes without seeing it;
# the delete reaches the county first, the edit after
exits 0 "laptop sets X's phone, offline" S a2 case set "$X" phone=13800138000
exits 0 "office deletes X, never having seen it" S a1 case delete "$X"
sync_ok a1 "the delete first"
sync_ok a2 "the edit after"
# Y: the edit reaches the county first, the delete after
exits 0 "laptop sets Y's phone, offline" S a2 case set "$Y" phone=13900139000
sync_ok a2 "the edit first"
exits 0 "office deletes Y, not having pulled the edit" S a1 case delete "$Y"
sync_ok a1 "the delete after"
sync_ok a2
sync_ok a1

exits 0 "county conflicts --json" C conflicts list --json
CONF=$OUT
is "$(json "sorted((c['record'] == '$X' and 'X' or 'Y', c['kind'], c['field'], c['loser_value']) for c in d)" <<<"$CONF")" \
    "[('X', 'edit_of_deleted', 'phone', '13800138000'), ('Y', 'edit_of_deleted', 'phone', '13900139000')]" \
    "the county flags both unseen edits, values kept (delete first / edit first)"
for r in a1 a2; do
    exits 0 "$r lists its conflicts" S "$r" conflicts --json
    is "$(json "sorted(c['kind'] + ':' + str(c['loser_value']) for c in d)" <<<"$OUT")" \
        "['edit_of_deleted:13800138000', 'edit_of_deleted:13900139000']" \
        "$r holds both flags"
    ok "$r equals the county" scope_equal "$T/$r.db" "$CDB" A
done
is "$(sq "$T/a2.db" "SELECT count(*) FROM conflicts WHERE kind = 'edit_of_deleted'")" 2 \
    "the laptop's own merge flagged them too (no double entry)"

# a delete after seeing the edit is no conflict
exits 0 "office adds case Z" S a1 case add name=王五 category=other
Z=$OUT
sync_ok a1
sync_ok a2
exits 0 "laptop edits Z" S a2 case set "$Z" phone=13700137000
sync_ok a2
sync_ok a1 "sees the edit"
exits 0 "office deletes Z, having seen it" S a1 case delete "$Z"
sync_ok a1
sync_ok a2
is "$(C conflicts list --json | json "len([c for c in d if c['record'] == '$Z'])")" 0 \
    "a delete that saw the edit flags nothing"

# ---- 2. another program's incomplete record ------------------------------

fails "sqlite3: a case without its required fields is refused" \
    sqlite3 "$T/a1.db" "INSERT INTO cases (village) VALUES ('外来村')"
like "$ERR" "CHECK constraint failed: name IS NOT NULL" "by the name's CHECK"
fails "sqlite3: a visit without its mode is refused" \
    sqlite3 "$T/a1.db" "INSERT INTO visits (case_id) VALUES ('$Z')"
ok "sqlite3: a case with name and category goes in" \
    sqlite3 "$T/a1.db" "INSERT INTO cases (name, category) VALUES ('孙八', 'other')"
sync_ok a1 "after the outside writes"
sync_ok a2
is "$(C case list --json | json "[(c['name'], c['risk_level'], c['status'], bool(c['opened_on'])) for c in d if c.get('village') == '外来村' or c['name'] == '孙八']")" \
    "[('孙八', 'low', 'open', True)]" \
    "the county has the whole record with add's defaults, not the incomplete one"
is "$(S a2 case list --json | json "len([c for c in d if c.get('village') == '外来村'])")" 0 \
    "the other replica never sees the incomplete one"
for r in a1 a2; do ok "$r equals the county" scope_equal "$T/$r.db" "$CDB" A; done

# ---- 5. an answer cut short is a cut connection ------------------------

FAULTS=$SRCDIR/../tools/faults.py
PROXY_PID=
stop_proxy() { [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=; }
at_exit stop_proxy
echo '{}' >"$T/plan"
python3 "$FAULTS" proxy --target "127.0.0.1:$PORT" --plan "$T/plan" \
    >"$T/proxy.out" 2>&1 &
PROXY_PID=$!
for _ in $(seq 100); do grep -q '^listening on' "$T/proxy.out" && break; sleep 0.05; done
PX=$(sed -n 's/^listening on //p' "$T/proxy.out")
[ -n "$PX" ] || bail_out "the fault proxy did not start: $(cat "$T/proxy.out")"
exits 0 "a2 syncs through the proxy" S a2 config set server "http://$PX"
sync_ok a2 "through the proxy, nothing cut"
# cut: exchange K of the sync's connection (1 hello, 2 push or pull), after
# N bytes of the answer; the county's answers have headers of ~150 bytes
cut() { echo "{\"req\": $1, \"down\": $2}" >"$T/plan"; }
for n in 0 12 40 100; do
    cut 1 $n
    exits 75 "hello answer cut after $n bytes: 75" S a2 sync --quiet
    unlike "$ERR" "not a swsync county|bad batch" "not judged as a bad answer"
done
exits 0 "a change to push" S a2 case add name=赵六 category=other
for n in 40 100; do
    cut 2 $n
    exits 75 "push answer cut after $n bytes: 75" S a2 sync --quiet
    unlike "$ERR" "not a swsync county|bad batch" "not judged as a bad answer"
done
echo '{}' >"$T/plan"
sync_ok a2 "the push goes through"
exits 0 "office adds a case to pull" S a1 case add name=钱七 category=other
sync_ok a1
for n in 40 100 200; do
    cut 2 $n
    exits 75 "pull answer cut after $n bytes: 75" S a2 sync --quiet
    unlike "$ERR" "not a swsync county|bad batch" "not judged as a bad answer"
done
echo '{}' >"$T/plan"
sync_ok a2 "the pull goes through"
ok "a2 equals the county after the cuts" scope_equal "$T/a2.db" "$CDB" A
stop_proxy
exits 0 "a2 back to the county" S a2 config set server "$URL"

# ---- 3. a long pull stopped between answers ------------------------------

PROXY2_PID=
stop_proxy2() { [ -n "$PROXY2_PID" ] && kill "$PROXY2_PID" 2>/dev/null; wait "$PROXY2_PID" 2>/dev/null; PROXY2_PID=; }
at_exit stop_proxy2
echo '{}' >"$T/plan"
python3 "$FAULTS" proxy --target "127.0.0.1:$PORT" --plan "$T/plan" \
    >"$T/proxy2.out" 2>&1 &
PROXY2_PID=$!
for _ in $(seq 100); do grep -q '^listening on' "$T/proxy2.out" && break; sleep 0.05; done
PX2=$(sed -n 's/^listening on //p' "$T/proxy2.out")
[ -n "$PX2" ] || bail_out "the fault proxy did not start"

# 1100 cases of 6 fields each (name, category, village and the three
# defaults): 6600 fields, more than one pull answer (5000), and 5000 is no
# multiple of 6, so an answer boundary falls inside a record
C station add L --name 长拉镇 | token l1
C station token L --device laptop | token l2
for r in l1 l2; do
    exits 0 "init replica $r" S "$r" init --station L --server "$URL" \
        --token-file "$T/$r.token"
done
ok "sqlite3: 1100 cases into l1" sqlite3 "$T/l1.db" \
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1100)
     INSERT INTO cases (name, category, village) SELECT '长' || x, 'other', '村' || x FROM n"
sync_ok l1 "pushes 6600 fields"
exits 0 "l2 through the proxy" S l2 config set server "http://$PX2"
# exchanges: 1 hello, 2 the first pull answer, 3 the second: cut it (not
# at its first byte: curl sends a request again when a reused connection
# closes before answering)
echo '{"req": 3, "down": 20}' >"$T/plan"
exits 75 "l2's pull is cut after its first answer" S l2 sync --quiet
got=$(sqlite3 "$T/l2.db" "SELECT count(*) FROM cases")
ok "the first answer was applied ($got cases)" test "$got" -gt 0 -a "$got" -lt 1100
is "$(sqlite3 "$T/l2.db" "SELECT count(*) FROM cases WHERE name IS NULL OR category IS NULL OR risk_level IS NULL OR status IS NULL OR opened_on IS NULL OR village IS NULL")" \
    0 "no record is half made"
exits 0 "case list" S l2 case list --json
is "$(json "len(d) == $got and all(c['category'] for c in d)" <<<"$OUT")" True \
    "case list shows only whole records"
echo '{}' >"$T/plan"
sync_ok l2 "the rest"
is "$(sqlite3 "$T/l2.db" "SELECT count(*) FROM cases")" 1100 "all 1100 after the next sync"
is "$(sqlite3 "$T/l2.db" "SELECT count(*) FROM conflicts")" 0 "fields sent twice flag nothing"
ok "l2 equals the county" scope_equal "$T/l2.db" "$CDB" L
stop_proxy2

# ---- 4. a replica locked by another program -----------------------------

# hold_lock DB SECONDS: another program holds an exclusive lock on DB (in
# the background: HOLD_PID) until SECONDS have passed; returns once held
hold_lock() {
    rm -f "$T/held"
    python3 - "$1" "$T/held" "$2" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA locking_mode = EXCLUSIVE")
db.execute("BEGIN EXCLUSIVE")
db.execute("UPDATE config SET value = value WHERE key = 'station'")
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))
db.execute("COMMIT")
PY
    HOLD_PID=$!
    for _ in $(seq 200); do [ -e "$T/held" ] && break; sleep 0.05; done
    [ -e "$T/held" ] || bail_out "could not lock $1"
}
stop_hold() { [ -n "${HOLD_PID:-}" ] && kill "$HOLD_PID" 2>/dev/null; wait "${HOLD_PID:-}" 2>/dev/null; HOLD_PID=; }
at_exit stop_hold

hold_lock "$T/a1.db" 2
exits 0 "a command waits for a short lock (not 'not a replica')" S a1 case list
stop_hold
hold_lock "$T/a1.db" 15
exits 75 "a lock held past the wait is a temporary failure" S a1 case list
like "$ERR" "locked by another program" "and says so"
unlike "$ERR" "not a swsync" "not 'not a replica'"
stop_hold
printf 'not a database at all, not at all.......................................................' >"$T/junk.db"
exits 78 "a file that is not a replica is still 78" "$SWSYNC" --db "$T/junk.db" case list
like "$ERR" "not a swsync station replica" "named so"

done_testing
