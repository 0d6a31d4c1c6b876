#!/bin/bash
# e2e-admin.sh — the county admin console (swsync-county serve: /admin/)
# driven with curl against a real server on 127.0.0.1: accounts (PBKDF2,
# never the password), login and its session cookie, what a request
# without a session, with a station's token, without the CSRF token or
# from another origin gets, the security headers, conflicts resolved on
# the page (a bad value refused with a clear error), XSS in names and
# notes, records looked up and corrected, stations enrolled and revoked,
# Chinese and English, idle sessions ending, logout, login throttling,
# the append-only audit trail (web and CLI); and two real station
# replicas that learn the county's conflict and its resolution through
# GET /v1/conflicts (swsync conflicts).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

for tool in python3 curl sqlite3 sha256sum openssl; do
    command -v "$tool" >/dev/null || bail_out "$tool is needed"
done

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() {
    local r=$1
    shift
    "$SWSYNC" --db "$T/$r.db" "$@"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
token() {
    local f=$T/$1.token
    cat >"$f"
    chmod 600 "$f"
}
field() { S "$1" case show "$2" --json | json "d['$3']"; }
q() { csql "$CDB" "$1"; }
ME=cli:$(id -un)

# cheap_admin NAME PASSWORD: an account whose stored hash has 1000 rounds.
# The stored form carries its round count, so this is a real account;
# it keeps the many logins of the throttling tests fast under ASan (which
# slows OpenSSL's 600 000 rounds down about sevenfold).
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
c.close()
PY
}

# web METHOD PATH [CURL ARGS...]: a request to $BASE with the cookie jar
# $JAR; sets CODE, BODY and HDRS (the headers, without CRs)
JAR=$T/jar
web() {
    local m=$1 p=$2
    shift 2
    rm -f "$T/body" "$T/headers"
    CODE=$(curl -s -X "$m" -b "$JAR" -c "$JAR" "$@" -D "$T/headers" \
        -o "$T/body" -w '%{http_code}' "${BASE:-$URL}$p")
    BODY=$(cat "$T/body" 2>/dev/null)
    HDRS=$(tr -d '\r' <"$T/headers" 2>/dev/null)
}
# header NAME: the first value of a header of the last answer
header() { grep -i "^$1:" <<<"$HDRS" | head -n 1 | cut -d' ' -f2-; }
login() {
    web POST /admin/login --data-urlencode "user=$1" \
        --data-urlencode "password=$2" "${@:3}"
}
status_of() { C conflicts show "$1" --json | json 'd["status"]'; }

# ---- accounts ----------------------------------------------------------------

exits 0 "county init" C init --county C01
exits 65 "a password under 10 characters is refused" \
    C admin add alice --password-stdin <<<"short"
like "$ERR" "at least 10" "... saying so"
exits 64 "admin add without a terminal needs --password-stdin" \
    C admin add alice </dev/null
exits 0 "admin add alice, password from stdin" \
    C admin add alice --password-stdin <<<"correct horse 1"
exits 73 "the same name again is refused" \
    C admin add alice --password-stdin <<<"another password"
exits 65 "a user name with a space is refused" \
    C admin add 'bad name' --password-stdin <<<"correct horse 1"
exits 0 "admin list --json" C admin list --json
is "$(json '[a["name"] for a in d]' <<<"$OUT")" "['alice']" "alice is listed"
like "$(q "SELECT pw_hash FROM admins WHERE name = 'alice'")" \
    '^pbkdf2-sha256\$600000\$[0-9a-f]{32}\$[0-9a-f]{64}$' \
    "the password is stored as PBKDF2-HMAC-SHA256, 600000 rounds, salted"
county_bytes "$CDB" >"$T/store.bytes"
ok "the password itself is nowhere in the store" \
    bash -c "! grep -aq 'correct horse' '$T/store.bytes'"
cheap_admin bob "bob password 1"

# ---- stations, and a conflict made by two real replicas ----------------------

C station add A --name 东风镇 | token a1
C station token A --device laptop | token a2
county_start "$CDB"
for r in a1 a2; do
    exits 0 "init replica $r" S $r init --station A --server "$URL" \
        --token-file "$T/$r.token"
done
exits 0 "the office adds a case" S a1 case add name=张三 category=elderly_alone \
    phone=13800000001 village=东村
X=$OUT
exits 0 "a case named <script>alert(1)</script>" \
    S a1 case add 'name=<script>alert(1)</script>' category=other
