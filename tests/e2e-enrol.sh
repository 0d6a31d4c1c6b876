#!/bin/bash
# e2e-enrol.sh — enrolment without copying secrets (issue 16): `station
# add|token --enrol-code` prints a one-time code, never the token; `swsync
# init --enrol CODE --server URL` trades it over POST /v1/enrol and writes
# the token file 0600 itself; then the replica syncs.  A code used twice,
# expired or wrong is refused with a clear message and exit 77; plain http
# is refused unless the server is loopback; wrong codes are rate-limited.
# The county console makes codes too: shown large, with the command for
# the station's PC and that command as a QR code, decoded by zbarimg.
# Real processes on 127.0.0.1 only.
. "$(dirname "$0")/tap.sh" || exit 1
. "$(dirname "$0")/county.sh" || exit 1
command -v sqlite3 >/dev/null || bail_out "sqlite3 is needed"
for tool in curl python3 zbarimg; do
    command -v "$tool" >/dev/null || bail_out "$tool is needed (tools/install-deps)"
done
D=$TAP_TMP
unset SWSYNC_DB SWSYNC_COUNTY_DB SWSYNC_CONFIG SWSYNC_COUNTY_CONFIG
C=$(county_db county)
"$SWSYNC_COUNTY" --db "$C" init --county C1 >/dev/null || bail_out "county init"

exits 0 "station add --enrol-code" "$SWSYNC_COUNTY" --db "$C" station add A01 --enrol-code
CODE=$OUT
like "$CODE" '^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$' "the code is XXXXX-XXXXX, no look-alikes"
like "$ERR" "swsync init --enrol $CODE --server URL" "it says how to use it"
unlike "$OUT$ERR" 'sw1_' "no token is printed"
is "$(csql "$C" "SELECT count(*) FROM config WHERE key LIKE 'enrol:%' AND value LIKE 'A01 main %'")" 1 \
    "the county keeps the code's hash, for A01's main replica"
is "$(csql "$C" "SELECT count(*) FROM config WHERE key LIKE '%$CODE%' OR value LIKE '%$CODE%' OR key LIKE '%${CODE/-/}%'")" 0 \
    "the code itself is not stored"

county_start "$C"
cd "$D" || bail_out "cd"
lower=$(printf '%s' "$CODE" | tr 'A-Z' 'a-z' | tr -d -)
exits 0 "init --enrol (lower case, no dash)" "$SWSYNC" --db "$D/a.db" init --enrol "$lower" --server "$URL"
like "$OUT" "enrolled as station A01; token written to $D/a.db.token" "init says where the token went"
is "$(stat -c %a "$D/a.db.token")" 600 "the token file is 0600, made by swsync"
like "$(cat "$D/a.db.token")" '^sw1_[0-9a-f]{64}$' "the token file holds the token"
exits 0 "the enrolled replica syncs" "$SWSYNC" --db "$D/a.db" sync
exits 0 "status" "$SWSYNC" --db "$D/a.db" status --json
like "$OUT" '"station":[[:space:]]*"A01"' "the replica is station A01's"

# used twice
exits 77 "the same code again: exit 77" "$SWSYNC" --db "$D/b.db" init --enrol "$CODE" --server "$URL"
like "$ERR" 'used already' "used twice: says so"
ok "used twice: no token file left" test ! -e "$D/b.db.token"
ok "used twice: no replica made" test ! -e "$D/b.db"

# wrong
exits 77 "a wrong code: exit 77" "$SWSYNC" --db "$D/c.db" init --enrol ABCDE-FGHJK --server "$URL"
like "$ERR" 'unknown enrolment code' "a wrong code: says so"
exits 77 "not a code at all: exit 77" "$SWSYNC" --db "$D/c.db" init --enrol 'hello' --server "$URL"
like "$ERR" 'not an enrolment code' "not a code: says so"

# expired (the stored expiry moved into the past)
exits 0 "station token --enrol-code" "$SWSYNC_COUNTY" --db "$C" station token A01 \
    --device laptop --enrol-code --expires 2h
CODE2=$OUT
csql "$C" "UPDATE config SET value = 'A01 laptop 1000' WHERE key LIKE 'enrol:%' AND value LIKE 'A01 laptop %'"
exits 77 "an expired code: exit 77" "$SWSYNC" --db "$D/d.db" init --enrol "$CODE2" --server "$URL"
like "$ERR" 'expired' "expired: says so"
exits 64 "--expires 90d: usage error" "$SWSYNC_COUNTY" --db "$C" station token A01 --enrol-code --expires 90d

