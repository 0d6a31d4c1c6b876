#!/bin/bash
# e2e-county.sh — swsync-county end to end: enrolment through the CLI
# (token shown once, only its hash stored), the protocol v1 server on
# 127.0.0.1 driven with curl (auth, scope, hostile bodies, pull scope,
# county corrections, busy store), conflicts listed and resolved through
# the CLI, a clean stop on SIGTERM with a request in flight, and one run
# over HTTPS with a throwaway CA, where two replicas of the real agent
# (swsync) sync through the county and get a resolution back.  Every process started here is stopped
# and every file removed on exit.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

for tool in python3 curl sqlite3 openssl; do
    command -v "$tool" >/dev/null || bail_out "$tool is needed"
done

D=$TAP_TMP
DB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$DB" "$@"; }

# ---- helpers ---------------------------------------------------------------

# jq-like reads with python: jget FILE EXPR (j is the parsed JSON)
jget() {
    python3 -c 'import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
v = eval(sys.argv[2])
print(json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)' "$1" "$2"
}
# jout EXPR: the same over $OUT (the last command's stdout)
jout() {
    printf '%s' "$OUT" >"$D/out.json"
    jget "$D/out.json" "$1"
}

# deflate stdin to stdout (a zlib stream: HTTP's Content-Encoding deflate)
deflate() {
    python3 -c 'import sys, zlib
sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))'
}

# a hybrid logical clock value near now: ms << 16, plus $1
hlc() {
    echo $((($(date +%s%3N) << 16) + ${1:-0}))
}

newid() {
    python3 -c 'import uuid; print(uuid.uuid4())'
}

# the county's state: rows, field versions, last seq, acked seqs, conflicts
state() {
    csql "$DB" "select (select count(*) from cases) || '/' ||
        (select count(*) from visits) || '/' ||
        (select count(*) from field_versions) || '/' ||
        (select seq from sync_state)"
    csql "$DB" "select acked_seq from replicas order by id" | paste -sd,
    csql "$DB" "select count(*) from conflicts"
}

SERVER_PID=
SERVER_RC=
LOG=
# start_server [ARGS...]: serve DB on a free port of 127.0.0.1 (county.sh);
# sets PORT, BASE and LOG.  stop_server [SIGNAL]: sets SERVER_RC.
start_server() {
    county_start "$DB" "$@"
    BASE=$URL
}
stop_server() {
    county_stop "$@"
}

BG_PIDS=()
kill_bg() {
    local p
    for p in "${BG_PIDS[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    BG_PIDS=()
}
at_exit kill_bg

# req METHOD PATH TOKEN [CURL ARGS...]: sets CODE, BODY (and $D/body),
# HEADERS ($D/headers)
req() {
    local m=$1 p=$2 t=$3 auth=()
    shift 3
    [ -n "$t" ] && auth=(-H "Authorization: Bearer $t")
    rm -f "$D/body" "$D/headers"
    CODE=$(curl -s -X "$m" "${auth[@]}" "$@" -D "$D/headers" -o "$D/body" \
        -w '%{http_code}' "$BASE$p")
    BODY=$( { tr -d '\0' <"$D/body"; } 2>/dev/null)
}

