#!/bin/bash
# e2e-console.sh — the station console through curl against a real
# `swsync console`: worker add/list/remove, sign-in (audited), sessions
# and their expiry, CSRF and Origin on every form, a case written through
# the form (with its author), a bad date refused in Chinese with nothing
# saved, search, export (audited), and no plain-HTTP bind off loopback.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/console.sh"

for tool in curl python3 sqlite3; do
    command -v "$tool" >/dev/null || bail_out "$tool is needed"
done

T=$TAP_TMP
DB=$T/r.db
S() { "$SWSYNC" --db "$DB" "$@"; }
PW='站里的密码 2026'
JAR=$T/cookies
c() { curl -s -b "$JAR" -c "$JAR" "$@"; }
code() { curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -c "$JAR" "$@"; }
csrf() { c "$CURL_BASE/" | sed -n 's/.*name="csrf-token" content="\([0-9a-f]*\)".*/\1/p'; }
ncases() { sqlite3 "$DB" "SELECT count(*) FROM cases"; }

exits 0 "init a replica" S init --station A01 --server http://127.0.0.1:9

# ---- worker commands ---------------------------------------------------------

exits 64 "worker add without a terminal needs --password-stdin" \
    S worker add li </dev/null
like "$ERR" "password-stdin" "... saying so"
exits 65 "a password under 10 characters is refused" \
    S worker add li --password-stdin <<<"short"
exits 65 "a name with a space is refused" \
    S worker add "li si" --password-stdin <<<"$PW"
exits 0 "worker add li" S worker add li --password-stdin <<<"$PW"
exits 73 "the same name again is refused" \
    S worker add li --password-stdin <<<"$PW"
exits 0 "worker add wang" S worker add wang --password-stdin <<<"另一个密码 2026"
exits 0 "worker list" S worker list
is "$(cut -f1 <<<"$OUT" | tr '\n' ' ')" "li wang " "both are listed, by name"
like "$(sqlite3 "$DB" "SELECT pw_hash FROM workers WHERE name = 'li'")" \
    '^pbkdf2-sha256\$600000\$[0-9a-f]{32}\$[0-9a-f]{64}$' \
    "the password is kept as PBKDF2-HMAC-SHA256, salted"
exits 0 "worker remove wang" S worker remove wang
exits 65 "removing an unknown worker fails" S worker remove wang

# ---- where it listens ----------------------------------------------------------

exits 64 "a non-loopback address without TLS is refused" \
    S console --listen "0.0.0.0:$(free_port)"
like "$ERR" "loopback" "... naming the reason"
exits 64 "--tls-cert without --tls-key is refused" \
    S console --listen "0.0.0.0:$(free_port)" --tls-cert /dev/null

console_start "$DB"

# ---- sign-in ---------------------------------------------------------------------

is "$(code "$CURL_BASE/")" 303 "without a session a page redirects"
like "$(curl -s -o /dev/null -w '%{redirect_url}' "$CURL_BASE/search")" \
    '/login\?next=%2Fsearch$' "... to the sign-in page, coming back after"
is "$(code -X POST -d 'x=1' "$CURL_BASE/case/new")" 401 \
    "a POST without a session is refused"
is "$(code --data-urlencode user=li --data-urlencode password=wrong-password \
    "$CURL_BASE/login")" 403 "a wrong password is refused"
like "$(cat "$T/body")" "用户名或密码错误" "... in Chinese"
is "$(sqlite3 "$DB" "SELECT who || ' ' || action FROM local_audit ORDER BY id DESC LIMIT 1")" \
    "li login_failed" "the failed sign-in is in the local audit trail"
curl -s -D "$T/h" -o /dev/null -c "$JAR" --data-urlencode user=li \
    --data-urlencode "password=$PW" "$CURL_BASE/login"
like "$(tr -d '\r' <"$T/h")" 'Set-Cookie: swsync_console=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict' \
    "signing in sets an HttpOnly, SameSite=Strict session cookie"
like "$(tr -d '\r' <"$T/h")" "Content-Security-Policy: default-src 'self'" \
    "pages carry a strict CSP"
is "$(sqlite3 "$DB" "SELECT count(*) FROM worker_sessions")" 1 \
    "one session is stored"
