#!/bin/bash
# e2e-sync-errors.sh — `swsync sync` against a fake county server
# (tests/fake-county.py) that answers one way per mode: every failure
# gets its exit code and one line on stderr, the token is never printed,
# a second sync is locked out, and the happy path is silent with --quiet.
# Only 127.0.0.1 and ports the kernel hands out; everything is removed on
# exit.
. "$(dirname "$0")/tap.sh" || exit 1
[ -d "${TAP_TMP:-}" ] || { echo "Bail out! tap.sh made no TAP_TMP"; exit 1; }

SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")" && pwd)}
FAKE=$SRCDIR/fake-county.py
command -v python3 >/dev/null || bail_out "python3 is needed"
command -v flock >/dev/null || bail_out "flock(1) is needed"

TOKEN=sw1_$(printf '%064d' 0 | tr 0 a)
D=$TAP_TMP
printf '%s\n' "$TOKEN" >"$D/token"
chmod 600 "$D/token"
ALL_OUT=$D/all-output # everything the agent printed, to look for the token
: >"$ALL_OUT"

FAKE_PID=
stop_fake() {
    if [ -n "$FAKE_PID" ]; then
        kill "$FAKE_PID" 2>/dev/null
        wait "$FAKE_PID" 2>/dev/null
        FAKE_PID=
    fi
}
at_exit stop_fake

# start_fake MODE [CERT KEY]: run the fake; sets PORT and LOG.
start_fake() {
    stop_fake
    LOG=$D/log-$1
    rm -f "$D/port" "$LOG"
    : >"$LOG"
    python3 "$FAKE" "$1" "$D/port" "$LOG" 60 "${@:2}" &
    FAKE_PID=$!
    for _ in $(seq 100); do
        [ -s "$D/port" ] && break
        sleep 0.05
    done
    PORT=$(cat "$D/port" 2>/dev/null) || bail_out "fake county did not start"
}

# new_db NAME [URL]: a fresh replica with a token file.
new_db() {
    DB=$D/$1.db
    "$SWSYNC" --db "$DB" init --station A01 --server "${2:-http://127.0.0.1:1}" \
        --token-file "$D/token" >/dev/null || bail_out "init failed"
}

# sync_to MODE [SYNC ARGS...]: start the fake in MODE, point DB at it,
# run sync: RC/OUT/ERR as from `exits`.
run_sync() {
    "$SWSYNC" --db "$DB" sync "$@" >"$D/out" 2>"$D/err"
    RC=$?
    OUT=$(cat "$D/out")
    ERR=$(cat "$D/err")
    cat "$D/out" "$D/err" >>"$ALL_OUT"
}
point_at_fake() {
    "$SWSYNC" --db "$DB" config set server "${1:-http}://127.0.0.1:$PORT" ||
        bail_out "config set server failed"
}
# expect_exit MODE CODE DESC [SYNC ARGS...]
expect_exit() {
    local mode=$1 code=$2 desc=$3
    shift 3
    start_fake "$mode"
    point_at_fake
    run_sync "$@"
    is "$RC" "$code" "$desc: exit $code"
    like "$ERR" '^swsync: [^
]+$' "$desc: one line on stderr"
    is "$OUT" "" "$desc: nothing on stdout"
}
status_json() {
    "$SWSYNC" --db "$DB" status --json
}
json_get() { # json_get KEY < json
    python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print("null" if v is None else v)' "$1"
}
log_count() { # log_count PATH-PREFIX: requests logged whose path starts so
    python3 -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["path"].startswith(sys.argv[2])))' "$LOG" "$1"
}
add_cases() { # add_cases N
    for i in $(seq "$1"); do
        "$SWSYNC" --db "$DB" case add "name=个案$i" category=other >/dev/null ||
            bail_out "case add failed"
    done
}

# ---- server down ----------------------------------------------------------

new_db down
DOWN_PORT=$(free_port)
"$SWSYNC" --db "$DB" config set server "http://127.0.0.1:$DOWN_PORT"
start=$(date +%s)
run_sync --timeout 5
end=$(date +%s)
is "$RC" 75 "nothing listening: exit 75"
like "$ERR" '^swsync: hello: cannot connect' "nothing listening: says it cannot connect"
ok "nothing listening: fails at once (under 5 s)" test $((end - start)) -lt 5
last_error=$(status_json | json_get last_error)
like "$last_error" 'cannot connect' "status shows the last error"
is "$(status_json | json_get last_sync)" null "status: never synced"

# ---- HTTP errors ----------------------------------------------------------