XSS=$OUT
S a1 visit add case="$X" mode=home findings=独居 >/dev/null
for r in a1 a2; do exits 0 "$r syncs" S $r sync --quiet; done
S a1 case set "$X" phone=13911112222 address=一组 >/dev/null
S a2 case set "$X" phone=13700003333 address=二组 >/dev/null
for r in a1 a2 a1; do exits 0 "$r syncs its offline edit" S $r sync --quiet; done
exits 0 "conflicts list --json" C conflicts list --json
CID=$(json '[c["id"] for c in d if c["field"] == "phone"][0]' <<<"$OUT")
CID2=$(json '[c["id"] for c in d if c["field"] == "address"][0]' <<<"$OUT")
like "$CID $CID2" '^[0-9]+ [0-9]+$' "the county holds the phone and address conflicts"

# ---- no session, a station's token ---------------------------------------------

web GET /admin/api/stations
is "$CODE" 401 "no session: the JSON API answers 401"
is "$(json 'd["error"]' <<<"$BODY")" unauthorized "... with a JSON error"
web GET "/admin/conflicts?status=all"
is "$CODE" 303 "no session: a page answers 303 to the login page"
is "$(header Location)" "/admin/login?next=%2Fadmin%2Fconflicts%3Fstatus%3Dall" \
    "... which will come back to it"
web GET /admin/login
is "$CODE" 200 "the login page is served"
like "$BODY" 'type="password"' "... with a password field"
web POST "/admin/conflicts/$CID/resolve" -d keep=winner
is "$CODE" 401 "a POST without a session: 401"
is "$(status_of "$CID")" open "... and the conflict is still open"
web GET /admin/api/stations -H "Authorization: Bearer $(cat "$T/a1.token")"
is "$CODE" 401 "a station's bearer token does not open the admin API"
web GET /admin/stations -H "Authorization: Bearer $(cat "$T/a1.token")"
is "$CODE" 303 "... nor its pages"
web GET /admin/api/nothing
is "$CODE" 401 "an unknown admin route without a session: 401 too"

# ---- logging in ------------------------------------------------------------------

n0=$(q "SELECT count(*) FROM audit WHERE action = 'login_failed'")
login alice "wrong password"
is "$CODE" 401 "a wrong password: 401"
like "$BODY" "用户名或密码错误" "... the page says so, in Chinese by default"
unlike "$(header Set-Cookie)" "swsync_session" "... and sets no session"
is "$(q "SELECT count(*) FROM audit WHERE action = 'login_failed'")" $((n0 + 1)) \
    "... and the audit trail has the failed login"
is "$(q "SELECT actor || ' ' || source || ' ' || details FROM audit ORDER BY id DESC LIMIT 1")" \
    "alice 127.0.0.1 wrong password" "... with who, from where and why"
login nobody "whatever password"
is "$CODE" 401 "an unknown user: the same 401"
like "$BODY" "用户名或密码错误" "... and the same words"

login alice "correct horse 1"
is "$CODE" 303 "the right password: 303"
is "$(header Location)" /admin/ "... to the console"
COOKIE=$(header Set-Cookie)
like "$COOKIE" '^swsync_session=[0-9a-f]{64}; Path=/admin/; HttpOnly; SameSite=Strict$' \
    "the session cookie is random, HttpOnly, SameSite=Strict, Path=/admin/"
