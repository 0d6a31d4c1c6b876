#!/bin/bash
# tap.sh — TAP helpers for the shell tests (source it from bash).
#
#   plan N                 print the plan first (or let done_testing do it)
#   ok DESC CMD [ARG...]   passes if CMD exits 0 (its output is kept quiet,
#                          and shown as diagnostics if it fails)
#   pass DESC / fail DESC [WHY]
#   is GOT WANT DESC       string equality; prints got/expected on failure
#   isnt GOT UNWANTED DESC
#   like GOT ERE DESC      bash [[ =~ ]]: ^ and $ anchor the whole string
#   unlike GOT ERE DESC
#   exits CODE DESC CMD [ARG...]
#                          runs CMD, passes if its exit status is CODE; then
#                          RC, OUT and ERR hold the status and output
#                          (trailing newlines stripped), OUT_FILE and
#                          ERR_FILE the exact bytes
#   fails DESC CMD [ARG...]
#                          like exits, but passes on any non-zero status
#   todo REASON            the next assertion is a TAP "# TODO"
#   skip REASON [N]        N (default 1) assertions not run: "ok K # SKIP
#                          REASON"
#   skip_all REASON        the whole script is skipped ("1..0 # SKIP
#                          REASON", exit 0): only before any assertion
#   diag MSG...            a "# " comment (stdout, so it is in the log)
#   bail_out MSG           "Bail out!" and stop
#   free_port              a free TCP port on 127.0.0.1, from the kernel
#   at_exit CMD            run CMD (eval'd) when the script exits
#   done_testing           print the plan if none was given; exit 1 if any
#                          assertion failed
#
# TAP_TMP is a fresh directory (mktemp -d), removed when the script exits.
# SWSYNC and SWSYNC_COUNTY name the binaries (make check sets them); they
# default to ../swsync and ../swsync-county next to the test script.

_tap_n=0
_tap_failed=0
_tap_plan=
_tap_todo=
_tap_done=
_tap_exit_cmds=()

# The programs speak the user's language: the tests run them in English
# (C.UTF-8, always present) unless a test asks for another.
export LC_ALL=C.UTF-8
unset LANGUAGE LC_MESSAGES

_tap_testdir=$(cd "$(dirname "$0")" && pwd)
SWSYNC=${SWSYNC:-$_tap_testdir/../swsync}
SWSYNC_COUNTY=${SWSYNC_COUNTY:-$_tap_testdir/../swsync-county}
export SWSYNC SWSYNC_COUNTY

_tap_cleanup() {
    local rc=$? c
    for c in "${_tap_exit_cmds[@]}"; do
        eval "$c" || true
    done
    if [ -z "$_tap_done" ]; then
        echo "# the test script stopped before done_testing (status $rc)"
    fi
    [ -n "${TAP_TMP:-}" ] && rm -rf "$TAP_TMP"
}

TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/swsync-tap.XXXXXX") || {
    echo "Bail out! cannot make a temporary directory"
    exit 1
}
trap _tap_cleanup EXIT

at_exit() {
    _tap_exit_cmds+=("$*")
}

diag() {
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        echo "# $line"
    done <<<"$*"
}

