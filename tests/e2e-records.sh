#!/bin/bash
# e2e-records.sh — the record commands of the real swsync binary, end to
# end: init, case|visit|service add/set/show/list/delete, status, the
# replica file as another program (the sqlite3 shell) sees it, bad input
# and usage errors.  Speaks TAP.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/tap.sh"

unset SWSYNC_DB
[ -x "$SWSYNC" ] || bail_out "no swsync binary at $SWSYNC (set SWSYNC)"
command -v sqlite3 >/dev/null || bail_out "the sqlite3 shell is needed"
command -v python3 >/dev/null || bail_out "python3 is needed"
command -v sha256sum >/dev/null || bail_out "sha256sum is needed"

T=$TAP_TMP
DB=$T/station.db
UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
NOBODY=0190a4c2-7b3e-7c1d-8e2f-123456789abc # an id no record has
TODAY=$(date +%F)

sw() { "$SWSYNC" --db "$DB" "$@"; }
sql() { sqlite3 "$DB" "$1"; }

# pyjson EXPR [ARG...]: parse stdin as JSON into d, print EXPR (a string as
# is, anything else as JSON).  The extra arguments are in a[].
pyjson() {
    python3 -c '
import json, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8"))
a = sys.argv[2:]
r = eval(sys.argv[1])
s = r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
sys.stdout.buffer.write(s.encode("utf-8"))
' "$@"
}

# What "nothing written" is measured by.
pending() { sw status --json | pyjson 'd["pending_changes"]'; }
counts() {
    sql "SELECT (SELECT count(*) FROM cases) || ' ' ||
                (SELECT count(*) FROM visits) || ' ' ||
                (SELECT count(*) FROM services) || ' ' ||
                (SELECT count(*) FROM outbox)"
}
snapshot() { sqlite3 "$DB" .dump | sha256sum; }

# bad CODE ERE DESC CMD...: CMD exits CODE with one line on stderr matching
# ERE, prints nothing, and writes nothing.
bad() {
    local code=$1 re=$2 desc=$3 p0 c0 s0
    shift 3
    p0=$(pending)
    c0=$(counts)
    s0=$(snapshot)
    exits "$code" "$desc: exits $code" "$@"
    is "$(grep -c '' "$ERR_FILE")" 1 "$desc: one line on stderr"
    like "$ERR" "$re" "$desc: the message names it"
    is "$OUT" "" "$desc: nothing on stdout"
    is "$(pending)" "$p0" "$desc: pending_changes unchanged"
    is "$(counts)" "$c0" "$desc: row counts unchanged"
    is "$(snapshot)" "$s0" "$desc: replica unchanged"
}

# usage DESC CMD...: exits 64, says something on stderr, writes nothing.
usage() {
    local desc=$1 s0
    shift
    s0=$(snapshot)
    exits 64 "$desc: exits 64" "$@"
    isnt "$ERR" "" "$desc: says why on stderr"
    is "$OUT" "" "$desc: nothing on stdout"
    is "$(snapshot)" "$s0" "$desc: replica unchanged"
}

cd "$T" || bail_out "cannot cd to $T"

# ---- init ------------------------------------------------------------------

exits 0 "init creates a replica" \
    sw init --station A01 --server http://county.example:8080
like "$OUT" "created replica" "init says what it made"
ok "the replica file exists" test -f "$DB"
is "$(stat -c %a "$DB")" 600 "the replica is mode 0600"
sum=$(sha256sum <"$DB")
exits 73 "a second init exits 73" \
    sw init --station B02 --server http://elsewhere.example
like "$ERR" "already exists" "a second init says the file exists"
is "$(sha256sum <"$DB")" "$sum" "a second init leaves the file unchanged"
exits 0 "status after the refused init" sw status --json
is "$(pyjson 'd["station"]' <<<"$OUT")" A01 "the first init's station stays"

