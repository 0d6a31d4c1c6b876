#!/bin/bash
# e2e-dups.sh — the same person at two stations (issue 15 item 5) with the
# real binaries on 127.0.0.1: stations A and B register the same ID number
# (strong), A and C the same name and birth date (weak); the county lists
# both with their reason and strength; "not the same person" takes one off
# the list; a link makes each station see, after its sync, the other
# station's name and contact line and nothing else of the other case; a
# contact changed at the county reaches it; unlink takes it away at both.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"
. "$(dirname "$0")/console.sh"

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
sync_ok() { exits 0 "$1 syncs${2:+ ($2)}" S "$1" sync --quiet; }
token() { local f=$T/$1.token; cat >"$f"; chmod 600 "$f"; }
q() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall())' "$@"; }

IDNUM=11010519491231002X
OTHER_ID=110105194912310038

exits 0 "county init" C init --county C01
C station add A --name 东风镇站 | token a
C station add B --name 西河镇站 | token b
C station add C --name 北山乡站 | token c
county_start "$CDB"
for r in a b c; do
    st=$(echo $r | tr a-z A-Z)
    exits 0 "init replica $r" S "$r" init --station "$st" --server "$URL" \
        --token-file "$T/$r.token"
done

# the strong pair: one ID number, two names as written at each station
exits 0 "A registers 张三" S a case add name=张三 category=elderly_alone \
    id_number=$IDNUM birth_date=1949-12-31 phone=13911112222
X1=$OUT
exits 0 "B registers the same ID number" S b case add name=张叁 \
    category=low_income id_number=$IDNUM notes=B的私密记录
X2=$OUT
# the weak pair: same name and birth date, one of them without ID number
exits 0 "A registers 李四" S a case add name=李四 category=disabled \
    birth_date=1950-01-02
Y1=$OUT
exits 0 "C registers 李四 too" S c case add name=李四 category=disabled \
    birth_date=1950-01-02 id_number=$OTHER_ID
Y2=$OUT
# not listed: two ID numbers that differ, same name and birth date
exits 0 "B registers 王五" S b case add name=王五 category=other \
    birth_date=1960-05-05 id_number=110105196005050016
exits 0 "C registers another 王五" S c case add name=王五 category=other \
    birth_date=1960-05-05 id_number=110105196005050032
# not listed: the same station twice
exits 0 "A registers 李四's namesake" S a case add name=赵六 category=other \
    birth_date=1970-01-01
exits 0 "... twice" S a case add name=赵六 category=other birth_date=1970-01-01
for r in a b c; do sync_ok $r; done

# ---- the list -----------------------------------------------------------
exits 0 "duplicates list --json" C duplicates list --json
L=$OUT
is "$(echo "$L" | json 'len(d)')" 2 "two possible duplicates"
is "$(echo "$L" | json 'd[0]["strength"] + " " + d[0]["reason"] + " " + d[0]["state"]')" \
    "strong id_number open" "the strong one first: the same ID number"
is "$(echo "$L" | json '" ".join(sorted([d[0]["a"]["id"], d[0]["b"]["id"]]))')" \
    "$(printf '%s\n' "$X1" "$X2" | sort | tr '\n' ' ' | sed 's/ $//')" \
    "... of A's 张三 and B's 张叁"
is "$(echo "$L" | json '" ".join(sorted([d[0]["a"]["station"], d[0]["b"]["station"]]))')" \
    "A B" "... at stations A and B"
is "$(echo "$L" | json 'd[1]["strength"] + " " + d[1]["reason"]')" \
    "weak name_birth" "the weak one: the same name and birth date"
is "$(echo "$L" | json '" ".join(sorted([d[1]["a"]["id"], d[1]["b"]["id"]]))')" \
    "$(printf '%s\n' "$Y1" "$Y2" | sort | tr '\n' ' ' | sed 's/ $//')" \
    "... of A's 李四 and C's 李四"
exits 0 "the text list" C duplicates list
like "$OUT" "strong.*same ID number.*open" "text: the strong pair"
like "$OUT" "weak.*same name and birth date" "text: the weak pair"

