#!/bin/bash
# e2e-privacy.sh — at-rest encryption and backups with the real binaries on
# 127.0.0.1: an encrypted county store and an encrypted replica hold no
# personal value in their bytes (database, -wal, backups) while a plain
# replica does; a wrong or missing key is refused and changes nothing;
# backup / verify / restore, with damaged, truncated and wrong-key backups
# refused and the replica untouched; a restored replica syncs and gets its
# later writes back; a plain replica is encrypted in place.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"
county_sqlite_only "the encrypted county store is an encrypting SQLite VFS; a PostgreSQL store is not a file"

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() { local r=$1; shift; "$SWSYNC" --db "$T/$r.db" "$@"; }
token() { local f=$T/$1.token; cat >"$f"; chmod 600 "$f"; }
NAME=张三丰
PHONE=13911112222
NOTE=独居老人需要照顾
# Does any of the files hold a personal value?  (python: byte search, so
# it also looks inside binary pages; prints the file and the value found)
leaks() {
    python3 - "$NAME" "$PHONE" "$NOTE" "$@" <<'PY'
import sys, os
vals = [v.encode() for v in sys.argv[1:4]]
found = 0
for path in sys.argv[4:]:
    if not os.path.exists(path):
        continue
    data = open(path, "rb").read()
    for v in vals:
        if v in data:
            print(path, v.decode())
            found = 1
sys.exit(0 if found else 1)
PY
}

# ---- an encrypted county and replica ----------------------------------------

exits 0 "county init --encrypt" C init --county C01 --encrypt
ok "the county's key file is made 0600" test "$(stat -c %a "$CDB.key")" = 600
C station add A --name 东风镇 | token a
C station add B --name 西河镇 | token p
county_start "$CDB"
exits 0 "replica init --encrypt" S a init --station A --server "$URL" \
    --token-file "$T/a.token" --encrypt
ok "the replica's key file is made 0600" test "$(stat -c %a "$T/a.db.key")" = 600
exits 0 "a case is added" S a case add name=$NAME phone=$PHONE \
    category=elderly_alone notes=$NOTE
X=$OUT
exits 0 "a visit is added" S a visit add case="$X" mode=home findings=$NOTE
exits 0 "the replica syncs with the county" S a sync --quiet
exits 0 "the county serves the case" C case show "$X"
like "$OUT" "$PHONE" "with its values"

# the server's threads and the CLI use the encrypted store at once (a
# process must never open and close the file behind SQLite's locks)
( for i in $(seq 25); do "$SWSYNC_COUNTY" --db "$CDB" case list >/dev/null ||
    echo "cli failed" >>"$T/conc.err"; done ) &
LOOP=$!
for i in $(seq 12); do
    S a case set "$X" village=村$i >/dev/null
    S a sync --quiet 2>>"$T/conc.err" || echo "sync $i failed" >>"$T/conc.err"
done
wait $LOOP
is "$(cat "$T/conc.err" 2>/dev/null)" "" "syncs and CLI reads at once all succeed"
is "$(grep -c ' 500 ' "$LOG")" 0 "and the server reported no error"

# a plain replica of station B, for contrast: the search does find values
exits 0 "plain replica init" S p init --station B --server "$URL" \
    --token-file "$T/p.token"
exits 0 "a plain case" S p case add name=$NAME phone=$PHONE category=other
ok "a plain replica shows the values (the search works)" leaks "$T/p.db"
exits 0 "the plain replica syncs" S p sync --quiet

ok "the county store is open with its -wal" test -s "$CDB-wal"
fails "no value in the encrypted replica's bytes" leaks "$T/a.db" "$T/a.db-wal"
fails "no value in the county store's bytes while it serves (db, -wal)" \
    leaks "$CDB" "$CDB-wal" "$CDB-shm"
exits 0 "the replica is not SQLite to plain tools" \
    python3 -c "import sqlite3,sys
try:
    sqlite3.connect(sys.argv[1]).execute('select * from cases').fetchall()
except sqlite3.DatabaseError:
    sys.exit(0)
sys.exit(1)" "$T/a.db"