(umask 000 && "$SWSYNC" --db "$T/umask.db" init --station U1 \
    --server http://x.example >/dev/null)
is "$(stat -c %a "$T/umask.db")" 600 "0600 even with umask 000"

usage "init without --station" \
    "$SWSYNC" --db "$T/none.db" init --server http://x.example
usage "init with a bad station code" \
    "$SWSYNC" --db "$T/none.db" init --station 'A 01' --server http://x.example
usage "init with a non-http server" \
    "$SWSYNC" --db "$T/none.db" init --station A01 --server ftp://x.example
ok "no file is left by a refused init" test ! -e "$T/none.db"

# ---- which file: --db, then $SWSYNC_DB, then ./station.db -------------------

mkdir -p "$T/d1" "$T/d2" "$T/empty"
cd "$T/d1" || bail_out "cd d1"
exits 0 "init with neither --db nor SWSYNC_DB" \
    "$SWSYNC" init --station D1 --server http://x.example
ok "... makes ./station.db" test -f "$T/d1/station.db"
cd "$T/d2" || bail_out "cd d2"
exits 0 "init with SWSYNC_DB" \
    env SWSYNC_DB="$T/env.db" "$SWSYNC" init --station ENV \
    --server http://x.example
ok "... makes \$SWSYNC_DB" test -f "$T/env.db"
ok "... and no ./station.db" test ! -e "$T/d2/station.db"
envsum=$(sha256sum <"$T/env.db")
exits 0 "init with --db and SWSYNC_DB" \
    env SWSYNC_DB="$T/env.db" "$SWSYNC" --db "$T/opt.db" init --station OPT \
    --server http://x.example
ok "... makes the --db file" test -f "$T/opt.db"
is "$(sha256sum <"$T/env.db")" "$envsum" "... and leaves \$SWSYNC_DB alone"
ok "... and no ./station.db" test ! -e "$T/d2/station.db"

cd "$T/d1" || bail_out "cd d1"
exits 0 "status with no --db" "$SWSYNC" status --json
is "$(pyjson 'd["station"]' <<<"$OUT")" D1 "no --db, no SWSYNC_DB: ./station.db"
exits 0 "status with an empty SWSYNC_DB" env SWSYNC_DB= "$SWSYNC" status --json
is "$(pyjson 'd["station"]' <<<"$OUT")" D1 "an empty SWSYNC_DB: ./station.db"
exits 0 "status with SWSYNC_DB" env SWSYNC_DB="$T/env.db" "$SWSYNC" status --json
is "$(pyjson 'd["station"]' <<<"$OUT")" ENV "SWSYNC_DB beats ./station.db"
exits 0 "status with --db and SWSYNC_DB" \
    env SWSYNC_DB="$T/env.db" "$SWSYNC" --db "$T/opt.db" status --json
is "$(pyjson 'd["station"]' <<<"$OUT")" OPT "--db beats SWSYNC_DB"
cd "$T/empty" || bail_out "cd empty"
exits 66 "no replica anywhere: exits 66" "$SWSYNC" status
like "$ERR" "swsync init" "... and says how to make one"
ok "... without creating one" test ! -e "$T/empty/station.db"
cd "$T" || bail_out "cd $T"

# ---- status --json ---------------------------------------------------------

exits 0 "status --json" sw status --json
is "$(pyjson 'type(d).__name__' <<<"$OUT")" dict "status --json is an object"
is "$(pyjson 'd["station"]' <<<"$OUT")" A01 "status: station"
is "$(pyjson 'd["server"]' <<<"$OUT")" http://county.example:8080 \
    "status: server"
is "$(pyjson 'd["schema_version"]' <<<"$OUT")" "$(sql 'PRAGMA user_version')" \
    "status: schema_version is the file's user_version"
like "$(pyjson 'd["schema_version"]' <<<"$OUT")" '^[1-9][0-9]*$' \
    "status: schema_version is a positive integer"
is "$(pyjson 'd["pending_changes"]' <<<"$OUT")" 0 \
    "status: no pending changes in a new replica"
is "$(pyjson 'type(d["pending_changes"]).__name__' <<<"$OUT")" int \
    "status: pending_changes is a number"
exits 0 "status (text)" sw status
like "$OUT" "pending changes: +0" "status text shows pending changes"

# ---- cases -----------------------------------------------------------------

NOTES=$'第一行：王五说"你好"\n第二行 \'单引号\' \\ 反斜杠\t制表\n第三行 😀 {"json": [1]}'
printf '%s' "$NOTES" >"$T/notes.txt"

exits 0 "case add" sw case add name=王五 category=elderly_alone village=东村 \
    phone=13800138000 id_number=11010519491231002X birth_date=1949-12-31 \
    "notes=$NOTES"
C1=$OUT
like "$C1" "$UUID_RE" "case add prints a UUIDv7"
ok "case add prints only the id and a newline" \
    cmp -s "$OUT_FILE" <(printf '%s\n' "$C1")
is "$ERR" "" "case add prints nothing on stderr"

exits 0 "case show --json" sw case show "$C1" --json
is "$(pyjson 'type(d).__name__' <<<"$OUT")" dict "case show --json is an object"
is "$(pyjson '",".join(d)' <<<"$OUT")" \
    id,station,name,gender,birth_date,id_number,phone,village,address,category,risk_level,status,worker,opened_on,closed_on,notes,guardian_name,guardian_relation,guardian_phone,hukou_type \
    "case show --json has id, station and every field"
is "$(pyjson 'd["id"]' <<<"$OUT")" "$C1" "show: id"
is "$(pyjson 'd["station"]' <<<"$OUT")" A01 "show: the replica's station"
is "$(pyjson 'd["name"]' <<<"$OUT")" 王五 "show: Chinese name"
is "$(pyjson 'd["village"]' <<<"$OUT")" 东村 "show: Chinese village"
is "$(pyjson 'd["notes"] == open(a[0], encoding="utf-8").read()' "$T/notes.txt" \
    <<<"$OUT")" true \
    "show: notes with newlines, quotes, tab, backslash, emoji round-trip"
is "$(pyjson 'd["id_number"]' <<<"$OUT")" 11010519491231002X "show: id_number"
is "$(pyjson 'd["risk_level"] + " " + d["status"]' <<<"$OUT")" "low open" \
    "show: risk_level and status defaults"
is "$(pyjson 'd["opened_on"]' <<<"$OUT")" "$TODAY" "show: opened_on defaults to today"
is "$(pyjson 'd["gender"]' <<<"$OUT")" null "show: an unset field is null"

exits 0 "case show (text)" sw case show "$C1"
is "$(grep -c '' "$OUT_FILE")" 12 "show text: one line per set field (+ id, station)"
is "$(grep '^notes: ' "$OUT_FILE")" \
    'notes: 第一行：王五说"你好"\n第二行 '"'单引号' \\\\ 反斜杠\\t制表\\n第三行 😀 {\"json\": [1]}" \
    "show text: newlines, tabs and backslashes escaped on one line"

exits 0 "case add (2)" sw case add name=李四 category=disabled village=西村 \
    risk_level=high
C2=$OUT
exits 0 "case add (3)" sw case add name=赵六 category=other village=东村 \
    gender=female
C3=$OUT

exits 0 "case list" sw case list
is "$(cut -f1 "$OUT_FILE" | tr '\n' ' ')" "$C1 $C2 $C3 " \
    "case list: every case, in order"
is "$(grep "^$C2" "$OUT_FILE")" "$(printf '%s\t' "$C2" 李四 西村 disabled high)open" \
    "case list: the list columns, tab-separated"
exits 0 "case list --json" sw case list --json
is "$(pyjson 'type(d).__name__' <<<"$OUT")" list "case list --json is an array"
is "$(pyjson '" ".join(r["id"] for r in d)' <<<"$OUT")" "$C1 $C2 $C3" \
    "case list --json: every case"
is "$(pyjson 'd[1]["name"]' <<<"$OUT")" 李四 "case list --json: fields"

exits 0 "list --where village=东村" sw case list --json --where village=东村
is "$(pyjson '" ".join(r["id"] for r in d)' <<<"$OUT")" "$C1 $C3" \
    "--where picks the matching cases"
exits 0 "list --where=village=西村" sw case list --where=village=西村
is "$(cut -f1 "$OUT_FILE")" "$C2" "--where=FIELD=VALUE works too"
exits 0 "list with two --where" sw case list --json --where village=东村 \
    --where gender=female
is "$(pyjson '" ".join(r["id"] for r in d)' <<<"$OUT")" "$C3" \
    "two --where must both match"
exits 0 "list --where id=" sw case list --where "id=$C2"
is "$(cut -f1 "$OUT_FILE")" "$C2" "--where id=ID"
exits 0 "list --where station=A01" sw case list --json --where station=A01
is "$(pyjson 'len(d)' <<<"$OUT")" 3 "--where station=CODE"
exits 0 "list --where with no match" sw case list --json --where village=北村
is "$OUT" "[]" "no match: an empty JSON array"
exits 0 "list --where with no match (text)" sw case list --where village=北村
is "$OUT" "" "no match: no lines"
exits 0 "list --where gender= (empty)" sw case list --json --where gender=
is "$(pyjson '" ".join(r["id"] for r in d)' <<<"$OUT")" "$C1 $C2" \
    "--where FIELD= picks the records where the field is empty"
exits 65 "list --where with a value the field cannot hold" \
    sw case list --where risk_level=extreme
like "$ERR" "cases.risk_level" "the message names the field"

exits 0 "case set" sw case set "$C2" "phone=+86 138-0013-8000" worker=小陈 \
    status=closed closed_on=2026-02-28
is "$OUT" "" "case set prints nothing"
exits 0 "show after set" sw case show "$C2" --json
is "$(pyjson 'd["phone"] + "|" + d["worker"] + "|" + d["status"] + "|" + d["closed_on"]' \
    <<<"$OUT")" "+86 138-0013-8000|小陈|closed|2026-02-28" "set changed the fields"
is "$(pyjson 'd["name"]' <<<"$OUT")" 李四 "set left the others"
exits 0 "case set FIELD= clears" sw case set "$C2" phone=
exits 0 "show after clearing" sw case show "$C2" --json
is "$(pyjson 'd["phone"]' <<<"$OUT")" null "FIELD= made the field null"

exits 0 "status before delete" sw status --json
is "$(pyjson 'd["cases"]' <<<"$OUT")" 3 "status counts 3 cases"
p0=$(pending)
exits 0 "case delete" sw case delete "$C3"
is "$OUT" "" "delete prints nothing"
is "$(pending)" $((p0 + 1)) "delete is one pending change"
exits 65 "show after delete exits 65" sw case show "$C3"
like "$ERR" "not found" "show after delete: not found"
exits 0 "list after delete" sw case list --json
is "$(pyjson '" ".join(r["id"] for r in d)' <<<"$OUT")" "$C1 $C2" \
    "delete hides the case from list"
exits 0 "list --where after delete" sw case list --where "id=$C3"
is "$OUT" "" "delete hides the case from list --where id="
is "$(sql "SELECT deleted FROM cases WHERE id = '$C3'")" 1 \
    "the tombstone stays in the file"
exits 0 "status after delete" sw status --json
is "$(pyjson 'd["cases"]' <<<"$OUT")" 2 "status counts 2 cases"

# ---- visits ----------------------------------------------------------------

exits 0 "visit add" sw visit add "case=$C1" mode=home \
    visited_at=2026-03-01T09:30 follow_up=1 worker=小李 "findings=$NOTES"
V1=$OUT
like "$V1" "$UUID_RE" "visit add prints a UUIDv7"
ok "visit add prints only the id" cmp -s "$OUT_FILE" <(printf '%s\n' "$V1")
exits 0 "visit add with case_id= and defaults" sw visit add "case_id=$C1" \
    mode=phone
V2=$OUT
exits 0 "visit show --json" sw visit show "$V1" --json
is "$(pyjson '",".join(d)' <<<"$OUT")" \
    id,station,case_id,visited_at,worker,mode,purpose,findings,follow_up,next_visit_on \
    "visit show --json has every field"
is "$(pyjson 'd["case_id"]' <<<"$OUT")" "$C1" "visit: case_id"
is "$(pyjson 'd["station"]' <<<"$OUT")" A01 "visit: its case's station"
is "$(pyjson 'd["visited_at"]' <<<"$OUT")" 2026-03-01T09:30 "visit: visited_at"
is "$(pyjson 'd["follow_up"]' <<<"$OUT")" 1 "visit: follow_up is the number 1"
is "$(pyjson 'd["findings"] == open(a[0], encoding="utf-8").read()' \
    "$T/notes.txt" <<<"$OUT")" true "visit: findings round-trip"
exits 0 "visit show (2)" sw visit show "$V2" --json
is "$(pyjson 'd["visited_at"] + " " + str(d["follow_up"])' <<<"$OUT")" \
    "$TODAY 0" "visit defaults: today, follow_up 0"
exits 0 "visit list --json" sw visit list --json
is "$(pyjson '" ".join(r["id"] for r in d)' <<<"$OUT")" "$V1 $V2" \
    "visit list --json"
exits 0 "visit list --where case=" sw visit list --where "case=$C1"
is "$(cut -f1 "$OUT_FILE" | tr '\n' ' ')" "$V1 $V2 " "visit list --where case=ID"
exits 0 "visit list --where follow_up=1" sw visit list --where follow_up=1
is "$(cut -f1 "$OUT_FILE")" "$V1" "visit list --where on an integer field"
exits 0 "visit set" sw visit set "$V2" purpose=回访 next_visit_on=2026-04-01
exits 0 "visit show after set" sw visit show "$V2" --json
is "$(pyjson 'd["purpose"] + " " + d["next_visit_on"]' <<<"$OUT")" \
    "回访 2026-04-01" "visit set changed the fields"
exits 0 "visit delete" sw visit delete "$V2"
exits 65 "visit show after delete exits 65" sw visit show "$V2"
exits 0 "visit list after delete" sw visit list
is "$(cut -f1 "$OUT_FILE")" "$V1" "visit delete hides it from list"

# a case another program wrote for another station: its visits follow it
sql "INSERT INTO cases (station, name, category) VALUES ('B02', '外站', 'other')"
CB=$(sql "SELECT id FROM cases WHERE station = 'B02'")
like "$CB" "$UUID_RE" "a case inserted without an id gets a UUIDv7"
exits 0 "visit add for another station's case" sw visit add "case=$CB" mode=office
exits 0 "... show" sw visit show "$OUT" --json
is "$(pyjson 'd["station"]' <<<"$OUT")" B02 "a visit gets its case's station"

# ---- services --------------------------------------------------------------

exits 0 "service add" sw service add "case=$C1" service_type=低保申请 minutes=30 \
    amount=150.50 provider=民政所 "notes=$NOTES"
S1=$OUT
like "$S1" "$UUID_RE" "service add prints a UUIDv7"
exits 0 "service show --json" sw service show "$S1" --json
is "$(pyjson '",".join(d)' <<<"$OUT")" \
    id,station,case_id,service_on,service_type,provider,minutes,amount,outcome,notes \
    "service show --json has every field"
is "$(pyjson 'd["minutes"]' <<<"$OUT")" 30 "service: minutes is a number"
is "$(pyjson 'type(d["minutes"]).__name__' <<<"$OUT")" int \
    "service: minutes is an integer"
is "$(pyjson 'd["amount"]' <<<"$OUT")" 150.50 "service: amount kept as text"
is "$(pyjson 'd["service_on"]' <<<"$OUT")" "$TODAY" "service: service_on today"
is "$(pyjson 'd["service_type"]' <<<"$OUT")" 低保申请 "service: Chinese type"
is "$(pyjson 'd["notes"] == open(a[0], encoding="utf-8").read()' \
    "$T/notes.txt" <<<"$OUT")" true "service: notes round-trip"
exits 0 "service add (2)" sw service add "case=$C2" service_type=转介 amount=0
S2=$OUT
exits 0 "service set" sw service set "$S1" amount=200 minutes=45 outcome=已批准
exits 0 "service show after set" sw service show "$S1" --json
is "$(pyjson 'd["amount"] + " " + str(d["minutes"]) + " " + d["outcome"]' \
    <<<"$OUT")" "200 45 已批准" "service set changed the fields"
exits 0 "service list --where case=" sw service list --json --where "case=$C2"
is "$(pyjson '" ".join(r["id"] for r in d)' <<<"$OUT")" "$S2" \
    "service list --where case=ID"
exits 0 "service delete" sw service delete "$S2"
exits 65 "service show after delete exits 65" sw service show "$S2"
exits 0 "service list after delete" sw service list --json
is "$(pyjson '" ".join(r["id"] for r in d)' <<<"$OUT")" "$S1" \
    "service delete hides it from list"

# ---- bad input: exit 65, one line naming the field, nothing written --------

bad 65 'cases\.colour: no such field' "unknown field (add)" \
    sw case add name=X category=other colour=red
bad 65 'cases\.colour' "unknown field (set)" sw case set "$C1" colour=red
bad 65 'cases\.colour' "unknown field (list --where)" \
    sw case list --where colour=red
bad 65 'cases\.deleted' "the tombstone is not a field" \
    sw case set "$C1" deleted=1
bad 65 'cases\.birth_date: .*2023-02-29' "impossible date (add)" \
    sw case add name=X category=other birth_date=2023-02-29
bad 65 'cases\.birth_date' "month 13 (set)" sw case set "$C1" birth_date=2026-13-01
bad 65 'cases\.birth_date' "unpadded date" sw case set "$C1" birth_date=2026-1-01
bad 65 'visits\.visited_at' "hour 24" \
    sw visit add "case=$C1" mode=home visited_at=2026-03-01T24:00
bad 65 'cases\.risk_level: .*extreme' "enum value outside the set" \
    sw case add name=X category=other risk_level=extreme
bad 65 'visits\.mode' "visit mode outside the set" sw visit set "$V1" mode=email
bad 65 'cases\.id_number: .*check digit' "wrong id_number check digit" \
    sw case add name=X category=other id_number=110105194912310021
bad 65 'cases\.id_number' "17-digit id_number" \
    sw case set "$C1" id_number=11010519491231002
bad 65 'cases\.phone' "not a phone number" sw case set "$C1" phone=abc
bad 65 'cases\.category: is required' "required field missing" \
    sw case add name=X
bad 65 'cases\.name' "required field cleared" sw case set "$C1" name=
bad 65 'cases\.name: longer than 100' "name of 101 characters" \
    sw case set "$C1" "name=$(printf '张%.0s' $(seq 101))"
bad 65 'cases\.name: given twice' "field given twice" \
    sw case add name=A name=B category=other
bad 65 'cases\.name: not valid UTF-8' "invalid UTF-8" \
    sw case set "$C1" "name=$(printf 'ab\xffcd')"
bad 65 "visits\.case_id: no case with id $NOBODY" "visit for a missing case" \
    sw visit add "case=$NOBODY" mode=home
bad 65 'visits\.case_id' "visit for a malformed case id" \
    sw visit add case=abc mode=home
bad 65 'visits\.case: is required' "visit without a case" sw visit add mode=home
bad 65 "visits\.case_id: no case with id $C3" "visit for a deleted case" \
    sw visit add "case=$C3" mode=home
bad 65 "services\.case_id: no case with id $C3" "service for a deleted case" \
    sw service add "case=$C3" service_type=x
bad 65 'visits\.case_id: cannot change' "a visit's case cannot change" \
    sw visit set "$V1" "case=$C2"
bad 65 'services\.minutes' "negative minutes" sw service set "$S1" minutes=-1
bad 65 'services\.minutes' "too many minutes" sw service set "$S1" minutes=100001
bad 65 'services\.amount' "three decimals" sw service set "$S1" amount=1.234
bad 65 "case $NOBODY: not found" "set of an unknown id" \
    sw case set "$NOBODY" phone=110
bad 65 "case $NOBODY: not found" "show of an unknown id" sw case show "$NOBODY"
bad 65 "case $NOBODY: not found" "delete of an unknown id" \
    sw case delete "$NOBODY"
bad 65 "visit $NOBODY: not found" "visit show of an unknown id" \
    sw visit show "$NOBODY"
bad 65 "service $NOBODY: not found" "service delete of an unknown id" \
    sw service delete "$NOBODY"
bad 65 "case $C3: not found" "set of a deleted case" sw case set "$C3" phone=110
bad 65 "case $C3: not found" "delete of a deleted case" sw case delete "$C3"

# ---- usage errors: exit 64 -------------------------------------------------

usage "no command" sw
usage "unknown command" sw frobnicate
usage "unknown option" "$SWSYNC" --db "$DB" --frobnicate status
usage "case without a subcommand" sw case
usage "unknown subcommand" sw case frob
usage "add with no '='" sw case add name
usage "add with an empty field name" sw case add =x
usage "show without an id" sw case show
usage "show with two ids" sw case show "$C1" "$C2"
usage "set without a field" sw case set "$C1"
usage "delete without an id" sw case delete
usage "delete with two ids" sw case delete "$C1" "$C2"
usage "list with an unknown option" sw case list --frob
usage "list --where without a value" sw case list --where
usage "list --where without '='" sw case list --where village
usage "status with an argument" sw status --frob
usage "config without a subcommand" sw config

# ---- edits by another program (the sqlite3 shell) ---------------------------

exits 0 "case add (P)" sw case add name=甲 category=other
P=$OUT
exits 0 "case add (Q)" sw case add name=乙 category=other
Q=$OUT
# the outbox entries of one case, without its rid and times
outbox_of() {
    sql "SELECT group_concat(e, ' ') FROM (
           SELECT o.tbl || ':' || o.col || ':' || ifnull(o.base_hlc, '-') ||
                  ':' || ifnull(o.base_site, '-') || ':' || o.gen AS e
           FROM outbox o JOIN cases c ON o.tbl = 0 AND o.rid = c.rid
           WHERE c.id = '$1' ORDER BY o.col)"
}
p0=$(pending)
exits 0 "an edit through swsync" sw case set "$P" phone=13800138000
p1=$(pending)
is "$p1" $((p0 + 1)) "an edit through swsync is one pending change"
exits 0 "an edit through the sqlite3 shell" \
    sqlite3 "$DB" "UPDATE cases SET phone = '13800138000' WHERE id = '$Q'"
