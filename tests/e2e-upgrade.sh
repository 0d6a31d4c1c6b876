#!/bin/bash
# e2e-upgrade.sh — upgrades without a flag day (issue 16 item 5), with the
# previous release's binaries (tools/previous-release, built from git by
# tools/build-previous into the build directory once) and this build's:
#   - a schema-3 county serves an old (schema 2) replica and a new one of
#     the same station: edits both ways and a conflict between them, all
#     converging; the fields only schema 3 has survive the old replica's
#     edits;
#   - an old replica with unsent changes is upgraded (this build's swsync
#     on its file): nothing is lost, and it gets the schema-3 fields of
#     the records it already held (the backfill);
#   - an old county (previous release) and a new station: refused with
#     the documented exit (69) and a message naming what to upgrade,
#     nothing lost; the county upgraded, the same sync goes through.
# Without git history (a release tarball) it is skipped;
# SWSYNC_UPGRADE_REQUIRED=1 (tools/check) makes that a failure.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"
county_sqlite_only "the previous release (0.1.0) has only a SQLite county store"

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=$(dirname "$SWSYNC")
PREV=$("$TOP_SRCDIR/tools/build-previous" "$TOP_SRCDIR" \
    "$BUILD/previous-release" 2>"$TAP_TMP/prev.err")
case $? in
0) ;;
77)
    if [ "${SWSYNC_UPGRADE_REQUIRED:-0}" = 1 ]; then
        bail_out "the previous release is needed: $(cat "$TAP_TMP/prev.err")"
    fi
    echo "1..0 # SKIP no git history to build the previous release from: $(head -n 1 "$TAP_TMP/prev.err")"
    _tap_done=1
    exit 0
    ;;
*) bail_out "building the previous release failed: $(cat "$TAP_TMP/prev.err")" ;;
esac
OLD=$PREV/swsync
OLD_COUNTY=$PREV/swsync-county

