#!/bin/bash
# e2e-read-audit.sh — who read what (issue 13 items 3 and 6), with the
# real binaries on 127.0.0.1 and curl: every view of a person's record by
# a county admin — the console's record page, its search, the console
# API, the CLI's show, list and search — is in the audit with who, what
# (the record, or how many) and from where; the console masks the ID
# number and the phone until "show" is asked, and that is audited apart;
# the audit filters by record and by admin and comes out as CSV.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

for tool in python3 curl; do
    command -v $tool >/dev/null || skip_all "$tool not installed"
done

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
token() { local f=$T/$1.token; cat >"$f"; chmod 600 "$f"; }
q() { python3 -c 'import countydb,sys; r=countydb.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print(r[0] if r else "")' "$CDB" "$1"; }
ME=cli:$(id -un)
JAR=$T/jar
web() {
    local m=$1 p=$2
    shift 2
    rm -f "$T/body" "$T/headers"
    CODE=$(curl -s -X "$m" -b "$JAR" -c "$JAR" "$@" -D "$T/headers" \
        -o "$T/body" -w '%{http_code}' "$URL$p")
    BODY=$(cat "$T/body" 2>/dev/null)
    HDRS=$(tr -d '\r' <"$T/headers" 2>/dev/null)
}
cheap_admin() {
    python3 - "$CDB" "$1" "$2" <<'PY'
import hashlib, os, sys, time
import countydb
db, name, pw = sys.argv[1:4]
salt = os.urandom(16)
h = hashlib.pbkdf2_hmac("sha256", pw.encode(), salt, 1000)
c = countydb.connect(db)
c.execute("INSERT INTO admins (name, pw_hash, created_at, created_by) "
          "VALUES (?, ?, ?, 'test')",
          (name, "pbkdf2-sha256$1000$%s$%s" % (salt.hex(), h.hex()),
           int(time.time() * 1000)))
c.commit()
PY
}
last() { q "SELECT $1 FROM audit ORDER BY id DESC LIMIT 1"; }

IDNUM=11010519491231002X
PHONE=13911112222

exits 0 "county init" C init --county C01
cheap_admin bob "bob password 1"
C station add A --name 东风镇 | token a1
county_start "$CDB"
exits 0 "init replica" S a1 init --station A --server "$URL" \
    --token-file "$T/a1.token"
exits 0 "a person" S a1 case add name=欧阳青松 category=elderly_alone \
    id_number=$IDNUM phone=$PHONE
X=$OUT
exits 0 "another" S a1 case add name=王五 category=disabled
Y=$OUT
exits 0 "sync" S a1 sync --quiet

web POST /admin/login --data-urlencode "user=bob" \
    --data-urlencode "password=bob password 1"
is "$CODE" 303 "bob signs in"

# ---- the record page: masked, the view audited --------------------------------

web GET "/admin/records/cases/$X"
is "$CODE" 200 "the record page"
like "$BODY" "1101\*{10}002X" "the ID number masked"
like "$BODY" "139\*{4}2222" "the phone masked"
unlike "$BODY" "$IDNUM" "not the whole ID number"
unlike "$BODY" "$PHONE" "not the whole phone"
like "$BODY" 'id="reveal"' "a link to show them"
is "$(last "actor || '|' || action || '|' || target || '|' || source")" \
    "bob|view|cases/$X|127.0.0.1" "the view is audited: who, what, from where"

web GET "/admin/records/cases/$X?reveal=1"
like "$BODY" "$IDNUM" "show: the whole ID number"
like "$BODY" "$PHONE" "and the phone"
is "$(last "action || '|' || target")" "reveal|cases/$X" "showing them is audited apart"

# ---- search, the console API, the CLI ------------------------------------------

web GET "/admin/records?q=%E6%AC%A7%E9%98%B3"
like "$BODY" "欧阳青松" "the search finds the person"
is "$(last "actor || '|' || action || '|' || details")" "bob|search|search: 1 cases" \
    "a search is audited with how many it showed"