# ---- wrong and missing keys -------------------------------------------------

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/wrong.key"
chmod 600 "$T/wrong.key"
cp "$T/a.db" "$T/a.before"
exits 77 "a wrong key is refused" S a --db-key "$T/wrong.key" case list
like "$ERR" "wrong key" "with a clear message"
ok "and the replica is unchanged" cmp "$T/a.db" "$T/a.before"
ok "and no -wal was made" test ! -e "$T/a.db-wal"
mv "$T/a.db.key" "$T/a.key"
exits 78 "no key: refused" S a case list
like "$ERR" "encrypted: give its key file with --db-key" "saying what to do"
exits 0 "the key kept elsewhere (--db-key) opens it" \
    S a --db-key "$T/a.key" case show "$X"
exits 0 "so does \$SWSYNC_DB_KEY" env SWSYNC_DB_KEY="$T/a.key" \
    "$SWSYNC" --db "$T/a.db" case show "$X"
mv "$T/a.key" "$T/a.db.key"
chmod 644 "$T/a.db.key"
exits 78 "a key file readable by others is refused" S a case list
chmod 600 "$T/a.db.key"

# ---- backups ------------------------------------------------------------------

BK=$T/bk.key
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$BK"
chmod 600 "$BK"
exits 0 "backup of the replica" S a backup "$T/a1.swbk" --key-file "$BK"
ok "the backup is 0600" test "$(stat -c %a "$T/a1.swbk")" = 600
exits 0 "backup verify" S a backup verify "$T/a1.swbk" --key-file "$BK"
like "$OUT" "^verify: ok, site A-[a-z0-9]+, [0-9]+ bytes, cases 1, visits 1, services 0$" \
    "prints the record counts"
echo "a long passphrase 123" >"$T/pass"
exits 0 "backup with a passphrase" S a backup "$T/a2.swbk" \
    --passphrase-stdin <"$T/pass"
exits 0 "verify with the passphrase" S a backup verify "$T/a2.swbk" \
    --passphrase-stdin <"$T/pass"
exits 0 "backup of the plain replica" S p backup "$T/p.swbk" --key-file "$BK"
exits 0 "backup of the county while it serves" C backup "$T/c.swbk" \
    --key-file "$BK"
exits 0 "verify the county's backup" C backup verify "$T/c.swbk" --key-file "$BK"
like "$OUT" "cases 2, visits 1" "with both stations' records"
fails "no value in any backup" leaks "$T/a1.swbk" "$T/a2.swbk" "$T/p.swbk" \
    "$T/c.swbk"
exits 65 "a station's backup is not a county's" C backup verify "$T/a1.swbk" \
    --key-file "$BK"

# damaged, truncated, wrong key: a clear error, and restore changes nothing
cp "$T/a1.swbk" "$T/flip.swbk"
python3 -c "import sys
p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=1
open(p,'wb').write(b)" "$T/flip.swbk"
head -c $(($(stat -c %s "$T/a1.swbk") - 100)) "$T/a1.swbk" >"$T/trunc.swbk"
head -c 64 "$T/a1.swbk" >"$T/cut.swbk"
exits 65 "a flipped byte: verify fails" S a backup verify "$T/flip.swbk" \
    --key-file "$BK"
like "$ERR" "damaged \(chunk 0 does not authenticate\)" "saying it is damaged"
exits 65 "a truncated backup: verify fails" S a backup verify "$T/trunc.swbk" \
    --key-file "$BK"
like "$ERR" "truncated" "saying it is truncated"
exits 65 "a backup cut after its header: verify fails" \
    S a backup verify "$T/cut.swbk" --key-file "$BK"
exits 77 "a wrong key: verify fails" S a backup verify "$T/a1.swbk" \
    --key-file "$T/wrong.key"
echo "not the passphrase" >"$T/badpass"
exits 77 "a wrong passphrase: verify fails" S a backup verify "$T/a2.swbk" \
    --passphrase-stdin <"$T/badpass"
cp "$T/a.db" "$T/a.before"
for b in flip trunc cut; do
    fails "restore of the $b backup fails" S a restore "$T/$b.swbk" \
        --key-file "$BK" --force
done
exits 77 "restore with a wrong key fails" S a restore "$T/a1.swbk" \
    --key-file "$T/wrong.key" --force
ok "the replica is untouched" cmp "$T/a.db" "$T/a.before"
is "$(ls "$T" | grep -c -e '\.restore-' -e '\.tmp-' -e '\.snap-')" 0 \
    "and no scratch file is left"

# ---- restore, then sync: the later writes come back ------------------------

