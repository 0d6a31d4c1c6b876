#!/bin/bash
# county.sh — start and stop a real swsync-county for the shell tests
# (source it after tap.sh).  Only 127.0.0.1, on a port the kernel picks.
#
#   county_start DB [ARGS...]  serve DB; sets PORT, URL, LOG, SERVER_PID;
#                              waits for "listening on"
#   county_stop [SIGNAL]       stop it (TERM by default); SERVER_RC is its
#                              exit status
#   scope_equal REPLICA COUNTY STATION
#                              the replica holds exactly STATION's records
#                              of the county and the county-owned ones
#                              (resources), with the same values and
#                              field versions (python3 compares)

SERVER_PID=

county_start() {
    local db=$1 scheme=http
    shift
    case " $* " in *" --tls-cert "*) scheme=https ;; esac
    PORT=$(free_port)
    LOG=$TAP_TMP/serve-$PORT.log
    "$SWSYNC_COUNTY" --db "$db" serve --listen "127.0.0.1:$PORT" "$@" \
        2>"$LOG" &
    SERVER_PID=$!
    for _ in $(seq 300); do
        grep -q '^listening on' "$LOG" && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    grep -q "^listening on 127.0.0.1:$PORT" "$LOG" ||
        bail_out "server did not start: $(cat "$LOG")"
    URL=$scheme://127.0.0.1:$PORT
}

county_stop() {
    if [ -n "$SERVER_PID" ]; then
        kill "-${1:-TERM}" "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_RC=$?
        SERVER_PID=
    fi
}
at_exit county_stop

scope_equal() {
    python3 - "$1" "$2" "$3" <<'PY'
import sqlite3, sys
rep, county, station = sys.argv[1:4]
def columns(path, t):
    db = sqlite3.connect(path)
    return [r[1] for r in db.execute(f"PRAGMA table_info({t})") if r[1] != "rid"]
def dump(path, scope_only):
    db = sqlite3.connect(path)
    out = []
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
        "('cases', 'visits', 'services', 'referrals', 'resources')")]
    county_code = sqlite3.connect(county).execute(
        "SELECT value FROM config WHERE key = 'county'").fetchone()[0]
    for k, t in enumerate(["cases", "visits", "services", "referrals",
                           "resources"]):
        if t not in tables:
            continue
        # the record's own columns (a station's rows also hold a version:
        # compared through the view `versions`)
        theirs = columns(county if path == rep else rep, t)
        cols = [c for c in columns(path, t) if c in theirs]
        for row in db.execute(f"SELECT rid, {', '.join(cols)} FROM {t} ORDER BY id"):
            rid, vals = row[0], row[1:]
            st = vals[cols.index("station")]
            # the county-owned records (the resource directory) are every
            # station's to hold
            if scope_only and st != station and st != county_code:
                continue
            vers = db.execute("SELECT col, hlc, site FROM versions "
                              "WHERE tbl = ? AND rid = ? ORDER BY col", (k, rid)).fetchall()
            out.append((t, vals, tuple(vers)))
    return out
r, c = dump(rep, False), dump(county, True)
if r != c:
    rs, cs = set(r), set(c)
    for x in sorted(rs - cs, key=str)[:3]:
        print("# only in the replica:", x)
    for x in sorted(cs - rs, key=str)[:3]:
        print("# only in the county: ", x)
    print(f"# replica has {len(r)} records, the county {len(c)} of station {station}")
    sys.exit(1)
PY
}