web GET "/admin/api/cases?q=%E6%AC%A7%E9%98%B3"
is "$CODE" 200 "the console API's search"
is "$(last "action || '|' || details")" "search|api search: 1 cases" "audited"
exits 0 "CLI show" C case show "$X"
is "$(last "actor || '|' || action || '|' || target || '|' || source")" \
    "$ME|view|cases/$X|cli" "CLI show audited"
exits 0 "CLI list --json" C case list --json
is "$(last "action || '|' || target || '|' || details")" "search|cases|cli: 2 records" \
    "CLI list audited with how many"
exits 0 "CLI search" C case search 欧阳 --json
is "$(last "action || '|' || details")" "search|cli: 1 records" "CLI search audited"
exits 0 "CLI export" C export cases
is "$(last "action")" export "CLI export audited (as before)"
exits 65 "CLI show of nothing" C case show 01890000-0000-7000-8000-000000000000
isnt "$(last "action")" view "a failed show is not a view"

# ---- the audit page: by record, by admin, CSV ------------------------------------

web GET "/admin/records/cases/$Y"
web GET "/admin/audit?record=$X"
is "$CODE" 200 "the audit page by record"
like "$BODY" "cases/$X" "shows the person's entries"
unlike "$BODY" "cases/$Y" "and not another's"
web GET "/admin/audit?actor=bob&format=csv&limit=10000"
is "$(grep -i '^content-type:' <<<"$HDRS" | cut -d' ' -f2-)" \
    "text/csv; charset=utf-8" "CSV export"
is "$(head -n1 <<<"$BODY" | tr -d '\r')" "at,actor,source,action,target,details" \
    "with a header"
is "$(tail -n +2 <<<"$BODY" | grep -vc '"bob"')" 0 "only bob's rows"
like "$BODY" "\"reveal\",\"cases/$X\"" "including the reveal"
exits 0 "CLI audit --record --csv" C audit --record "$X" --csv --limit 100
is "$(tail -n +2 <<<"$OUT" | wc -l)" 3 "the person's three entries (view, reveal, CLI show)"

# ---- the station's audit lines reach the county audit -------------------------

exits 0 "the station exports its cases" S a1 export cases -o "$T/a1.csv"
rm -f "$T/a1.csv"
exits 0 "the station syncs" S a1 sync --quiet
is "$(q "SELECT count(*) FROM audit WHERE action = 'station_export'")" 1 \
    "the station's export is in the county audit"
like "$(q "SELECT actor || '|' || source FROM audit WHERE action = 'station_export'")" \
    "^A-[^|]*:cli:$(id -un)\|station A-" "who (replica and user) and from which replica"
exits 0 "the station syncs again" S a1 sync --quiet
is "$(q "SELECT count(*) FROM audit WHERE action = 'station_export'")" 1 \
    "each line is stored once"
is "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT value FROM config WHERE key = '"'"'audit_sent'"'"'").fetchone()[0])' "$T/a1.db")" \
    "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT max(id) FROM local_audit").fetchone()[0])' "$T/a1.db")" \
    "the station remembers the last line acknowledged"
web GET "/admin/audit"
like "$BODY" "station_export" "the audit page shows it"

# ---- the console's purge button, behind a typed confirmation ------------------

web GET "/admin/records/cases/$Y"
like "$BODY" 'id="purge-form"' "the record page has the purge form"
CSRF=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' <<<"$BODY" | head -n1)
web POST "/admin/records/cases/$Y/purge" --data-urlencode "csrf=$CSRF" \
    --data-urlencode "confirm=王六" --data-urlencode "reason=test"
is "$CODE" 400 "a confirmation that is not the name: refused"
ok "... and nothing erased" C case show "$Y"
web POST "/admin/records/cases/$Y/purge" --data-urlencode "csrf=$CSRF" \
    --data-urlencode "confirm=王五" --data-urlencode "reason=本人申请"
is "$CODE" 303 "the person's name confirms"
exits 65 "the person is erased" C case show "$Y"
is "$(q "SELECT actor || '|' || action || '|' || source FROM audit WHERE action = 'purge'")" \
    "bob|purge|127.0.0.1" "the console's purge is audited"
is "$(q "SELECT admin FROM purged WHERE id = '$Y'")" bob "the tombstone names the admin"

done_testing