new_db errors
add_cases 1
expect_exit unauthorized 77 "401 unauthorized"
like "$ERR" 'token' "401: the message is about the token"
expect_exit forbidden 77 "403 forbidden"
expect_exit site 77 "409 site_mismatch"
expect_exit version 69 "409 version_mismatch"
is "$(log_count /v1/push)" 0 "version_mismatch: nothing pushed"
expect_exit proto2 69 "hello with another protocol"
like "$ERR" 'protocol 2' "another protocol: named in the message"
is "$(log_count /v1/push)" 0 "another protocol: nothing pushed"
expect_exit notfound 69 "404: not a swsync server"
expect_exit wrongpath 69 "415: a wrong path"
like "$ERR" 'with no path' "415: the message names the fix"
expect_exit html 69 "hello answered with HTML"
expect_exit busy 75 "503 busy"
like "$ERR" '30 s' "503: Retry-After is passed on"
expect_exit internal 75 "500 internal"
expect_exit bad 65 "400 bad_request"
expect_exit toolarge 65 "413 down to a single change"
sizes=$(python3 -c 'import json,sys
print(" ".join(str(e["changes"]) for e in map(json.loads, open(sys.argv[1]))
               if "changes" in e))' "$LOG")
like "$sizes" '^[0-9]+ .* 1$' "413: halved down to one change ($sizes)"
like "$ERR" 'too large' "413 at one change: says it is too large"
expect_exit noack 69 "push acknowledged below the batch"
expect_exit huge 65 "pull answer over the bound" --timeout 10
like "$(grep /v1/pull "$LOG" | head -n 1)" 'limit=2000&schema=3(&links=[0-9a-f]+)?"' "over the bound: first pull asks for 2000"
like "$(grep /v1/pull "$LOG" | tail -n 1)" 'limit=1&schema=3(&links=[0-9a-f]+)?"' "over the bound: halved down to 1 before giving up"
is "$(status_json | json_get pending_changes)" 0 \
    "pushes acknowledged before a failing pull are not pending any more"

# ---- timeouts and cut connections ------------------------------------------

new_db slow
start=$(date +%s)
expect_exit hang 75 "server accepts but never answers" --timeout 2
end=$(date +%s)
# libcurl averages the speed over about 5 s, so "nothing moved for 2 s"
# is noticed after 2 to 8 s
ok "never answers: gives up after about --timeout" test $((end - start)) -lt 15

new_db cut
add_cases 2
expect_exit cut 75 "connection cut during push"
before=$(status_json | json_get pending_changes)
isnt "$before" 0 "cut push: changes still pending"
start_fake ok
point_at_fake
run_sync
is "$RC" 0 "after a cut push, the next sync succeeds"
is "$(status_json | json_get pending_changes)" 0 "... and the changes are acknowledged"
like "$OUT" "^sync: pushed $before changes, pulled 0, 0 conflicts$" "summary line"

# ---- configuration ---------------------------------------------------------

new_db token
start_fake ok
point_at_fake
printf '%s\n' "$TOKEN" >"$D/token2"
chmod 600 "$D/token2"
"$SWSYNC" --db "$DB" config set token-file "$D/token2"
rm -f "$D/token2"
run_sync
is "$RC" 78 "token file gone: exit 78"
like "$ERR" '^swsync: token file .*token2' "token file gone: names the file"
: >"$D/token2"
chmod 600 "$D/token2"
run_sync
is "$RC" 78 "empty token file: exit 78"
like "$ERR" 'empty' "empty token file: says so"
printf '  \n%s  \n\n' "$TOKEN" >"$D/token2"
chmod 644 "$D/token2"
run_sync
is "$RC" 78 "token file readable by others: exit 78"
chmod 600 "$D/token2"
run_sync
is "$RC" 0 "token with whitespace around it: stripped, sync works"
is "$(tail -n 1 "$LOG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["auth"])')" \
    "Bearer $TOKEN" "the token is sent as a bearer token, whitespace stripped"
run_sync --cacert "$D/no-such-ca.pem"
is "$RC" 78 "unreadable --cacert: exit 78"
run_sync --timeout 0
is "$RC" 64 "--timeout 0: usage error"
run_sync --jitter soon
is "$RC" 64 "--jitter soon: usage error"
"$SWSYNC" --db "$D/none.db" sync >/dev/null 2>&1
is "$?" 66 "no replica: exit 66"
ok "no replica: no lock file made" test ! -e "$D/none.db.lock"

# ---- one sync at a time ----------------------------------------------------

new_db lock
start_fake ok
point_at_fake
run_sync --quiet
is "$RC" 0 "first sync: exit 0"
is "$(stat -c %a "$DB.lock")" 600 "the lock file is mode 0600"
# hold the lock as another sync would (--no-fork: the pid holds the lock)
flock --no-fork "$DB.lock" sleep 30 &
HOLDER=$!
at_exit "kill $HOLDER 2>/dev/null"
for _ in $(seq 100); do
    flock -n "$DB.lock" true 2>/dev/null || break
    sleep 0.05