# ---- bad input -----------------------------------------------------------
exits 64 "not-same needs a note" C duplicates not-same "$Y1" "$Y2"
exits 64 "link needs two ids" C duplicates link "$Y1" --note x
exits 64 "not a case id" C duplicates link "$Y1" nonsense --note x
exits 66 "an unknown case" C duplicates link "$Y1" \
    01890000-0000-7000-8000-000000000000 --note x
exits 65 "two cases of one station are not paired" C duplicates link \
    "$X1" "$Y1" --note x
exits 65 "nothing to unlink yet" C duplicates unlink "$X1" "$X2" --note x
is "$(C duplicates list --json | json 'len(d)')" 2 "... nothing was decided"

# ---- not the same person ---------------------------------------------------
exits 0 "not-same for the weak pair" C duplicates not-same "$Y2" "$Y1" \
    --note "两位老人，已电话核实"
exits 65 "... twice is refused" C duplicates not-same "$Y1" "$Y2" --note x
L=$(C duplicates list --json)
is "$(echo "$L" | json 'len(d)')" 1 "the weak pair left the list"
is "$(echo "$L" | json 'd[0]["reason"]')" id_number "... the strong one stays"
is "$(C duplicates list --all --json | json '[p["state"] for p in d if p["reason"] == "name_birth"][0]')" \
    not_same "--all shows it, marked"
like "$(C audit --json | json '[a["action"] + " " + a["details"] for a in d][0]')" \
    "dup_not_same not_same with cases/.*, (A/C|C/A): 两位老人" \
    "audited with the note"
exits 0 "unlink takes a not-same back" C duplicates unlink "$Y1" "$Y2" \
    --note 误点
is "$(C duplicates list --json | json 'len(d)')" 2 "... it is listed again"
exits 0 "and not-same again" C duplicates not-same "$Y1" "$Y2" --note 核实

# ---- link: what each station sees ------------------------------------------
exits 64 "station set needs a field" C station set A
exits 65 "station set of an unknown station" C station set Z contact=1
exits 0 "A's contact" C station set A "contact=王社工 0371-1111"
exits 0 "B's contact" C station set B "contact=李社工 0371-2222"
like "$(C audit --json | json 'd[0]["action"] + " " + d[0]["details"]')" \
    "station_set contact: 李社工 0371-2222" "station set audited"
for r in a b c; do sync_ok $r "before the link"; done
exits 0 "link the strong pair" C duplicates link "$X2" "$X1" \
    --note "同一人，从东风镇搬到西河镇"
is "$(C duplicates list --json | json 'd[0]["state"]')" linked "listed as linked"
# the stations have pulled everything: the link still reaches them
for r in a b c; do sync_ok $r "after the link"; done
exits 0 "A shows its case" S a case show "$X1"
like "$OUT" "also served at 西河镇站 · contact: 李社工 0371-2222" \
    "A sees B's name and contact line"
exits 0 "B shows its case" S b case show "$X2"
like "$OUT" "also served at 东风镇站 · contact: 王社工 0371-1111" \
    "B sees A's name and contact line"
exits 0 "case show --json" S a case show "$X1" --json
is "$(echo "$OUT" | json 'd["also_served"]')" \
    "[{'station': 'B', 'name': '西河镇站', 'contact': '李社工 0371-2222'}]" \
    "--json: also_served holds the station, its name and contact, no more"
is "$(q "$T/a.db" 'SELECT * FROM also_served')" \
    "[('$X1', 'B', '西河镇站', '李社工 0371-2222')]" "A's one notice"
is "$(q "$T/b.db" 'SELECT * FROM also_served')" \
    "[('$X2', 'A', '东风镇站', '王社工 0371-1111')]" "B's one notice"
is "$(q "$T/c.db" 'SELECT count(*) FROM also_served')" "[(0,)]" \
    "C has none"
exits 0 "A's other case shows no notice" S a case show "$Y1"
unlike "$OUT" "also served" "... none"
# nothing else of the other case: its id, name, notes are in no file
for f in "$T"/a.db*; do
    ok "A's $(basename "$f") holds nothing of B's case" \
        bash -c "! grep -q -e '$X2' -e 张叁 -e B的私密记录 '$f'"
