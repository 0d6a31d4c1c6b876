#!/bin/bash
# e2e-author.sh — who wrote a value, with the real binaries on 127.0.0.1:
# a write with an author on one replica (swsync --author, what the
# station console does for its signed-in worker), a concurrent write by
# another worker on a second replica; both sync; the county's conflict
# (CLI, JSON, the console's conflict view) names both writers; pulled
# authors are visible at the other replica; a CLI write has none; a
# resolution is the resolving admin's write (kept at the county, not sent
# to the stations); a version 1 file is migrated.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

command -v sqlite3 >/dev/null || bail_out "the sqlite3 shell is needed"

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
token() { local f=$T/$1.token; cat >"$f"; chmod 600 "$f"; }
sync_ok() { exits 0 "$1 syncs${2:+ ($2)}" S "$1" sync --quiet; }
authors() { S "$1" case show "$2" --authors --json; }

exits 0 "county init" C init --county C01
C station add A --name 东风镇 | token a1
C station token A --device laptop | token a2
county_start "$CDB"
for r in a1 a2; do
    exits 0 "init replica $r" S "$r" init --station A --server "$URL" \
        --token-file "$T/$r.token"
done

# ---- an author's write travels -------------------------------------------

exits 0 "张三 adds a case on the office PC" S a1 --author 张三 case add \
    name=王五 category=elderly_alone village=东村
X=$OUT
exits 0 "a CLI write without an author" S a1 case set "$X" notes=无
exits 65 "an author with a control character is refused" \
    S a1 --author $'a\tb' case set "$X" notes=坏
is "$(S a1 case show "$X" --json | json 'd["notes"]')" 无 "... and nothing was written"
sync_ok a1
sync_ok a2
exits 0 "the laptop shows who wrote each field" authors a2 "$X"
is "$(json 'd.get("name"), d.get("village"), d.get("category")' <<<"$OUT")" \
    "张三 张三 张三" "... the pulled fields carry 张三"
is "$(json '"notes" in d' <<<"$OUT")" False "... the CLI write carries nobody"
exits 0 "show --authors in text" S a2 case show "$X" --authors
like "$OUT" $'(^|\n)name: 张三(\n|$)' "... one FIELD: NAME line a field"
is "$(csql "$CDB" "SELECT count(*) FROM field_versions WHERE author = '张三'")" 6 \
    "the county keeps the author of each field version (the three given, three defaults)"

# ---- concurrent writes by two workers ------------------------------------

exits 0 "张三 changes the phone on the office PC" \
    S a1 --author 张三 case set "$X" phone=13911112222
exits 0 "李四 changes it on the laptop" \
    S a2 --author 李四 case set "$X" phone=13700003333
sync_ok a1
sync_ok a2
sync_ok a1 "learns the conflict"

exits 0 "conflicts list --json" C conflicts list --json
CONF=$OUT
is "$(json 'len(d)' <<<"$CONF")" 1 "one open conflict"
is "$(json 'sorted([d[0]["winner_author"], d[0]["loser_author"]])' <<<"$CONF")" \
    "['张三', '李四']" "the county's conflict names both writers"
CID=$(json 'd[0]["id"]' <<<"$CONF")
WA=$(json 'd[0]["winner_author"]' <<<"$CONF")
WV=$(json 'd[0]["winner_value"]' <<<"$CONF")
LA=$(json 'd[0]["loser_author"]' <<<"$CONF")
LV=$(json 'd[0]["loser_value"]' <<<"$CONF")
[ "$WV" = 13700003333 ] && w_ok=李四 || w_ok=张三
is "$WA" "$w_ok" "... the winner's writer goes with the winner's value"
exits 0 "conflicts show" C conflicts show "$CID"
like "$OUT" "winner: $WV"$'\n'"  version: [0-9]+@[A-Za-z0-9-]+"$'\n'"  written by: $WA" \
    "conflicts show: who wrote the winner"
like "$OUT" "loser: $LV"$'\n'"  version: [0-9]+@[A-Za-z0-9-]+"$'\n'"  written by: $LA" \
    "... and who wrote the loser"
exits 0 "the office replica's conflicts" S a1 conflicts --json
is "$(json '(d[0]["winner_author"], d[0]["loser_author"])' <<<"$OUT")" \
    "('$WA', '$LA')" "the station learns both writers from the county"

# ---- the county console's conflict view ------------------------------------

