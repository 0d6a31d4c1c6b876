#!/bin/bash
# e2e-search.sh — case search with the real binaries, at a station and at
# the county: substrings of name, ID number, phone, village and address,
# pinyin initials (polyphonic surnames by their surname reading), ranking,
# --json, --limit, --station; and list --where FIELD~TEXT.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
ids() { cut -f1 <<<"$1" | tr '\n' ' ' | sed 's/ $//'; }

exits 0 "county init" C init --county C01
C station add A --name 东风镇 >"$T/a.token"
C station add B --name 西河镇 >"$T/b.token"
chmod 600 "$T/a.token" "$T/b.token"
county_start "$CDB"
for r in a b; do
    st=$(tr a-z A-Z <<<$r)
    exits 0 "init $r" S $r init --station $st --server "$URL" \
        --token-file "$T/$r.token"
done

add() { local r=$1; shift; S "$r" case add "$@" category=other; }
ZS=$(add a name=张三 id_number=11010519491231002X phone=138-0013-8000 village=东村)
ZSF=$(add a name=张三丰 village=西村)
SDL=$(add a name=单德林 address=张三路8号)
ZXM=$(add a name=曾小明)
W1=$(add a name=王五 village=王家村)
W2=$(add a name=王小二)
LS=$(add a name=李四 village=王庄)
BZS=$(add b name=张三 village=北村)

exits 0 "search 张三" S a case search 张三
is "$(ids "$OUT")" "$ZS $ZSF $SDL" \
    "... the whole name, then the name's start, then the address"
exits 0 "search zs (pinyin initials)" S a case search zs
is "$(ids "$OUT")" "$ZS $ZSF" "... finds 张三 before 张三丰"
exits 0 "search sdl: 单 by its surname reading shàn" S a case search sdl
is "$OUT" "$SDL	单德林		other	low	open" "... finds 单德林"
exits 0 "search ddl: and by dān" S a case search DDL
is "$(ids "$OUT")" "$SDL" "... finds 单德林"
exits 0 "search zxm: 曾 by zēng" S a case search zxm
is "$(ids "$OUT")" "$ZXM" "... finds 曾小明"
exits 0 "search cxm: and by céng" S a case search cxm
is "$(ids "$OUT")" "$ZXM" "... finds 曾小明"
exits 0 "search the whole ID number, lower-case x" \
    S a case search 11010519491231002x
is "$(ids "$OUT")" "$ZS" "... finds it"
exits 0 "search the phone's digits" S a case search 13800138000
is "$(ids "$OUT")" "$ZS" "... finds 138-0013-8000"
exits 0 "search part of a village" S a case search 王
is "$(ids "$OUT")" "$W1 $W2 $LS" "... names first, then the village"
exits 0 "search --limit 1" S a case search 王 --limit 1
is "$(ids "$OUT")" "$W1" "... keeps the best"
exits 0 "search --json" S a case search zs --json
is "$(json "' '.join(r['id'] + ':' + r['match'] for r in d)" <<<"$OUT")" \
    "$ZS:initials $ZSF:initials_prefix" "... ids and how they matched"
is "$(json "d[0]['category']" <<<"$OUT")" other "... with the record's codes"
exits 0 "search for nothing found" S a case search 无此人
is "$OUT" "" "... prints nothing"
exits 0 "search --json for nothing found" S a case search 无此人 --json
is "$OUT" "[]" "... an empty array"
exits 64 "search without TEXT" S a case search
exits 64 "search with two TEXTs" S a case search 张 三
exits 64 "visit search" S a visit search 张三
exits 64 "search --limit x" S a case search 张 --limit x

# ---- list --where FIELD~TEXT ----------------------------------------------

exits 0 "list --where name~王" S a case list --where name~王
is "$(ids "$OUT")" "$W1 $W2" "... finds the 王 cases, and only them"
exits 0 "list --where name=王" S a case list --where name=王
is "$OUT" "" "... while = is exact"
exits 0 "list --where village~村 --where name~张" \
    S a case list --where village~村 --where name~张
is "$(ids "$OUT")" "$ZS $ZSF" "... both must hold"
exits 0 "list --where notes~x=y (an = in TEXT)" S a case list --where 'notes~x=y'
is "$OUT" "" "... is TEXT"

# ---- at the county ----------------------------------------------------------

exits 0 "a syncs" S a sync --quiet
exits 0 "b syncs" S b sync --quiet
exits 0 "county search 张三" C case search 张三
is "$(ids "$OUT" | wc -w)" 4 "... finds both stations' 张三, 张三丰, 单德林"
is "$(ids "$OUT" | cut -d' ' -f1-2 | tr ' ' '\n' | sort | tr '\n' ' ')" \
    "$(printf '%s\n' "$ZS" "$BZS" | sort | tr '\n' ' ')" \
    "... the two whole-name matches first"
exits 0 "county search 张三 --station B" C case search 张三 --station B
is "$(ids "$OUT")" "$BZS" "... only B's"
exits 0 "county search zs --station A --json" C case search zs --station A --json
is "$(json "[r['id'] for r in d]" <<<"$OUT")" "['$ZS', '$ZSF']" "... A's, ranked"
exits 0 "county list --where name~王" C case list --where name~王
is "$(ids "$OUT")" "$W1 $W2" "... the 王 cases"

done_testing
