#!/bin/bash
# e2e-config.sh — the configuration files (issue 16): swsync.conf and
# county.conf read with libinih; defaults < file < environment < flag;
# `config show` names where each value came from; an unknown key or a bad
# value names the file and line and exits 78; serve takes its settings
# from the file, and its flags win.  Real processes on 127.0.0.1 only.
. "$(dirname "$0")/tap.sh" || exit 1
. "$(dirname "$0")/county.sh" || exit 1
D=$TAP_TMP
cd "$D" || bail_out "no temp dir"
unset SWSYNC_DB SWSYNC_COUNTY_DB SWSYNC_CONFIG SWSYNC_COUNTY_CONFIG

# ---- county.conf ------------------------------------------------------------
CDB=$(county_db county)
"$SWSYNC_COUNTY" --db "$CDB" init --county C1 >/dev/null || bail_out "init"
PORT=$(free_port)
cat >"$D/county.conf" <<CONF
# a comment
db = $CDB

listen = 127.0.0.1:$PORT   ; an inline comment
threads = 2
secure-cookies = yes
CONF
exits 0 "county config show" "$SWSYNC_COUNTY" --config "$D/county.conf" config show
like "$OUT" "^# $D/county.conf" "config show names the file read"
like "$OUT" "threads = 2 +# $D/county.conf:5" "threads from the file, with its line"
like "$OUT" "listen = 127.0.0.1:$PORT +# $D/county.conf:4" "listen from the file, line 4"
like "$OUT" "max-drift = 600 +# default" "an unset key shows its default"
like "$OUT" "secure-cookies = yes +# $D/county.conf:6" "a yes/no setting"
exits 0 "config show with a flag" "$SWSYNC_COUNTY" --config "$D/county.conf" \
    config show --threads=7
like "$OUT" "threads = 7 +# flag" "a flag wins over the file"
SWSYNC_COUNTY_DB=$D/other.db exits 0 "config show with the environment" \
    "$SWSYNC_COUNTY" --config "$D/county.conf" config show
like "$OUT" "db = $D/other.db +# env SWSYNC_COUNTY_DB" "the environment wins over the file"
SWSYNC_COUNTY_DB=$D/other.db exits 0 "--db and the environment" \
    "$SWSYNC_COUNTY" --config "$D/county.conf" --db "$D/flag.db" config show
like "$OUT" "db = $D/flag.db +# flag" "--db wins over the environment"
SWSYNC_COUNTY_CONFIG=$D/county.conf exits 0 "SWSYNC_COUNTY_CONFIG names the file" \
    "$SWSYNC_COUNTY" config show
like "$OUT" "threads = 2 +# $D/county.conf:5" "SWSYNC_COUNTY_CONFIG: the file is read"

# serve from the file alone (listen, db), then a flag overriding it
"$SWSYNC_COUNTY" --config "$D/county.conf" serve 2>"$D/serve.log" &
SERVER_PID=$!
for _ in $(seq 300); do
    grep -q '^listening on' "$D/serve.log" && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
done
like "$(cat "$D/serve.log")" "listening on 127.0.0.1:$PORT" "serve listens where the file says"
county_stop
is "$SERVER_RC" 0 "serve stopped cleanly"
PORT2=$(free_port)
"$SWSYNC_COUNTY" --config "$D/county.conf" serve --listen "127.0.0.1:$PORT2" 2>"$D/serve2.log" &
SERVER_PID=$!
for _ in $(seq 300); do
    grep -q '^listening on' "$D/serve2.log" && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
done
like "$(cat "$D/serve2.log")" "listening on 127.0.0.1:$PORT2" "serve's --listen wins over the file"
county_stop

# errors: unknown key, bad value, not a setting, sections, missing file
printf 'listen = 127.0.0.1:1\nlisen = 127.0.0.1:2\n' >"$D/typo.conf"
exits 78 "an unknown key: exit 78" "$SWSYNC_COUNTY" --config "$D/typo.conf" config show
is "$ERR" "swsync-county: $D/typo.conf:2: unknown setting 'lisen'" "an unknown key: file, line and key"
exits 78 "an unknown key stops serve too" "$SWSYNC_COUNTY" --config "$D/typo.conf" serve
printf '# x\n\nthreads = many\n' >"$D/bad.conf"
exits 78 "a bad value: exit 78" "$SWSYNC_COUNTY" --config "$D/bad.conf" config show
like "$ERR" "$D/bad.conf:3: threads = 'many': give a whole number from 1 to 64" \
    "a bad value: file, line and what to give"