# hello TOKEN SITE [STATION [CURL ARGS...]]
hello() {
    local t=$1 site=$2 st=${3:-A01}
    shift 2
    [ $# -gt 0 ] && shift
    req POST /v1/hello "$t" -H 'Content-Type: application/json' \
        --data-binary "{\"v\":1,\"site\":\"$site\",\"station\":\"$st\",\"schema\":3,\"agent\":\"e2e-county\",\"time_ms\":$(date +%s%3N)}" \
        "$@"
}

# push TOKEN FILE: a deflated push body
push() {
    req POST /v1/push "$1" -H 'Content-Type: application/json' \
        -H 'Content-Encoding: deflate' --data-binary "@$2"
}

# pull TOKEN AFTER: inflates the answer into $D/pull.raw.json, and into
# $D/pull.json with every row whole (what a row shares with the one
# before it is left out on the wire: sync/codec.h)
pull() {
    req GET "/v1/pull?after=$2" "$1"
    python3 -c 'import json, sys, zlib
raw = zlib.decompress(open(sys.argv[1], "rb").read())
open(sys.argv[2], "wb").write(raw)
j, prev = json.loads(raw), None
for r in j["rows"]:
    if prev:
        for k in ("t", "st", "w"):
            r.setdefault(k, prev[k])
        if "d" in r:
            r["h"] = str(int(prev["h"]) + r.pop("d"))
    prev = r
json.dump(j, open(sys.argv[3], "w", encoding="utf-8"), ensure_ascii=False)' \
        "$D/body" "$D/pull.raw.json" "$D/pull.json" 2>/dev/null ||
        { echo '{}' >"$D/pull.json"; echo '{}' >"$D/pull.raw.json"; }
}

# is_error STATUS CODE DESC: the last answer was STATUS with a JSON error
is_error() {
    local got
    got=$(jget "$D/body" '"%s %s %s" % (j["error"], type(j["message"]).__name__, len(j))' 2>/dev/null)
    is "$CODE $got" "$1 $2 str 2" "$3"
}

# ---- the CLI: store, enrolment --------------------------------------------

exits 64 "init without --county is a usage error" C init
exits 0 "init --county C01" C init --county C01
is "$OUT" "created county store $DB for county C01" "init says what it made"
exits 0 "init -q is silent" "$SWSYNC_COUNTY" -q --db "$(county_db quiet)" init --county C02
is "$OUT$ERR" "" "... on both streams"
exits 73 "init refuses an existing store" C init --county C01
if county_pg; then
    skip "a PostgreSQL store is not a file"
else
    is "$(stat -c %a "$DB")" 600 "the store is mode 0600"
fi
exits 66 "a missing store is named" "$SWSYNC_COUNTY" --db "$D/none.db" station list
like "$ERR" "none.db.*swsync-county init" "... with a hint to run init"

exits 0 "station add A01 --name" C station add A01 --name "东村站"
TOK_A=$OUT
like "$TOK_A" '^sw1_[0-9a-f]{64}$' "station add prints the token alone on one line"
exits 73 "station add A01 again is refused" C station add A01
is "$OUT" "" "... and prints no token"
exits 0 "station token A01 --device laptop" C station token A01 --device laptop
TOK_L=$OUT
like "$TOK_L" '^sw1_[0-9a-f]{64}$' "another replica gets its own token"
isnt "$TOK_L" "$TOK_A" "... a different one"
exits 73 "a device name is used once per station" C station token A01 --device laptop
exits 0 "station token A01 names the device itself" C station token A01
TOK_R=$OUT
exits 65 "station token for an unknown station" C station token ZZZ
exits 65 "station add with a bad code" C station add "A 1"
exits 0 "station add B02" C station add B02
TOK_B=$OUT

HASHES=$(csql "$DB" "select token_hash from replicas order by id")
unlike "$HASHES" "sw1_" "no token is stored, only hashes"
SHA_A=$(printf '%s' "$TOK_A" | sha256sum | cut -d' ' -f1)
is "$(csql "$DB" "select device from replicas where token_hash = '$SHA_A'")" \
    main "the stored hash is the token's SHA-256 (hex), device main"
if county_bytes "$DB" 2>/dev/null | grep -aqF "$TOK_A"; then
    fail "the token's text is nowhere in the store"
else
    pass "the token's text is nowhere in the store"
fi

exits 0 "station revoke A01 --device replica-2" C station revoke A01 --device replica-2
exits 65 "revoking an unknown device fails" C station revoke A01 --device nope
exits 0 "station list --json" C station list --json
is "$(jout '",".join("%s:%s:%s" % (r["code"], r["device"], r["revoked"]) for r in j)')" \
    "A01:main:False,A01:laptop:False,A01:replica-2:True,B02:main:False" \
    "list: every replica, revoked as a bool"
is "$(jout 'sorted(j[0].keys())')" \
    '["acked", "agent_version", "clamped", "code", "created_at", "device", "last_error", "last_seen", "last_sync", "name", "open_conflicts", "revoked", "revoked_at", "site", "skew_ms"]' \
    "list --json: the documented fields"
is "$(jout 'j[0]["name"]')" "东村站" "the station's name is kept (UTF-8)"
exits 0 "station list (text)" C station list
like "$OUT" $'A01 +replica-2 [^\n]*revoked' "text list shows the revoked replica"

# ---- the server: hello and auth ----------------------------------------------

start_server
pass "serve prints 'listening on 127.0.0.1:$PORT'"

hello "$TOK_A" A01-main1
is "$CODE" 200 "hello with the station's token: 200"
is "$(jget "$D/body" '"%s %s %s %s" % (j["county"], j["protocol"], j["schema"], j["acked"])')" \
    "C01 1 3 0" "hello answers county, protocol, schema, acked"
like "$(jget "$D/body" 'j["limits"]["max_body"]')" '^[0-9]+$' "hello gives limits"
hello "" A01-x
is_error 401 unauthorized "no token: 401 unauthorized"
grep -qi '^WWW-Authenticate: Bearer' "$D/headers" && pass "401 names the Bearer scheme" ||
    fail "401 names the Bearer scheme"
hello "sw1_$(printf '%064d' 0)" A01-x
is_error 401 unauthorized "unknown token: 401"
hello "not-a-token" A01-x
is_error 401 unauthorized "malformed token: 401"
hello "$TOK_R" A01-r2
is_error 401 unauthorized "revoked token: 401"

hello "$TOK_A" A01-other
is_error 409 site_mismatch "the token is bound to its first site: 409 site_mismatch"
hello "$TOK_L" A01-main1
is_error 409 site_mismatch "another replica's site id: 409"
hello "$TOK_L" B02-lap1
is_error 409 site_mismatch "a site id of another station: 409"
hello "$TOK_L" A01-lap1 B02
is_error 409 site_mismatch "a hello for another station: 409"
req POST /v1/hello "$TOK_L" --data-binary '{"v":2,"site":"A01-lap1","station":"A01","schema":2}'
is_error 409 version_mismatch "protocol v2: 409 version_mismatch"
req POST /v1/hello "$TOK_L" --data-binary '{"v":1,"site":"A01-lap1","station":"A01","schema":99}'
is_error 409 version_mismatch "schema 99: 409 version_mismatch"
req POST /v1/hello "$TOK_L" --data-binary 'not json'
is_error 400 bad_request "hello that is not JSON: 400"
hello "$TOK_L" A01-lap1
is "$CODE" 200 "laptop hello binds its own site"
req GET /v1/hello "$TOK_L"
is_error 405 method_not_allowed "GET /v1/hello: 405"
req GET /v1/nothing "$TOK_L"
is_error 404 not_found "unknown route: 404"

exits 0 "station list after hellos" C station list --json
is "$(jout '",".join("%s:%s" % (r["site"], r["agent_version"]) for r in j if r["code"] == "A01")')" \
    "A01-main1:e2e-county,A01-lap1:e2e-county,None:None" \
    "hello binds the site and notes the agent"
like "$(jout 'j[0]["skew_ms"]')" '^-?[0-9]+$' "hello notes the clock skew"

# ---- push: applied, scope, hostile bodies -----------------------------------

printf '{"v":1,"site":"B02-b1","from":1,"to":1,"rows":[]}' | deflate >"$D/empty.z"
push "$TOK_B" "$D/empty.z"
is_error 409 site_mismatch "push before hello: 409"
like "$(jget "$D/body" 'j["message"]')" "hello" "... saying to send hello first"
hello "$TOK_B" B02-b1 B02
is "$CODE" 200 "B02 hello"

X=$(newid)
Y=$(newid)
H1=$(hlc)
printf '{"v":1,"site":"A01-main1","from":1,"to":4,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-main1","q":1,"f":{"name":"张三","category":"disabled","status":"open","phone":"111"}}]}' \
    "$X" "$H1" | deflate >"$D/p1.z"
push "$TOK_A" "$D/p1.z"
is "$CODE" 200 "push of a new case: 200"
is "$(jget "$D/body" '"%(acked)s %(applied)s %(duplicates)s %(conflicts)s %(clamped)s" % j')" \
    "4 4 0 0 0" "push answers acked, applied, duplicates, conflicts, clamped"
push "$TOK_A" "$D/p1.z"
is "$(jget "$D/body" '"%(acked)s %(applied)s %(duplicates)s" % j')" "4 0 4" \
    "the same batch again: all duplicates, nothing applied"
printf '{"v":1,"site":"B02-b1","from":1,"to":3,"rows":[{"t":"cases","id":"%s","st":"B02","h":"%s","w":"B02-b1","q":1,"f":{"name":"李四","category":"other","status":"open"}}]}' \
    "$Y" "$(hlc)" | deflate >"$D/pb.z"
push "$TOK_B" "$D/pb.z"
is "$CODE" 200 "B02 pushes its own case"

S0=$(state)
Z=$(newid)
printf '{"v":1,"site":"A01-main1","from":5,"to":6,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-main1","q":5,"f":{"name":"王五"}},{"t":"cases","id":"%s","st":"B02","h":"%s","w":"A01-main1","q":6,"f":{"notes":"x"}}]}' \
    "$Z" "$(hlc)" "$Y" "$(hlc 1)" | deflate >"$D/p403.z"
push "$TOK_A" "$D/p403.z"
is_error 403 forbidden "a batch touching another station's record: 403"
is "$(state)" "$S0" "... and nothing of it applied"
printf '{"v":1,"site":"A01-main1","from":5,"to":5,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-main1","q":5,"f":{"notes":"x"}}]}' \
    "$Y" "$(hlc)" | deflate >"$D/p403b.z"
push "$TOK_A" "$D/p403b.z"
is_error 403 forbidden "writing B02's case as if it were A01's: 403"
printf '{"v":1,"site":"A01-lap1","from":0,"to":0,"rows":[]}' | deflate >"$D/psite.z"
push "$TOK_A" "$D/psite.z"
is_error 403 forbidden "a batch naming another replica's site: 403"
is "$(state)" "$S0" "... nothing applied"

# hostile bodies
head -c 40 "$D/p1.z" >"$D/trunc.z"
push "$TOK_A" "$D/trunc.z"
is_error 400 bad_request "truncated deflate body: 400"
python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read())
for i in range(8, len(d) - 4, 7):
    d[i] ^= 0x5a
