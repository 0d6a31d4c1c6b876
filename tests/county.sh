#!/bin/bash
# county.sh — start and stop a real swsync-county for the shell tests
# (source it after tap.sh).  Only 127.0.0.1, on a port the kernel picks.
#
# The county store is a SQLite file, or with SWSYNC_TEST_COUNTY=pg a
# database of a PostgreSQL server (tests/pg-lib.sh's pg_need: the one
# SWSYNC_TEST_PG names, or a private one for this script).  A station's
# replica is a SQLite file either way.
#
#   county_db NAME             print the county store to use: $TAP_TMP/NAME.db,
#                              or in pg mode the URI of a new empty database
#                              (unique to this script and call, dropped when
#                              the script exits)
#   county_pg                  true in pg mode
#   county_sqlite_only REASON  in pg mode, skip the whole script (call it
#                              before any test output)
#   csql STORE SQL             run SQL (the dialect both engines speak,
#                              docs/storage.md) against a county store; rows
#                              as the sqlite3 shell prints them: columns
#                              separated by |, NULL empty
#   county_bytes STORE         everything the store holds, to look for what
#                              must not be there: the file and the files
#                              beside it (-wal, -shm, ...), or pg_dump's
#                              dump of the database
#   county_start DB [ARGS...]  serve DB; sets PORT, URL, LOG, SERVER_PID;
#                              waits for "listening on"
#   county_stop [SIGNAL]       stop it (TERM by default); SERVER_RC is its
#                              exit status
#   scope_equal REPLICA COUNTY STATION
#                              the replica holds exactly STATION's records
#                              of the county and the county-owned ones
#                              (resources), with the same values and
#                              field versions (python3 compares)
#
# The tests' python opens a county store with tests/countydb.py (on
# PYTHONPATH): sqlite3 for a file, psycopg2 for a URI.

_county_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONPATH=$_county_dir${PYTHONPATH:+:$PYTHONPATH}
SWSYNC_TEST_COUNTY=${SWSYNC_TEST_COUNTY:-sqlite}
case $SWSYNC_TEST_COUNTY in
sqlite) ;;
pg)
    # shellcheck source=tests/pg-lib.sh
    . "$_county_dir/pg-lib.sh"
    pg_need
    # Debian's python3-psycopg2 is for Debian's python3; another python3
    # first on PATH (pyenv, a venv) may not have it.  A program, not a
    # shell function: `python3 ... &` must give the pid of python itself.
    if ! python3 -c 'import psycopg2' 2>/dev/null; then
        if /usr/bin/python3 -c 'import psycopg2' 2>/dev/null; then
            mkdir -p "$TAP_TMP/.bin" &&
                ln -s /usr/bin/python3 "$TAP_TMP/.bin/python3" ||
                bail_out "cannot make $TAP_TMP/.bin/python3"
            PATH=$TAP_TMP/.bin:$PATH
        else
            bail_out "SWSYNC_TEST_COUNTY=pg needs python3's psycopg2 (python3-psycopg2, tools/install-deps)"
        fi
    fi
    ;;
*) bail_out "SWSYNC_TEST_COUNTY=$SWSYNC_TEST_COUNTY: not sqlite or pg" ;;
esac

county_pg() {
    [ "$SWSYNC_TEST_COUNTY" = pg ]
}

county_sqlite_only() {
    county_pg && skip_all "$1"
}

_county_is_uri() {
    case $1 in postgresql://* | postgres://*) return 0 ;; esac
    return 1
}

# The databases county_db made (it runs in a command substitution: a
# file, not a variable, remembers them).
_county_dbs=$TAP_TMP/.county-dbs

county_db() {
    local name=$1 base suffix
    if ! county_pg; then
        echo "$TAP_TMP/$name.db"
        return 0
    fi
    base=$(basename "$0" .sh)_$name
    base=$(tr -c 'a-z0-9_\n' _ <<<"${base,,}")
    suffix=_$$_$BASHPID
    base=${base:0:$((63 - ${#suffix}))}$suffix
    echo "$base" >>"$_county_dbs"
    pg_fresh_db "$base"
}

_county_drop_dbs() {
    local name
    [ -f "$_county_dbs" ] || return 0
    while read -r name; do
        PGOPTIONS="-c client_min_messages=warning" pg_psql "$SWSYNC_TEST_PG" \
            -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1
    done <"$_county_dbs"
}

csql() {
    if _county_is_uri "$1"; then
        pg_psql "$1" -A -t -F '|' -c "$2"
    else
        sqlite3 "$1" "$2"
    fi
}

SERVER_PID=

county_bytes() {
    if _county_is_uri "$1"; then
        pg_dump --no-owner -d "$1"
    else
        cat -- "$1"*
    fi
}

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
county_pg && at_exit _county_drop_dbs

scope_equal() {
    python3 - "$1" "$2" "$3" <<'PY'
import sqlite3, sys
import countydb
rep, county, station = sys.argv[1:4]
rdb, cdb = countydb.connect(rep), countydb.connect(county)
county_code = cdb.execute(
    "SELECT value FROM config WHERE key = 'county'").fetchone()[0]
def dump(db, other, scope_only):
    out = []
    tables = countydb.tables(db)
    for k, t in enumerate(["cases", "visits", "services", "referrals",
                           "resources"]):
        if t not in tables:
            continue
        # the record's own columns (a station's rows also hold a version:
        # compared through the view `versions`)
        theirs = countydb.columns(other, t)
        cols = [c for c in countydb.columns(db, t)
                if c in theirs and c != "rid"]
        for row in db.execute(f"SELECT rid, {', '.join(cols)} FROM {t}").fetchall():
            rid, vals = row[0], tuple(row[1:])
            st = vals[cols.index("station")]
            # the county-owned records (the resource directory) are every
            # station's to hold
            if scope_only and st != station and st != county_code:
                continue
            vers = sorted(db.execute("SELECT col, hlc, site FROM versions "
                                     "WHERE tbl = ? AND rid = ?",
                                     (k, rid)).fetchall())
            out.append((t, vals, tuple(tuple(v) for v in vers)))
    return sorted(out, key=repr)
r, c = dump(rdb, cdb, False), dump(cdb, rdb, True)
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