p2=$(pending)
is "$p2" $((p1 + 1)) "an edit through sqlite3 is one pending change too"
isnt "$(outbox_of "$Q")" "" "the sqlite3 edit is in the outbox"
is "$(outbox_of "$Q")" "$(outbox_of "$P")" \
    "its outbox entries are those of the same edit through swsync"
exits 0 "swsync sees the sqlite3 edit" sw case show "$Q" --json
is "$(pyjson 'd["phone"]' <<<"$OUT")" 13800138000 "show: the sqlite3 edit"
for v in 13900139000 13700137000 110; do
    sqlite3 "$DB" "UPDATE cases SET phone = '$v' WHERE id = '$Q'"
done
is "$(pending)" "$p2" "three more sqlite3 edits of one field: no new change"
is "$(sql "SELECT gen FROM outbox o JOIN cases c ON o.tbl = 0 AND
           o.rid = c.rid WHERE c.id = '$Q' AND o.gen > 1")" 4 \
    "... they are counted as generations of one entry"
for v in 13900139000 13700137000 110; do
    sw case set "$P" "phone=$v"
done
is "$(pending)" "$p2" "three more swsync edits of one field: no new change"
is "$(outbox_of "$Q")" "$(outbox_of "$P")" \
    "sqlite3 and swsync edits leave the same outbox entries"
