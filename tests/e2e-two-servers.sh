#!/bin/bash
# e2e-two-servers.sh — two `swsync-county serve` on one PostgreSQL store
# (issue 17, items 3 and 4), behind a round-robin TCP proxy
# (tests/rr-proxy.py) that passes over a server refusing connections, as a
# load balancer's health check would.  Four replicas of three stations push
# bursts of records at once through the proxy; both servers give the same
# answers; then one server is killed (-9) in the middle of a push and every
# replica converges through the other: its replica equals the county for
# its scope, every record written is at the county exactly once, and no
# conflict was made up.  Only in pg mode (SWSYNC_TEST_COUNTY=pg): a SQLite
# store is one file on one machine.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"
county_pg || skip_all "two servers share a store only in PostgreSQL (SWSYNC_TEST_COUNTY=pg)"
for tool in python3 sqlite3 psql; do
    command -v "$tool" >/dev/null || bail_out "$tool is needed (tools/install-deps)"
done

T=$TAP_TMP
CDB=$(county_db county)
PROXY_PY=${TESTS_SRCDIR:-$(cd "$(dirname "$0")" && pwd)}/rr-proxy.py
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
token() { local f=$T/$1.token; cat >"$f"; chmod 600 "$f"; }
REPLICAS="a1 a2 b c"
station_of() { case $1 in a*) echo A ;; b) echo B ;; c) echo C ;; esac; }

exits 0 "county init" C init --county C01
C station add A --name 东风镇 | token a1
C station token A --device laptop | token a2
C station add B --name 西河镇 | token b
C station add C --name 南山镇 | token c

# two servers on one store; county.sh's county_start serves one, so each
# is taken out of its hands and stopped here
county_start "$CDB"
PID1=$SERVER_PID PORT1=$PORT LOG1=$LOG
SERVER_PID=
county_start "$CDB"
PID2=$SERVER_PID PORT2=$PORT LOG2=$LOG
SERVER_PID=
at_exit "kill $PID1 $PID2 2>/dev/null; wait $PID1 $PID2 2>/dev/null"
isnt "$PORT1" "$PORT2" "two servers on two ports ($PORT1, $PORT2)"

python3 "$PROXY_PY" "$T/proxy.port" "$T/proxy.log" "$PORT1" "$PORT2" >/dev/null \
    2>"$T/proxy.err" &
PROXY_PID=$!
at_exit "kill $PROXY_PID 2>/dev/null"
for _ in $(seq 200); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
[ -s "$T/proxy.port" ] || bail_out "the proxy did not start: $(cat "$T/proxy.err")"
PURL=http://127.0.0.1:$(cat "$T/proxy.port")

for r in $REPLICAS; do
    exits 0 "init replica $r (county URL: the proxy's)" S "$r" init \
        --station "$(station_of "$r")" --server "$PURL" --token-file "$T/$r.token"
done

# burst R ROUND N: N new cases written into replica R by another program
# (sqlite3: the replica's triggers queue them), named R-ROUND-i
burst() {
    sqlite3 "$T/$1.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL
        SELECT i + 1 FROM n WHERE i < $3)
        INSERT INTO cases (name, category, risk_level, status, opened_on)
        SELECT '$1-$2-' || i, 'other', 'low', 'open', '2026-01-01' FROM n"
}

# sync_all TAG: every replica syncs at once; $T/R.TAG.rc holds each exit
# status, $T/R.TAG.out what it said
sync_all() {
    local r pids=()
    for r in $REPLICAS; do
        (
            S "$r" sync --timeout 30 >"$T/$r.$1.out" 2>&1
            echo $? >"$T/$r.$1.rc"
        ) &
        pids+=($!)
    done
    wait "${pids[@]}"
}
# rcs TAG: the exit statuses of sync_all TAG, in the order of REPLICAS
rcs() {
    local r out=
    for r in $REPLICAS; do out="$out $(cat "$T/$r.$1.rc" 2>/dev/null)"; done
    echo "${out# }"
}

# converge R: sync R until a sync succeeds (at most 10 times)
converge() {
    local _
    for _ in $(seq 10); do
        S "$1" sync --quiet --timeout 30 >"$T/$1.conv.out" 2>&1 && return 0
        sleep 0.2
    done
    cat "$T/$1.conv.out"
    return 1
}

# ---- round 1: both servers up -------------------------------------------

for r in $REPLICAS; do burst "$r" 1 200; done
sync_all r1
is "$(rcs r1)" "0 0 0 0" "four replicas push 200 cases each at once, through the proxy"
for r in $REPLICAS; do ok "$r syncs again (pulls the others')" converge "$r"; done
for r in $REPLICAS; do
    ok "$r equals the county for $(station_of "$r")" \
        scope_equal "$T/$r.db" "$CDB" "$(station_of "$r")"
done
like "$(cut -d' ' -f2 "$T/proxy.log" | sort -u | paste -sd' ')" \
    "^($PORT1 $PORT2|$PORT2 $PORT1)$" "the proxy sent connections to both servers"