sys.stdout.buffer.write(d)' "$D/p1.z" >"$D/corrupt.z"
push "$TOK_A" "$D/corrupt.z"
is_error 400 bad_request "corrupt deflate body: 400"
req POST /v1/push "$TOK_A" -H 'Content-Type: application/json' \
    --data-binary '{"v":1,"site":"A01-main1","from":9,"to":9,"rows":[]}'
is_error 400 bad_request "plain JSON without Content-Encoding deflate: 400"
printf '{"v":1,"site":"A01-main1","from":9,"to":9,"rows":[]}' >"$D/plain.json"
push "$TOK_A" "$D/plain.json"
is_error 400 bad_request "plain JSON labelled deflate: 400"
printf 'this is not JSON at all' | deflate >"$D/nonjson.z"
push "$TOK_A" "$D/nonjson.z"
is_error 400 bad_request "deflated non-JSON: 400"
printf '{"v":1,"site":"A01-main1","from":9,"to":9,"rows":[{"t":"cases","id":"%s","st":"A01","h":"1","w":"A01-main1","q":9,"f":{"gender":"robot"}}]}' \
    "$X" | deflate >"$D/badvalue.z"
push "$TOK_A" "$D/badvalue.z"
is_error 400 bad_request "a value the table refuses: 400"
like "$(jget "$D/body" 'j["message"]')" "gender" "... naming the field"
head -c $((5 << 20)) /dev/urandom >"$D/big.z"
push "$TOK_A" "$D/big.z"
is_error 413 too_large "body over max_body (Content-Length): 413"
req POST /v1/push "$TOK_A" -H 'Content-Encoding: deflate' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$D/big.z"
is_error 413 too_large "body over max_body (chunked): 413"
python3 -c 'import zlib, sys
sys.stdout.buffer.write(zlib.compress(b"\0" * (64 << 20), 9))' >"$D/bomb.z"
push "$TOK_A" "$D/bomb.z"
is_error 413 too_large "zip bomb: 413"
is "$(state)" "$S0" "nothing applied by any hostile body"
exits 0 "station list shows the last error" C station list --json
like "$(jout '[r for r in j if r["device"] == "main" and r["code"] == "A01"][0]["last_error"]')" \
    "^413 too_large" "... the main replica's last_error"