CK=${COOKIE#swsync_session=}
CK=${CK%%;*}
is "$(q "SELECT count(*) FROM sessions WHERE id_hash = '$(printf %s "$CK" | sha256sum | cut -d' ' -f1)' AND admin = 'alice'")" \
    1 "the store keeps the cookie's SHA-256"
is "$(q "SELECT count(*) FROM sessions WHERE id_hash = '$CK'")" 0 "... not the cookie"

web GET /admin/stations
is "$CODE" 200 "the stations page"
is "$(header Content-Security-Policy)" \
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'" \
    "Content-Security-Policy: default-src 'self'"
is "$(header X-Frame-Options)" DENY "X-Frame-Options: DENY"
is "$(header X-Content-Type-Options)" nosniff "X-Content-Type-Options: nosniff"
is "$(header Referrer-Policy)" same-origin "Referrer-Policy: same-origin"
is "$(header Cache-Control)" no-store "Cache-Control: no-store"
is "$(grep -o '<script' <<<"$BODY" | wc -l)" "$(grep -o '<script src="/admin/static/' <<<"$BODY" | wc -l)" \
    "no inline script: every script is our own file"
unlike "$BODY" '(src|href)="(https?:)?//' "no external asset"
like "$BODY" "站点与同步状态" "the console speaks Chinese by default"
like "$BODY" '<tr class="never" data-station="A">|<tr class="ok" data-station="A">' \
    "station A is listed"
like "$BODY" '<strong id="user">alice</strong>' "the admin's name is shown"
web GET /admin/static/style.css
is "$CODE $(header Content-Type)" "200 text/css; charset=utf-8" "the stylesheet is served"
web GET /admin/static/admin.js
is "$CODE $(header Content-Type)" "200 text/javascript; charset=utf-8" "the script is served"

q "UPDATE replicas SET last_sync = last_sync - 2 * 86400000 WHERE device = 'laptop'"
web GET /admin/stations
like "$BODY" '<tr class="stale" data-station="A">' \
    "a replica not synced for over a day stands out (a class)..."
like "$BODY" '<span class="state stale">超过一天未同步</span>' "... and words, not only colour"
like "$BODY" 'id="stale-summary"' "... and a note above the table"
web GET /admin/api/stations
is "$CODE" 200 "the stations as JSON"
is "$(json 'sorted(s["device"] for s in d["stations"])' <<<"$BODY")" "['laptop', 'main']" \
    "... every replica"

web GET /admin/api/session
CSRF=$(json 'd["csrf"]' <<<"$BODY")
like "$CSRF" '^[0-9a-f]{64}$' "the session has a CSRF token"
like "$(cat "$T/body")" '"user":"alice"' "... and knows its admin"

# ---- CSRF and origin -------------------------------------------------------------

web POST "/admin/conflicts/$CID/resolve" -d keep=loser -d note=x
is "$CODE" 403 "a POST without the CSRF token: 403"
is "$(status_of "$CID")" open "... and nothing changed"
web POST "/admin/conflicts/$CID/resolve" -d keep=loser \
    -d "csrf=$(printf '0%.0s' $(seq 64))"
is "$CODE" 403 "a wrong CSRF token: 403"
web POST "/admin/conflicts/$CID/resolve" -d keep=loser -d "csrf=$CSRF" \
    -H "Origin: http://evil.example"
is "$CODE" 403 "another site's Origin: 403"
web POST "/admin/conflicts/$CID/resolve" -d keep=loser -d "csrf=$CSRF" \
    -H "Referer: http://evil.example/page"
is "$CODE" 403 "another site's Referer: 403"
web POST "/admin/api/conflicts/$CID/resolve" -d keep=loser
is "$CODE" 403 "the API's POST without the token: 403"
is "$(status_of "$CID")" open "... and still nothing changed"
is "$(q "SELECT count(*) FROM audit WHERE action = 'resolve'")" 0 "... nor audited"

# ---- the station learns the conflict --------------------------------------------

exits 0 "a1 syncs" S a1 sync --quiet
exits 0 "swsync conflicts --json" S a1 conflicts --json
is "$(json 'sorted((c["field"], c["status"]) for c in d)' <<<"$OUT")" \
    "[('address', 'open'), ('phone', 'open')]" \
    "the station learned the county's conflicts through the sync"
is "$(json '[sorted([c["winner_value"], c["loser_value"]]) for c in d if c["field"] == "phone"][0]' <<<"$OUT")" \
    "['13700003333', '13911112222']" "... with both values"
like "$(json '[c["winner_hlc"] for c in d][0]' <<<"$OUT")" '^[0-9]+$' \
    "... and versions as strings"
is "$(S a1 status --json | json 'd["open_conflicts"]')" 2 "swsync status counts them"
exits 0 "swsync conflicts (text)" S a1 conflicts
like "$OUT" "	open	cases	$X	phone	field	" "... one line a conflict"
curl -s -o "$T/v1c" -w '%{http_code}' -H "Authorization: Bearer $(cat "$T/a2.token")" \
    "$URL/v1/conflicts" >"$T/v1c.code"
is "$(cat "$T/v1c.code")" 200 "GET /v1/conflicts with a replica's token"
is "$(json 'sorted(d["conflicts"][0].keys())' <"$T/v1c")" \
    "['detected_at', 'field', 'id', 'kind', 'loser_author', 'loser_hlc', 'loser_site', 'loser_value', 'note', 'record', 'resolution', 'resolved_at', 'status', 'table', 'winner_author', 'winner_hlc', 'winner_site', 'winner_value']" \
    "... gives the protocol's fields"
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/conflicts")" 401 \
    "GET /v1/conflicts without a token: 401"

# ---- resolving on the page -------------------------------------------------------

web GET "/admin/conflicts/$CID"
is "$CODE" 200 "the conflict's page"
like "$BODY" 'id="winner".*13700003333' "the current value"
like "$BODY" 'id="loser".*13911112222' "the other value, side by side"
like "$BODY" "设备 laptop" "... with the replica that wrote it"
like "$BODY" '<tr class="hl" data-field="phone">' "the record's fields, the conflicted one marked"
like "$BODY" 'data-field="village"><th>[^<]*</th><td>东村' "... with its other fields for context"
web POST "/admin/conflicts/$CID/resolve" -d "csrf=$CSRF" -d keep=value \
    --data-urlencode "value=not a phone!"
is "$CODE" 400 "an invalid new value: 400"
like "$BODY" 'id="error"[^>]*>新值无效（电话）' "... with a clear error on the page"
like "$BODY" 'value="not a phone!"' "... keeping what the admin typed"
is "$(status_of "$CID")" open "... and the conflict still open"
web POST "/admin/conflicts/$CID/resolve" -d "csrf=$CSRF" -d keep=value \
    --data-urlencode "value=13600001111" \
    --data-urlencode 'note=<img src=x onerror=alert(1)> 电话核实'
is "$CODE" 303 "resolve with a new value and a note: 303"
is "$(header Location)" "/admin/conflicts/$CID?msg=resolved" "... back to the conflict"
exits 0 "conflicts show --json" C conflicts show "$CID" --json
is "$(json '" ".join(str(d[k]) for k in ("status", "resolution", "resolved_by"))' <<<"$OUT")" \
    "resolved value alice" "resolved, by the admin's name, as conflicts resolve does"
is "$(json 'd["note"]' <<<"$OUT")" '<img src=x onerror=alert(1)> 电话核实' "the note is kept as typed"
is "$(C case show "$X" --json | json 'd["phone"]')" 13600001111 "the county holds the new value"
web GET "/admin/conflicts/$CID?msg=resolved"
like "$BODY" 'id="done"' "the page confirms"
like "$BODY" '&lt;img src=x onerror=alert\(1\)&gt; 电话核实' "the note is escaped on the page"
unlike "$BODY" '<img src=x' "... never markup"
web POST "/admin/conflicts/$CID/resolve" -d "csrf=$CSRF" -d keep=winner
is "$CODE" 409 "resolving it again: 409"
web GET "/admin/conflicts"
unlike "$BODY" "data-id=\"$CID\"" "a resolved conflict leaves the open list"
web GET "/admin/conflicts?status=resolved"
like "$BODY" "data-id=\"$CID\"" "... and is under resolved"
web GET "/admin/conflicts?status=all&station=A&table=cases"
like "$BODY" "data-id=\"$CID\".*data-id=\"$CID2\"|data-id=\"$CID2\".*data-id=\"$CID\"" \
    "... and under all, filtered by station and table"
web GET "/admin/conflicts?status=all&table=visits"
unlike "$BODY" "data-id=\"$CID\"" "a filter on visits leaves it out"

# the API, with the token in a header
web POST "/admin/api/conflicts/$CID2/resolve" -H "X-CSRF-Token: $CSRF" \
    -d keep=loser --data-urlencode "note=checked"
is "$CODE" 200 "the API resolves with X-CSRF-Token"
is "$(json 'd["conflict"]["status"] + " " + d["conflict"]["resolution"]' <"$T/body")" \
    "resolved loser" "... and answers the conflict"
web GET "/admin/api/conflicts?status=all"
is "$(json 'len(d["conflicts"])' <<<"$BODY")" 2 "the API lists all conflicts"

for r in a1 a2; do exits 0 "$r syncs after the resolution" S $r sync --quiet; done
is "$(field a1 "$X" phone)" 13600001111 "the office holds the admin's value"
is "$(field a2 "$X" phone)" 13600001111 "the laptop holds the admin's value"
exits 0 "swsync conflicts --json on the office PC" S a1 conflicts --json
is "$(json '[(c["status"], c["resolution"], c["note"]) for c in d if c["field"] == "phone"][0]' <<<"$OUT")" \
    "('resolved', 'value', '<img src=x onerror=alert(1)> 电话核实')" \
    "the station learned the resolution and its note"
like "$(json '[c["resolved_at"] for c in d if c["field"] == "phone"][0]' <<<"$OUT")" \
    '^[0-9]+$' "... and when"
is "$(S a1 status --json | json 'd["open_conflicts"]')" 0 "swsync status: no open conflict"
is "$(S a1 conflicts --json | json 'len(d)')" 2 "a second sync adds no duplicate"

# ---- XSS, records ----------------------------------------------------------------

web GET "/admin/records?q=script"
is "$CODE" 200 "search by part of a name"
like "$BODY" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "the name is escaped"
unlike "$BODY" '<script>alert' "... never markup"
web GET "/admin/records/cases/$XSS"
like "$BODY" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "and on the record's page"
unlike "$BODY" '<script>alert' "... never markup"
web GET "/admin/records?q=$X"
is "$CODE $(header Location)" "303 /admin/records/cases/$X" "a case id goes to the case"
web GET "/admin/records/cases/$X"
like "$BODY" "张三" "the case"
like "$BODY" '<table id="visits">.*独居' "... with its visits"
like "$BODY" '<table id="services">' "... and its services"
web GET "/admin/api/cases?q=张"
is "$(json '[c["id"] for c in d["cases"]]' <<<"$BODY")" "['$X']" "the API finds it by name"
web POST "/admin/records/cases/$X/set" -d "csrf=$CSRF" -d field=birth_date \
    -d value=1950-02-30
is "$CODE" 400 "a correction with a bad date: 400"
like "$BODY" '新值无效（出生日期）' "... with a clear error"
web POST "/admin/records/cases/$X/set" -d "csrf=$CSRF" -d field=village \
    --data-urlencode value=东村（更正）
is "$CODE" 303 "a county correction on the page"
is "$(C case show "$X" --json | json 'd["village"]')" 东村（更正） "... is written"
exits 0 "a1 syncs" S a1 sync --quiet
is "$(field a1 "$X" village)" 东村（更正） "... and reaches the station"
# schema 3's fields (issue 16 item 5): on the page, corrected there, synced
web GET "/admin/records/cases/$X"
like "$BODY" 'data-field="guardian_name"><th>监护人/联系人' "the case page has the guardian"
like "$BODY" 'data-field="hukou_type"><th>户籍类型' "... and the hukou type"
web POST "/admin/records/cases/$X/set" -d "csrf=$CSRF" -d field=guardian_phone \
    -d value=12ab
is "$CODE" 400 "a guardian phone that is not one: 400"
web POST "/admin/records/cases/$X/set" -d "csrf=$CSRF" -d field=hukou_type \
    --data-urlencode value=农业户口
is "$CODE" 303 "the hukou type corrected by its label"
is "$(C case show "$X" --json | json 'd["hukou_type"]')" agricultural "... stored as its code"
web GET "/admin/records/cases/$X"
like "$BODY" 'data-field="hukou_type"><th>户籍类型</th><td>agricultural <span class="sub">\(农业户口\)' \
    "... shown with its label"
exits 0 "a1 syncs" S a1 sync --quiet
is "$(field a1 "$X" hukou_type)" agricultural "... and reaches the station"

# a choice field is chosen from its labels: a select for each, and the
# label itself (what an admin reads and might type) is taken
web GET "/admin/records/cases/$X"
like "$BODY" '<select name="value_risk_level" id="correct-risk_level" class="choice-value" data-field="risk_level"><option value="low"[^>]*>低</option><option value="medium"[^>]*>中</option><option value="high"[^>]*>高</option></select>' \
    "the correction form has a select with the Chinese labels for risk_level (required: no empty choice)"
like "$BODY" 'id="correct-gender"[^>]*><option value=""[^>]*>（空）</option><option value="male"[^>]*>男</option>' \
    "... and for the gender, which may be cleared"
web POST "/admin/records/cases/$X/set" -d "csrf=$CSRF" -d field=risk_level \
    -d value= -d value_risk_level=medium
is "$CODE" 303 "a correction chosen in the select"
is "$(C case show "$X" --json | json 'd["risk_level"]')" medium "... is written as its code"
web POST "/admin/records/cases/$X/set" -d "csrf=$CSRF" -d field=risk_level \
    --data-urlencode value=高
is "$CODE" 303 "a label typed in the text box (高) is not a 400"
is "$(C case show "$X" --json | json 'd["risk_level"]')" high "... it is written as its code"
web POST "/admin/records/cases/$X/set" -d "csrf=$CSRF" -d field=risk_level \
    --data-urlencode value=很高
is "$CODE" 400 "a value that is no choice: 400"
is "$(C case show "$X" --json | json 'd["risk_level"]')" high "... nothing written"

# ---- stations on the page ----------------------------------------------------------

web POST /admin/stations/add -d "csrf=$CSRF" -d code=B --data-urlencode name=西河镇
is "$CODE" 200 "enrol a station on the page"
like "$BODY" '<code class="token" id="token">sw1_[0-9a-f]{64}</code>' "... its token shown once"
is "$(C station list --json | json '[s["code"] for s in d]')" "['A', 'A', 'B']" "... enrolled"
web POST /admin/stations/add -d "csrf=$CSRF" -d code=B
is "$CODE" 409 "enrolling it again: 409"
web POST /admin/stations/add -d "csrf=$CSRF" --data-urlencode "code=b a d"
is "$CODE" 400 "a bad code: 400"
web POST /admin/stations/token -d "csrf=$CSRF" -d code=B -d device=laptop
is "$CODE" 200 "a new replica token on the page"
web POST /admin/stations/revoke -d "csrf=$CSRF" -d code=B
is "$CODE" 200 "revoke on the page"
is "$(C station list --json | json '[s["revoked"] for s in d if s["code"] == "B"]')" \
    "[True, True]" "... revokes every replica of B"

# ---- languages -----------------------------------------------------------------------

web GET "/admin/stations?lang=en"
like "$BODY" "<h1>Stations and sync health</h1>" "?lang=en: English"
like "$(header Set-Cookie)" '^lang=en; Path=/admin/' "... remembered in a cookie"
like "$BODY" '<html lang="en">' "... and the page says so"
web GET "/admin/conflicts/$CID"
like "$BODY" "Resolved by" "the cookie keeps English on the next page"
unlike "$BODY" "处理人" "... with no Chinese label left"
web GET "/admin/audit?lang=zh"
like "$BODY" "<h1>审计日志</h1>" "?lang=zh: back to Chinese"

# ---- the report page (报表) -------------------------------------------------------------

MONTH=$(date +%Y-%m)
S a1 service add case="$X" service_type=助餐 amount=150.50 >/dev/null
S a1 case add name=李四 category=disabled risk_level=high >/dev/null
exits 0 "a1 syncs a service and a high-risk case" S a1 sync --quiet
exits 0 "the CLI report of station A" C report month "$MONTH" --station A --json
CLI_NEW=$(json 'd["new_cases"]["total"]' <<<"$OUT")
web GET /admin/report
is "$CODE" 200 "the report page"
like "$BODY" '<nav class="main">.*href="/admin/report" class="cur">报表<' \
    "... is in the menu, marked as the current page"
like "$BODY" "<input type=\"month\" name=\"month\" id=\"f-month\" value=\"$MONTH\">" \
    "... the month picker shows this month by default"
like "$BODY" '<option value="A">A 东风镇</option>' "... the station select lists A"
like "$BODY" 'id="services-total">1<' "all stations: 1 service (hand-counted)"
like "$BODY" 'id="amount-total">150.50<' "... for 150.50"
like "$BODY" '<td>助餐</td><td class="num">1</td><td class="num">150.50</td>' \
    "... by type"
like "$BODY" '<tr class="unvisited"><td><a href="/admin/records/cases/[0-9a-f-]+">李四</a>' \
    "the high-risk case never visited is listed"
like "$BODY" 'id="visits-home">1<' "1 home visit"
web GET "/admin/report?month=$MONTH&station=A"
like "$BODY" "id=\"new-total\">$CLI_NEW<" "station A: the page's new cases are the CLI's ($CLI_NEW)"
like "$BODY" 'id="new-disabled">1<' "... 1 new case of the disabled"
like "$BODY" '<option value="A" selected>' "... A stays selected"
like "$BODY" "href=\"/admin/report/csv\\?month=$MONTH&amp;station=A\" download>" \
    "... the download link carries the month and station"
web GET "/admin/report?month=$MONTH&station=B"
is "$CODE" 200 "station B"
like "$BODY" 'id="services-total">0<' "... has no service"
like "$BODY" 'id="new-total">0<' "... and no new case"
web GET "/admin/report?month=2026-13"
is "$CODE" 400 "a month 13 is refused"
like "$BODY" 'class="flash bad" id="error"' "... with a message on the page"
web GET "/admin/report?month=%3Cb%3E"
unlike "$BODY" '<b>' "the month asked for is escaped"
web GET "/admin/report/csv?month=$MONTH&station=A"
is "$CODE" 200 "the CSV download"
is "$(header Content-Type)" "text/csv; charset=utf-8" "... is CSV"
is "$(header Content-Disposition)" "attachment; filename=\"report-$MONTH-A.csv\"" \
    "... as an attachment"
is "$(head -c 3 "$T/body" | od -An -tx1 | tr -d ' ')" efbbbf "... with a UTF-8 BOM"
like "$BODY" '助餐,1,150.50' "... with the service's figure"
like "$(head -n 1 "$T/body" | tr -d '\r')" "月报,$MONTH,站点,A\$" "... a title row"
is "$(sed -n 2p "$T/body")" $'项目,分项,数量,金额\r' "... and a header row"
web GET "/admin/report/csv?month=$MONTH&station=A&lang=en"
LANGUAGE=en LC_ALL=C C report month "$MONTH" --station A --format csv \
    -o "$T/cli-report.csv"
ok "in English, the same bytes as the CLI's CSV" cmp "$T/body" "$T/cli-report.csv"
web GET "/admin/report?lang=zh"
JAR=$T/nojar web GET "/admin/report?month=$MONTH"
is "$CODE $(header Location)" "303 /admin/login?next=%2Fadmin%2Freport%3Fmonth%3D$MONTH" \
    "no session: the report page sends to the login page"
JAR=$T/nojar web GET "/admin/report/csv?month=$MONTH"
is "$CODE" 303 "... and so does the download"
is "$(q "SELECT count(*) FROM audit WHERE action = 'report' AND actor = 'alice' AND source = '127.0.0.1' AND target = 'A' AND details LIKE 'console: month $MONTH station A csv:%'")" 2 \
    "the download is audited: who, from where, what"
is "$(q "SELECT count(*) FROM audit WHERE action = 'report' AND actor = 'alice' AND target = 'all' AND details LIKE '%page: % 1 services%'")" 2 \
    "the page of all stations, shown twice, is audited twice with its figures"
web GET /admin/audit
like "$BODY" '<td>alice</td><td>127.0.0.1</td><td>报表</td><td>A</td>' \
    "the audit page names the admin's report"

# ---- the session ends: idle, logout, admin removed -------------------------------

web POST /admin/logout -d "csrf=$CSRF"
is "$CODE $(header Location)" "303 /admin/login?why=out" "logout"
like "$(header Set-Cookie)" "^swsync_session=; .*Max-Age=0" "... clears the cookie"
is "$(q "SELECT count(*) FROM sessions WHERE admin = 'alice'")" 0 "... and ends the session"
web GET /admin/api/session -H "Cookie: swsync_session=$CK"
is "$CODE" 401 "the old cookie no longer works"

# a second server on the same store whose sessions end after 2 idle seconds
# (a login there purges the sessions idle longer than that)

P2=$(free_port)
"$SWSYNC_COUNTY" --db "$CDB" serve --listen "127.0.0.1:$P2" --session-idle 2 \
    2>"$T/serve2.log" &
PID2=$!
at_exit "kill $PID2 2>/dev/null; wait $PID2 2>/dev/null"
for _ in $(seq 300); do
    grep -q '^listening on' "$T/serve2.log" && break
    sleep 0.05
done
BASE=http://127.0.0.1:$P2
JAR=$T/jar2
login bob "bob password 1"
is "$CODE" 303 "bob logs in on a server with --session-idle 2"
web GET /admin/api/session
is "$CODE" 200 "... his session works"
sleep 3
web GET /admin/api/session
is "$CODE" 401 "after 3 idle seconds: 401"
like "$BODY" "expired" "... the session has expired"
web GET /admin/stations
is "$CODE $(header Location)" "303 /admin/login?why=expired&next=%2Fadmin%2Fstations" \
    "a page sends him to log in again"
login bob "bob password 1"
web GET /admin/api/session
is "$CODE" 200 "logged in again"
is "$(q "SELECT count(*) FROM sessions WHERE admin = 'bob'")" 1 \
    "bob has one session in the store (his login purged the expired one)"
exits 0 "admin remove bob" C admin remove bob
is "$(q "SELECT count(*) FROM sessions WHERE admin = 'bob'")" 0 \
    "removing an admin deletes his sessions"
web GET /admin/api/session
is "$CODE" 401 "... so they no longer work"
unset BASE
JAR=$T/jar


# ---- the audit trail -----------------------------------------------------------------

exits 0 "a CLI correction" C case set "$X" notes=县里更正
exits 0 "a CLI token" C station token A --device spare
exits 0 "audit --json" C audit --json --limit 1000
AUD=$OUT
has() { json "any(a['action'] == '$1' and a['actor'] == '$2' and a['source'] == '$3' for a in d)" <<<"$AUD"; }
is "$(has admin_add "$ME" cli)" True "audit: admin add, by the CLI's user"
is "$(has station_add "$ME" cli)" True "audit: station add (CLI)"
is "$(has token_new "$ME" cli)" True "audit: new token (CLI)"
is "$(has record_set "$ME" cli)" True "audit: county correction (CLI)"
is "$(has login alice 127.0.0.1)" True "audit: login, with the client address"
is "$(has login_failed alice 127.0.0.1)" True "audit: failed login"
is "$(has login_failed '(unknown)' 127.0.0.1)" True \
    "audit: failed login of an unknown user"
is "$(has login_failed nobody 127.0.0.1)" False \
    "... without the name typed (it may be a password in the wrong box)"
is "$(has resolve alice 127.0.0.1)" True "audit: resolve"
is "$(has record_set alice 127.0.0.1)" True "audit: county correction (web)"
is "$(has station_add alice 127.0.0.1)" True "audit: enrol (web)"
is "$(has token_new alice 127.0.0.1)" True "audit: new token (web)"
is "$(has revoke alice 127.0.0.1)" True "audit: revoke (web)"
is "$(has logout alice 127.0.0.1)" True "audit: logout"
is "$(has admin_remove "$ME" cli)" True "audit: admin remove"
is "$(json '[a["details"] for a in d if a["action"] == "resolve"][-1]' <<<"$AUD")" \
    "cases/$X.phone: keep value; value: 13600001111; note: <img src=x onerror=alert(1)> 电话核实" \
    "the resolve row says what was decided"
unlike "$AUD" "correct horse|bob password|sw1_" "no password or token in the trail"
exits 0 "audit (text)" C audit --limit 3
is "$(wc -l <<<"$OUT")" 3 "--limit 3: three lines"
exits 64 "--limit 0 is a usage error" C audit --limit 0
fails "the trail refuses UPDATE" q "UPDATE audit SET actor = 'x'"
fails "the trail refuses DELETE" q "DELETE FROM audit"
login alice "correct horse 1"
web GET /admin/audit
like "$BODY" '<table id="audit">.*登录.*127.0.0.1' "the audit page"
web GET /admin/api/audit
is "$(json 'd["audit"][0]["action"]' <<<"$BODY")" login "the audit API, newest first"

# ---- over TLS the session cookie is Secure --------------------------------------------

(
    cd "$T" &&
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
            -addext "subjectAltName=IP:127.0.0.1" -keyout tls.key -out tls.pem
) >"$T/openssl.log" 2>&1 || bail_out "openssl: $(cat "$T/openssl.log")"
P3=$(free_port)
"$SWSYNC_COUNTY" --db "$CDB" serve --listen "127.0.0.1:$P3" \
    --tls-cert "$T/tls.pem" --tls-key "$T/tls.key" 2>"$T/serve3.log" &
PID3=$!
at_exit "kill $PID3 2>/dev/null; wait $PID3 2>/dev/null"
for _ in $(seq 300); do
    grep -q '^listening on' "$T/serve3.log" && break
    sleep 0.05
done
cheap_admin tina "tina password 1"
BASE=https://127.0.0.1:$P3
JAR=$T/jar3
login tina "tina password 1" --cacert "$T/tls.pem"
is "$CODE" 303 "login over HTTPS"
like "$(header Set-Cookie)" '^swsync_session=[0-9a-f]{64}; Path=/admin/; HttpOnly; SameSite=Strict; Secure$' \
    "... sets a Secure cookie"
web POST /admin/logout --cacert "$T/tls.pem" -H "Origin: https://127.0.0.1:$((P3 + 1))" \
    -d "csrf=$(web GET /admin/api/session --cacert "$T/tls.pem"; json 'd["csrf"]' <<<"$BODY")"
is "$CODE" 403 "an Origin on another port is another origin: 403"
web POST /admin/logout --cacert "$T/tls.pem" -H "Origin: https://127.0.0.1:$P3" \
    -d "csrf=$(web GET /admin/api/session --cacert "$T/tls.pem"; json 'd["csrf"]' <<<"$BODY")"
is "$CODE" 303 "our own Origin is fine"
unset BASE
JAR=$T/jar

# ---- login throttling ------------------------------------------------------------------

cheap_admin carol "carol password"
codes=
for _ in 1 2 3 4 5; do
    login carol "wrong one"
    codes="$codes $CODE"
done
is "$codes" " 401 401 401 401 401" "five wrong passwords: 401 each"
login carol "carol password"
is "$CODE" 429 "then even the right one is refused: 429"
like "$(header Retry-After)" '^[1-9][0-9]*$' "... with Retry-After"
like "$BODY" "登录失败次数过多" "... and the page says why"
is "$(q "SELECT count(*) FROM audit WHERE action = 'login_failed' AND actor = 'carol'")" 5 \
    "the refused attempt is not a sixth failure"
login alice "correct horse 1"
is "$CODE" 303 "another user from the same address still logs in"
for u in dave erin frank; do
    cheap_admin $u "$u password 1"
    for _ in 1 2 3 4 5; do login $u "wrong one"; done
done
login alice "correct horse 1"
is "$CODE" 429 "after 20 failures from one address, that address is refused too"

county_stop
is "$SERVER_RC" 0 "the server exits 0 on SIGTERM"
done_testing