exits 0 "an admin account" C admin add alice --password-stdin <<<"correct horse 1"
JAR=$T/jar
web() {
    local m=$1 p=$2
    shift 2
    CODE=$(curl -s -X "$m" -b "$JAR" -c "$JAR" "$@" -o "$T/body" \
        -w '%{http_code}' "$URL$p")
    BODY=$(cat "$T/body")
}
web POST /admin/login --data-urlencode user=alice \
    --data-urlencode "password=correct horse 1"
is "$CODE" 303 "alice logs in"
web GET "/admin/conflicts/$CID"
is "$CODE" 200 "the conflict page"
like "$BODY" "<span class=\"author\" id=\"winner-author\">$WA</span>" \
    "the conflict page says who wrote the winner"
like "$BODY" "<span class=\"author\" id=\"loser-author\">$LA</span>" \
    "... and the loser"
web GET "/admin/conflicts"
like "$BODY" "<span class=\"sub author\">$WA</span>" "the conflicts list names the writers"
like "$BODY" "<span class=\"sub author\">$LA</span>" "... both"

# ---- a resolution is the admin's write ---------------------------------------

exits 0 "resolve keeping the loser" C conflicts resolve "$CID" --keep loser --by alice
sync_ok a1
exits 0 "the office's authors" authors a1 "$X"
is "$(json 'd.get("phone")' <<<"$OUT")" None \
    "the resolved value is the county's: the admin's name is not sent"
is "$(json 'd.get("name")' <<<"$OUT")" 张三 "... the other fields by whom they were"
is "$(csql "$CDB" "SELECT f.author FROM field_versions AS f JOIN cases AS c
    ON c.rid = f.rid WHERE f.tbl = 0 AND f.col = 4 AND c.id = '$X'")" alice \
    "the county keeps that alice wrote it"

# ---- a replica file of schema version 1 is migrated ---------------------------

C station token A --device spare | token a3
exits 0 "a third replica" S a3 init --station A --server "$URL" --token-file "$T/a3.token"
sqlite3 "$T/a3.db" "
    DROP TRIGGER cases_capture_ins; DROP TRIGGER cases_capture_upd;
    DROP TRIGGER visits_capture_ins; DROP TRIGGER visits_capture_upd;
    DROP TRIGGER services_capture_ins; DROP TRIGGER services_capture_upd;
    ALTER TABLE outbox DROP COLUMN author; ALTER TABLE pending DROP COLUMN author;
    ALTER TABLE field_versions DROP COLUMN author;
    ALTER TABLE cases DROP COLUMN ver_author; ALTER TABLE visits DROP COLUMN ver_author;
    ALTER TABLE services DROP COLUMN ver_author;
    ALTER TABLE conflicts DROP COLUMN winner_author;
    ALTER TABLE conflicts DROP COLUMN loser_author;
    ALTER TABLE pending DROP COLUMN seen; DROP TABLE tombstones;
    ALTER TABLE cases DROP COLUMN guardian_name;
    ALTER TABLE cases DROP COLUMN guardian_relation;
    ALTER TABLE cases DROP COLUMN guardian_phone;
    ALTER TABLE cases DROP COLUMN hukou_type;
    DROP TABLE referrals; DROP TABLE resources;
    PRAGMA user_version = 1;" || bail_out "cannot make a version 1 file"
exits 0 "a version 1 replica opens" S a3 --author 赵六 case add name=钱七 category=other
is "$(sqlite3 "$T/a3.db" 'PRAGMA user_version')" 3 "... migrated to version 3"
is "$(sqlite3 "$T/a3.db" "SELECT count(*) FROM outbox WHERE author = '赵六'")" 5 \
    "... its capture triggers made again: the write has its author"
is "$(sqlite3 "$T/a3.db" "SELECT count(*) FROM pragma_table_info('pending')
    WHERE name IN ('author', 'seen')")" 2 "... pending has author and seen"
Q=$(sqlite3 "$T/a3.db" "SELECT id FROM cases WHERE name = '钱七'")
sync_ok a3 "the migrated replica"
exits 0 "... deletes its case" S a3 --author 赵六 case delete "$Q"
sync_ok a3 "... and sends the delete"
is "$(sqlite3 "$T/a3.db" "SELECT count(*) FROM tombstones WHERE seen <> ''")" 1 \
    "... its tombstone keeps what it had seen (the tombstones table is there)"
is "$(csql "$CDB" "SELECT count(*) FROM tombstones AS t JOIN cases AS c
    ON c.rid = t.rid WHERE t.tbl = 0 AND c.id = '$Q' AND t.seen <> ''")" 1 \
    "the county has the tombstone with what the replica had seen"

done_testing