hello "$TOK_A" A01-main1
is "$CODE" 200 "the server still answers hello afterwards"
hello "$TOK_B" B02-b1 B02
is "$CODE" 200 "... and serves other stations"

# ---- pull: scope, own writes, county corrections ----------------------------

pull "$TOK_L" 0
is "$CODE" 200 "laptop pull: 200"
is "$(jget "$D/pull.json" '",".join(sorted(set(r["st"] for r in j["rows"])))')" A01 \
    "pull returns only the station's records"
is "$(jget "$D/pull.json" '" ".join(sorted(k for r in j["rows"] if r["id"] == "'"$X"'" for k in r["f"]))')" \
    "category name phone status" "... the case pushed by the other replica"
is "$(jget "$D/pull.json" 'any(r["id"] == "'"$Y"'" for r in j["rows"])')" False \
    "... and not B02's case"
CUR_L=$(jget "$D/pull.json" 'j["cursor"]')
pull "$TOK_A" 0
is "$(jget "$D/pull.json" 'len(j["rows"])')" 0 "a replica's own writes are not echoed back"
CUR_A=$(jget "$D/pull.json" 'j["cursor"]')
req GET "/v1/pull?after=x" "$TOK_A"
is_error 400 bad_request "pull with a bad cursor: 400"

exits 0 "county correction: case set" C case set "$X" risk_level=high
exits 0 "case show --json" C case show "$X" --json
is "$(jout 'j["risk_level"] + " " + j["name"]')" "high 张三" "the correction is in the store"
pull "$TOK_A" "$CUR_A"
is "$(jget "$D/pull.json" '[(r["f"]["risk_level"], r["w"]) for r in j["rows"] if "risk_level" in r["f"]]')" \
    '[["high", "C01"]]' "the correction reaches the station's next pull"
