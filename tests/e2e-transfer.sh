#!/bin/bash
# e2e-transfer.sh — case transfer between stations (issue 15 item 1)
# with the real binaries on 127.0.0.1.  Station A has two replicas (the
# office a1 and a field laptop a2), station B one.  A case of A with a
# visit and a service moves to B while the laptop is offline and edits
# the case and the visit; syncs in several orders until every replica
# converges: B holds the whole history with the laptop's edits, A holds
# nothing of the person (no byte in any file, field_versions and pending
# empty of it), A's workers see where the case went, the county audit
# has the transfer.  Then the case moves back to A, which gets the whole
# history again.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"
. "$(dirname "$0")/console.sh"

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
sync_ok() { exits 0 "$1 syncs${2:+ ($2)}" S "$1" sync --quiet; }
token() { local f=$T/$1.token; cat >"$f"; chmod 600 "$f"; }
q() { python3 -c 'import countydb,sys; print(countydb.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$@"; }
# no byte of the person in any of the station's files
clean_of() {
    python3 - "$@" <<'PY'
import sys
words = [w.encode() for w in sys.argv[1].split(",")]
bad = 0
for f in sys.argv[2:]:
    try:
        data = open(f, "rb").read()
    except FileNotFoundError:
        continue
    for w in words:
        if w in data:
            print(f"# {w.decode()} found in {f}")
            bad = 1
sys.exit(bad)
PY
}

NAME=欧阳青松
PHONE1=13911112222
PHONE2=13700003333
IDNUM=11010519491231002X
VISIT_TEXT=独居老人需要送餐
LAPTOP_TEXT=笔记本离线记录

exits 0 "county init" C init --county C01
C station add A --name 东风镇 | token a1
C station token A --device laptop | token a2
C station add B --name 西河镇 | token b
county_start "$CDB"
for r in a1 a2 b; do
    st=A
    [ "$r" = b ] && st=B
    exits 0 "init replica $r" S "$r" init --station $st --server "$URL" \
        --token-file "$T/$r.token"
done

exits 0 "office adds the person" S a1 case add name=$NAME \
    category=elderly_alone id_number=$IDNUM phone=$PHONE1 village=东村
X=$OUT
exits 0 "a visit" S a1 visit add case="$X" mode=home findings=$VISIT_TEXT
V=$OUT
exits 0 "a service" S a1 service add case="$X" service_type=送餐 notes=午餐
SV=$OUT
exits 0 "another person at A" S a1 case add name=王五 category=disabled
Y=$OUT
for r in a1 a2 b; do sync_ok $r; done
ok "the laptop has the case" S a2 case show "$X"
# a conflict at A before the move: it goes with the case
exits 0 "the office writes a note" S a1 case set "$X" notes=办公室的备注
exits 0 "the laptop writes another" S a2 case set "$X" notes=笔记本的备注
for r in a1 a2 a1 b; do sync_ok $r; done
is "$(q "$CDB" "SELECT count(*) FROM conflicts WHERE row_id = '$X' AND col = 'notes' AND station = 'A'")" \
    1 "a conflict on the case at A"
# and B has a later one of its own (its conflicts' mark is past A's)
exits 0 "B adds a person" S b case add name=赵一 category=other
Z=$OUT
sync_ok b "with its person"
exits 0 "B notes something" S b case set "$Z" notes=站里的备注
exits 0 "the county corrects the same field" C case set "$Z" notes=县里的更正
sync_ok b "meeting the county's correction"
is "$(q "$T/b.db" "SELECT count(*) FROM conflicts WHERE row_id = '$Z'")" 1 \
    "B lists its own conflict"
sync_ok b "once more (its conflicts' mark is now its conflict's)"

# ---- the laptop goes offline and edits; the county moves the case ----------

exits 0 "the laptop edits the case offline" S a2 case set "$X" phone=$PHONE2 \
    risk_level=high
exits 0 "and the visit" S a2 visit set "$V" findings=$LAPTOP_TEXT
exits 0 "and adds a visit" S a2 visit add case="$X" mode=phone findings=电话随访
V2=$OUT

exits 64 "transfer needs --to and --note" C case transfer "$X" --to B
exits 64 "to a station that does not exist" C case transfer "$X" --to Q \
    --note 搬家
exits 64 "to the station it is at" C case transfer "$X" --to A --note 搬家
exits 64 "a note that names the person is refused" C case transfer "$X" \
    --to B --note "$NAME 搬到西河"
exits 65 "a case that is not there" C case transfer \
    01890000-0000-7000-8000-000000000000 --to B --note 搬家
exits 0 "the county moves the case to B" C case transfer "$X" --to B \
    --note 搬到西河镇
like "$OUT" "3 records" "the case, its visit and service"
is "$(q "$CDB" "SELECT count(*) FROM audit WHERE action = 'transfer' AND target = 'cases/$X' AND details LIKE 'from A to B;%'")" \
    1 "the transfer is audited"
is "$(csql "$CDB" "SELECT DISTINCT station FROM (SELECT station FROM cases WHERE id = '$X' UNION ALL SELECT station FROM visits WHERE case_id = '$X' UNION ALL SELECT station FROM services WHERE case_id = '$X') AS s ORDER BY station" | paste -sd,)" \
    B "at the county the records are B's"

# B first: it gets the whole history
sync_ok b "after the transfer"
ok "B holds the case" S b case show "$X"
is "$(q "$T/b.db" "SELECT count(*) FROM conflicts WHERE row_id = '$X' AND col = 'notes'")" \
    1 "B has the case's conflict (the move changes its conflicts' mark)"
ok "B holds the visit" S b visit show "$V"
ok "B holds the service" S b service show "$SV"
like "$(S b case show "$X")" "$PHONE1" "the case as it was moved"

# the office learns of it: its copy goes, a line says where
sync_ok a1 "after the transfer"
exits 65 "the office no longer holds the case" S a1 case show "$X"
exits 65 "nor its visit" S a1 visit show "$V"
ok "the office keeps its other person" S a1 case show "$Y"
exits 0 "the office lists moved cases" S a1 moved
like "$OUT" "$X" "the moved line names the case"
like "$OUT" "B" "... and the station it went to"
like "$OUT" "搬到西河镇" "... and the note"
like "$(S a1 status)" "moved" "status mentions moved cases"

# a write to B's case from A's office, on a base it did not have: 403
# (another station's case stays refused): an edit crafted with a fresh
# base is tested in test-merge; here the laptop comes back

# the laptop syncs: its offline edits are taken for B, its copy goes
sync_ok a2 "with its offline edits"
exits 65 "the laptop no longer holds the case" S a2 case show "$X"
exits 65 "nor the visits" S a2 visit show "$V2"
is "$(q "$T/a2.db" "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM pending)")" \
    0 "nothing of the person waits to be sent"
