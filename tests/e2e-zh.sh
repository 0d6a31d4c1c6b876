#!/bin/bash
# e2e-zh.sh — Chinese at the command line, with the real binaries:
# choice fields take their Chinese labels as well as their codes, show and
# list print labels under a Chinese locale and codes in --json, and
# messages name a field with its Chinese label; and typical failures
# of both programs under a Chinese locale, in Chinese (gettext, po/).
# The locale is C.UTF-8 (always on Debian) with LANGUAGE=zh_CN, which
# asks gettext for Chinese as LANG=zh_CN.UTF-8 would, without a
# generated zh_CN locale; SWSYNC_LOCALEDIR (make check) points at the
# catalogs built in the build directory.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

T=$TAP_TMP
DB=$T/station.db
CDB=$(county_db county)
S() { "$SWSYNC" --db "$DB" "$@"; }
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
ZH() { LC_ALL=C.UTF-8 LANGUAGE=zh_CN "$@"; }
[ -n "${SWSYNC_LOCALEDIR:-}" ] ||
    bail_out "SWSYNC_LOCALEDIR is not set (make check sets it)"
[ -f "$SWSYNC_LOCALEDIR/zh_CN/LC_MESSAGES/swsync.mo" ] ||
    bail_out "no catalog in $SWSYNC_LOCALEDIR"
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

# ---- messages in Chinese ----------------------------------------------------

exits 66 "no replica, under zh_CN" ZH "$SWSYNC" --db "$T/none.db" status
is "$ERR" "swsync：$T/none.db：此处没有站点副本（请用 'swsync init' 创建）" \
    "... says so in Chinese"
exits 66 "the same in English" "$SWSYNC" --db "$T/none.db" status
is "$ERR" "swsync: $T/none.db: no station replica here (create one with 'swsync init')" \
    "... in English"
exits 66 "LANG=zh_CN.UTF-8 without that locale installed: English" \
    env -u LC_ALL LANG=zh_CN.UTF-8 "$SWSYNC" --db "$T/none.db" status
if locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
    exits 66 "LANG=zh_CN.UTF-8 (the locale is installed)" \
        env -u LC_ALL LANG=zh_CN.UTF-8 "$SWSYNC" --db "$T/none.db" status
    like "$ERR" "此处没有站点副本" "... in Chinese"
else
    like "$ERR" "no station replica here" "... as gettext does (no zh_CN locale here)"
fi
exits 64 "an unknown command under zh_CN" ZH S frobnicate
is "$ERR" "swsync：未知命令“frobnicate”（见 swsync --help）" "... in Chinese"
exits 65 "an unknown field under zh_CN" ZH S case add name=X colour=red
like "$ERR" "cases\.colour：没有这个字段" "... in Chinese"
exits 65 "a bad ID number under zh_CN" ZH S case add name=X category=其他 \
    id_number=110105194912310022
like "$ERR" "cases\.id_number（身份证号）：校验码错误" "... names the field and the problem"
exits 65 "an unknown record under zh_CN" ZH S case show 0190a4c2-7b3e-7c1d-8e2f-123456789abc
like "$ERR" "未找到" "... says not found"
exits 0 "--help under zh_CN" ZH S --help
like "$OUT" "^用法：swsync" "... starts with 用法"
like "$OUT" "退出码" "... explains the exit codes"
exits 0 "case --help under zh_CN" ZH S case --help
like "$OUT" "个案（接受服务的人）" "... describes the command in Chinese"
exits 0 "status under zh_CN" ZH S status
like "$OUT" "待发送变更：" "... labels its lines in Chinese"
exits 0 "a sync under zh_CN" ZH S sync
like "$OUT" "^同步：推送 [0-9]+ 条变更，拉取 [0-9]+ 条，[0-9]+ 个冲突$" \
    "... reports in Chinese"
S config set server "http://127.0.0.1:$(free_port)"
exits 75 "a sync with the county unreachable, under zh_CN" ZH S sync --timeout 5
like "$ERR" "^swsync：hello: 无法连接县级服务器" "... says so in Chinese"
S config set server "$URL"
exits 64 "swsync-county: an unknown command under zh_CN" ZH C frobnicate
is "$ERR" "swsync-county：未知命令“frobnicate”（见 swsync-county --help）" \
    "... in Chinese"
exits 65 "swsync-county: a bad station code under zh_CN" ZH C station add 'a b'
like "$ERR" "编码无效" "... in Chinese"
exits 0 "swsync-county --help under zh_CN" ZH C --help
like "$OUT" "^用法：swsync-county" "... in Chinese"
exits 66 "swsync-county: no store, under zh_CN" ZH "$SWSYNC_COUNTY" --db "$T/none.db" station list
like "$ERR" "此处没有县级数据库" "... in Chinese"
LANGUAGE=fr_FR LC_ALL=C.UTF-8 "$SWSYNC" --db "$T/none.db" status 2>"$T/fr.err"
like "$(cat "$T/fr.err")" "no station replica here" "a language with no catalog: English"

done_testing