sqlite3 "$DB" "UPDATE cases SET phone = '110' WHERE id = '$Q'"
is "$(pending)" "$p2" "writing the same value through sqlite3 is no change"
is "$(outbox_of "$Q")" "$(outbox_of "$P")" "... not even a new generation"

s0=$(snapshot)
fails "a bad value through sqlite3 is refused by the CHECK" \
    sqlite3 "$DB" "UPDATE cases SET birth_date = '2026-13-01' WHERE id = '$Q'"
like "$ERR" "CHECK constraint failed" "... with SQLite's CHECK message"
is "$(snapshot)" "$s0" "... and nothing is written"
fails "a wrong check digit through sqlite3 is refused" \
    sqlite3 "$DB" "UPDATE cases SET id_number = '110105194912310021' WHERE id = '$Q'"
fails "changing an id through sqlite3 is refused" \
    sqlite3 "$DB" "UPDATE cases SET id = '$NOBODY' WHERE id = '$Q'"
like "$ERR" "cannot change" "... by the identity trigger"
is "$(snapshot)" "$s0" "... and nothing is written"

exits 0 "DELETE through sqlite3" sqlite3 "$DB" "DELETE FROM cases WHERE id = '$Q'"
is "$(pending)" $((p2 + 1)) "a DELETE through sqlite3 is one pending change"
is "$(sql "SELECT deleted FROM cases WHERE id = '$Q'")" 1 \
    "a DELETE through sqlite3 leaves a tombstone"