like "$(C case show "$X")" "$PHONE2" "the laptop's phone reached the county"
like "$(C visit show "$V")" "$LAPTOP_TEXT" "the laptop's visit edit too"
ok "the laptop's new visit is at the county" C visit show "$V2"
is "$(q "$CDB" "SELECT station FROM visits WHERE id = '$V2'")" B \
    "... as B's"
is "$(q "$CDB" "SELECT count(*) FROM conflicts WHERE kind = 'edit_after_transfer' AND station = 'B'")" \
    3 "the edits are flagged for B (phone, risk level, findings)"
sync_ok b "gets the laptop's edits"
like "$(S b case show "$X")" "$PHONE2" "B has the laptop's phone"
like "$(S b visit show "$V")" "$LAPTOP_TEXT" "B has the laptop's visit edit"
ok "B has the laptop's new visit" S b visit show "$V2"
for r in a1 a2 b a1 a2; do sync_ok $r "again"; done
for r in a1 a2; do ok "$r equals the county for A" scope_equal "$T/$r.db" "$CDB" A; done
ok "b equals the county for B" scope_equal "$T/b.db" "$CDB" B

# nothing of the person at A: rows, versions, pending, and every byte
for r in a1 a2; do
    is "$(q "$T/$r.db" "SELECT count(*) FROM field_versions WHERE rid IN (SELECT rid FROM cases WHERE id = '$X')")" \
        0 "$r: no field version of the case"
    is "$(q "$T/$r.db" "SELECT count(*) FROM cases WHERE id = '$X'") $(q "$T/$r.db" "SELECT count(*) FROM visits WHERE case_id = '$X'")" \
        "0 0" "$r: no row of it"
    is "$(q "$T/$r.db" "SELECT count(*) FROM pending")" 0 "$r: nothing pending"
    is "$(q "$T/$r.db" "SELECT to_station FROM moved_cases WHERE case_id = '$X'")" \
        B "$r: the moved line"
    ok "$r: no byte of the person in its files" clean_of \
        "$NAME,$PHONE1,$PHONE2,$IDNUM,$VISIT_TEXT,$LAPTOP_TEXT" \
        "$T/$r.db" "$T/$r.db-wal" "$T/$r.db-shm"
done

# ---- the station consoles: A's moved line, B's request form ----------------

PW='站里的密码 2026'
JAR=$T/cookies
c() { curl -s -b "$JAR" -c "$JAR" "$@"; }
code() { curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -c "$JAR" "$@"; }
csrf() { c "$CURL_BASE/" | sed -n 's/.*name="csrf-token" content="\([0-9a-f]*\)".*/\1/p'; }
login() {
    rm -f "$JAR"
    curl -s -o /dev/null -c "$JAR" --data-urlencode user=li \
        --data-urlencode "password=$PW" "$CURL_BASE/login"
}
exits 0 "a worker at the office" S a1 worker add li --password-stdin <<<"$PW"
console_start "$T/a1.db"
login
HOME_PAGE=$(c "$CURL_BASE/")
like "$HOME_PAGE" 'id="moved"' "the office's home page has the moved cases"
like "$HOME_PAGE" "转至 B" "... saying where the case went"
like "$HOME_PAGE" "搬到西河镇" "... with the county's note"
unlike "$HOME_PAGE" "$NAME" "... and nothing of the person"
console_stop

