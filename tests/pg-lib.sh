#!/bin/bash
# pg-lib.sh — a PostgreSQL server for the shell tests (source it after
# tap.sh; it works without tap.sh too).
#
#   pg_need         make SWSYNC_TEST_PG (a connection URI) and PGPASSFILE
#                   name a server, exported:
#                   - SWSYNC_TEST_PG already set: that server (with the
#                     caller's PGPASSFILE, or PG* variables);
#                   - otherwise a private one, started with tools/pg-tmp in
#                     a temporary directory and stopped when the script
#                     exits.
#                   No PostgreSQL installed: the test is skipped (under
#                   TAP "1..0 # SKIP", exit 0; without tap.sh exit 77),
#                   unless SWSYNC_REQUIRE_PG=1, which makes it a failure.
#   pg_fresh_db NAME
#                   a new empty database NAME (dropped first if it exists)
#                   in that server, owned by the URI's role (swsync); prints
#                   its URI.  NAME: a lower-case letter, then lower-case
#                   letters, digits and _ (at most 63).
#   pg_psql URI ARGS...
#                   psql on URI: no ~/.psqlrc, stop at the first error.
#
# PG_TMP names tools/pg-tmp (default: $TOP_SRCDIR/tools/pg-tmp, which make
# check sets, or ../tools/pg-tmp beside this file).

PG_TMP=${PG_TMP:-${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}/tools/pg-tmp}
_pg_dir=

_pg_fail() {
    if declare -F bail_out >/dev/null; then
        bail_out "$*"
    fi
    echo "pg-lib: $*" >&2
    exit 1
}

_pg_skip() {
    if [ "${SWSYNC_REQUIRE_PG:-}" = 1 ]; then
        _pg_fail "$* (SWSYNC_REQUIRE_PG=1: not skipping)"
    fi
    if declare -F plan >/dev/null; then
        echo "1..0 # SKIP $*"
        _tap_done=1
        exit 0
    fi
    echo "pg-lib: skipped: $*" >&2
    exit 77
}

_pg_stop() {
    if [ -n "$_pg_dir" ]; then
        [ -d "$_pg_dir/pg" ] && { "$PG_TMP" stop "$_pg_dir/pg" >/dev/null || true; }
        rm -rf "$_pg_dir"
        _pg_dir=
    fi
}

pg_need() {
    local uri rc
    if [ -n "${SWSYNC_TEST_PG:-}" ]; then
        command -v psql >/dev/null ||
            _pg_fail "SWSYNC_TEST_PG is set but psql is not installed (postgresql-client)"
        export SWSYNC_TEST_PG
        [ -n "${PGPASSFILE:-}" ] && export PGPASSFILE
        return 0
    fi
    command -v psql >/dev/null ||
        _pg_skip "PostgreSQL is not installed (no psql; tools/install-deps)"
    # outside TAP_TMP: the server's user must be able to reach it
    _pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/swsync-pg.XXXXXX") ||
        _pg_fail "cannot make a temporary directory"
    chmod 0711 "$_pg_dir"
    if declare -F at_exit >/dev/null; then
        at_exit _pg_stop
    else
        trap _pg_stop EXIT
    fi
    # a test stopped by a signal still stops its server (the EXIT trap)
    trap 'exit 130' INT
    trap 'exit 143' TERM
    uri=$("$PG_TMP" start "$_pg_dir/pg" 2>"$_pg_dir/start.err")
    rc=$?
    if [ $rc -eq 69 ]; then
        _pg_skip "$(sed -n '1s/^pg-tmp: //p' "$_pg_dir/start.err")"
    elif [ $rc -ne 0 ]; then
        _pg_fail "tools/pg-tmp start failed: $(cat "$_pg_dir/start.err")"
    fi
    set -a
    # shellcheck disable=SC1091
    . "$_pg_dir/pg/env"
    set +a
    [ "$SWSYNC_TEST_PG" = "$uri" ] ||
        _pg_fail "tools/pg-tmp printed $uri but its env file says $SWSYNC_TEST_PG"
}

pg_psql() {
    local uri=$1
    shift
    PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10} psql -X -q -v ON_ERROR_STOP=1 \
        -d "$uri" "$@"
}

pg_fresh_db() {
    local name=$1 base query=
    [[ $name =~ ^[a-z][a-z0-9_]{0,62}$ ]] ||
        _pg_fail "pg_fresh_db: not a database name for a test: '$name'"
    [ -n "${SWSYNC_TEST_PG:-}" ] || _pg_fail "pg_fresh_db: call pg_need first"
    base=$SWSYNC_TEST_PG
    if [[ $base == *\?* ]]; then
        query="?${base#*\?}"
        base=${base%%\?*}
    fi
    # postgresql://[userinfo@]host[:port][/dbname]: the dbname replaced
    local rest=${base#*://}
    [[ $rest == */* ]] && base=${base%/*}
    # the name is checked above: it cannot quote its way out
    PGOPTIONS="-c client_min_messages=warning" \
        pg_psql "$SWSYNC_TEST_PG" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" \
        >/dev/null || _pg_fail "pg_fresh_db: cannot drop $name"
    pg_psql "$SWSYNC_TEST_PG" \
        -c "CREATE DATABASE \"$name\" TEMPLATE template0 ENCODING 'UTF8'" \
        >/dev/null || _pg_fail "pg_fresh_db: cannot create $name"
    echo "$base/$name$query"
}
