#!/bin/bash
# e2e-trust.sh — the county's trust boundary against a real
# swsync-county serve on 127.0.0.1 (issue 10): the empty push with a
# range that used to kill the server gets 400 and another station syncs
# right after; ambiguous HTTP framing (Content-Length twice, or with
# Transfer-Encoding) gets 400 with nothing applied, sent over raw
# sockets; a refusal names no other station and does not tell an
# existing case of another station from no case at all; HSTS under TLS;
# --secure-cookies marks the console's cookie Secure without TLS.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

for tool in python3 curl sqlite3 openssl; do
    command -v "$tool" >/dev/null || bail_out "$tool is needed"
done

D=$TAP_TMP
DB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$DB" "$@"; }
A() { "$SWSYNC" --db "$D/$1.db" "${@:2}"; }

deflate() {
    python3 -c 'import sys, zlib
sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))'
}
hlc() { echo $((($(date +%s%3N) << 16) + ${1:-0})); }
newid() { python3 -c 'import uuid; print(uuid.uuid4())'; }
count() { csql "$DB" "$1"; }
# everything a push could change
state() {
    count "select (select count(*) from cases) || '/' ||
        (select count(*) from visits) || '/' ||
        (select count(*) from field_versions)"
    count "select acked_seq from replicas order by id" | paste -sd,
}

# req METHOD PATH TOKEN [CURL ARGS...]: sets CODE, BODY, HDRS
req() {
    local m=$1 p=$2 t=$3 auth=()
    shift 3
    [ -n "$t" ] && auth=(-H "Authorization: Bearer $t")
    rm -f "$D/body" "$D/headers"
    CODE=$(curl -s -X "$m" "${auth[@]}" "$@" -D "$D/headers" -o "$D/body" \
        -w '%{http_code}' "$URL$p")
    BODY=$(tr -d '\0' <"$D/body" 2>/dev/null)
    HDRS=$(tr -d '\r' <"$D/headers" 2>/dev/null)
}
header() { grep -i "^$1:" <<<"$HDRS" | head -n 1 | cut -d' ' -f2-; }
message() {
    python3 -c 'import json, sys; print(json.load(sys.stdin)["message"])' \
        <<<"$BODY" 2>/dev/null
}
hello() {
    req POST /v1/hello "$1" -H 'Content-Type: application/json' \
        --data-binary "{\"v\":1,\"site\":\"$2\",\"station\":\"$3\",\"schema\":3,\"agent\":\"e2e-trust\",\"time_ms\":$(date +%s%3N)}" \
        "${@:4}"
}
push() {
    req POST /v1/push "$1" -H 'Content-Encoding: deflate' \
        --data-binary "@$2"
}

# raw HOW TOKEN FILE: POST FILE to /v1/push over a raw socket, framed as
# HOW says; prints the answer's status code (or "closed")
raw() {
    python3 - "$PORT" "$@" <<'PY'
import socket, sys
port, how, tok, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
body = open(path, "rb").read()
n = len(body)
chunked = b"%x\r\n" % n + body + b"\r\n0\r\n\r\n"
head = (b"POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + tok.encode() + b"\r\n"
        b"Content-Encoding: deflate\r\nConnection: close\r\n")
if how == "one":
    req = head + b"Content-Length: %d\r\n\r\n" % n + body
elif how == "two-cl":
    # a proxy reading the second length sees 10 more bytes: a request
    # smuggled behind this one
    req = head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (
        n, n + 10) + body + b"GET / HTTP"
elif how == "two-cl-rev":
    req = head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (
        n + 10, n) + body + b"GET / HTTP"
elif how == "cl-te":
    req = head + b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % (
        len(chunked)) + chunked
elif how == "te-cl":
    req = head + b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n" % (
        n) + chunked
else:
    sys.exit("unknown framing " + how)
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(10)
s.sendall(req)
out = b""
try:
    while b"\r\n" not in out:
        d = s.recv(4096)
        if not d:
            break
        out += d
except OSError:
    pass
s.close()
line = out.split(b"\r\n", 1)[0].split()
print(line[1].decode() if len(line) > 1 else "closed")
PY
}

# ---- a county, two stations -------------------------------------------------

exits 0 "county init" C init --county C01
exits 0 "station add A01" C station add A01
TOK_A=$OUT
exits 0 "station add B02" C station add B02
printf '%s\n' "$OUT" >"$D/tok-b"
chmod 600 "$D/tok-b"
county_start "$DB"

# ---- 1. the empty push with a range (it crashed the server) -----------------

hello "$TOK_A" A01-e1 A01
is "$CODE" 200 "A01 hello"
printf '{"v":1,"site":"A01-e1","from":1,"to":1,"rows":[]}' | deflate >"$D/crash.z"
S0=$(state)
push "$TOK_A" "$D/crash.z"
is "$CODE" 400 "an empty push claiming seqs 1..1: 400"
like "$(message)" "range 1\.\.1 but no changes" "... saying what is wrong"
is "$(state)" "$S0" "... nothing applied, nothing acknowledged"
ok "the server is still running" kill -0 "$SERVER_PID"
push "$TOK_A" "$D/crash.z"
is "$CODE" 400 "the same again: 400 again"

ok "B02's agent: init" A b init --station B02 --server "$URL" \
    --token-file "$D/tok-b"