exits 65 "swsync no longer shows it" sw case show "$Q"

# INSERT OR REPLACE, as a front-end saving a whole form might write it,
# would make SQLite delete the old row without any delete trigger (and so
# without capture): the replica refuses it, and nothing changes.
exits 0 "case add (R)" sw case add name=丙 category=other phone=110 village=南村
R=$OUT
before=$(sql "SELECT count(*) FROM outbox")
fails "INSERT OR REPLACE through sqlite3 is refused" sqlite3 "$DB" \
    "INSERT OR REPLACE INTO cases (id, station, name, category)
     VALUES ('$R', 'A01', '丙', 'other')"
like "$ERR" "a record with this id exists" "the refusal says why"
exits 0 "swsync shows the case unchanged" sw case show "$R" --json
is "$(pyjson 'd["phone"]' <<<"$OUT")" 110 "phone is still there"
is "$(sql "SELECT count(*) FROM outbox")" "$before" "nothing was captured"
is "$(sql "SELECT count(*) FROM outbox WHERE tbl = 0 AND
           rid NOT IN (SELECT rid FROM cases)")" 0 \
    "no outbox entry points at a row that is gone"

# ---- --help ----------------------------------------------------------------

cd "$T/empty" || bail_out "cd empty"
for h in --help -h; do
    exits 0 "swsync $h" "$SWSYNC" $h
    like "$OUT" "^usage: swsync" "swsync $h prints the usage"
    is "$ERR" "" "swsync $h: nothing on stderr"