like "$(grep -c 'POST /v1/push' "$LOG1") $(grep -c 'POST /v1/push' "$LOG2")" \
    '^[1-9][0-9]* [1-9][0-9]*$' "both servers took pushes"

# the same answers from both: every replica's pull from 0 (all pages) and
# its conflicts, asked of each server directly
answers() {
    python3 - "http://127.0.0.1:$1" "$(cat "$T/$2.token")" \
        "$(sqlite3 "$T/$2.db" "SELECT value FROM config WHERE key = 'site'")" \
        "$(station_of "$2")" <<'PY'
import hashlib, json, sys, time, urllib.request, zlib
url, tok, site, station = sys.argv[1:5]
def req(path, body=None):
    r = urllib.request.Request(url + path, data=body, headers={
        "Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    return urllib.request.urlopen(r, timeout=30).read()
req("/v1/hello", json.dumps({"v": 1, "site": site, "station": station,
    "schema": 3, "agent": "e2e-two-servers",
    "time_ms": int(time.time() * 1000)}).encode())
after, pages, rows = 0, [], 0
while True:
    a = json.loads(zlib.decompress(req(f"/v1/pull?after={after}&limit=500")))
    pages.append(a)
    rows += len(a["rows"])
    if not a["more"]:
        break
    after = a["cursor"]
conflicts = json.loads(req("/v1/conflicts"))
blob = json.dumps([pages, conflicts], sort_keys=True).encode()
print(rows, len(pages), hashlib.sha256(blob).hexdigest())
PY
}
for r in $REPLICAS; do
    A1=$(answers "$PORT1" "$r")
    A2=$(answers "$PORT2" "$r")
    like "$A1" '^[0-9]+ [0-9]+ [0-9a-f]{64}$' "$r: a pull from 0 and the conflicts from server 1 ($A1)"
    is "$A2" "$A1" "$r: ... and the same from server 2"
done
is "$(C station list --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')" 4 \
    "the county lists four replicas"

# ---- round 2: one server killed in the middle of a push -------------------

for r in $REPLICAS; do burst "$r" 2 400; done
# and an edit of each of its own round-1 cases: not a conflict with anyone
for r in $REPLICAS; do
    sqlite3 "$T/$r.db" "UPDATE cases SET notes = 'edited by $r' WHERE name LIKE '$r-1-%'"
done
n1=$(grep -c 'POST /v1/push' "$LOG1")
n2=$(grep -c 'POST /v1/push' "$LOG2")
sync_all r2 &
ALL=$!
for _ in $(seq 600); do
    [ "$(grep -c 'POST /v1/push' "$LOG1")" -gt "$n1" ] && break
    sleep 0.01
done
kill -9 "$PID1"
wait "$PID1" 2>/dev/null
# from here on server 1 refuses connections
nconn=$(wc -l <"$T/proxy.log")
k1=$(($(grep -c 'POST /v1/push' "$LOG1") - n1))
wait "$ALL"
# a sync whose connection died may fail (75) or have its request retried
# by libcurl on a new connection, which the proxy gives to server 2
diag "round 2: server 1 killed after answering $k1 pushes; the syncs' statuses: $(rcs r2)"
like "$(rcs r2)" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "every sync of round 2 ended (none hung)"

for r in $REPLICAS; do ok "$r converges through the server left" converge "$r"; done
# a second pass: each pulls what the others pushed after its own sync
for r in $REPLICAS; do ok "$r syncs again" converge "$r"; done
is "$(tail -n +$((nconn + 1)) "$T/proxy.log" | cut -d' ' -f2 | sort -u)" \
    "$PORT2" "after the kill the proxy sent every connection to server 2"
like "$(($(grep -c 'POST /v1/push' "$LOG2") - n2))" '^[1-9][0-9]*$' \
    "server 2 took pushes of round 2"

for r in $REPLICAS; do
    ok "$r equals the county for $(station_of "$r")" \
        scope_equal "$T/$r.db" "$CDB" "$(station_of "$r")"
done
for r in $REPLICAS; do
    is "$(csql "$CDB" "SELECT count(*) || ' ' || count(DISTINCT name) FROM cases WHERE name LIKE '$r-%'")" \
        "600 600" "$r: its 600 cases are at the county, each once"
    is "$(csql "$CDB" "SELECT count(*) FROM cases WHERE name LIKE '$r-1-%' AND notes = 'edited by $r'")" \
        200 "$r: its 200 edits too"
done
is "$(csql "$CDB" "SELECT count(*) FROM cases")" 2400 "2400 cases at the county in all"
is "$(csql "$CDB" "SELECT count(*) FROM conflicts")" 0 "no conflict made up by the resends"
for r in a1 a2; do
    is "$(sqlite3 "$T/$r.db" "SELECT count(*) FROM cases")" 1200 "$r holds station A's 1200 cases"
done
is "$(sqlite3 "$T/b.db" "SELECT count(*) FROM cases")" 600 "b holds station B's 600"
is "$(sqlite3 "$T/c.db" "SELECT count(*) FROM outbox")" 0 "c has nothing left to send"

kill "$PID2"
wait "$PID2"
is "$?" 0 "server 2 stops cleanly (SIGTERM)"

done_testing