# a second device by code, with --token-file and --station
exits 0 "station token --enrol-code" "$SWSYNC_COUNTY" --db "$C" station token A01 --device field --enrol-code
CODE3=$OUT
exits 64 "--station not matching the code: usage error" \
    "$SWSYNC" --db "$D/e.db" init --enrol "$CODE3" --server "$URL" --station B02 --token-file "$D/e.tok"
ok "a mismatch leaves no token file" test ! -e "$D/e.tok"
exits 77 "... and the code is spent" "$SWSYNC" --db "$D/e.db" init --enrol "$CODE3" --server "$URL" --token-file "$D/e.tok"

exits 0 "station token --enrol-code (fourth)" "$SWSYNC_COUNTY" --db "$C" station token A01 --device f2 --enrol-code
CODE4=$OUT
: >"$D/exists.tok"
exits 73 "an existing token file is not overwritten: exit 73" \
    "$SWSYNC" --db "$D/f.db" init --enrol "$CODE4" --server "$URL" --token-file "$D/exists.tok"
exits 0 "... the code was not spent" \
    "$SWSYNC" --db "$D/f.db" init --enrol "$CODE4" --server "$URL" --token-file "$D/f.tok"
exits 0 "the second device syncs" "$SWSYNC" --db "$D/f.db" sync

# plain http to a non-loopback address is refused before anything is sent
exits 78 "http:// to a non-loopback server: exit 78" \
    "$SWSYNC" --db "$D/g.db" init --enrol "$CODE4" --server http://192.0.2.1:8080
like "$ERR" 'https://' "plain http: names the fix"
ok "plain http: no token file" test ! -e "$D/g.db.token"
exits 73 "an existing replica: exit 73, the code not spent" \
    "$SWSYNC" --db "$D/a.db" init --enrol "$CODE4" --server "$URL"

# the county console (curl): a code made on the 站点 page, shown with its
# command and that command as a QR code, which zbarimg decodes; the
# station redeems it and syncs; used twice or expired it fails like the
# CLI's
TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")" && pwd)}
JAR=$D/jar
web() {
    local m=$1 p=$2
    shift 2
    rm -f "$D/body" "$D/headers"
    HC=$(curl -s -X "$m" -b "$JAR" -c "$JAR" "$@" -D "$D/headers" \
        -o "$D/body" -w '%{http_code}' "$URL$p")
    BODY=$(cat "$D/body" 2>/dev/null)
    HDRS=$(tr -d '\r' <"$D/headers" 2>/dev/null)
}
exits 0 "admin add" "$SWSYNC_COUNTY" --db "$C" admin add kz --password-stdin <<<"县里的密码 2026"
web POST /admin/login --data-urlencode user=kz --data-urlencode "password=县里的密码 2026"
is "$HC" 303 "the admin logs in"
web GET /admin/stations
like "$BODY" 'id="code-form"' "the stations page has the enrolment code form"
like "$BODY" '一次性登记码（二维码）' "... labelled in Chinese"
web GET /admin/api/session
CSRF=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])' <<<"$BODY")
web POST /admin/stations/code -d code=A01 -d device=tablet
is "$HC" 403 "without the CSRF token: 403"
web POST /admin/stations/code -d "csrf=$CSRF" -d code=A01 -d device=tablet -d expires=90d
is "$HC" 400 "a period not offered: 400"
web POST /admin/stations/code -d "csrf=$CSRF" -d code=NOPE -d device=tablet
is "$HC" 400 "an unknown station: 400"
SESSION=$(awk '$6 == "swsync_session" { print $7 }' "$JAR")
web POST /admin/stations/code -d "csrf=$CSRF" -d code=A01 -d device=tablet \
    -H 'Host: evil"<x>' -H "Cookie: swsync_session=$SESSION"
is "$HC" 400 "a Host that is no host name: 400 (it would go into the command)"
web POST /admin/stations/code -d "csrf=$CSRF" -d code=A01 -d device=tablet -d expires=1h
is "$HC" 200 "the console makes a code"
like "$(grep -i '^Cache-Control:' <<<"$HDRS")" 'no-store' "... on a page not kept by caches"
WCODE=$(sed -n 's/.*id="enrol-code-value">\([^<]*\)<.*/\1/p' "$D/body")
like "$WCODE" '^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$' "... shown large, XXXXX-XXXXX"
CMD="swsync init --enrol $WCODE --server $URL"
like "$BODY" "<code class=\"token\" id=\"enrol-command\">$CMD</code>" \
    "... with the exact command for the station's PC"