done
for c in init case visit service status config; do
    for h in --help -h; do
        exits 0 "swsync $c $h (no replica needed)" "$SWSYNC" $c $h
        like "$OUT" "^usage: swsync \[--db FILE\] $c" "swsync $c $h: its usage"
    done
done
exits 0 "swsync --version" "$SWSYNC" --version
like "$OUT" '^swsync [0-9]+\.[0-9]+' "swsync --version prints the version"
ok "--help created no replica" test ! -e "$T/empty/station.db"
exits 0 "swsync case add --help without a replica" "$SWSYNC" case add --help
cd "$T" || bail_out "cd $T"
for n in case visit service; do
    for v in add set show list delete; do
        exits 0 "swsync $n $v --help" sw $n $v --help
        like "$OUT" "^usage: swsync \[--db FILE\] $n" "swsync $n $v --help: usage"
    done
done

# ---- files swsync will not open --------------------------------------------

"$SWSYNC" --db "$T/v99.db" init --station A01 --server http://x.example \
    >/dev/null
sqlite3 "$T/v99.db" "PRAGMA user_version = 99"
sum=$(sha256sum <"$T/v99.db")
exits 78 "a replica with user_version 99 is refused with 78" \
    "$SWSYNC" --db "$T/v99.db" status
like "$ERR" "newer" "... and the message says it is newer"
is "$(grep -c '' "$ERR_FILE")" 1 "... on one line"
exits 78 "... by the record commands too" "$SWSYNC" --db "$T/v99.db" case list
is "$(sqlite3 "$T/v99.db" 'PRAGMA user_version')" 99 "... which leave it at 99"
is "$(sha256sum <"$T/v99.db")" "$sum" "... and unchanged"

printf 'not a database\n%.0s' $(seq 200) >"$T/junk.db"
exits 78 "a file that is no database is refused with 78" \
    "$SWSYNC" --db "$T/junk.db" status
like "$ERR" "not a swsync station replica" "... and says so"
sqlite3 "$T/plain.db" "CREATE TABLE cases (name TEXT)"
exits 78 "another program's SQLite file is refused with 78" \
    "$SWSYNC" --db "$T/plain.db" case list
"$SWSYNC" --db "$T/county.db" init --station A01 --server http://x.example \
    >/dev/null
sqlite3 "$T/county.db" "PRAGMA application_id = $((0x5357434f))"
exits 78 "a county store is refused by swsync with 78" \
    "$SWSYNC" --db "$T/county.db" status
like "$ERR" "other kind" "... and says it is the other kind"

done_testing