like "$(sqlite3 "$DB" "SELECT id_hash FROM worker_sessions")" '^[0-9a-f]{64}$' \
    "... as the cookie's hash"
isnt "$(sqlite3 "$DB" "SELECT id_hash FROM worker_sessions")" \
    "$(awk '$6 == "swsync_console" {print $7}' "$JAR")" "... not the cookie"
is "$(code "$CURL_BASE/")" 200 "the home page opens"
like "$(cat "$T/body")" "今日工作" "... in Chinese"
is "$(sqlite3 "$DB" "SELECT who || ' ' || action FROM local_audit ORDER BY id DESC LIMIT 1")" \
    "li login" "the sign-in is audited"
CSRF=$(csrf)
like "$CSRF" '^[0-9a-f]{64}$' "the page carries the CSRF token"

# ---- forms: CSRF, origin, checks -------------------------------------------------

form=(--data-urlencode "name=张三丰" --data-urlencode "id_number=11010519491231002X"
    --data-urlencode "category=elderly_alone" --data-urlencode "risk_level=high"
    --data-urlencode "village=城关村" --data-urlencode "phone=13800001234")
is "$(code "${form[@]}" "$CURL_BASE/case/new")" 403 "a form without the CSRF token is refused"
# the token with its last digit changed (a fixed digit would be the right
# token one time in 16)
if [ "${CSRF: -1}" = 0 ]; then WRONG="${CSRF%?}1"; else WRONG="${CSRF%?}0"; fi
is "$(code "${form[@]}" --data-urlencode "csrf=$WRONG" "$CURL_BASE/case/new")" 403 \
    "... and with a wrong one"
is "$(code "${form[@]}" --data-urlencode "csrf=$CSRF" -H "Origin: http://evil.example" \
    "$CURL_BASE/case/new")" 403 "... and from another site's page"
is "$(ncases)" 0 "nothing was saved"
is "$(code "${form[@]}" --data-urlencode "csrf=$CSRF" --data-urlencode "opened_on=2026-02-30" \
    "$CURL_BASE/case/new")" 400 "a date that does not exist is refused"
like "$(cat "$T/body")" "「立案日期」填写有误" "... with a Chinese message naming the field"
is "$(ncases)" 0 "... and nothing saved"
is "$(code --data-urlencode "csrf=$CSRF" --data-urlencode "name=" \
    --data-urlencode "category=other" "$CURL_BASE/case/new")" 400 "a required field left empty is refused"
like "$(cat "$T/body")" "「姓名」必须填写" "... naming it"
is "$(code "${form[@]}" --data-urlencode "csrf=$CSRF" "$CURL_BASE/case/new")" 303 \
    "a good case is saved"
ID=$(sqlite3 "$DB" "SELECT id FROM cases")
is "$(sqlite3 "$DB" "SELECT birth_date || ' ' || gender || ' ' || worker FROM cases")" \
    "1949-12-31 female li" "birth date and gender come from the ID number; the worker is the signed-in one"
is "$(sqlite3 "$DB" "SELECT group_concat(DISTINCT author) FROM outbox")" li \
    "the change's author in the outbox is the signed-in worker"
is "$(code --data-urlencode "csrf=$CSRF" --data-urlencode "visited_at=2026-11-20T10:00" \
    --data-urlencode mode=home --data-urlencode "findings=身体尚可" \
    --data-urlencode next_visit_on=2026-11-30 "$CURL_BASE/case/$ID/visit")" 303 \
    "a visit is saved"
c "$CURL_BASE/" >"$T/home"
like "$(cat "$T/home")" '到期与逾期的跟进 <span class="count">1</span>' \
    "the home page lists the follow-up as due"
is "$(code --data-urlencode "csrf=$CSRF" --data-urlencode "visited_at=2026-11-21" \
    --data-urlencode mode=walk "$CURL_BASE/case/$ID/visit")" 400 "a visit mode not in the list is refused"
is "$(sqlite3 "$DB" "SELECT count(*) FROM visits")" 1 "... and not saved"
# schema 3's fields (issue 16 item 5) in the form and on the case page
c "$CURL_BASE/case/new" >"$T/form"
like "$(cat "$T/form")" '<label for="f-guardian_name">监护人/联系人' "the form has the guardian"
like "$(cat "$T/form")" 'id="f-guardian_phone" type="tel"' "... the guardian's phone"
like "$(cat "$T/form")" '<option value="agricultural">农业户口</option>' "... and the hukou types"
exits 0 "the guardian set from the CLI" S case set "$ID" guardian_name=张女士 \
    guardian_relation=女儿 hukou_type=resident
