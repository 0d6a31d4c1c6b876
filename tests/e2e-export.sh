#!/bin/bash
# e2e-export.sh — export, the monthly report and import with the real
# binaries: CSV as Excel and WPS want it (BOM, labels, RFC 4180 quoting,
# CRLF), a round trip export -> import -> export that gives the same
# bytes, re-import that adds nothing, a file of bad rows reported line by
# line with nothing written, --skip-bad with a reject file, GB18030 input,
# RFC 3339 date-times, the monthly report against a hand-counted fixture
# at the station and at the county, and the audit entries of each.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

command -v sqlite3 >/dev/null || bail_out "the sqlite3 shell is needed"
command -v iconv >/dev/null || bail_out "iconv is needed"

# date-times with an offset are stored in the station's local time
export TZ=CST-8

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
ZH() { LC_ALL=C.UTF-8 LANGUAGE=zh_CN "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
sqlq() { sqlite3 "$T/$1.db" "$2"; }
add() { local r=$1; shift; S "$r" "$@" || bail_out "cannot add: $*"; }

exits 0 "county init" C init --county C01
C station add A --name 东风镇 >"$T/a.token"
chmod 600 "$T/a.token"
county_start "$CDB"
exits 0 "init replica a" S a init --station A --server "$URL" \
    --token-file "$T/a.token"

# ---- RFC 3339 date-times ----------------------------------------------------

c0=$(add a case add name=测试 category=other opened_on=2024-01-01)
exits 0 "visited_at takes RFC 3339 with +08:00" \
    S a visit add case="$c0" mode=home visited_at=2026-11-21T10:00:00+08:00
is "$(S a visit show "$OUT" --json | json 'd["visited_at"]')" \
    2026-11-21T10:00:00 "stored as local (UTC+8) time"
exits 0 "and with Z" S a visit add case="$c0" mode=home \
    visited_at=2026-11-21T02:30:00Z
is "$(S a visit show "$OUT" --json | json 'd["visited_at"]')" \
    2026-11-21T10:30:00 "Z is UTC, stored as local time"
exits 0 "and a negative offset across midnight, fractions dropped" \
    S a visit add case="$c0" mode=home visited_at=2026-11-21T20:00:00.250-08:00
is "$(S a visit show "$OUT" --json | json 'd["visited_at"]')" \
    2026-11-22T12:00:00 "-08:00 moves to the next local day"
V3=$OUT
exits 0 "set takes it too" S a visit set "$V3" visited_at=2026-11-23T00:00Z
is "$(S a visit show "$V3" --json | json 'd["visited_at"]')" \
    2026-11-23T08:00:00 "set stores local time"
exits 65 "an offset without minutes is refused" \
    S a visit add case="$c0" mode=home visited_at=2026-11-21T10:00:00+08
like "$ERR" "visited_at.*RFC 3339" "the message says what is taken"
exits 65 "an impossible date with an offset is refused" \
    S a visit add case="$c0" mode=home visited_at=2026-02-30T10:00:00+08:00
is "$(sqlq a "SELECT count(*) FROM visits WHERE visited_at LIKE '%+%'")" 0 \
    "no offset is ever stored"
exits 0 "the fixture's visits are deleted again" \
    sqlite3 "$T/a.db" "UPDATE visits SET deleted = 1 WHERE case_id = '$c0'"
S a case delete "$c0"

# ---- the report fixture (hand-counted, month 2025-03) -----------------------
# new in March: c1 elderly_alone, c2 left_behind_child (c6 deleted, c7 April)
# closed in March: c3 elderly_alone
# visits in March: home 2 (c1 03-05, c4 03-20), phone 1 (c1 03-19),
#   online 1 (c2, 2025-03-01T01:00+09:00 = 03-01 00:00 local); not: a
#   deleted one, 2025-03-31T20:00-08:00 (= 04-01 12:00 local), April
# follow-ups due in March: c1's 03-05 (done 03-19), c5's 02-20 (not),
#   c4's 03-20 (not): due 3, done 1
# services in March: 助餐 2 (150.50 + 49.50), 医疗救助 1 (1000)
# high risk open, not visited in the 30 days to 03-31: c5 only

c1=$(add a case add name=张一 category=elderly_alone risk_level=high \
    opened_on=2025-03-02 id_number=11010519491231002X \
    notes='独居, 有"低保"
第二行')
c2=$(add a case add name=李二 category=留守儿童 risk_level=medium \
    opened_on=2025-03-10 phone=+8613800000000 'notes==HYPERLINK("x")')
c3=$(add a case add name=王三 category=elderly_alone opened_on=2025-01-05 \
    status=closed closed_on=2025-03-15)
c4=$(add a case add name=赵四 category=disabled risk_level=high \
    opened_on=2025-02-01)
c5=$(add a case add name=孙五 category=low_income risk_level=high \
    opened_on=2024-12-01 village=东村)
c6=$(add a case add name=周六 category=other opened_on=2025-03-31)
S a case delete "$c6"
c7=$(add a case add name=吴七 category=elderly_alone opened_on=2025-04-01)
add a visit add case="$c1" mode=home visited_at=2025-03-05 \
    next_visit_on=2025-03-19 follow_up=1 >/dev/null
add a visit add case="$c1" mode=phone visited_at=2025-03-19T10:00 >/dev/null
add a visit add case="$c4" mode=home visited_at=2025-03-20 \
    next_visit_on=2025-03-28 >/dev/null
add a visit add case="$c5" mode=office visited_at=2025-02-20 \
    next_visit_on=2025-03-10 >/dev/null
add a visit add case="$c2" mode=online \
    visited_at=2025-03-01T01:00:00+09:00 >/dev/null
add a visit add case="$c2" mode=online \
    visited_at=2025-03-31T20:00:00-08:00 >/dev/null
add a visit add case="$c7" mode=home visited_at=2025-04-02 >/dev/null
vd=$(add a visit add case="$c3" mode=home visited_at=2025-03-12)
S a visit delete "$vd"
add a service add case="$c1" service_type=助餐 amount=150.50 \
    service_on=2025-03-06 >/dev/null
add a service add case="$c2" service_type=助餐 amount=49.5 \
    service_on=2025-03-07 >/dev/null
add a service add case="$c4" service_type=医疗救助 amount=1000 \
    service_on=2025-03-08 minutes=30 >/dev/null
add a service add case="$c4" service_type=医疗救助 amount=1 \
    service_on=2025-04-08 >/dev/null
sd=$(add a service add case="$c4" service_type=助餐 amount=7 \
    service_on=2025-03-09)
S a service delete "$sd"

check_report() { # JSON on stdin, a label
    python3 -c '
import json, sys
d = json.load(sys.stdin)
want = {
  ("new_cases", "total"): 2, ("closed_cases", "total"): 1,
  ("visits", "total"): 4, ("services", "total"): 3,
}
for (k, f), v in want.items():
    assert d[k][f] == v, (k, f, d[k][f], v)
assert d["new_cases"]["by_category"] == {"elderly_alone": 1,
    "left_behind_child": 1, "disabled": 0, "low_income": 0, "other": 0}, d["new_cases"]
assert d["closed_cases"]["by_category"]["elderly_alone"] == 1
assert d["visits"]["by_mode"] == {"home": 2, "phone": 1, "office": 0,
    "online": 1}, d["visits"]
assert d["services"]["amount"] == "1200.00", d["services"]
assert d["services"]["by_type"] == [
    {"type": "助餐", "count": 2, "amount": "200.00"},
    {"type": "医疗救助", "count": 1, "amount": "1000.00"}], d["services"]
assert d["follow_ups"] == {"due": 3, "done": 1}, d["follow_ups"]
h = d["high_risk_not_visited"]
assert h["count"] == 1 and h["as_of"] == "2025-03-31", h
assert h["cases"][0]["name"] == "孙五" and h["cases"][0]["last_visit"] == "2025-02-20", h
assert d["month"] == "2025-03" and d["last_day"] == "2025-03-31"
'
}

exits 0 "report month --json at the station" S a report month 2025-03 --json
ok "the station's figures are the hand-counted ones" check_report <<<"$OUT"
is "$(json 'd["station"]' <<<"$OUT")" A "the station's report names it"
exits 0 "report month as a table, in Chinese" ZH S a report month 2025-03
like "$OUT" "新开个案 +2" "table: new cases"
like "$OUT" "独居老人 +1" "table: a category by its label"
like "$OUT" "助餐 +2 +200.00" "table: services by type with the amount"
like "$OUT" "孙五" "table: the high-risk case not visited"
exits 0 "report month --format csv" ZH S a report month 2025-03 --format csv
is "$(head -c 3 "$OUT_FILE" | od -An -tx1 | tr -d ' ')" efbbbf "CSV report starts with the BOM"
like "$OUT" $'走访,入户,2,\r' "CSV report rows, CRLF"
exits 64 "a month that is not YYYY-MM" S a report month 2025-13
exits 64 "report without month" S a report
before=$(sqlq a "SELECT count(*) FROM local_audit WHERE action = 'report'")
is "$before" 3 "every report is in the local audit trail"
like "$(sqlq a "SELECT who || ' ' || detail FROM local_audit WHERE action = 'report' LIMIT 1")" \
    "^cli:.* month 2025-03 station A json: 2 new cases, 1 closed, 4 visits, 3 services" \
    "the audit entry says who, what and how many"
exits 0 "swsync audit --json" S a audit --json --limit 2
is "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["action"], d[0]["who"][:4])' <<<"$OUT")" \
    "2 report cli:" "the newest entries first, with who and what"
exits 0 "swsync audit as text" S a audit
like "$OUT" $'\treport\tmonth 2025-03 station A' "one line an entry, tab-separated"
exits 64 "audit --limit 0" S a audit --limit 0
fails "the local audit trail is append-only" \
    sqlite3 "$T/a.db" "DELETE FROM local_audit"

# ---- export -----------------------------------------------------------------

exits 0 "export cases as CSV, Chinese" ZH S a export cases
is "$(head -c 3 "$OUT_FILE" | od -An -tx1 | tr -d ' ')" efbbbf "starts with the UTF-8 BOM"
like "$(head -1 "$OUT_FILE")" $'^\xef\xbb\xbf编号,站点,姓名,性别,出生日期,身份证号,.*,备注,监护人/联系人,与本人关系,监护人电话,户籍类型\r$' \
    "a header of Chinese labels, CRLF"
like "$OUT" '"独居, 有""低保""'$'\n''第二行"' \
    "a note with a comma, quotes and a newline quoted as RFC 4180"
like "$OUT" ',"=""11010519491231002X""",' "the ID number as =\"…\" for Excel"
like "$OUT" ',独居老人,高,在案,' "choice values as labels"
like "$OUT" ",'\+8613800000000," "a leading + gets a ' (not a formula to Excel)"
like "$OUT" ",\"'=HYPERLINK\(\"\"x\"\"\)\"" "and a note starting with ="
python3 - "$OUT_FILE" <<'PY' && pass "Python's csv module reads it back: 7 rows, the note whole" || fail "python csv"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert len(rows) == 7, len(rows)   # header + 6 live cases (c6 deleted)
note = [r for r in rows if r[2] == "张一"][0][rows[0].index("备注")]
assert note == '独居, 有"低保"\n第二行', repr(note)
PY
exits 0 "export --codes" S a export cases --codes
like "$(head -1 "$OUT_FILE")" $'^\xef\xbb\xbfid,station,name,gender,birth_date,id_number,' "header of codes"
like "$OUT" ",11010519491231002X," "ID number bare with --codes"
exits 0 "export visits --from --to" S a export visits --from 2025-03-01 \
    --to 2025-03-31 --format json
is "$(json 'len(d)' <<<"$OUT")" 4 "the date range selects March's live visits"
is "$(json 'sorted(set(v["case_id_number"] or "" for v in d))' <<<"$OUT")" \
    "['', '11010519491231002X']" "visits carry the case's ID number"
exits 64 "--from after --to" S a export visits --from 2025-04-01 --to 2025-03-01
exits 64 "an unknown table" S a export people
exits 64 "a bad date" S a export cases --from 2025-3-1
exits 0 "export -o FILE" ZH S a export services -o "$T/svc.csv"
is "$(stat -c %a "$T/svc.csv")" 600 "the file is mode 0600"
is "$(ls "$T" | grep -c 'svc.csv.')" 0 "no temporary file left beside it"
exits 73 "-o into a missing directory" S a export cases -o "$T/no/such.csv"
is "$(sqlq a "SELECT count(*) FROM local_audit WHERE action = 'export'")" 4 \
    "every successful export is audited"
like "$(sqlq a "SELECT detail FROM local_audit WHERE action = 'export' ORDER BY id DESC LIMIT 1")" \
    "services csv \.\.: 4 records to $T/svc.csv" "with what and how many"

# ---- round trip through import ----------------------------------------------

exits 0 "init replica b (same station, empty)" S b init --station A \
    --server "$URL" --token-file "$T/a.token"
for t in cases visits services; do
    ZH S a export $t -o "$T/$t.csv" 2>/dev/null
    exits 0 "import $t into b" ZH S b import $t "$T/$t.csv"
done
for t in cases visits services; do
    ZH S b export $t -o "$T/$t.b.csv" 2>/dev/null
    ok "$t: export of b is the same bytes as a's" cmp "$T/$t.csv" "$T/$t.b.csv"
done
pend=$(sqlq b "SELECT count(*) FROM outbox")
exits 0 "importing the same visits again" ZH S b import visits "$T/visits.csv"
like "$ERR" "0 added, 0 updated, [0-9]+ unchanged" "adds and changes nothing"
is "$(sqlq b "SELECT count(*) FROM visits")" "$(sqlq a "SELECT count(*) FROM visits WHERE deleted = 0")" \
    "no visit doubled"
is "$(sqlq b "SELECT count(*) FROM outbox")" "$pend" "nothing new to sync"
# without ids: a case matches by ID number, a visit by case, time and mode
cut -d, -f3- "$T/visits.csv" >"$T/visits-noid.csv"
exits 0 "visits without ids: found by the case's id, not doubled" \
    ZH S b import visits "$T/visits-noid.csv"
is "$(sqlq b "SELECT count(*) FROM visits")" "$(sqlq a "SELECT count(*) FROM visits WHERE deleted = 0")" \
    "still no visit doubled"
printf '身份证号,走访时间,方式,情况记录\n11010519491231002x,2025/3/25,入户,到访\n' >"$T/by-idn.csv"
exits 0 "a visit found by the case's ID number (lower-case x, 2025/3/25)" \
    ZH S b import visits "$T/by-idn.csv"
is "$(sqlq b "SELECT count(*) FROM visits WHERE case_id = '$c1' AND visited_at = '2025-03-25' AND findings = '到访'")" 1 \
    "stored on that case, date normalised"
printf '身份证号,姓名,类别,电话\n11010519491231002X,张一,独居老人,13900000000\n' >"$T/upd.csv"
exits 0 "a case row without id but with the ID number updates it" \
    ZH S b import cases "$T/upd.csv"
like "$ERR" "0 added, 1 updated" "counted as updated"
is "$(sqlq b "SELECT phone FROM cases WHERE id = '$c1'")" 13900000000 "the new phone is set"
is "$(sqlq b "SELECT count(*) FROM cases WHERE name = '张一'")" 1 "not doubled"

# ---- defaults as add gives them, and a file of bad rows ----------------------

printf 'name,category\n新人,other\n' >"$T/dflt.csv"
exits 0 "a row with only the required fields" S b import cases "$T/dflt.csv"
is "$(sqlq b "SELECT risk_level || ' ' || status || ' ' || (opened_on = date('now','localtime')) FROM cases WHERE name = '新人'")" \
    "low open 1" "gets add's defaults (low, open, today)"

n_before=$(sqlq b "SELECT count(*) FROM cases")
printf '%s\n' 'name,category,birth_date,risk_level,notes' \
    '好人,other,1950-01-01,低,ok' \
    '坏日期,other,1950-02-30,低,"two' 'lines"' \
    '坏类别,nobody,,,' \
    ',other,,,no name' \
    '又一个好人,elderly_alone,,高,' \
    '坏等级,other,,极高,' >"$T/bad.csv"
exits 65 "a file with bad rows" S b import cases "$T/bad.csv"
like "$ERR" "line 3: cases.birth_date: not a valid date" "the bad date with its line"
like "$ERR" "line 5: cases.category: 'nobody'" "a line after a two-line note counts right"
like "$ERR" "line 6: cases.name: is required" "a missing required field"
like "$ERR" "line 8: cases.risk_level: '极高'" "a bad choice label"
like "$ERR" "4 of 6 rows have problems; nothing imported" "one summary"
unlike "$ERR" "line (2|7):" "good rows are not reported"
is "$(sqlq b "SELECT count(*) FROM cases")" "$n_before" "nothing was written"
exits 65 "the same file under zh_CN" ZH S b import cases "$T/bad.csv"
like "$ERR" "第 3 行：cases.birth_date（出生日期）：" "the problems in Chinese, fields by their label"
like "$ERR" "4 / 6 行有问题；什么都没有导入" "the summary in Chinese"
exits 0 "--dry-run of the good rows only" S b import cases "$T/dflt.csv" --dry-run
is "$(sqlq b "SELECT count(*) FROM cases")" "$n_before" "a dry run writes nothing"
exits 0 "--skip-bad --rejects" S b import cases "$T/bad.csv" --skip-bad \
    --rejects "$T/rej.csv"
is "$(sqlq b "SELECT count(*) FROM cases")" "$((n_before + 2))" "the two good rows are written"
python3 - "$T/rej.csv" <<'PY' && pass "the reject file holds the 4 bad rows and their problems" || fail "reject file"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert rows[0] == ["name", "category", "birth_date", "risk_level", "notes", "problem"], rows[0]
assert [r[0] for r in rows[1:]] == ["坏日期", "坏类别", "", "坏等级"], rows
assert rows[1][4] == "two\nlines" and "birth_date" in rows[1][5], rows[1]
PY
is "$(stat -c %a "$T/rej.csv")" 600 "the reject file is 0600"
exits 65 "an unknown header" bash -c "printf 'name,category,shoe_size\nx,other,42\n' | \"$SWSYNC\" --db \"$T/b.db\" import cases -"
like "$ERR" "not a field of cases: 'shoe_size'" "names the header"
exits 65 "an unclosed quote" bash -c "printf 'name,category\n\"x,other\n' | \"$SWSYNC\" --db \"$T/b.db\" import cases -"
like "$ERR" "line 2: a quoted field is never closed" "says where"
exits 66 "a missing file" S b import cases "$T/none.csv"

# ---- GB18030 ----------------------------------------------------------------

printf '姓名,类别,风险等级,村（社区）\n国标一,独居老人,高,南村\n' | iconv -f UTF-8 -t GB18030 >"$T/gb.csv"
ok "the fixture is not UTF-8" bash -c "! iconv -f UTF-8 -t UTF-8 <\"$T/gb.csv\" >/dev/null 2>&1"
exits 0 "a GB18030 file is detected" S b import cases "$T/gb.csv"
like "$ERR" "\(gb18030\)" "and said so"
is "$(sqlq b "SELECT category || risk_level || village FROM cases WHERE name = '国标一'")" \
    "elderly_alonehigh南村" "its Chinese text arrives as UTF-8"
printf '姓名,类别\n国标二,其他\n' | iconv -f UTF-8 -t GB18030 >"$T/gb2.csv"
exits 0 "--encoding gb18030" S b import cases "$T/gb2.csv" --encoding gb18030
is "$(sqlq b "SELECT count(*) FROM cases WHERE name = '国标二'")" 1 "imported"
exits 65 "the same file read as UTF-8 is refused" S b import cases "$T/gb2.csv" --encoding utf-8
like "$ERR" "line 1: not valid UTF-8" "with its line"
is "$(sqlq b "SELECT count(*) FROM local_audit WHERE action = 'import' AND detail LIKE '%gb18030%'")" 2 \
    "imports are audited with the encoding"

# ---- the county ----------------------------------------------------------------

exits 0 "station a syncs" S a sync --quiet
exits 0 "county report month --station A --json" C report month 2025-03 --station A --json
ok "the county's figures for A are the hand-counted ones" check_report <<<"$OUT"
exits 0 "county report for all stations" C report month 2025-03 --json
ok "all stations: the same (one station)" check_report <<<"$OUT"
is "$(json 'd["station"]' <<<"$OUT")" None "station null for all"
exits 0 "county export visits --station A" C export visits --station A --codes
is "$(grep -c $'\r$' "$OUT_FILE")" "$(( $(sqlq a "SELECT count(*) FROM visits WHERE deleted = 0") + 1 ))" \
    "every live visit and the header, CRLF"
exits 0 "county export of another station" C export visits --station B --format json
is "$OUT" "[]" "holds none of A's"
exits 0 "county export -o" ZH C export cases -o "$T/county-cases.csv"
cmp -s <(tail -n +2 "$T/county-cases.csv" | sort) <(tail -n +2 "$T/cases.csv" | sort) &&
    pass "the county exports A's cases as the station does" ||
    fail "county export differs from the station's"
exits 0 "county audit" C audit --json
python3 - <<PY && pass "county exports and reports are in its audit trail" || fail "county audit"
import json
d = json.loads('''$OUT''')
acts = [a for a in d if a["action"] in ("export", "report")]
assert len([a for a in acts if a["action"] == "report"]) == 2, acts
assert len([a for a in acts if a["action"] == "export"]) == 3, acts
e = [a for a in acts if a["action"] == "export" and a["target"] == "cases"][0]
assert e["actor"].startswith("cli:") and "records to" in e["details"], e
PY

done_testing
