#!/bin/bash
# e2e-echo.sh — no wasted round trips (issue 14): after its pushes a
# replica does not pull its own changes back ("echo" pulls): the county's
# push answer gives the push's own range of the pull stream and the
# agent moves its cursor past it, but only when nothing else was written
# in between; a sync with nothing to do is a hello and a pull.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
# requests in the county's log after line $1: "METHOD ROUTE" a line
reqs() { tail -n +"$(($1 + 1))" "$LOG" | awk '$5 ~ /^\/v1\// { sub(/\?.*/, "", $5); print $4, $5 }'; }
lines() { wc -l <"$LOG"; }
cases() { sqlite3 "$T/$1.db" "SELECT count(*) FROM cases"; }

exits 0 "county init" C init --county C01
C station add A >"$T/a.token"
C station token A --device laptop >"$T/b.token"
chmod 600 "$T"/*.token
county_start "$CDB"
for r in a b; do
    exits 0 "init replica $r" S $r init --station A --server "$URL" \
        --token-file "$T/$r.token"
    exits 0 "first sync of $r" S $r sync
done

# 3000 cases of 5 fields: 15000 changes, three pushes of 5000
python3 -c '
print("name,category,village")
for i in range(3000):
    print(f"人{i},other,村{i % 7}")' >"$T/many.csv"
exits 0 "3000 cases imported" S a import cases "$T/many.csv"
m=$(lines)
exits 0 "a pushes them" S a sync
r=$(reqs "$m")
pushes=$(grep -c "^POST /v1/push" <<<"$r")
like "$pushes" "^[1-9]" "pushed in $pushes pushes"
is "$(grep -c "^GET /v1/pull" <<<"$r")" 1 \
    "one pull after the pushes, not one a push answer's worth of its own"
# (the import's own audit line goes to the county too: not a round trip
# of the data)
is "$(grep -v "^POST /v1/push" <<<"$r" | grep -vc "^POST /v1/audit")" 2 \
    "requests: the pushes, the hello and the pull ($(echo $r | tr '\n' ' '))"

m=$(lines)
exits 0 "a sync with nothing to do" S a sync
is "$(reqs "$m" | tr '\n' ' ')" "POST /v1/hello GET /v1/pull " \
    "a no-op sync is a hello and a pull"

exits 0 "b pulls them" S b sync
is "$(cases b)" 3000 "b has the 3000 cases"

# interleaved: b writes, then a pushes before it pulled b's cases; a's
# cursor must not skip them
printf 'name,category\n乙1,other\n乙2,other\n' >"$T/b.csv"
exits 0 "b imports 2 cases" S b import cases "$T/b.csv"
exits 0 "b pushes them" S b sync
printf 'name,category\n甲1,other\n' >"$T/a.csv"
exits 0 "a imports 1 case" S a import cases "$T/a.csv"
exits 0 "a syncs" S a sync
is "$(cases a)" 3003 "a pulled b's 2 cases although its own push came after"
exits 0 "b syncs" S b sync
is "$(cases b)" 3003 "b has a's case"

# a county correction between a's pull and its push is pulled too
id=$(sqlite3 "$T/a.db" "SELECT id FROM cases WHERE name = '甲1'")
exits 0 "county corrects a's case" C case set "$id" village=县改
printf 'name,category\n甲2,other\n' >"$T/a2.csv"
exits 0 "a imports another case" S a import cases "$T/a2.csv"
exits 0 "a syncs" S a sync
is "$(sqlite3 "$T/a.db" "SELECT village FROM cases WHERE id = '$id'")" 县改 \
    "a got the county's correction written before its push"
# and so is a county-owned record (the resource directory): it is in every
# station's pull stream under the county's code
exits 0 "a pulls" S a sync
exits 0 "county adds a resource" C resource add name=镇卫生院 type=medical
printf 'name,category\n乙3,other\n' >"$T/a4.csv"
exits 0 "a imports another case" S a import cases "$T/a4.csv"
exits 0 "a syncs" S a sync
is "$(sqlite3 "$T/a.db" "SELECT name FROM resources")" 镇卫生院 \
    "a got the county's resource written between its last pull and its push"
m=$(lines)
exits 0 "a syncs again" S a sync
is "$(reqs "$m" | tr '\n' ' ')" "POST /v1/hello GET /v1/pull " \
    "then nothing is left to do"

# both end where the county is
printf 'name,category\n丙1,other\n' >"$T/a3.csv"
S a import cases "$T/a3.csv" >/dev/null 2>&1
exits 0 "a syncs once more" S a sync
exits 0 "b syncs" S b sync
ok "a's replica equals the county's records of A" scope_equal "$T/a.db" "$CDB" A
ok "b's replica too" scope_equal "$T/b.db" "$CDB" A

done_testing
