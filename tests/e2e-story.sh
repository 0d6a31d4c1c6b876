#!/bin/bash
# e2e-story.sh — the whole story with the real binaries on 127.0.0.1:
# station A runs two replicas (office PC, field laptop), station B one;
# they and the county edit offline; everybody syncs; conflicts are flagged
# with both values and resolved; and the ways it can go wrong: server down,
# server killed during a push, agent killed during a pull, several stations
# at once, revoked token, HTTPS with a throwaway CA.  After each, every
# replica equals the county's copy of its station's records.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
field() { S "$1" case show "$2" --json | json "d['$3']"; }
sync_ok() { exits 0 "$1 syncs${2:+ ($2)}" S "$1" sync --quiet; }
token() { local f=$T/$1.token; cat >"$f"; chmod 600 "$f"; }

# ---- set-up ---------------------------------------------------------------

exits 0 "county init" C init --county C01
C station add A --name 东风镇 | token a1
C station token A --device laptop | token a2
C station add B --name 西河镇 | token b
C station token A --device spare | token a3
county_start "$CDB"
for r in a1 a2 b a3; do
    st=A
    [ "$r" = b ] && st=B
    exits 0 "init replica $r" S "$r" init --station $st --server "$URL" \
        --token-file "$T/$r.token"
done

# ---- round 1: records made offline, then everyone syncs ------------------

exits 0 "office adds a case" S a1 case add name=张三 category=elderly_alone \
    village=东村 phone=13800000001
X=$OUT
exits 0 "office adds a visit" S a1 visit add case="$X" mode=home findings=独居
V=$OUT
exits 0 "office adds a second case" S a1 case add name=王五 category=disabled village=北村
Y=$OUT
exits 0 "station B adds a case" S b case add name=李四 category=low_income
Z=$OUT
exits 0 "station B adds a service" S b service add case="$Z" service_type=低保申请 amount=150.50
for r in a1 a2 b; do sync_ok $r; done
sync_ok a1 "picks up nothing new"

ok "the laptop holds the office's case" S a2 case show "$X"
ok "the laptop holds the office's visit" S a2 visit show "$V"
exits 65 "the laptop does not hold station B's case" S a2 case show "$Z"
exits 65 "station B does not hold station A's case" S b case show "$X"
is "$(C case list --json | json 'len(d)')" 3 "the county holds all three cases"
is "$(C service list --json | json "d[0]['amount']")" 150.50 "and B's service"
for r in a1 a2; do ok "$r equals the county for A" scope_equal "$T/$r.db" "$CDB" A; done
ok "b equals the county for B" scope_equal "$T/b.db" "$CDB" B

# ---- round 2: concurrent offline edits -----------------------------------

exits 0 "office: phone and risk level" S a1 case set "$X" phone=13911112222 risk_level=high
exits 0 "laptop: phone and address" S a2 case set "$X" phone=13700003333 address=东村5组
exits 0 "county corrects Y's village" C case set "$Y" village=北村（更正）
exits 0 "office edits Y's village too" S a1 case set "$Y" village=北村二组
exits 0 "station B edits its own case" S b case set "$Z" notes=材料已交

for r in a1 a2 b a1 a2; do sync_ok $r; done

exits 0 "conflicts list --json" C conflicts list --json
CONF=$OUT
is "$(json 'len(d)' <<<"$CONF")" 2 "two open conflicts"
is "$(json 'sorted(c["field"] for c in d)' <<<"$CONF")" "['phone', 'village']" \
    "on the phone and the village"
is "$(json '[sorted([c["winner_value"], c["loser_value"]]) for c in d if c["field"] == "phone"][0]' <<<"$CONF")" \
    "['13700003333', '13911112222']" "the phone conflict keeps both values"
is "$(json '[sorted([c["winner_value"], c["loser_value"]]) for c in d if c["field"] == "village"][0]' <<<"$CONF")" \
    "['北村二组', '北村（更正）']" "the village conflict keeps the county's and the station's"
is "$(json 'all(c["status"] == "open" and c["record"] and c["table"] == "cases" for c in d)' <<<"$CONF")" \
    True "both open, on cases"
PHONE_WIN=$(json '[c["winner_value"] for c in d if c["field"] == "phone"][0]' <<<"$CONF")
PHONE_LOSE=$(json '[c["loser_value"] for c in d if c["field"] == "phone"][0]' <<<"$CONF")
PHONE_ID=$(json '[c["id"] for c in d if c["field"] == "phone"][0]' <<<"$CONF")
VILL_ID=$(json '[c["id"] for c in d if c["field"] == "village"][0]' <<<"$CONF")
is "$(field a1 "$X" phone)" "$PHONE_WIN" "the office holds the winning phone"
is "$(field a2 "$X" phone)" "$PHONE_WIN" "the laptop holds the winning phone"
is "$(field a2 "$X" risk_level)" high "the office's risk level survives on the laptop"
is "$(field a1 "$X" address)" 东村5组 "the laptop's address survives on the office PC"
for r in a1 a2; do ok "$r equals the county for A" scope_equal "$T/$r.db" "$CDB" A; done
ok "b equals the county for B" scope_equal "$T/b.db" "$CDB" B