H_CORR=$(jget "$D/pull.json" '[r["h"] for r in j["rows"] if "risk_level" in r["f"]][0]')
like "$H_CORR" '^[0-9]+$' "versions travel as decimal strings"
[ "$H_CORR" -gt "$H1" ] && pass "... with a newer version" || fail "... with a newer version"
exits 65 "case set of an unknown field is refused" C case set "$X" bogus=1
exits 65 "case set with a bad value is refused" C case set "$X" gender=robot
exits 65 "case set of an unknown record" C case set "$(newid)" name=x
exits 64 "case set without FIELD=VALUE" C case set "$X"
exits 0 "case list --station A01" C case list --station A01
like "$OUT" "^$X	张三" "county lists A01's cases"
unlike "$OUT" "$Y" "... and not B02's"
exits 0 "case list --where" C case list --where name=李四
like "$OUT" "^$Y	" "--where filters"

V=$(newid)
printf '{"v":1,"site":"A01-main1","from":5,"to":7,"rows":[{"t":"visits","id":"%s","st":"A01","h":"%s","w":"A01-main1","q":5,"f":{"case_id":"%s","visited_at":"2025-11-20","mode":"home"}}]}' \
    "$V" "$(hlc)" "$X" | deflate >"$D/pv.z"
push "$TOK_A" "$D/pv.z"
is "$CODE" 200 "push of a visit"
exits 0 "visit show" C visit show "$V"
like "$OUT" "case_id: $X" "visit show gives its case"
exits 65 "a visit's case cannot change" C visit set "$V" case="$Y"
like "$ERR" "cannot change" "... says so"

# a clock a day ahead: clamped, counted, and sent back to its sender
HFUT=$((($(date +%s%3N) + 86400000) << 16))
printf '{"v":1,"site":"A01-main1","from":8,"to":8,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-main1","q":8,"f":{"village":"西村"}}]}' \
    "$X" "$HFUT" | deflate >"$D/future.z"
push "$TOK_A" "$D/future.z"
is "$(jget "$D/body" '"%(applied)s %(clamped)s" % j')" "1 1" \
    "a version a day ahead is applied, clamped"
exits 0 "station list counts it" C station list --json
is "$(jout '[r["clamped"] for r in j if r["site"] == "A01-main1"][0]')" 1 \
    "... clamped 1 for the replica"
pull "$TOK_A" 0
is "$(jget "$D/pull.raw.json" 'len(j["rows"]) > 1 and all(k not in r for r in j["rows"][1:] for k in ("t", "st", "h")) and all("d" in r for r in j["rows"][1:])')" True \
    "rows after the first leave out the table, station and hlc they share"
pull "$TOK_A" 0
is "$(jget "$D/pull.json" '[(r["f"]["village"], int(r["h"]) < '"$HFUT"') for r in j["rows"] if "village" in r["f"]]')" \
    '[["西村", true]]' "the clamped value comes back to its sender, with a version of now"

# ---- conflicts -----------------------------------------------------------------

H2=$(hlc 10)
H3=$(hlc 20)
printf '{"v":1,"site":"A01-main1","from":20,"to":20,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-main1","q":20,"f":{"phone":"222"},"b":{"phone":"%s@A01-main1"}}]}' \
    "$X" "$H2" "$H1" | deflate >"$D/c1.z"
printf '{"v":1,"site":"A01-lap1","from":1,"to":1,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-lap1","q":1,"f":{"phone":"333"},"b":{"phone":"%s@A01-main1"}}]}' \
    "$X" "$H3" "$H1" | deflate >"$D/c2.z"