printf 'threads = 65\n' >"$D/big.conf"
exits 78 "a value out of range: exit 78" "$SWSYNC_COUNTY" --config "$D/big.conf" config show
printf 'secure-cookies = maybe\n' >"$D/bool.conf"
exits 78 "a bad yes/no: exit 78" "$SWSYNC_COUNTY" --config "$D/bool.conf" config show
printf 'threads = 2\nthis is not a setting\n' >"$D/junk.conf"
exits 78 "a line that is not KEY = VALUE: exit 78" "$SWSYNC_COUNTY" --config "$D/junk.conf" config show
like "$ERR" "junk.conf:2: not a setting" "not a setting: names the line"
printf '[serve]\nthreads = 2\n' >"$D/sect.conf"
exits 78 "a section: exit 78" "$SWSYNC_COUNTY" --config "$D/sect.conf" config show
like "$ERR" "sect.conf:2: section \\[serve\\]" "a section: names file and line"
exits 78 "--config naming a missing file: exit 78" \
    "$SWSYNC_COUNTY" --config "$D/nothere.conf" config show
like "$ERR" "nothere.conf: cannot read" "a missing --config file: says so"
exits 78 "a bad flag value in config show: exit 78" \
    "$SWSYNC_COUNTY" --config "$D/county.conf" config show --threads=0
like "$ERR" "flag: threads = '0'" "a bad flag value: named as a flag"

# no file at all (a build tree): the current directory
exits 0 "county config show with no file" "$SWSYNC_COUNTY" config show
like "$OUT" "db = county.db +# default" "no file: the store is ./county.db"

# ---- swsync.conf ----------------------------------------------------------------
cat >"$D/swsync.conf" <<CONF
db = $D/station.db
timeout = 7
warn-after = 2d
CONF
exits 0 "swsync config show" "$SWSYNC" --config "$D/swsync.conf" config show
like "$OUT" "db = $D/station.db +# $D/swsync.conf:1" "station db from the file"
like "$OUT" "timeout = 7 +# $D/swsync.conf:2" "sync's timeout from the file"
like "$OUT" "warn-after = 2d +# $D/swsync.conf:3" "sync's warn-after from the file"
like "$OUT" "jitter = 0 +# default" "jitter: the default"
SWSYNC_DB=$D/env.db exits 0 "swsync: the environment" "$SWSYNC" --config "$D/swsync.conf" config show
like "$OUT" "db = $D/env.db +# env SWSYNC_DB" "SWSYNC_DB wins over the file"
exits 0 "swsync: config show with a flag" "$SWSYNC" --config "$D/swsync.conf" config show --timeout=9
like "$OUT" "timeout = 9 +# flag" "swsync: a flag wins"
printf 'token = abc\n' >"$D/st-bad.conf"
exits 78 "swsync: an unknown key: exit 78" "$SWSYNC" --config "$D/st-bad.conf" config show
is "$ERR" "swsync: $D/st-bad.conf:1: unknown setting 'token'" "swsync: file, line and key"
printf '\nwarn-after = soon\n' >"$D/st-bad2.conf"
exits 78 "swsync: a bad duration: exit 78" "$SWSYNC" --config "$D/st-bad2.conf" status
like "$ERR" "st-bad2.conf:2: warn-after = 'soon'" "swsync: a bad duration names file and line"
# the file's db is the replica every command uses
printf 'sw1_%064d\n' 0 >"$D/token"
chmod 600 "$D/token"
exits 0 "init through the file's db" "$SWSYNC" --config "$D/swsync.conf" init \
    --station A01 --server http://127.0.0.1:1 --token-file "$D/token"
ok "the replica is where the file says" test -f "$D/station.db"
# sync takes timeout from the file (an unreachable server: 75, quickly)
exits 75 "sync with the file's settings" "$SWSYNC" --config "$D/swsync.conf" sync
SWSYNC_CONFIG=$D/swsync.conf exits 0 "SWSYNC_CONFIG names the file" "$SWSYNC" status
exits 0 "swsync config show, no file" "$SWSYNC" config show
like "$OUT" "db = station.db +# default" "no file: ./station.db"
done_testing