done
start=$(date +%s)
run_sync
end=$(date +%s)
is "$RC" 75 "lock held: a second sync exits 75"
like "$ERR" 'another sync' "lock held: says another sync is running"
ok "lock held: exits at once" test $((end - start)) -lt 3
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
run_sync
is "$RC" 0 "lock released: sync works"

# ---- success ----------------------------------------------------------------

new_db quiet
add_cases 3
start_fake ok
point_at_fake
run_sync --quiet --jitter 1
is "$RC" 0 "ok: exit 0"
is "$OUT$ERR" "" "--quiet: prints nothing on success"
"$SWSYNC" --db "$DB" -q sync >"$D/out" 2>&1
is "$?/$(cat "$D/out")" "0/" "global -q: prints nothing either"
json=$(status_json)
is "$(json_get pending_changes <<<"$json")" 0 "ok: nothing pending afterwards"
isnt "$(json_get last_sync <<<"$json")" null "ok: last_sync recorded"
is "$(json_get last_error <<<"$json")" null "ok: last_error cleared"
like "$(json_get skew_ms <<<"$json")" '^-?[0-9]+$' "ok: skew measured"
is "$(json_get open_conflicts <<<"$json")" 0 "ok: open_conflicts shown"
entry=$(grep '"/v1/push"' "$LOG" | head -n 1)
like "$entry" '"ce": "deflate"' "push is sent with Content-Encoding: deflate"
like "$entry" '"ua": "swsync/' "User-Agent is swsync/VERSION"
like "$(grep '/v1/pull' "$LOG" | head -n 1)" '"/v1/pull\?after=0&limit=2000&schema=3(&links=0)?"' \
    "pull asks after the cursor with the hello's pull_limit"

