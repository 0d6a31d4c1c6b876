#!/bin/bash
# e2e-progress.sh — the sync's progress line: on a terminal (stderr a
# pty) a long push and a long pull say what is done of how much, bytes,
# rate and time left, rewritten in place with \r; the county tells the
# pull how many fields remain only when asked (count=1); under cron (not
# a terminal) and with --quiet nothing.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }

# Run swsync with stderr on a pseudo-terminal; its bytes into $T/tty.out.
on_tty() {
    python3 - "$T/tty.out" "$SWSYNC" "$@" <<'PY'
import os, subprocess, sys
out, argv = sys.argv[1], sys.argv[2:]
m, s = os.openpty()
p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=s)
os.close(s)
data = b""
while True:
    try:
        chunk = os.read(m, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
rc = p.wait()
open(out, "wb").write(data)
sys.exit(rc)
PY
}

exits 0 "county init" C init --county C01
C station add A >"$T/a.token"
C station token A --device laptop >"$T/b.token"
chmod 600 "$T"/*.token
county_start "$CDB"
for r in a b; do
    exits 0 "init replica $r" S $r init --station A --server "$URL" \
        --token-file "$T/$r.token"
done

# 3000 cases of 5 fields: 15000 changes, more than one push and one pull
python3 -c '
print("name,category,village")
for i in range(3000):
    print(f"人{i},other,村{i % 7}")' >"$T/many.csv"
exits 0 "3000 cases imported" S a import cases "$T/many.csv"
pending=$(sqlite3 "$T/a.db" "SELECT count(*) FROM outbox")

exits 0 "push on a terminal" on_tty --db "$T/a.db" sync
tty=$(tr '\r' '\n' <"$T/tty.out")
like "$tty" "pushing: [0-9]+ of $pending changes \([0-9]+%\), [0-9.]+ [kM]B of [0-9.]+ [kM]B" \
    "the push says done of total changes and bytes of the estimated whole"
like "$(cat "$T/tty.out")" $'\r' "rewritten in place with a carriage return"
like "$(cat "$T/tty.out")" $'\r +\r$' "and the line is cleared at the end"
unlike "$tty" "pulling: 0 of" "its own writes are not counted as left to pull"

exits 0 "pull on a terminal" on_tty --db "$T/b.db" sync
tty=$(tr '\r' '\n' <"$T/tty.out")
# an answer holds whole records: it may carry a few fields past its 5000
# (they come again later, so the total grows by as many)
like "$tty" "pulling: 50[0-9][0-9] of ${pending%??}[0-9][0-9] changes \([0-9]+%\), [0-9.]+ [kM]B of [0-9.]+ [kM]B" \
    "the pull knows the total from the county's count"
like "$(grep -c "GET /v1/pull.*" "$LOG")" "^[1-9]" "the county logged the pulls"
unlike "$tty" "pulling: [0-9]+ changes," "never without its total"

# cron: not a terminal
python3 -c '
print("name,category")
for i in range(3000):
    print(f"又{i},other")' >"$T/more.csv"
S a import cases "$T/more.csv" 2>/dev/null
exits 0 "sync, stderr not a terminal" S a sync
is "$ERR" "" "no progress when stderr is not a terminal"
like "$OUT" "^sync: pushed [0-9]+ changes" "only the summary, on stdout"
exits 0 "sync --quiet on a terminal" on_tty --db "$T/b.db" sync --quiet
is "$(cat "$T/tty.out")" "" "--quiet: nothing at all, even on a terminal"

# the protocol: remaining only when asked
TOKEN=$(cat "$T/b.token")
SITE=$(sqlite3 "$T/b.db" "SELECT value FROM config WHERE key = 'site'")
python3 - "$URL" "$TOKEN" "$SITE" <<'PY' && pass "pull?count=1 adds remaining; without it the answer has none" || fail "remaining"
import json, sys, urllib.request, zlib, time
url, tok, site = sys.argv[1:4]
def req(path, body=None):
    r = urllib.request.Request(url + path, data=body,
        headers={"Authorization": "Bearer " + tok,
                 "Content-Type": "application/json"})
    return urllib.request.urlopen(r).read()
req("/v1/hello", json.dumps({"v": 1, "site": site, "station": "A",
    "schema": 3, "agent": "test", "time_ms": int(time.time() * 1000)}).encode())
a = json.loads(zlib.decompress(req("/v1/pull?after=0&limit=100&count=1")))
assert a["more"] and a["remaining"] > 10000, {k: a[k] for k in a if k != "rows"}
b = json.loads(zlib.decompress(req("/v1/pull?after=0&limit=100")))
assert "remaining" not in b, list(b)
PY

done_testing