T=$TAP_TMP
CDB=$T/county.db
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
O() { local r=$1; shift; "$OLD" --db "$T/$r.db" "$@"; }
token() { local f=$T/$1.token; cat >"$f"; chmod 600 "$f"; }
q() { python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print("" if r is None or r[0] is None else r[0])' "$@"; }

like "$("$OLD" --version 2>&1)" "0\.1\.0" "the previous release is 0.1.0"
like "$("$SWSYNC" --version 2>&1)" "0\.2\.0" "this build is 0.2.0"

# the same values, by column name, of every record of station A in the
# replica and the county, over the columns the replica has
converged() {
    python3 - "$1" "$CDB" <<'PY'
import sqlite3, sys
rep, county = sys.argv[1:3]
def cols(db, t):
    return [r[1] for r in db.execute(f"PRAGMA table_info({t})")
            if r[1] not in ("rid", "ver_hlc", "ver_site", "ver_cols", "ver_author")]
r, c = sqlite3.connect(rep), sqlite3.connect(county)
bad = 0
for t in ("cases", "visits", "services"):
    names = cols(r, t)
    q = f"SELECT {', '.join(names)} FROM {t} WHERE station = 'A' ORDER BY id"
    a, b = r.execute(q).fetchall(), c.execute(q).fetchall()
    if a != b:
        print(f"# {t}: replica {a[:3]}\n# county  {b[:3]}")
        bad = 1
sys.exit(bad)
PY
}

exits 0 "county init (new)" C init --county C01
C station add A --name 东风镇 | token old1
C station token A --device laptop | token new1
C station token A --device field | token up
county_start "$CDB"
exits 0 "old replica init (0.1.0)" O old1 init --station A --server "$URL" \
    --token-file "$T/old1.token"
exits 0 "old replica 2 init (0.1.0)" O up init --station A --server "$URL" \
    --token-file "$T/up.token"
exits 0 "new replica init" S new1 init --station A --server "$URL" \
    --token-file "$T/new1.token"
is "$(q "$T/old1.db" 'PRAGMA user_version')" 2 "the old replica is schema 2"
is "$(q "$T/new1.db" 'PRAGMA user_version')" 3 "the new replica is schema 3"

# ---- old and new replicas of one station against the new county --------
exits 0 "old replica adds a case" O old1 case add name=张三 \
    category=left_behind_child phone=13911112222 village=东村
X=$OUT
exits 0 "old replica syncs with the new county" O old1 sync --quiet
exits 0 "new replica syncs" S new1 sync --quiet
is "$(q "$T/new1.db" "SELECT name FROM cases WHERE id = '$X'")" 张三 \
    "the new replica has the old one's case"
exits 0 "new replica sets the guardian and hukou type" S new1 case set "$X" \
    guardian_name=张母 guardian_relation=母亲 guardian_phone=13700001111 \
    hukou_type=agricultural
fails "a bad guardian phone is refused" S new1 case set "$X" guardian_phone=abc
like "$ERR" "guardian_phone" "the message names the field"
exits 0 "new replica syncs the guardian" S new1 sync --quiet
is "$(q "$CDB" "SELECT guardian_name FROM cases WHERE id = '$X'")" 张母 \
    "the county holds the guardian"
exits 0 "up syncs (0.1.0)" O up sync --quiet
exits 0 "old replica pulls (schema 2: no guardian columns)" O old1 sync --quiet
is "$(q "$T/old1.db" "SELECT count(*) FROM pragma_table_info('cases') WHERE name LIKE 'guardian%'")" 0 \
    "the old replica has no guardian columns"

# a conflict between the old and the new binary's replicas, and edits both ways
exits 0 "old replica sets a phone" O old1 case set "$X" phone=13922223333 \
    notes=旧版本的备注
exits 0 "new replica sets another phone" S new1 case set "$X" \
    phone=13633334444 guardian_phone=13755556666
exits 0 "old replica syncs" O old1 sync --quiet
exits 0 "new replica syncs" S new1 sync --quiet
exits 0 "old replica syncs again" O old1 sync --quiet
exits 0 "new replica syncs again" S new1 sync --quiet
is "$(C conflicts list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 1 \
    "one conflict (the phone) at the county"
exits 0 "old replica: a visit" O old1 visit add case="$X" mode=home findings=旧版走访
exits 0 "old replica syncs the visit" O old1 sync --quiet
exits 0 "new replica pulls it" S new1 sync --quiet
exits 0 "new replica: a case" S new1 case add name=李四 category=disabled \
    guardian_name=李父 hukou_type=resident
Y=$OUT
exits 0 "new replica syncs" S new1 sync --quiet
exits 0 "old replica pulls it" O old1 sync --quiet
ok "old replica equals the county (its columns)" converged "$T/old1.db"
ok "new replica equals the county" converged "$T/new1.db"
is "$(q "$CDB" "SELECT guardian_name || '|' || guardian_phone || '|' || hukou_type || '|' || notes FROM cases WHERE id = '$X'")" \
    "张母|13755556666|agricultural|旧版本的备注" \
    "the schema-3 fields survive the old replica's edits"
is "$(q "$T/old1.db" "SELECT name FROM cases WHERE id = '$Y'")" 李四 \
    "the old replica has the new one's case (without its new fields)"

# the old replica deletes a case whose schema-3 fields it never saw: the
# county keeps them as conflicts (edits the deleter had not seen), and the
# old replica's conflict list is not spoilt by fields it does not know
exits 0 "old replica deletes the new one's case" O old1 case delete "$Y"
exits 0 "old replica syncs the delete" O old1 sync
unlike "$ERR" "malformed|warning" "the old replica takes the county's conflicts"
is "$(C conflicts list --json | python3 -c 'import json,sys; print(sorted(c["field"] for c in json.load(sys.stdin) if c["kind"] == "edit_of_deleted"))')" \
    "['guardian_name', 'hukou_type']" "the unseen schema-3 fields are conflicts at the county"
is "$(q "$T/old1.db" "SELECT count(*) FROM conflicts")" 1 \
    "the old replica lists the conflict it knows (the phone), not the others"
exits 0 "new replica syncs" S new1 sync --quiet
is "$(q "$T/new1.db" "SELECT count(*) FROM conflicts WHERE kind = 'edit_of_deleted'")" 2 \
    "the new replica lists them"
is "$(q "$T/new1.db" "SELECT deleted FROM cases WHERE id = '$Y'")" 1 \
    "the delete reached the new replica"

# ---- a purge of a case with a referral, seen by an old replica ----------
# the county's erase orders for a table schema 2 lacks (the referral) are
# not sent to a 0.1.0 agent: its case's order takes what it holds
exits 0 "new replica: a case" S new1 case add name=孙八 category=other
P=$OUT
exits 0 "new replica: its referral" S new1 referral add case="$P" need=health \
    resource_text=卫生院
exits 0 "new replica syncs them" S new1 sync --quiet
exits 0 "old replica pulls the case" O old1 sync --quiet
exits 0 "the county purges the case" C case purge "$P" --reason "本人申请删除"
exits 0 "the old replica syncs after the purge" O old1 sync
unlike "$ERR" "bad batch|not \{t, id\}" "... the erase orders are ones it can read"
is "$(q "$T/old1.db" "SELECT count(*) FROM cases WHERE id = '$P'")" 0 \
    "... and the case is gone from it"
exits 0 "the new replica syncs after the purge" S new1 sync --quiet
is "$(q "$T/new1.db" "SELECT (SELECT count(*) FROM cases WHERE id = '$P') + (SELECT count(*) FROM referrals WHERE case_id = '$P')")" 0 \
    "... the case and its referral are gone from the new one"

# ---- an old replica with unsent changes is upgraded ---------------------
exits 0 "up (0.1.0) edits offline" O up case set "$X" village=西村
exits 0 "up (0.1.0) adds a case offline" O up case add name=王五 \
    category=low_income
W=$OUT
pending=$(q "$T/up.db" "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM pending)")
ok "up has unsent changes ($pending)" [ "$pending" -gt 0 ]
exits 0 "up upgraded: this build's swsync syncs its file" S up sync
is "$(q "$T/up.db" 'PRAGMA user_version')" 3 "up is schema 3 now"
is "$(q "$CDB" "SELECT village FROM cases WHERE id = '$X'")" 西村 \
    "its unsent edit reached the county"
is "$(q "$CDB" "SELECT name FROM cases WHERE id = '$W'")" 王五 \
    "its unsent case reached the county"
is "$(q "$T/up.db" "SELECT guardian_name || '|' || hukou_type FROM cases WHERE id = '$X'")" \
    "张母|agricultural" "the backfill brought the guardian it had skipped"
is "$(q "$T/up.db" "SELECT count(*) FROM config WHERE key LIKE 'backfill%'")" 0 \
    "the backfill is done"
exits 0 "up syncs again (nothing to backfill)" S up sync --quiet
exits 0 "new replica syncs" S new1 sync --quiet
exits 0 "old replica syncs" O old1 sync --quiet
ok "up equals the county" converged "$T/up.db"
ok "new replica equals the county" converged "$T/new1.db"
ok "old replica equals the county (its columns)" converged "$T/old1.db"
county_stop

# ---- an old county and a new station ------------------------------------
ODB=$T/old-county.db
exits 0 "old county init (0.1.0)" "$OLD_COUNTY" --db "$ODB" init --county C02
"$OLD_COUNTY" --db "$ODB" station add B --name 西河镇 | token b
SWSYNC_COUNTY=$OLD_COUNTY county_start "$ODB"
exits 0 "new station init" S b init --station B --server "$URL" \
    --token-file "$T/b.token"
exits 0 "new station adds a case" S b case add name=赵六 category=disabled \
    hukou_type=other
Z=$OUT
exits 69 "the old county refuses the new station (exit 69)" S b sync
like "$ERR" "county server" "the message says the county server"
like "$ERR" "upgraded" "and that it must be upgraded"
like "$ERR" "schema 3" "and names the schema"
ok "the unsent case is kept" [ "$(q "$T/b.db" "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM pending)")" -gt 0 ]
county_stop
# the county upgraded: its store migrates, the same station syncs
county_start "$ODB"
exits 0 "the station follows the county to its new port" S b config set server "$URL"
is "$(q "$ODB" 'PRAGMA user_version')" 3 "the old county's store is schema 3"
exits 0 "the new station syncs with the upgraded county" S b sync --quiet
is "$(q "$ODB" "SELECT name || '|' || hukou_type FROM cases WHERE id = '$Z'")" \
    "赵六|other" "nothing was lost"
county_stop

done_testing