exits 0 "a second case after the backup" S a case add name=后来 category=other
Y=$OUT
exits 0 "which syncs" S a sync --quiet
exits 73 "restore refuses to replace a newer replica" \
    S a restore "$T/a1.swbk" --key-file "$BK"
like "$ERR" "newer than the backup" "saying why"
exits 0 "the second case is there" S a case show "$Y"
exits 0 "restore --force" S a restore "$T/a1.swbk" --key-file "$BK" --force
exits 65 "the restored replica lacks the second case" S a case show "$Y"
fails "the restored replica is still encrypted" leaks "$T/a.db"
exits 0 "the restored replica syncs" S a sync --quiet 
exits 0 "and gets its later write back" S a case show "$Y"
exits 0 "a new write after the restore" S a case set "$X" village=新村
exits 0 "syncs" S a sync --quiet
exits 0 "and reaches the county" C case show "$X" --json
like "$OUT" "新村" "with its value"

# a new PC: restore --encrypt makes a new key and an encrypted replica
exits 0 "restore --encrypt onto a new PC" "$SWSYNC" --db "$T/new.db" \
    restore "$T/a1.swbk" --key-file "$BK" --encrypt
ok "a new key file (0600)" test "$(stat -c %a "$T/new.db.key")" = 600
fails "and an encrypted replica" leaks "$T/new.db"
exits 0 "which opens with it" "$SWSYNC" --db "$T/new.db" case show "$X"
exits 77 "restore --encrypt with a wrong backup key" "$SWSYNC" \
    --db "$T/new2.db" restore "$T/a1.swbk" --key-file "$T/wrong.key" --encrypt
ok "leaves neither a replica nor a key" test ! -e "$T/new2.db" -a ! -e "$T/new2.db.key"
# a new key for the same replica: restore --encrypt --force with --db-key
exits 0 "a new key by restore --encrypt --force" "$SWSYNC" --db "$T/new.db" \
    --db-key "$T/rotated.key" restore "$T/a1.swbk" --key-file "$BK" \
    --encrypt --force
exits 77 "the old key no longer opens it" "$SWSYNC" --db "$T/new.db" case list
exits 0 "the new one does" "$SWSYNC" --db "$T/new.db" \
    --db-key "$T/rotated.key" case show "$X"

county_stop
exits 0 "county restore once serve stopped" C restore "$T/c.swbk" \
    --key-file "$BK" --force
exits 0 "the restored county store opens" C case show "$X"

# a plain county store encrypted in place
C2() { "$SWSYNC_COUNTY" --db "$T/c2.db" "$@"; }
exits 0 "a plain county store" C2 init --county C02
exits 0 "with a station named $NAME" C2 station add S1 --name "$NAME"
ok "plain: the name is in its bytes" leaks "$T/c2.db" "$T/c2.db-wal"
exits 0 "swsync-county encrypt" C2 encrypt
fails "encrypted: no longer" leaks "$T/c2.db" "$T/c2.db-wal"
exits 0 "and it opens with its key" C2 station list
like "$OUT" "$NAME" "showing the station"

# ---- a plain replica encrypted in place -------------------------------------

# while another process has the replica open, restore and encrypt refuse
python3 -c "import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
c.execute('SELECT count(*) FROM cases').fetchall()
print('open', flush=True)
time.sleep(120)" "$T/p.db" >"$T/holder.out" &
HOLDER=$!
at_exit "kill $HOLDER 2>/dev/null"
for _ in $(seq 200); do grep -q open "$T/holder.out" && break; sleep 0.05; done
exits 75 "restore refuses while the replica is open elsewhere" \
    S p restore "$T/p.swbk" --key-file "$BK" --force
like "$ERR" "in use" "saying it is in use"
exits 75 "encrypt refuses too" S p encrypt
ok "and made no key" test ! -e "$T/p.db.key"
kill $HOLDER
wait $HOLDER 2>/dev/null

exits 0 "swsync encrypt" S p encrypt
ok "it made the key file" test -s "$T/p.db.key"
fails "no value left in the encrypted replica" leaks "$T/p.db" "$T/p.db-wal"
exits 0 "and its records are all there" S p case list
like "$OUT" "$NAME" "the case"
exits 78 "encrypt twice is refused" S p encrypt
exits 0 "the plain backup restores into the encrypted replica" \
    S p restore "$T/p.swbk" --key-file "$BK" --force
fails "and stays encrypted" leaks "$T/p.db"

done_testing