like "$BODY" '<time id="enrol-expires">[0-9]{4}-[0-9]{2}-[0-9]{2}' "... and when it expires"
like "$BODY" '<svg [^>]*id="enrol-qr"' "... and a QR code, inline SVG"
exits 0 "the QR code drawn as a PNG" python3 "$TESTS_SRCDIR/qr-svg-png.py" \
    "$D/body" enrol-qr "$D/qr.png"
exits 0 "zbarimg decodes it" zbarimg --raw -q "$D/qr.png"
is "$OUT" "$CMD" "the QR code holds exactly the command shown"
is "$(csql "$C" "SELECT count(*) FROM config WHERE key LIKE 'enrol:%' AND value LIKE 'A01 tablet %'")" 1 \
    "the county keeps the console's code's hash, for A01's tablet"
is "$(csql "$C" "SELECT action || ' ' || target || ' ' || details FROM audit WHERE actor = 'kz' AND action = 'token_new'")" \
    "token_new A01 device tablet" "the new replica is audited, by the admin, like the CLI's"
exits 0 "the station redeems the console's code" "$SWSYNC" --db "$D/w.db" init --enrol "$WCODE" --server "$URL"
exits 0 "... and syncs" "$SWSYNC" --db "$D/w.db" sync
exits 77 "the console's code again: exit 77" "$SWSYNC" --db "$D/w2.db" init --enrol "$WCODE" --server "$URL"
like "$ERR" 'used already' "... used already"
web POST /admin/stations/code -d "csrf=$CSRF" -d code=A01
is "$HC" 200 "a code with the default period (24 h)"
WCODE2=$(sed -n 's/.*id="enrol-code-value">\([^<]*\)<.*/\1/p' "$D/body")
csql "$C" "UPDATE config SET value = 'A01 replica-2 1000' WHERE key LIKE 'enrol:%' AND value LIKE 'A01 replica-2 %'"
exits 77 "an expired code from the console: exit 77" "$SWSYNC" --db "$D/w3.db" init --enrol "$WCODE2" --server "$URL"
like "$ERR" 'expired' "... expired"
unlike "$(cat "$LOG")" "$WCODE" "the server log holds no console code"
unlike "$(cat "$LOG")" "$WCODE2" "... neither the second"

# the server's log has the requests but never a token or a code
unlike "$(cat "$LOG")" 'sw1_' "the server log holds no token"
unlike "$(cat "$LOG")" "$CODE" "the server log holds no code"

# wrong codes are rate-limited: 429 (exit 75) after 10 a minute
for i in $(seq 12); do
    "$SWSYNC" --db "$D/r.db" init --enrol ZZZZZ-ZZZZZ --server "$URL" >/dev/null 2>"$D/r.err"
    last=$?
done
is "$last" 75 "many wrong codes: the county says try later (75)"
like "$(cat "$D/r.err")" 'wrong enrolment codes' "rate-limited: says why"
county_stop

# over https with the county's own CA: --cacert is kept for every sync;
# http:// to the TLS port: 75 with the likely fix in the message
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$D/key.pem" \
    -out "$D/cert.pem" >/dev/null 2>&1; then
    county_start "$C" --tls-cert "$D/cert.pem" --tls-key "$D/key.pem"
    exits 0 "a code for https" "$SWSYNC_COUNTY" --db "$C" station token A01 --device tls --enrol-code
    CODE5=$OUT
    exits 78 "https enrolment without the CA: exit 78 (untrusted)" \
        "$SWSYNC" --db "$D/t.db" init --enrol "$CODE5" --server "$URL"
    ok "untrusted: no token file" test ! -e "$D/t.db.token"
    exits 0 "https enrolment with --cacert" \
        "$SWSYNC" --db "$D/t.db" init --enrol "$CODE5" --server "$URL" --cacert "$D/cert.pem"
    exits 0 "... and it syncs, trusting the kept cacert" "$SWSYNC" --db "$D/t.db" sync
    "$SWSYNC" --db "$D/t.db" config set server "http://127.0.0.1:$PORT"
    exits 75 "http:// to the county's https port: exit 75" "$SWSYNC" --db "$D/t.db" sync --timeout 5
    like "$ERR" 'use an https:// URL' "http:// to https: the message names the fix"
    county_stop
else
    diag "openssl cannot make a certificate: https enrolment not tested"
fi
done_testing