push "$TOK_A" "$D/c1.z"
is "$(jget "$D/body" 'j["conflicts"]')" 0 "first edit of the phone: no conflict"
push "$TOK_L" "$D/c2.z"
is "$(jget "$D/body" 'j["conflicts"]')" 1 "concurrent edit from the laptop: 1 conflict"

exits 0 "conflicts list --json" C conflicts list --json
is "$(jout 'len(j)')" 1 "one open conflict"
CID=$(jout 'j[0]["id"]')
is "$(jout '" ".join(str(j[0][k]) for k in ("table", "field", "kind", "winner_value", "winner_site", "loser_value", "loser_site", "station", "status"))')" \
    "cases phone field 333 A01-lap1 222 A01-main1 A01 open" \
    "the winner is the later write, the loser is kept"
is "$(jout 'j[0]["record"] == "'"$X"'" and j[0]["winner_hlc"] == "'"$H3"'" and j[0]["loser_hlc"] == "'"$H2"'"')" \
    True "record and versions (hlcs as strings)"
like "$(jout 'j[0]["detected_at"]')" '^[0-9]+$' "detected_at is given"
exits 0 "conflicts list (text)" C conflicts list
like "$OUT" "^$CID	open	A01	cases	$X	phone	field	333	222$" "text list: one line a conflict"
exits 0 "conflicts show" C conflicts show "$CID"
like "$OUT" "winner: 333" "show gives the winner"
like "$OUT" "loser: 222" "show gives the loser"
exits 0 "conflicts list --station B02" C conflicts list --json --station B02
is "$OUT" "[]" "filter by station"
exits 0 "conflicts list --table visits" C conflicts list --json --table visits
is "$OUT" "[]" "filter by table"
exits 0 "conflicts list --table case" C conflicts list --json --table case
is "$(jout 'len(j)')" 1 "--table takes the noun too"
exits 0 "station list counts open conflicts" C station list --json
is "$(jout 'j[0]["open_conflicts"]')" 1 "... open_conflicts 1"

exits 64 "resolve needs one choice" C conflicts resolve "$CID"
exits 64 "resolve takes winner or loser" C conflicts resolve "$CID" --keep both
exits 0 "conflicts resolve --keep loser --note" \
    C conflicts resolve "$CID" --keep loser --note "checked by phone"
exits 0 "conflicts show --json" C conflicts show "$CID" --json
is "$(jout '" ".join(str(j[k]) for k in ("status", "resolution", "resolved_by", "note"))')" \
    "resolved loser cli checked by phone" "resolved, with resolution, by and note"
like "$(jout 'j["resolved_at"]')" '^[0-9]+$' "resolved_at is given"
exits 0 "case show after resolve" C case show "$X" --json
is "$(jout 'j["phone"]')" 222 "the loser's value is the record's value"
exits 65 "resolving a resolved conflict" C conflicts resolve "$CID" --keep winner
like "$ERR" "already resolved" "... says it is resolved"
exits 0 "conflicts list: no open ones" C conflicts list --json
is "$OUT" "[]" "resolved conflicts leave the open list"
exits 0 "conflicts list --all" C conflicts list --json --all
is "$(jout 'len(j)')" 1 "--all shows them"
pull "$TOK_L" "$CUR_L"
is "$(jget "$D/pull.json" '[(r["f"]["phone"], r["w"]) for r in j["rows"] if "phone" in r["f"]]')" \
    '[["222", "C01"]]' "the resolution reaches the laptop's next pull"
H_RES=$(jget "$D/pull.json" '[r["h"] for r in j["rows"] if "phone" in r["f"]][0]')
[ "$H_RES" -gt "$H3" ] && pass "... with a version above both" ||
    fail "... with a version above both"

# an edit of a deleted record
H4=$(hlc 30)
H5=$(hlc 40)
printf '{"v":1,"site":"A01-main1","from":21,"to":21,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-main1","q":21,"f":{"deleted":1}}]}' \
    "$X" "$H4" | deflate >"$D/del.z"
printf '{"v":1,"site":"A01-lap1","from":2,"to":2,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-lap1","q":2,"f":{"notes":"visited again"}}]}' \
    "$X" "$H5" | deflate >"$D/edit.z"