exits 0 "a worker at B" S b worker add li --password-stdin <<<"$PW"
console_start "$T/b.db"
login
CSRF=$(csrf)
like "$CSRF" '^[0-9a-f]{64}$' "signed in at B's console"
like "$(c "$CURL_BASE/case/$X")" 'id="transfer-ask"' "the case page offers to ask for a move"
like "$(c "$CURL_BASE/case/$X/transfer")" 'id="transfer-form"' "... a form"
is "$(code --data-urlencode to=A --data-urlencode note=又搬回东风 \
    "$CURL_BASE/case/$X/transfer")" 403 "a request without the form token is refused"
is "$(code --data-urlencode "csrf=$CSRF" --data-urlencode to=B \
    --data-urlencode note=x "$CURL_BASE/case/$X/transfer")" 400 \
    "a request to its own station is refused"
is "$(code --data-urlencode "csrf=$CSRF" --data-urlencode to=A \
    --data-urlencode note=回东风 "$CURL_BASE/case/$X/transfer")" 303 \
    "B asks through its console to move the case to A"
is "$(q "$T/b.db" "SELECT who || ' ' || action FROM local_audit WHERE action = 'transfer_request'")" \
    "li transfer_request" "the request is a line of B's audit, by the worker"
console_stop
sync_ok b "sends the request"
is "$(q "$CDB" "SELECT count(*) FROM transfer_requests WHERE status = 'pending' AND case_id = '$X' AND to_station = 'A' AND asked_by = 'li'")" \
    1 "the county has B's request"
RQ1=$(q "$CDB" "SELECT id FROM transfer_requests")
exits 0 "the county declines it" C transfer decline "$RQ1"
is "$(q "$CDB" "SELECT status FROM transfer_requests WHERE id = $RQ1")" declined \
    "the request is declined"
is "$(q "$CDB" "SELECT count(*) FROM audit WHERE action = 'transfer_decline'")" 1 \
    "... audited"
exits 64 "declining it again" C transfer decline "$RQ1"

# ---- a request from B's CLI, confirmed; the case moved back to A ---------

exits 0 "B asks again from the command line" S b transfer-request "$X" --to A \
    --note 又搬回东风
exits 64 "a request for a case B does not have" S b transfer-request \
    01890000-0000-7000-8000-000000000000 --to A --note x
sync_ok b "sends the request"
sync_ok b "sends nothing twice"
is "$(q "$CDB" "SELECT count(*) FROM transfer_requests")" 2 "each request stored once"
RQ=$(q "$CDB" "SELECT id FROM transfer_requests WHERE status = 'pending'")
exits 0 "the county lists pending requests" C transfer requests
like "$OUT" "又搬回东风" "the request's note"
exits 0 "the county confirms it" C case transfer "$X" --to A \
    --note 又搬回东风 --request "$RQ"
is "$(q "$CDB" "SELECT status FROM transfer_requests WHERE id = $RQ")" \
    confirmed "the request is confirmed"
exits 64 "a request is confirmed once" C case transfer "$X" --to B \
    --note x --request "$RQ"
for r in a2 b a1; do sync_ok $r "after the move back"; done
for r in a1 a2; do
    ok "$r holds the case again" S $r case show "$X"
    ok "$r holds the laptop's new visit" S $r visit show "$V2"
    like "$(S $r visit show "$V")" "$LAPTOP_TEXT" "$r: the whole history"
    is "$(q "$T/$r.db" "SELECT count(*) FROM moved_cases WHERE case_id = '$X'")" \
        0 "$r: no moved line for a case that is back"
done
exits 65 "B no longer holds it" S b case show "$X"
is "$(q "$T/b.db" "SELECT to_station FROM moved_cases WHERE case_id = '$X'")" \
    A "B's moved line"
for r in a1 a2 b; do sync_ok $r "once more"; done
for r in a1 a2; do ok "$r equals the county for A" scope_equal "$T/$r.db" "$CDB" A; done
ok "b equals the county for B" scope_equal "$T/b.db" "$CDB" B
is "$(q "$CDB" "SELECT count(*) FROM audit WHERE action = 'transfer' AND target = 'cases/$X'")" \
    2 "two transfers audited"
ok "A edits its case again" S a1 case set "$X" village=西村
sync_ok a1 "after editing"
like "$(C case show "$X")" "西村" "the edit is taken"
done_testing