new_db small
add_cases 2 # 2 cases: several fields each
start_fake small
point_at_fake
run_sync
is "$RC" 0 "413 on big batches: halves and gets through"
is "$(status_json | json_get pending_changes)" 0 "413: everything acknowledged"
sizes=$(python3 -c 'import json,sys
print(" ".join(str(e["changes"]) for e in map(json.loads, open(sys.argv[1]))
               if "changes" in e))' "$LOG")
ok "413: the batch was halved until the county took it ($sizes)" \
    python3 -c 'import sys
n = [int(x) for x in sys.argv[1:]]
assert n[0] > 2 and n[-1] <= 2, n
assert all(b == a // 2 for a, b in zip(n, n[1:]) if a > 2), n' $sizes
like "$OUT" '^sync: pushed [0-9]+ changes' "413: summary line"

new_db future
add_cases 1
start_fake ok
point_at_fake
run_sync --quiet # the replica's clock is now at this PC's time
is "$RC" 0 "first sync: exit 0"
add_cases 1
start_fake future
point_at_fake
run_sync
is "$RC" 0 "county clock 3 years behind: sync works"
like "$OUT" "clock was [0-9]+ days ahead of the county's; reset" \
    "a replica clock years ahead is reset, and it says so"
skew=$(status_json | json_get skew_ms)
ok "skew_ms is about +3 years" test "$skew" -gt $((3 * 365 * 86400 * 1000 - 86400000))
like "$("$SWSYNC" --db "$DB" status)" 'clock skew: +\+[0-9]+ ms \(this PC.s clock is ahead' \
    "status shows the skew"

new_db pages
start_fake pages
point_at_fake
run_sync
is "$RC" 0 "two pull pages: exit 0"
like "$OUT" 'pulled 4,' "two pull pages: all 4 fields counted"
is "$(log_count /v1/pull)" 2 "two pull pages: two requests"
is "$(status_json | json_get cases)" 2 "two pull pages: both cases applied"
is "$(grep -c 'after=1&' "$LOG")" 1 "the second pull starts at the first's cursor"

# a pull answer with a "links" section (issue 15) and a member no agent
# knows: the rows are applied, the notice stored, the unknown member ignored
new_db links
start_fake links
point_at_fake
run_sync
is "$RC" 0 "links and an unknown member: exit 0"
is "$(status_json | json_get cases)" 1 "... the row is applied"
is "$(sqlite3 "$DB" "SELECT station || ' ' || name || ' ' || contact FROM also_served")" \
    "B 西河镇站 李社工 0371-2222" "... the link notice is stored"
is "$(grep -c '&links=0"' "$LOG")" 1 "... asked with no set held (links=0)"
run_sync
is "$(grep -c '&links=ab12"' "$LOG")" 1 "the next sync asks with the set's digest"

# ---- HTTPS: verified by default, --cacert / cacert trust a CA ---------------

if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$D/key.pem" \
    -out "$D/cert.pem" >/dev/null 2>&1; then
    new_db tls
    start_fake ok "$D/cert.pem" "$D/key.pem"
    point_at_fake https
    run_sync
    is "$RC" 78 "https with an untrusted certificate: exit 78 (set-up)"
    like "$ERR" 'not trusted' "untrusted certificate: says so"
    like "$ERR" 'cacert' "untrusted certificate: names the fix"
    run_sync --quiet
    is "$RC" 78 "untrusted certificate under --quiet: still 78"
    like "$ERR" 'not trusted' "untrusted certificate under --quiet: still said"
    point_at_fake http
    run_sync
    ok "http:// to an https server: not 0 ($RC)" test "$RC" -ne 0
    point_at_fake https
    run_sync --cacert "$D/cert.pem"
    is "$RC" 0 "https with --cacert: sync works"
    like "$(head -n 1 "$LOG")" '"/v1/hello"' "https: the fake saw the hello"
    "$SWSYNC" --db "$DB" config set cacert "$D/cert.pem"
    run_sync --quiet
    is "$RC" 0 "https with the cacert setting: sync works"
else
    diag "openssl cannot make a certificate: HTTPS not tested"
fi

# ---- https:// to a plain-HTTP server: set-up, not "try again" ------------

new_db mixup
start_fake ok
point_at_fake https
run_sync --quiet
is "$RC" 78 "https:// to an http server: exit 78"
like "$ERR" 'does not speak https' "https:// to an http server: says so"
like "$ERR" 'http:// URL' "https:// to an http server: names the fix"

# ---- --quiet: a temporary failure is silent until --warn-after ------------
# SWSYNC_NOW_MS (tests only) moves the clock the warning decision uses.

new_db warn24
start_fake ok
point_at_fake
run_sync --quiet
is "$RC" 0 "quiet: a first sync works"
synced_ms=$(($(date +%s) * 1000))
stop_fake
"$SWSYNC" --db "$DB" config set server "http://127.0.0.1:$(free_port)"
hour=3600000
quiet_at() { # quiet_at MS [ARGS...]: sync --quiet with the clock at MS
    local at=$1
    shift
    SWSYNC_NOW_MS=$at run_sync --quiet --timeout 5 "$@"
}
quiet_at $((synced_ms + hour))
is "$RC" 75 "quiet, link down 1 h after a sync: exit 75"
is "$ERR$OUT" "" "quiet, link down 1 h after a sync: prints nothing"
run_sync --timeout 5
is "$RC" 75 "not quiet, link down: exit 75"
like "$ERR" 'cannot connect' "not quiet: the error is printed"
quiet_at $((synced_ms + 23 * hour))
is "$ERR$OUT" "" "quiet, 23 h: still nothing"
quiet_at $((synced_ms + 25 * hour))
is "$RC" 75 "quiet, 25 h: exit 75"
like "$ERR" '^swsync: no successful sync for 2[45] hours \(last: [0-9-]+ [0-9:]+\); still failing: hello: cannot connect' \
    "quiet, 25 h: one line naming the age and the error"
quiet_at $((synced_ms + 30 * hour))
is "$ERR$OUT" "" "quiet, 30 h: warned 5 h ago, nothing"
quiet_at $((synced_ms + 50 * hour))
like "$ERR" 'no successful sync for (49|50) hours' "quiet, 50 h: the next day's line"
quiet_at $((synced_ms + 2 * hour)) --warn-after 1h
like "$ERR" 'no successful sync' "--warn-after 1h: warned after 2 h"
quiet_at $((synced_ms + 2 * hour)) --warn-after 3h
is "$ERR" "" "--warn-after 3h: nothing after 2 h"
run_sync --quiet --warn-after 24x
is "$RC" 64 "--warn-after 24x: usage error"
like "$ERR" 'warn-after' "--warn-after 24x: names the option"
# never synced: counted from the first attempt
new_db warn-new "http://127.0.0.1:$(free_port)"
first=$(($(date +%s) * 1000))
quiet_at "$first"
is "$ERR$OUT" "" "never synced, first failure: nothing"
quiet_at $((first + 25 * hour))
like "$ERR" 'last: never' "never synced, 25 h after the first attempt: warned"
# a set-up error is never silenced
new_db warn-perm
start_fake unauthorized
point_at_fake
quiet_at $((first + hour))
is "$RC" 77 "quiet, 401: exit 77"
like "$ERR" 'token' "quiet, 401: printed at once"

# ---- the token is never printed --------------------------------------------

is "$(grep -c "$TOKEN" "$ALL_OUT")" 0 "the token never appears in any output"

stop_fake
done_testing
