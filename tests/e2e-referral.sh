#!/bin/bash
# e2e-referral.sh — referrals, the county's resource directory and the
# follow-ups due (issue 15 items 2-4) with the real binaries on
# 127.0.0.1: stations A and B; resources added at the county reach both
# stations, read-only there (another program's writes to the replica are
# refused and reported, the county's values stay); a referral goes
# through its whole life with its county figures; the due list and the
# county's overdue counts on fixed dates, asserted exactly.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
sync_ok() { exits 0 "$1 syncs${2:+ ($2)}" S "$1" sync; }
token() { local f=$T/$1.token; cat >"$f"; chmod 600 "$f"; }
q() { python3 -c 'import countydb,sys; print(countydb.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$@"; }

exits 0 "county init" C init --county C01
C station add A --name 东风镇 | token a1
C station token A --device laptop | token a2
C station add B --name 西河镇 | token b
exits 65 "no station may have the county's own code" C station add C01
county_start "$CDB"
for r in a1 a2 b; do
    st=A
    [ "$r" = b ] && st=B
    exits 0 "init replica $r" S "$r" init --station $st --server "$URL" \
        --token-file "$T/$r.token"
done

# ---- the county's resource directory --------------------------------------

exits 0 "the county adds a resource" C resource add name=镇卫生院 type=medical \
    contact=0731-1234567 areas=东村,西村 notes=周一至周五
RS=$OUT
like "$RS" '^[0-9a-f-]{36}$' "add prints the new id"
exits 0 "and another (a type by its Chinese label)" C resource add \
    name=法律援助工作站 type=法律服务
RL=$OUT
exits 65 "a resource needs a name" C resource add type=medical
like "$ERR" "resources.name" "... and says which field"
exits 65 "a type not in the list" C resource add name=x type=bank
exits 64 "a station's records are not made at the county" C case add \
    name=x category=other
is "$(C resource list --json | json 'len(d)')" 2 "the county lists 2"
for r in a1 b; do sync_ok $r "pulls the directory"; done
is "$(S a1 resource list --json | json 'sorted(x["name"] for x in d)')" \
    "['法律援助工作站', '镇卫生院']" "station A holds the directory"
is "$(S b resource show "$RS" --json | json 'd["contact"]')" 0731-1234567 \
    "station B holds it too"
ok "replica a1 holds A's records and the directory, as the county" \
    scope_equal "$T/a1.db" "$CDB" A
ok "replica b holds B's records and the directory, as the county" \
    scope_equal "$T/b.db" "$CDB" B
exits 0 "the county changes a contact" C resource set "$RS" \
    contact=0731-7654321
for r in a1 b; do sync_ok $r; done
is "$(S b resource show "$RS" --json | json 'd["contact"]')" 0731-7654321 \
    "the change reaches station B"
is "$(S a1 resource show "$RS" --json | json 'd["contact"]')" 0731-7654321 \
    "and station A"

# read-only at a station: the CLI refuses, another program's SQL is refused
exits 77 "a station cannot add to the directory" S a1 resource add \
    name=私设资源 type=ngo
like "$ERR" "read-only" "... and says why"
exits 77 "nor change it" S a1 resource set "$RS" name=改名
exits 77 "nor delete from it" S a1 resource delete "$RS"
sqlite3 "$T/a1.db" "UPDATE resources SET name = '改名' WHERE id = '$RS'"
sqlite3 "$T/a1.db" "INSERT INTO resources (name, type) VALUES ('私设', 'ngo')"
sqlite3 "$T/a1.db" "DELETE FROM resources WHERE id = '$RL'"
is "$(q "$T/a1.db" "SELECT name FROM resources WHERE id = '$RS'")" 镇卫生院 \
    "another program's UPDATE left the county's value"
is "$(q "$T/a1.db" "SELECT count(*) FROM resources WHERE deleted = 0")" 2 \
    "its INSERT and DELETE changed nothing"
is "$(q "$T/a1.db" "SELECT count(*) FROM outbox")" 0 "nothing to push"
is "$(S a1 status --json | json 'd["refused_writes"]')" 3 \
    "status counts the 3 refused writes"
exits 0 "status says so" S a1 status
like "$OUT" "refused writes: +3" "... in its text too"
like "$(S a1 audit)" "改名" "the value tried is kept in the local audit"
exits 0 "a1 syncs" S a1 sync
like "$OUT" "3 writes by another program to the county's resource directory refused" \
    "sync reports the refused writes"
exits 0 "a1 syncs again" S a1 sync
unlike "$OUT" "refused" "... once"
like "$(C audit --limit 200)" "resources $RS UPDATE: the county's record, read-only" \
    "the county's audit has the refusal (from station A)"
ok "replica a1 still as the county" scope_equal "$T/a1.db" "$CDB" A
is "$(C resource show "$RS" --json | json 'd["name"]')" 镇卫生院 \
    "the county's directory is unchanged"

# ---- a referral through its whole life ------------------------------------

exits 0 "a high-risk case at A" S a1 case add name=张三 category=elderly_alone \
    risk_level=high opened_on=2026-10-01
X=$OUT
exits 0 "a visit asks for the next one" S a1 visit add case="$X" mode=home \
    visited_at=2026-11-01 next_visit_on=2026-11-15
V=$OUT
exits 65 "a referral needs a need" S a1 referral add case="$X" resource_id="$RS"
exits 65 "one of the needs" S a1 referral add case="$X" need=money
exits 65 "and a case of this station" S a1 referral add need=health \
    case=01890000-0000-7000-8000-000000000000
exits 0 "the worker refers the case to the clinic" S a1 referral add \
    case="$X" need=health resource_id="$RS" referred_by=李社工 \
    referred_on=2026-11-02 follow_up_on=2026-11-16
R=$OUT
is "$(S a1 referral show "$R" --json | json 'd["status"]')" referred \
    "a new referral is referred (已转介)"
is "$(S a1 referral list --open --today 2026-11-10 | cut -f1,3,4,5,6)" \
    "$R	health	referred	2026-11-16	镇卫生院" "listed open, with its resource"
is "$(S a1 referral list --overdue --today 2026-11-10)" "" \
    "not overdue before its follow-up date"
is "$(S a1 referral list --overdue --today 2026-11-20 --json | json '[x["id"] for x in d]')" \
    "['$R']" "overdue after it"
exits 64 "--today must be a date" S a1 referral list --open --today 2026-02-30
sync_ok a1 "sends the referral"
is "$(C referral show "$R" --json | json 'd["status"]')" referred \
    "the county has it"
FIG="C referral report --from 2026-11-01 --to 2026-11-30 --today 2026-11-20 --json"
is "$($FIG)" '[{"station":"A","open":1,"overdue":1,"completed":0,"declined":0,"outcome_rate":null},{"station":"B","open":0,"overdue":0,"completed":0,"declined":0,"outcome_rate":null}]' \
    "county figures: open and overdue at A"
exits 0 "the clinic accepts (a status by its Chinese label)" S a1 referral set \
    "$R" status=已接收
sync_ok a1
is "$($FIG | json 'd[0]["open"], d[0]["overdue"]')" "1 1" \
    "accepted is still open"
exits 0 "completed, with its outcome" S a1 referral set "$R" status=completed \
    outcome=已就诊，病情稳定 closed_on=2026-11-18
sync_ok a1
is "$(S a1 referral list --open --today 2026-11-20)" "" "no longer open"
exits 0 "a second referral at A, declined" S a1 referral add case="$X" \
    need=legal resource_id="$RL" referred_on=2026-11-05 status=declined \
    closed_on=2026-11-12 outcome=本人拒绝
exits 0 "a case at B" S b case add name=李四 category=low_income
Y=$OUT
exits 0 "a referral at B outside the directory" S b referral add case="$Y" \
    need=income resource_text=民政办 referred_on=2026-10-20 status=completed \
    closed_on=2026-10-30
exits 0 "and an open one" S b referral add case="$Y" need=housing \
    resource_text=住建所 referred_on=2026-11-10 follow_up_on=2026-11-25
RB=$OUT
for r in a1 b; do sync_ok $r; done
is "$($FIG)" '[{"station":"A","open":0,"overdue":0,"completed":1,"declined":1,"outcome_rate":50},{"station":"B","open":1,"overdue":0,"completed":0,"declined":0,"outcome_rate":null}]' \
    "county figures for November: A completed 1, declined 1 (50%); B 1 open"
is "$(C referral report --from 2026-10-01 --to 2026-10-31 --today 2026-11-26 --json | json '[(x["station"], x["open"], x["overdue"], x["completed"], x["outcome_rate"]) for x in d]')" \
    "[('A', 0, 0, 0, None), ('B', 1, 1, 1, 100)]" \
    "October's: B's completed one; its open one overdue on the 26th"
exits 0 "the report in text" C referral report --from 2026-11-01 \
    --to 2026-11-30 --today 2026-11-20
like "$OUT" $'A\t0\t0\t1\t1\t50%' "... a line a station"
exits 64 "a period that ends before it starts" C referral report \
    --from 2026-11-30 --to 2026-11-01
ok "replica a1 as the county" scope_equal "$T/a1.db" "$CDB" A
ok "replica b as the county" scope_equal "$T/b.db" "$CDB" B
sync_ok a2 "the laptop gets A's referrals"
is "$(S a2 referral show "$R" --json | json 'd["outcome"]')" 已就诊，病情稳定 \
    "the outcome reached the other replica"

# ---- due and overdue on fixed dates ---------------------------------------

exits 0 "an open referral at A to follow up" S a1 referral add case="$X" \
    need=mental referred_on=2026-11-19 follow_up_on=2026-11-22
R3=$OUT
exits 0 "nothing on 2026-11-14" S a1 due --today 2026-11-14 --json
is "$OUT" "[]" "... an empty list"
exits 0 "due on 2026-11-20" S a1 due --today 2026-11-20 --json
is "$OUT" "[{\"kind\":\"visit\",\"due_on\":\"2026-11-15\",\"overdue\":true,\"case_id\":\"$X\",\"name\":\"张三\",\"id\":\"$V\",\"detail\":null}]" \
    "the visit asked for on the 15th is overdue"
exits 0 "and 11 days ahead" S a1 due --today 2026-11-20 --days 11 --json
is "$OUT" "[{\"kind\":\"visit\",\"due_on\":\"2026-11-15\",\"overdue\":true,\"case_id\":\"$X\",\"name\":\"张三\",\"id\":\"$V\",\"detail\":null},{\"kind\":\"referral\",\"due_on\":\"2026-11-22\",\"overdue\":false,\"case_id\":\"$X\",\"name\":\"张三\",\"id\":\"$R3\",\"detail\":\"mental\"},{\"kind\":\"high_risk\",\"due_on\":\"2026-12-01\",\"overdue\":false,\"case_id\":\"$X\",\"name\":\"张三\",\"id\":\"$X\",\"detail\":\"2026-11-01\"}]" \
    "the referral's follow-up and the high-risk case's 30 days come due"
exits 0 "on 2026-12-05 in text" S a1 due --today 2026-12-05
is "$(printf '%s\n' "$OUT" | cut -f1,2)" $'2026-11-15\toverdue\n2026-11-22\toverdue\n2026-12-01\toverdue' \
    "all three overdue, soonest first"
exits 0 "a visit made" S a1 visit add case="$X" mode=phone \
    visited_at=2026-12-03
is "$(S a1 due --today 2026-12-05 --json | json '[x["kind"] for x in d]')" \
    "['referral']" "a later visit answers the visit due and the 30 days"
exits 64 "--days must be a number" S a1 due --days x
exits 64 "--days not negative" S a1 due --days -1
exits 64 "--today must be a real date" S a1 due --today 2026-02-29
sync_ok a1
is "$(C overdue --today 2026-12-05 --json)" \
    '[{"station":"A","visits":0,"referrals":1,"high_risk":0},{"station":"B","visits":0,"referrals":1,"high_risk":0}]' \
    "the county's overdue counts per station"
is "$(C overdue --today 2027-01-10 --json)" \
    '[{"station":"A","visits":0,"referrals":1,"high_risk":1},{"station":"B","visits":0,"referrals":1,"high_risk":0}]' \
    "... and on 2027-01-10: A's high-risk case not visited for 30 days"
exits 0 "the same in text" C overdue --today 2027-01-10
like "$OUT" $'A\t0\t1\t1' "... a line a station"

done_testing
