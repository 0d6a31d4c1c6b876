#!/bin/bash
# e2e-login-flood.sh — a flood of console logins does not starve sync, and
# failed logins from elsewhere do not lock the real admin out (issue 10
# item 4), with a real swsync-county on 127.0.0.1.  96 clients, each from
# its own 127.0.1.x address, post wrong logins without pause while a
# station syncs: the password checks run on their own thread, a few
# queued at most, the rest answered 503 at once.  The sync's time with
# and without the flood is printed (a figure, not asserted).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { "$SWSYNC" --db "$T/a.db" "$@"; }
ms() { date +%s%3N; }

python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.1.96", 0))' ||
    bail_out "127.0.1.96 is not a local address here"

FLOOD_PID=
stop_flood() {
    if [ -n "$FLOOD_PID" ]; then
        touch "$T/stop"
        # the logins still queued are answered first (PBKDF2 is slower
        # under the sanitizers)
        for _ in $(seq 600); do
            kill -0 "$FLOOD_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$FLOOD_PID" 2>/dev/null
        wait "$FLOOD_PID" 2>/dev/null
        FLOOD_PID=
    fi
}
at_exit stop_flood

exits 0 "county init" C init --county C01
exits 0 "admin add alice (600 000 rounds)" \
    C admin add alice --password-stdin <<<"correct horse 1"
C station add A --name 东风镇 >"$T/a.token"
chmod 600 "$T/a.token"
county_start "$CDB"
exits 0 "replica init" S init --station A --server "$URL" --token-file "$T/a.token"
exits 0 "a case" S case add name=张三 category=elderly_alone
exits 0 "first sync" S sync --quiet
exits 0 "another case" S case add name=李四 category=disabled
t0=$(ms)
exits 0 "a sync with no logins around" S sync --quiet
QUIET_MS=$(($(ms) - t0))

# ---- the flood -----------------------------------------------------------

python3 - "$PORT" "$T/stop" >"$T/flood.out" 2>"$T/flood.err" <<'PY' &
import collections, http.client, os, sys, threading, time, urllib.parse
port, stop = int(sys.argv[1]), sys.argv[2]
codes = collections.Counter()
errors = collections.Counter()
lock = threading.Lock()
body = urllib.parse.urlencode({"user": "mallory", "password": "not the one"})
def one(i):
    t_end = time.time() + 60
    while not os.path.exists(stop) and time.time() < t_end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                           source_address=("127.0.1.%d" % (i + 1), 0))
            c.request("POST", "/admin/login", body,
                      {"Content-Type": "application/x-www-form-urlencoded"})
            code = c.getresponse().status
            c.close()
        except OSError as e:
            code = 0
            with lock:
                errors[type(e).__name__ + ": " + str(e)] += 1
        with lock:
            codes[code] += 1
        if code == 503:
            time.sleep(0.2)  # a client that heeds Retry-After a little
ts = [threading.Thread(target=one, args=(i,)) for i in range(96)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(" ".join("%d=%d" % kv for kv in sorted(codes.items())))
for e, n in errors.items():
    print("%d× %s" % (n, e), file=sys.stderr)
PY
FLOOD_PID=$!
sleep 2
TIMES=
for i in 1 2 3; do
    exits 0 "case $i during the flood" S case add name="流$i" category=other
    t0=$(ms)
    exits 0 "sync $i while 96 clients flood the login" S sync --quiet
    TIMES="$TIMES $(($(ms) - t0))"
done
stop_flood
FLOOD=$(cat "$T/flood.out")
diag "a station's sync: ${QUIET_MS} ms without logins; during the flood:${TIMES} ms"
diag "login answers during the flood (status=count): $FLOOD"
[ -s "$T/flood.err" ] && diag "$(cat "$T/flood.err")"
like "$FLOOD" '(^| )503=[1-9]' "logins past the queue are answered 503 at once"
like "$FLOOD" '(^| )401=[1-9]' "the queued ones are checked (401: wrong password)"
unlike "$FLOOD" '(^| )(200|303|500)=' "and nothing else (no 500)"
# a connection reset now and then on a loaded machine (seen once in a
# full sanitizer run) is reported, not failed; many would be a bug
is "$(python3 -c 'import sys
d = dict(kv.split("=") for kv in sys.argv[1].split())
print(int(d.get("0", 0)) * 100 <= sum(map(int, d.values())))' "$FLOOD")" True \
    "at most 1% of the flood's connections fail without an answer"
grep 'swsync-county: http:' "$LOG" | head -n 5 | while IFS= read -r l; do diag "$l"; done
is "$(C case list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
    5 "every case reached the county"
ok "the replica equals the county" scope_equal "$T/a.db" "$CDB" A

# ---- the throttle: per address and account ---------------------------------

login_from() { # ADDR USER PASSWORD: prints the status
    curl -s -o /dev/null -w '%{http_code}' --interface "$1" \
        --data-urlencode "user=$2" --data-urlencode "password=$3" \
        "$URL/admin/login"
}
codes=
for _ in 1 2 3 4 5; do codes="$codes $(login_from 127.0.0.2 alice 'wrong one')"; done
is "$codes" " 401 401 401 401 401" "five wrong passwords for alice from 127.0.0.2"
is "$(login_from 127.0.0.2 alice 'correct horse 1')" 429 \
    "then alice is refused from there, even with the right password"
is "$(login_from 127.0.0.1 alice 'correct horse 1')" 303 \
    "but the real alice logs in from her own address"
is "$(login_from 127.0.0.3 alice 'correct horse 1')" 303 \
    "and from a third address"

county_stop
is "$SERVER_RC" 0 "the server exits 0 on SIGTERM"
done_testing