# ---- resolution ------------------------------------------------------------

exits 0 "resolve the phone: keep the loser" C conflicts resolve "$PHONE_ID" --keep loser --note 电话核实
exits 0 "resolve the village with a new value" C conflicts resolve "$VILL_ID" --value 北村三组
exits 65 "resolving it again is refused" C conflicts resolve "$VILL_ID" --keep winner
is "$(C conflicts list --json | json 'len(d)')" 0 "no open conflicts left"
is "$(C conflicts list --all --json | json 'sorted(c["status"] for c in d)')" \
    "['resolved', 'resolved']" "both resolved, still listed with --all"
for r in a1 a2 b; do sync_ok $r "after the resolution"; done
is "$(field a1 "$X" phone)" "$PHONE_LOSE" "the office holds the chosen phone"
is "$(field a2 "$X" phone)" "$PHONE_LOSE" "the laptop holds the chosen phone"
is "$(field a1 "$Y" village)" 北村三组 "the office holds the new village"
is "$(field a2 "$Y" village)" 北村三组 "the laptop holds the new village"
for r in a1 a2; do ok "$r equals the county for A" scope_equal "$T/$r.db" "$CDB" A; done
exits 0 "status --json" S a1 status --json
is "$(json 'd["pending_changes"]' <<<"$OUT")" 0 "nothing pending on the office PC"
is "$(json 'd["last_error"]' <<<"$OUT")" None "no last error"

# ---- a value the county could never take waits, and blocks nothing --------

fails "another program cannot clear a required field without a default" \
    sqlite3 "$T/a1.db" "UPDATE cases SET name = NULL WHERE id = '$Y'"
sqlite3 "$T/a1.db" "UPDATE cases SET risk_level = NULL, notes = '名字待补' WHERE id = '$Y'"
exits 0 "a sync with a required field cleared by another program" S a1 sync
like "$ERR" "cases.risk_level: is required" "it says which field waits"
is "$(C case show "$Y" --json | json 'd["notes"]')" 名字待补 \
    "the record's other change went through"
exits 0 "status --json" S a1 status --json
like "$(json 'd["held_back"]' <<<"$OUT")" "^1: " "status shows what is held back"
exits 0 "the record is fixed" S a1 case set "$Y" risk_level=low
sync_ok a1 "once it is fixed"
is "$(S a1 status --json | json 'd["held_back"]')" None "nothing held back"
ok "a1 equals the county for A" scope_equal "$T/a1.db" "$CDB" A

# ---- a replica restored from an older backup gets its own writes back ------

cp "$T/a2.db" "$T/a2.backup"
exits 0 "laptop adds a case after the backup" S a2 case add name=备份后 category=other
AFTER=$OUT
sync_ok a2 "before the disk dies"
cp "$T/a2.backup" "$T/a2.db"
rm -f "$T/a2.db-wal" "$T/a2.db-shm"
exits 0 "the restored laptop syncs" S a2 sync
like "$ERR" "backup" "it says it fetches everything again"
ok "the restored laptop has its own later case back" S a2 case show "$AFTER"
exits 0 "and adds new work" S a2 case add name=恢复后 category=other
sync_ok a2 "after the restore"
is "$(C case list --json | json "sum(1 for c in d if c['name'] == '恢复后')")" 1 \
    "its new work reaches the county (not taken for a duplicate)"
ok "a2 equals the county for A" scope_equal "$T/a2.db" "$CDB" A

# ---- the server is down -----------------------------------------------------

county_stop
exits 0 "office edits while the county is down" S a1 case set "$X" notes=离线修改
exits 75 "sync with the server down exits 75" S a1 sync --quiet --timeout 5
is "$ERR" "" "--quiet: a link down since a recent sync is not worth a word"
exits 75 "without --quiet: exits 75" S a1 sync --timeout 5
like "$ERR" "." "and says why on stderr"
exits 0 "status shows the last error" S a1 status --json
isnt "$(json 'd["last_error"]' <<<"$OUT")" None "last_error is set"
county_start "$CDB"
for r in a1 a2 a3 b; do exits 0 "point $r at the new port" S $r config set server "$URL"; done
sync_ok a1 "once the server is back"
is "$(C case show "$X" --json | json 'd["notes"]')" 离线修改 "the offline edit arrived"

# ---- the server is killed during a push ------------------------------------

# 3000 cases written by another program in one go: 15000 changes, 30 batches
sqlite3 "$T/a1.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
    INSERT INTO cases (name, category, risk_level, status, opened_on)
    SELECT '批量' || i, 'other', 'low', 'open', '2026-01-01' FROM n"
"$SWSYNC" --db "$T/a1.db" sync --quiet >"$T/push.out" 2>&1 &
SYNC_PID=$!
for _ in $(seq 200); do
    grep -q '/v1/push' "$LOG" && break
    sleep 0.02