c "$CURL_BASE/case/$ID" >"$T/case"
like "$(cat "$T/case")" '监护人/联系人.*张女士' "the case page shows the guardian"
like "$(cat "$T/case")" '户籍类型.*居民户口' "... and the hukou type's label"

# ---- search --------------------------------------------------------------------

like "$(c "$CURL_BASE/api/search?q=zsf")" "张三丰" "search finds the case by pinyin initials"
like "$(c "$CURL_BASE/search?q=%E4%B8%89")" "张三丰" "... and by part of the name"
like "$(c "$CURL_BASE/api/search?q=1234")" "张三丰" "... and by part of the phone"
unlike "$(c "$CURL_BASE/api/search?q=lisi")" "张三丰" "... and not by other initials"

# ---- export (audited) ----------------------------------------------------------

is "$(code --data-urlencode "csrf=$CSRF" --data-urlencode what=cases \
    --data-urlencode from=2000-01-01 --data-urlencode to=2100-01-01 "$CURL_BASE/export")" 200 \
    "export cases"
is "$(head -c 3 "$T/body" | od -An -tx1 | tr -d ' ')" efbbbf "the CSV starts with the UTF-8 BOM"
like "$(sed -n 2p "$T/body")" "张三丰" "... and holds the case"
like "$(sqlite3 "$DB" "SELECT who || ' ' || action || ' ' || detail FROM local_audit ORDER BY id DESC LIMIT 1")" \
    "^li export console: cases csv .*: 1 records" "the export is audited"
is "$(code --data-urlencode what=cases "$CURL_BASE/export")" 403 "export needs the CSRF token too"

# ---- password change -----------------------------------------------------------

is "$(code --data-urlencode "csrf=$CSRF" --data-urlencode old=wrong-password \
    --data-urlencode new=new-password-1 --data-urlencode new2=new-password-1 \
    "$CURL_BASE/password")" 400 "a password change with a wrong current one is refused"
is "$(code --data-urlencode "csrf=$CSRF" --data-urlencode "old=$PW" \
    --data-urlencode new=new-password-1 --data-urlencode new2=new-password-1 \
    "$CURL_BASE/password")" 200 "the password changes"
exits 0 "... and the new one signs in" curl -sf -o /dev/null --data-urlencode user=li \
    --data-urlencode password=new-password-1 "$CURL_BASE/login"

# ---- sign-out and expiry -----------------------------------------------------------

is "$(code --data-urlencode "csrf=$CSRF" "$CURL_BASE/logout")" 303 "sign out"
is "$(code "$CURL_BASE/")" 303 "after signing out the session is gone"
is "$(sqlite3 "$DB" "SELECT who || ' ' || action FROM local_audit ORDER BY id DESC LIMIT 1")" \
    "li logout" "the sign-out is audited"

# a console whose sessions end after 3 idle seconds (the slow password
# hash runs before the session starts, so it does not count)
console_stop
console_start "$DB" --session-idle 3
curl -s -o /dev/null -c "$JAR" --data-urlencode user=li \
    --data-urlencode password=new-password-1 "$CURL_BASE/login"
CSRF=$(csrf)
like "$CSRF" '^[0-9a-f]{64}$' "signed in again"
sleep 4
is "$(code "$CURL_BASE/")" 303 "an idle session expires"
like "$(curl -s -o /dev/null -w '%{redirect_url}' -b "$JAR" "$CURL_BASE/")" \
    'expired=1' "... and the sign-in page says so"
is "$(code --data-urlencode "csrf=$CSRF" --data-urlencode "name=李四" \
    --data-urlencode category=other "$CURL_BASE/case/new")" 401 "a form of an expired session is refused"
is "$(ncases)" 1 "... and not saved"
exits 0 "worker remove li" S worker remove li
is "$(sqlite3 "$DB" "SELECT count(*) FROM worker_sessions WHERE worker = 'li'")" 0 \
    "removing a worker ends their sessions"

console_stop
done_testing