push "$TOK_A" "$D/del.z"
is "$CODE" 200 "main deletes the case"
push "$TOK_L" "$D/edit.z"
is "$(jget "$D/body" 'j["conflicts"]')" 1 "laptop's later edit of it: a conflict"
exits 65 "a deleted case cannot be corrected" C case set "$X" notes=x
exits 0 "conflicts list" C conflicts list --json
is "$(jout '" ".join(str(j[0][k]) for k in ("kind", "field", "winner_value", "loser_value"))')" \
    "edit_of_deleted notes 1 visited again" "kind edit_of_deleted, the edit kept"
CID2=$(jout 'j[0]["id"]')
exits 0 "resolve --keep loser brings the record back" C conflicts resolve "$CID2" --keep loser
exits 0 "case show after undelete" C case show "$X" --json
is "$(jout 'j["notes"]')" "visited again" "... with the edit"

# --value, checked
printf '{"v":1,"site":"A01-main1","from":22,"to":22,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-main1","q":22,"f":{"address":"一组"}}]}' \
    "$X" "$(hlc 50)" | deflate >"$D/a1.z"
printf '{"v":1,"site":"A01-lap1","from":3,"to":3,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-lap1","q":3,"f":{"address":"二组"}}]}' \
    "$X" "$(hlc 60)" | deflate >"$D/a2.z"
push "$TOK_A" "$D/a1.z"
push "$TOK_L" "$D/a2.z"
is "$(jget "$D/body" 'j["conflicts"]')" 1 "two writes of the address without a base: a conflict"
exits 0 "conflicts list" C conflicts list --json
CID3=$(jout 'j[0]["id"]')
exits 65 "resolve --value is checked like any value" \
    C conflicts resolve "$CID3" --value "$(printf 'x%.0s' $(seq 250))"
exits 0 "... and the conflict is still open" C conflicts show "$CID3" --json
is "$(jout 'j["status"]')" open "a refused resolution changes nothing"
exits 0 "resolve --value" C conflicts resolve "$CID3" --value "一组3号" --by 李科长
exits 0 "case show" C case show "$X" --json
is "$(jout 'j["address"]')" "一组3号" "the given value is written"
exits 0 "conflicts show" C conflicts show "$CID3" --json
is "$(jout 'j["resolution"] + " " + j["resolved_by"]')" "value 李科长" "resolution value, by the admin"

# ---- a busy store: 503 with Retry-After --------------------------------------

printf '{"v":1,"site":"A01-main1","from":23,"to":23,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-main1","q":23,"f":{"village":"东村"}}]}' \
    "$X" "$(hlc 70)" | deflate >"$D/busy.z"
if county_pg; then
    skip "the store locked from outside: SQLite's file lock" 2
else
    python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(14)' "$DB" >"$D/lock.out" &
    BG_PIDS+=($!)
    for _ in $(seq 100); do
        grep -q locked "$D/lock.out" && break
        sleep 0.05
    done
    push "$TOK_A" "$D/busy.z"
    is_error 503 busy "a store locked longer than busy_timeout: 503 busy"
    grep -qi '^Retry-After: [0-9]' "$D/headers" && pass "... with Retry-After" ||
        fail "... with Retry-After"
    kill_bg
fi
push "$TOK_A" "$D/busy.z"
is "$(jget "$D/body" 'j["applied"]')" 1 "the same push succeeds once the store is free"

# ---- SIGTERM with a request in flight -------------------------------------------

cat >"$D/slow.py" <<'EOF'
import socket, sys, time
port, tok, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
body = open(path, "rb").read()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(("POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Authorization: Bearer %s\r\nContent-Encoding: deflate\r\n"
           "Content-Type: application/json\r\nContent-Length: %d\r\n"
           "Connection: close\r\n\r\n" % (tok, len(body))).encode())
s.sendall(body[:10])
print("started", flush=True)
time.sleep(1.5)
s.sendall(body[10:])
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
print(data.split(b"\r\n")[0].decode(), flush=True)
EOF
printf '{"v":1,"site":"A01-main1","from":24,"to":24,"rows":[{"t":"cases","id":"%s","st":"A01","h":"%s","w":"A01-main1","q":24,"f":{"worker":"小李"}}]}' \
    "$X" "$(hlc 80)" | deflate >"$D/slow.z"
python3 "$D/slow.py" "$PORT" "$TOK_A" "$D/slow.z" >"$D/slow.out" &
SLOW=$!
BG_PIDS+=($SLOW)
for _ in $(seq 100); do
    grep -q started "$D/slow.out" && break
    sleep 0.05