done
county_stop KILL
wait $SYNC_PID
SYNC_RC=$?
isnt "$SYNC_RC" 0 "the sync cut by kill -9 fails (status $SYNC_RC)"
applied=$(csql "$CDB" "SELECT count(*) FROM cases WHERE name LIKE '批量%'")
ok "part of the backlog reached the county before the kill ($applied)" test "$applied" -lt 3000
county_start "$CDB"
for r in a1 a2 a3 b; do S $r config set server "$URL"; done
sync_ok a1 "after the restart"
is "$(csql "$CDB" "SELECT count(*) FROM cases WHERE name LIKE '批量%'")" 3000 \
    "every record arrived exactly once"
is "$(csql "$CDB" "SELECT count(*) FROM conflicts WHERE status = 'open'")" 0 \
    "resending made no false conflicts"
ok "a1 equals the county for A" scope_equal "$T/a1.db" "$CDB" A

# ---- the agent is killed during a pull --------------------------------------

# run swsync itself in the background (not a shell function), so the
# kill reaches it
"$SWSYNC" --db "$T/a3.db" sync --quiet >"$T/pull.out" 2>&1 &
SYNC_PID=$!
for _ in $(seq 500); do
    c=$(sqlite3 "$T/a3.db" "SELECT value FROM config WHERE key = 'cursor'" 2>/dev/null)
    [ -n "$c" ] && [ "$c" != 0 ] && break
    sleep 0.01
done
kill -9 $SYNC_PID 2>/dev/null
wait $SYNC_PID 2>/dev/null
got=$(sqlite3 "$T/a3.db" "SELECT count(*) FROM cases")
diag "the spare replica held $got cases when it was killed"
exits 0 "the killed sync runs again" S a3 sync --quiet
ok "a3 equals the county for A" scope_equal "$T/a3.db" "$CDB" A
IDX="SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN
     ('cases_name', 'visits_case_id', 'services_case_id')"
is "$(sqlite3 "$T/a3.db" "$IDX")" 3 \
    "after its long pull (indexes dropped in between) a3 has its indexes"
# as a sync killed during a long pull leaves them
sqlite3 "$T/a3.db" "DROP INDEX cases_name; DROP INDEX visits_case_id"
exits 0 "a sync after a long pull that was killed" S a3 sync --quiet
is "$(sqlite3 "$T/a3.db" "$IDX")" 3 "... makes the dropped indexes again"

# ---- several stations at once -----------------------------------------------

for r in a1 a2 b; do S $r case add name="并发$r" category=other >/dev/null; done
pids=()
for r in a1 a2 a3 b; do
    S $r sync --quiet >"$T/conc-$r.out" 2>&1 &
    pids+=($!)
done
i=0
for r in a1 a2 a3 b; do
    wait "${pids[$i]}"
    is "$?" 0 "$r synced while the others did"
    i=$((i + 1))
done
for r in a1 a2 a3; do S $r sync --quiet; done
for r in a1 a2 a3; do ok "$r equals the county for A" scope_equal "$T/$r.db" "$CDB" A; done
ok "b equals the county for B" scope_equal "$T/b.db" "$CDB" B

# ---- a revoked token ---------------------------------------------------------

exits 0 "revoke the laptop" C station revoke A --device laptop
exits 77 "the laptop's sync exits 77" S a2 sync --quiet
exits 0 "the office still syncs" S a1 sync --quiet

# ---- HTTPS with a throwaway CA -------------------------------------------------

county_stop
(
    cd "$T" &&
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=test CA" \
            -keyout ca.key -out ca.pem &&
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" \
            -keyout other.key -out other.pem &&
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
            -keyout srv.key -out srv.csr &&
        printf 'subjectAltName=IP:127.0.0.1\n' >srv.ext &&
        openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -days 2 -extfile srv.ext -out srv.pem
) >"$T/openssl.log" 2>&1 || bail_out "openssl: $(cat "$T/openssl.log")"
county_start "$CDB" --tls-cert "$T/srv.pem" --tls-key "$T/srv.key"
S a1 config set server "$URL"
S a1 case set "$X" notes=经由HTTPS >/dev/null
# as a sync killed during a long pull leaves them; a sync that cannot
# reach the county makes them again all the same
sqlite3 "$T/a1.db" "DROP INDEX cases_name; DROP INDEX services_case_id"
exits 78 "HTTPS with an unknown CA is refused (78: set-up, not temporary)" S a1 sync --quiet
is "$(sqlite3 "$T/a1.db" "$IDX")" 3 \
    "... and that failed sync made the dropped indexes again"
exits 78 "HTTPS with the wrong CA is refused (78)" S a1 sync --quiet --cacert "$T/other.pem"
exits 0 "HTTPS with the county's CA works" S a1 sync --quiet --cacert "$T/ca.pem"
is "$(C case show "$X" --json | json 'd["notes"]')" 经由HTTPS "the change arrived over HTTPS"
ok "a1 equals the county for A" scope_equal "$T/a1.db" "$CDB" A

county_stop
is "$SERVER_RC" 0 "the server exits 0 on SIGTERM"
done_testing
