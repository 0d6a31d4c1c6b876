#!/bin/bash
# console.sh — start and stop a real `swsync console` for the shell tests
# (source it after tap.sh).  Only 127.0.0.1, on a port the kernel picks.
#
#   console_start DB [ARGS...]  serve DB; sets CPORT, CURL_BASE, CLOG,
#                               CONSOLE_PID; waits for "listening on"
#   console_stop                stop it (TERM)

CONSOLE_PID=

console_start() {
    local db=$1
    shift
    CPORT=$(free_port)
    CLOG=$TAP_TMP/console-$CPORT.log
    "$SWSYNC" --db "$db" console --listen "127.0.0.1:$CPORT" "$@" \
        2>"$CLOG" &
    CONSOLE_PID=$!
    for _ in $(seq 300); do
        grep -q 'listening on' "$CLOG" && break
        kill -0 "$CONSOLE_PID" 2>/dev/null || break
        sleep 0.05
    done
    grep -q "listening on http://127.0.0.1:$CPORT/" "$CLOG" ||
        bail_out "console did not start: $(cat "$CLOG")"
    CURL_BASE=http://127.0.0.1:$CPORT
}

console_stop() {
    if [ -n "$CONSOLE_PID" ]; then
        kill -TERM "$CONSOLE_PID" 2>/dev/null
        wait "$CONSOLE_PID" 2>/dev/null
        CONSOLE_PID=
    fi
}
at_exit console_stop