done
for f in "$T"/b.db*; do
    ok "B's $(basename "$f") holds nothing of A's case" \
        bash -c "! grep -q -e '$X1' -e 张三 -e 13911112222 '$f'"
done

# the station console's case page says it, in Chinese
PW='站里的密码 2026'
JAR=$T/cookies
exits 0 "a worker at A" S a worker add li --password-stdin <<<"$PW"
console_start "$T/a.db"
curl -s -o /dev/null -c "$JAR" --data-urlencode user=li \
    --data-urlencode "password=$PW" "$CURL_BASE/login"
P=$(curl -s -b "$JAR" "$CURL_BASE/case/$X1")
like "$P" 'class="msg info also-served" data-station="B">此人也在西河镇站接受服务 · 联系：李社工 0371-2222</p>' \
    "A's console case page: 此人也在西河镇站接受服务 · 联系：..."
unlike "$P" "张叁|B的私密记录|$X2" "... and nothing of B's case"
unlike "$(curl -s -b "$JAR" "$CURL_BASE/case/$Y1")" "also-served" \
    "the other case's page has no such line"
console_stop

# a contact changed at the county reaches the other station
exits 0 "B's contact changes" C station set B "contact=周社工 0371-3333"
sync_ok a "after the contact change"
like "$(S a case show "$X1")" "contact: 周社工 0371-3333" "A sees the new contact"
like "$(S b case show "$X2")" "contact: 王社工 0371-1111" "B's notice unchanged"

# ---- unlink ------------------------------------------------------------------
exits 0 "unlink" C duplicates unlink "$X1" "$X2" --note 关联有误
is "$(C duplicates list --json | json 'd[0]["state"]')" open "listed again, open"
for r in a b; do sync_ok $r "after the unlink"; done
unlike "$(S a case show "$X1")" "also served" "A no longer sees it"
unlike "$(S b case show "$X2")" "also served" "B no longer sees it"
is "$(q "$T/a.db" 'SELECT count(*) FROM also_served')" "[(0,)]" \
    "A's notices are gone"
is "$(q "$T/b.db" 'SELECT count(*) FROM also_served')" "[(0,)]" \
    "B's notices are gone"
is "$(C audit --json | json 'd[0]["action"] + " " + d[0]["target"]')" \
    "dup_undo cases/$(printf '%s\n' "$X1" "$X2" | sort | head -1)" \
    "the unlink is audited, the pair its target"
is "$(C audit --json | json 'len([a for a in d if a["action"] == "dup_link"])')" \
    1 "the link is in the audit trail"

# ---- a purge takes the decisions and the notice with it ------------------------
exits 0 "link again" C duplicates link "$X1" "$X2" --note "张叁 同一人"
sync_ok a "linked again"
like "$(S a case show "$X1")" "also served at 西河镇站" "A sees the link again"
exits 0 "B's case is purged" C case purge "$X2" --reason 本人申请删除
is "$(csql "$CDB" "SELECT count(*) FROM dup_pairs WHERE '$X2' IN (case_a, case_b)")" \
    0 "its decisions are gone at the county"
is "$(C audit --json | json 'len([a for a in d if a["action"].startswith("dup_") and "张叁" in (a["details"] or "")])')" \
    0 "audit details of its decisions are blanked"
sync_ok a "after the purge"
unlike "$(S a case show "$X1")" "also served" "A's notice is gone"
is "$(C duplicates list --json | json 'len(d)')" 0 "nothing is listed"

# ---- undoing a decision about a case deleted since --------------------------
exits 0 "C deletes its 李四" S c case delete "$Y2"
sync_ok c "the delete"
exits 66 "a deleted case cannot be linked" C duplicates link "$Y1" "$Y2" \
    --note x
exits 0 "... but its not-same decision can be undone" C duplicates unlink \
    "$Y1" "$Y2" --note 已删除
is "$(csql "$CDB" "SELECT count(*) FROM dup_pairs")" 0 "no decision left"

done_testing