# Show a value as diagnostics: 'value' on one line, or line by line.
_tap_show() {
    local label=$1 value=$2 line pad
    if [[ $value != *$'\n'* ]]; then
        echo "#   $label '$value'"
        return
    fi
    pad=$(printf '%*s' ${#label} '')
    echo "#   $label"
    while IFS= read -r line || [ -n "$line" ]; do
        echo "#   $pad |$line"
    done <<<"$value"
}

# _tap_result STATUS DESC: one TAP line.  Returns STATUS.
_tap_result() {
    local status=$1 desc=${2//\#/\\#} directive=
    _tap_n=$((_tap_n + 1))
    if [ -n "$_tap_todo" ]; then
        directive=" # TODO $_tap_todo"
    fi
    if [ "$status" -eq 0 ]; then
        echo "ok $_tap_n - $desc$directive"
    else
        echo "not ok $_tap_n - $desc$directive"
        [ -z "$_tap_todo" ] && _tap_failed=$((_tap_failed + 1))
    fi
    _tap_todo=
    return "$status"
}

plan() {
    _tap_plan=$1
    echo "1..$1"
}

todo() {
    _tap_todo=${1:-not done yet}
}

skip() {
    local reason=${1//\#/\\#} n=${2:-1} i
    for ((i = 0; i < n; i++)); do
        _tap_n=$((_tap_n + 1))
        echo "ok $_tap_n # SKIP $reason"
    done
}

skip_all() {
    [ "$_tap_n" -eq 0 ] || bail_out "skip_all after $_tap_n assertions: $1"
    echo "1..0 # SKIP $1"
    _tap_done=1
    exit 0
}

pass() {
    _tap_result 0 "$1"
}

fail() {
    _tap_result 1 "$1"
    [ $# -gt 1 ] && diag "$2"
    return 1
}

ok() {
    local desc=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        _tap_result 0 "$desc"
    else
        _tap_result 1 "$desc"
        echo "#   command: $*"
        echo "#   exit status $rc"
        [ -n "$out" ] && _tap_show "output:" "$out"
        return 1
    fi
}

is() {
    if [ "$1" == "$2" ]; then
        _tap_result 0 "$3"
    else
        _tap_result 1 "$3"
        _tap_show "     got:" "$1"
        _tap_show "expected:" "$2"
        return 1
    fi
}

isnt() {
    if [ "$1" != "$2" ]; then
        _tap_result 0 "$3"
    else
        _tap_result 1 "$3"
        _tap_show "     got:" "$1"
        echo "#   expected anything else"
        return 1
    fi
}

like() {
    if [[ $1 =~ $2 ]]; then
        _tap_result 0 "$3"
    else
        _tap_result 1 "$3"
        _tap_show "   got:" "$1"
        echo "#   expected to match: $2"
        return 1
    fi
}

unlike() {
    if ! [[ $1 =~ $2 ]]; then
        _tap_result 0 "$3"
    else
        _tap_result 1 "$3"
        _tap_show "   got:" "$1"
        echo "#   expected not to match: $2"
        return 1
    fi
}

OUT_FILE=$TAP_TMP/.tap-out
ERR_FILE=$TAP_TMP/.tap-err
exits() {
    local want=$1 desc=$2
    shift 2
    "$@" >"$OUT_FILE" 2>"$ERR_FILE"
    RC=$?
    OUT=$(cat "$OUT_FILE")
    ERR=$(cat "$ERR_FILE")
    if [ "$RC" -eq "$want" ]; then
        _tap_result 0 "$desc"
    else
        _tap_result 1 "$desc"
        echo "#   command: $*"
        echo "#   exit status $RC, expected $want"
        [ -n "$OUT" ] && _tap_show "stdout:" "$OUT"
        [ -n "$ERR" ] && _tap_show "stderr:" "$ERR"
        return 1
    fi
}

fails() {
    local desc=$1
    shift
    "$@" >"$OUT_FILE" 2>"$ERR_FILE"
    RC=$?
    OUT=$(cat "$OUT_FILE")
    ERR=$(cat "$ERR_FILE")
    if [ "$RC" -ne 0 ]; then
        _tap_result 0 "$desc"
    else
        _tap_result 1 "$desc"
        echo "#   command: $*"
        echo "#   exit status 0, expected a failure"
        [ -n "$OUT" ] && _tap_show "stdout:" "$OUT"
        [ -n "$ERR" ] && _tap_show "stderr:" "$ERR"
        return 1
    fi
}

bail_out() {
    echo "Bail out! $*"
    _tap_done=1
    exit 1
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

done_testing() {
    _tap_done=1
    if [ -z "$_tap_plan" ]; then
        echo "1..$_tap_n"
    elif [ "$_tap_plan" -ne "$_tap_n" ]; then
        echo "# planned $_tap_plan tests but ran $_tap_n"
        exit 1
    fi
    if [ "$_tap_failed" -gt 0 ]; then
        echo "# failed $_tap_failed of $_tap_n"
        exit 1
    fi
    exit 0
}
