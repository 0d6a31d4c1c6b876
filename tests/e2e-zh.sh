#!/bin/bash
# e2e-zh.sh — Chinese at the command line, with the real binaries:
# choice fields take their Chinese labels as well as their codes, show and
# list print labels under a Chinese locale and codes in --json, and
# messages name a field with its Chinese label.  The locale is C.UTF-8
# (always on Debian) with LANGUAGE=zh_CN, which asks gettext for Chinese
# as LANG=zh_CN.UTF-8 would, without a generated zh_CN locale.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

T=$TAP_TMP
DB=$T/station.db
CDB=$T/county.db
S() { "$SWSYNC" --db "$DB" "$@"; }
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
ZH() { LC_ALL=C.UTF-8 LANGUAGE=zh_CN "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

exits 0 "county init" C init --county C01
C station add A --name 东风镇 >"$T/a.token"
chmod 600 "$T/a.token"
county_start "$CDB"
exits 0 "station init" S init --station A --server "$URL" \
    --token-file "$T/a.token"

# ---- Chinese values in, codes stored ---------------------------------------

exits 0 "case add with Chinese choice values" \
    S case add name=张三 category=独居老人 risk_level=高 gender=男
ID=$OUT
is "$(S case show "$ID" --json | json "d['category'], d['risk_level'], d['gender']")" \
    "elderly_alone high male" "... stored as their codes"
exits 0 "a field named by its Chinese label" S case set "$ID" 状态=已结案
is "$(S case show "$ID" --json | json "d['status']")" closed "... sets it"
exits 0 "an English label is taken too" S case set "$ID" status=open
exits 0 "visit add mode=入户" S visit add case="$ID" mode=入户
VID=$OUT
is "$(S visit show "$VID" --json | json "d['mode']")" home "... is home"
exits 0 "the code still works" S case add name=李四 category=disabled

# ---- labels out under Chinese, codes in --json -----------------------------

exits 0 "show under zh_CN" ZH S case show "$ID"
like "$OUT" $'category（类别）: 独居老人\n' "... prints the category's label"
like "$OUT" $'risk_level（风险等级）: 高\n' "... and the risk level's"
unlike "$OUT" "elderly_alone" "... and not the code"
exits 0 "show --json under zh_CN" ZH S case show "$ID" --json
is "$(json "d['category']" <<<"$OUT")" elderly_alone "... prints codes"
exits 0 "show in English" S case show "$ID"
like "$OUT" $'\ncategory: elderly_alone\n' "... prints codes"
exits 0 "list under zh_CN" ZH S case list
like "$OUT" "$ID	张三		独居老人	高	在案" "... prints labels"
exits 0 "list --where category=独居老人" S case list --where category=独居老人
is "$(grep -c '' <<<"$OUT")" 1 "... finds the one case"
like "$OUT" "^$ID" "... the right one"
exits 0 "list --where 风险等级=高 (label for field and value)" \
    S case list --where 风险等级=高
like "$OUT" "^$ID" "... finds it"

# ---- messages name fields with their label ---------------------------------

exits 65 "a bad choice under zh_CN" ZH S case add name=X category=elderly
like "$ERR" "cases\.category（类别）" "... names the field with its label"
like "$ERR" "elderly_alone（独居老人）" "... and lists the labels"
exits 65 "a bad date under zh_CN" ZH S case add name=X category=其他 \
    birth_date=1950-02-30
like "$ERR" "cases\.birth_date（出生日期）" "... names the field with its label"
exits 65 "the same in English" S case add name=X category=other \
    birth_date=1950-02-30
like "$ERR" "cases\.birth_date:" "... names the field by its code"
unlike "$ERR" "出生日期" "... without the label"
exits 65 "a label of another field is refused" S case add name=X category=高

# ---- the county's CLI does the same ---------------------------------------

exits 0 "the station syncs" S sync --quiet
exits 0 "county case set with a Chinese value" C case set "$ID" risk_level=中
is "$(C case show "$ID" --json | json "d['risk_level']")" medium \
    "... stored as its code"
exits 0 "county list under zh_CN" ZH C case list --station A
like "$OUT" "张三		独居老人	中	在案" "... prints labels"
exits 0 "county list --where category=残疾人" C case list --where category=残疾人
like "$OUT" "李四" "... finds the disabled case"
unlike "$OUT" "张三" "... and not the other"

done_testing