done
sleep 0.3
cp "$LOG" "$D/log-before-stop"
stop_server TERM
is "$SERVER_RC" 0 "SIGTERM: the server exits 0 (and ASan found no leak)"
wait "$SLOW"
like "$(tail -n 1 "$D/slow.out")" "^HTTP/1.1 200" "the request in flight was finished"
exits 0 "case show" C case show "$X" --json
is "$(jout 'j["worker"]')" "小李" "... and applied"
like "$(cat "$D/log-before-stop")" \
    $'A01 A01-main1 POST /v1/push 200 in=[0-9]+ out=[0-9]+ [0-9]+ms' \
    "one log line a request: time, station, site, method, route, status, bytes, ms"
LEAKED=
for t in "$TOK_A" "$TOK_L" "$TOK_B" "$TOK_R"; do
    grep -qF "${t#sw1_}" "$D"/serve-*.log && LEAKED=1
done
[ -z "$LEAKED" ] && pass "no token in the server's log" ||
    fail "no token in the server's log"

exits 64 "serve without --listen" C serve
exits 64 "serve with a bad --listen" C serve --listen nowhere
start_server
exits 78 "serve on a port in use" C serve --listen "127.0.0.1:$PORT"
stop_server
is "$SERVER_RC" 0 "stopped again"

# ---- HTTPS with a throwaway CA ---------------------------------------------------

(
    cd "$D" || exit 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=swsync test CA"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -keyout other.key -out other.pem -days 2 -subj "/CN=other CA"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1"
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
        -out srv.pem -days 2 -extfile ext.cnf
) >"$D/openssl.log" 2>&1 || bail_out "openssl: $(cat "$D/openssl.log")"

start_server --tls-cert "$D/srv.pem" --tls-key "$D/srv.key"
hello "$TOK_A" A01-main1 A01 --cacert "$D/ca.pem"
is "$CODE" 200 "HTTPS: hello trusted through the test CA"
req POST /v1/hello "$TOK_A" --cacert "$D/other.pem" --data-binary '{}'
is "$CODE" 000 "HTTPS: a client trusting another CA refuses the server"
req GET "/v1/pull?after=0" "$TOK_L" --cacert "$D/ca.pem"
is "$CODE" 200 "HTTPS: pull"

# the real agent, two replicas of one station, over HTTPS
exits 0 "station add C03" C station add C03
printf '%s\n' "$OUT" >"$D/tok-pc"
exits 0 "station token C03 --device laptop" C station token C03 --device laptop
printf '%s\n' "$OUT" >"$D/tok-lap"
chmod 600 "$D/tok-pc" "$D/tok-lap"
A() { "$SWSYNC" --db "$D/$1.db" "${@:2}"; }
ok "agent init (office PC)" A pc init --station C03 --server "$BASE" \
    --token-file "$D/tok-pc"
ok "agent init (laptop)" A lap init --station C03 --server "$BASE" \
    --token-file "$D/tok-lap"
exits 0 "agent adds a case" A pc case add name=赵六 category=low_income phone=111
CASE=$OUT
exits 0 "office PC syncs" A pc sync --cacert "$D/ca.pem"
exits 0 "laptop syncs" A lap sync --cacert "$D/ca.pem"
exits 0 "the laptop has the case" A lap case show "$CASE" --json
is "$(jout 'j["name"]')" "赵六" "... through the county"
ok "office PC edits the phone" A pc case set "$CASE" phone=222
ok "laptop edits it too, offline" A lap case set "$CASE" phone=333
ok "office PC syncs" A pc sync --cacert "$D/ca.pem"
ok "laptop syncs" A lap sync --cacert "$D/ca.pem"
exits 0 "the county lists the conflict" C conflicts list --json --station C03
is "$(jout 'len(j)')" 1 "one conflict for C03"
exits 0 "county resolves it" C conflicts resolve "$(jout 'j[0]["id"]')" --value 444
ok "office PC syncs" A pc sync --cacert "$D/ca.pem"
ok "laptop syncs" A lap sync --cacert "$D/ca.pem"
exits 0 "office PC" A pc case show "$CASE" --json
is "$(jout 'j["phone"]')" 444 "the resolution reached the office PC"
exits 0 "laptop" A lap case show "$CASE" --json
is "$(jout 'j["phone"]')" 444 "... and the laptop"

stop_server INT
is "$SERVER_RC" 0 "SIGINT: exit 0"

done_testing