exits 0 "B02 adds a case" A b case add name=李四 category=disabled
CASE_B=$OUT
ok "B02 syncs right after" A b sync
is "$(count "select station from cases where id = '$CASE_B'")" B02 \
    "... and its case is in the county"

# ---- 5. ambiguous framing: 400, nothing applied -------------------------------

X=$(newid)
printf '{"v":1,"site":"A01-e1","from":1,"to":3,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-e1","q":1,"f":{"name":"张三","category":"elderly_alone","status":"open"}}]}' \
    "$X" "$(hlc)" | deflate >"$D/p1.z"
S0=$(state)
for how in two-cl two-cl-rev cl-te te-cl; do
    is "$(raw "$how" "$TOK_A" "$D/p1.z")" 400 "framing $how: 400"
    is "$(state)" "$S0" "... nothing applied"
done
ok "the server is still running" kill -0 "$SERVER_PID"
is "$(raw one "$TOK_A" "$D/p1.z")" 200 "the same body framed once: 200"
is "$(count "select count(*) from cases where id = '$X'")" 1 "... applied"
req POST /admin/login "" -H 'Transfer-Encoding: chunked' \
    -H 'Content-Length: 5' --data-binary 'user=a&password=b'
is "$CODE" 400 "the admin console refuses it too"

# ---- 7. a refusal says nothing of another station's records ------------------

printf '{"v":1,"site":"A01-e1","from":4,"to":4,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-e1","q":4,"f":{"notes":"mine now"}}]}' \
    "$CASE_B" "$(hlc)" | deflate >"$D/steal.z"
S0=$(state)
push "$TOK_A" "$D/steal.z"
is "$CODE" 403 "A01 writing B02's case as its own: 403"
M=$(message)
like "$M" "$CASE_B" "... the message names the record pushed"
unlike "$M" "B02" "... but not the station that owns it"
is "$(state)" "$S0" "... nothing applied"

# a visit on B02's case, and one on a case that does not exist: one answer
NOCASE=$(newid)
for c in "$CASE_B" "$NOCASE"; do
    printf '{"v":1,"site":"A01-e1","from":4,"to":6,"rows":[{"t":"visits","id":"%s","st":"A01","h":"%s","w":"A01-e1","q":4,"f":{"case_id":"%s","visited_at":"2026-11-20","mode":"home"}}]}' \
        "$(newid)" "$(hlc)" "$c" | deflate >"$D/visit.z"
    push "$TOK_A" "$D/visit.z"
    is "$CODE" 403 "a visit on case ${c:0:8}...: 403"
    message | sed -e "s/$c/CASE/" -e 's/visit [0-9a-f-]*/visit V/' >"$D/msg-$c"
done
is "$(cat "$D/msg-$CASE_B")" "$(cat "$D/msg-$NOCASE")" \
    "another station's case and no case at all get the same answer"
unlike "$(cat "$D/msg-$CASE_B")" "B02" "... naming no other station"
is "$(state)" "$S0" "... nothing applied"
county_stop

# ---- 8. HSTS under TLS, Secure cookies behind a proxy -------------------------

python3 - "$DB" <<'PY'
import hashlib, os, sys, time
import countydb
salt = os.urandom(16)
h = hashlib.pbkdf2_hmac("sha256", b"tina password 1", salt, 1000)
c = countydb.connect(sys.argv[1])
c.execute("INSERT INTO admins (name, pw_hash, created_at, created_by) "
          "VALUES ('tina', ?, ?, 'test')",
          ("pbkdf2-sha256$1000$%s$%s" % (salt.hex(), h.hex()),
           int(time.time() * 1000)))
c.commit()
PY
login() {
    req POST /admin/login "" --data-urlencode "user=tina" \
        --data-urlencode "password=tina password 1" "$@"
}

county_start "$DB"
hello "$TOK_A" A01-e1 A01
is "$(header Strict-Transport-Security)" "" "plain HTTP: no HSTS"
login
is "$CODE" 303 "plain HTTP: login"
unlike "$(header Set-Cookie)" "Secure" "... the cookie is not Secure"
county_stop

county_start "$DB" --secure-cookies
login
is "$CODE" 303 "--secure-cookies: login"
like "$(header Set-Cookie)" "^swsync_session=[0-9a-f]{64};.*; Secure$" \
    "... the cookie is Secure"
is "$(header Strict-Transport-Security)" "" "... and still no HSTS over HTTP"
county_stop

(
    cd "$D" &&
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
            -nodes -days 2 -subj "/CN=127.0.0.1" \
            -addext "subjectAltName=IP:127.0.0.1" -keyout tls.key -out tls.pem
) >"$D/openssl.log" 2>&1 || bail_out "openssl: $(cat "$D/openssl.log")"
county_start "$DB" --tls-cert "$D/tls.pem" --tls-key "$D/tls.key"
hello "$TOK_A" A01-e1 A01 --cacert "$D/tls.pem"
is "$CODE" 200 "HTTPS: hello"
like "$(header Strict-Transport-Security)" "^max-age=[0-9]{7,}" \
    "HTTPS: protocol answers carry HSTS"
req GET /v1/nothing "$TOK_A" --cacert "$D/tls.pem"
like "$(header Strict-Transport-Security)" "^max-age=" "... errors too"
login --cacert "$D/tls.pem"
is "$CODE" 303 "HTTPS: login"
like "$(header Strict-Transport-Security)" "^max-age=" "... the console too"
county_stop

done_testing
