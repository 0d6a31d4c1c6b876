#!/bin/bash
# e2e-pgschema.sh — the county schema in PostgreSQL's dialect (issue 17,
# sync/pgschema.c, schema/county-pg.sql) against a new SQLite county
# store made by `swsync-county init`: applied with psql to a new database
# of a private PostgreSQL (tests/pg-lib.sh; skipped without one), it has
# every table and view of the SQLite store with the same columns (types
# mapped: INTEGER -> bigint, TEXT and no type -> text), NOT NULLs, primary
# and unique keys, foreign keys, named indexes (columns, unique, partial)
# and triggers; no CHECK on the replicated tables; the audit trail refuses
# UPDATE and DELETE.  Every difference is named.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/pg-lib.sh"

command -v sqlite3 >/dev/null || bail_out "sqlite3 is needed (tools/install-deps)"
DUMP=${PGSCHEMA_DUMP:-$(dirname "$SWSYNC_COUNTY")/tests/pgschema-dump}
[ -x "$DUMP" ] || bail_out "$DUMP: not built (make tests/pgschema-dump)"
pg_need

T=$TAP_TMP
CDB=$T/county.db
# What only PostgreSQL has: the schema's version (SQLite: PRAGMA
# user_version), and TRUNCATE refused on the audit trail (SQLite has no
# TRUNCATE).
PG_ONLY='^(schema_version|schema_version[. ].*|audit_no_truncate ON audit)$'

exits 0 "county init (SQLite)" "$SWSYNC_COUNTY" --db "$CDB" init --county C01
exits 0 "pgschema-dump prints the schema" "$DUMP"
cp "$OUT_FILE" "$T/schema.sql"
like "$(grep -c '^CREATE TABLE' "$T/schema.sql")" '^[0-9]{2}$' \
    "the schema has tens of tables"

U=$(pg_fresh_db swsync_schema) || bail_out "no database"
exits 0 "the schema applies to a new database (psql, ON_ERROR_STOP)" \
    pg_psql "$U" -f "$T/schema.sql"

S() { sqlite3 -batch -noheader "$CDB" "$1"; }
P() { pg_psql "$1" -At -F ' ' -c "$2"; }

# same DESC SQLITE_LINES PG_LINES: the two sets of lines are equal (but
# for what matches PG_ONLY), else name what each lacks.
same() {
    local desc=$1 a b only_s only_p
    a=$(sort -u <<<"$2")
    b=$(sort -u <<<"$3" | grep -Ev "$PG_ONLY")
    only_s=$(comm -23 <(echo "$a") <(echo "$b"))
    only_p=$(comm -13 <(echo "$a") <(echo "$b"))
    if [ -z "$a" ]; then
        fail "$desc" "nothing read from the SQLite store"
    elif [ -z "$only_s" ] && [ -z "$only_p" ]; then
        pass "$desc ($(wc -l <<<"$a") alike)"
    else
        fail "$desc" "$(
            [ -n "$only_s" ] && printf 'only in SQLite:\n%s\n' "$only_s"
            [ -n "$only_p" ] && printf 'only in PostgreSQL:\n%s\n' "$only_p"
        )"
    fi
}

# ---- what the SQLite store has ----------------------------------------

S_TABLES=$(S "SELECT name FROM sqlite_master WHERE type = 'table'
              AND name NOT LIKE 'sqlite_%'")
S_VIEWS=$(S "SELECT name FROM sqlite_master WHERE type = 'view'")
# table.column type null|notnull (a primary key column is NOT NULL: the
# county's text keys are all WITHOUT ROWID tables, INTEGER PRIMARY KEY
# is the rowid)
S_COLS=$(S "SELECT m.name || '.' || p.name || ' ' ||
              CASE upper(p.type) WHEN 'INTEGER' THEN 'bigint'
                   WHEN 'TEXT' THEN 'text' WHEN '' THEN 'text'
                   ELSE 'unmapped:' || p.type END || ' ' ||
              CASE WHEN p.\"notnull\" OR p.pk > 0 THEN 'notnull'
                   ELSE 'null' END
            FROM sqlite_master AS m, pragma_table_info(m.name) AS p
            WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'")
# named indexes: name ON table (columns) unique partial
S_INDEXES=$(S "SELECT l.name || ' ON ' || m.name || ' (' ||
                 (SELECT group_concat(name, ',') FROM
                    (SELECT name FROM pragma_index_info(l.name)
                     ORDER BY seqno)) || ') unique=' || l.\"unique\" ||
                 ' partial=' || l.partial
               FROM sqlite_master AS m, pragma_index_list(m.name) AS l
               WHERE m.type = 'table' AND l.origin = 'c'")
# primary and unique keys: table pk|unique (columns)
S_KEYS=$(S "SELECT m.name || ' pk (' ||
              (SELECT group_concat(name, ',') FROM
                 (SELECT name FROM pragma_table_info(m.name) WHERE pk > 0
                  ORDER BY pk)) || ')'
            FROM sqlite_master AS m
            WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
              AND EXISTS (SELECT 1 FROM pragma_table_info(m.name)
                          WHERE pk > 0)
            UNION ALL
            SELECT m.name || ' unique (' ||
              (SELECT group_concat(name, ',') FROM
                 (SELECT name FROM pragma_index_info(l.name)
                  ORDER BY seqno)) || ')'
            FROM sqlite_master AS m, pragma_index_list(m.name) AS l
            WHERE m.type = 'table' AND l.origin = 'u'")
S_FKEYS=$(S "SELECT m.name || '.' || f.\"from\" || ' -> ' || f.\"table\" ||
               '.' || f.\"to\" || ' on delete ' || lower(f.on_delete)
             FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f
             WHERE m.type = 'table'")
S_TRIGGERS=$(S "SELECT name || ' ON ' || tbl_name FROM sqlite_master
                WHERE type = 'trigger'")
# the replicated tables: rid, id, station and deleted (sync/table.h)
S_REPL=$(S "SELECT m.name FROM sqlite_master AS m WHERE m.type = 'table'
            AND (SELECT count(*) FROM pragma_table_info(m.name)
                 WHERE name IN ('rid', 'id', 'station', 'deleted')) = 4")

# ---- the same from PostgreSQL's catalogs -------------------------------

pg_tables() { P "$1" "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"; }
pg_views() { P "$1" "SELECT viewname FROM pg_views WHERE schemaname = 'public'"; }
pg_cols() {
    P "$1" "SELECT c.table_name || '.' || c.column_name || ' ' ||
              c.data_type || ' ' ||
              CASE c.is_nullable WHEN 'NO' THEN 'notnull' ELSE 'null' END
            FROM information_schema.columns AS c
            WHERE c.table_schema = 'public'"
}
# columns of an index or a constraint, in order
PG_COLS_OF="(SELECT string_agg(a.attname, ',' ORDER BY k.ord)
             FROM unnest(%s) WITH ORDINALITY AS k (attnum, ord)
             JOIN pg_attribute AS a ON a.attrelid = %s
                                   AND a.attnum = k.attnum)"
pg_indexes() {
    # shellcheck disable=SC2059
    P "$1" "SELECT i.relname || ' ON ' || t.relname || ' (' ||
              $(printf "$PG_COLS_OF" 'x.indkey::int2[]' 'x.indrelid') ||
              ') unique=' || x.indisunique::int || ' partial=' ||
              (x.indpred IS NOT NULL)::int
            FROM pg_index AS x
            JOIN pg_class AS i ON i.oid = x.indexrelid
            JOIN pg_class AS t ON t.oid = x.indrelid
            JOIN pg_namespace AS n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND NOT EXISTS
              (SELECT 1 FROM pg_constraint AS c
               WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))"
}
pg_keys() {
    # shellcheck disable=SC2059
    P "$1" "SELECT t.relname || CASE c.contype WHEN 'p' THEN ' pk ('
                                 ELSE ' unique (' END ||
              $(printf "$PG_COLS_OF" 'c.conkey' 'c.conrelid') || ')'
            FROM pg_constraint AS c
            JOIN pg_class AS t ON t.oid = c.conrelid
            JOIN pg_namespace AS n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND c.contype IN ('p', 'u')"
}
pg_fkeys() {
    P "$1" "SELECT t.relname || '.' || a.attname || ' -> ' || r.relname ||
              '.' || b.attname || ' on delete ' ||
              CASE c.confdeltype WHEN 'a' THEN 'no action'
                   WHEN 'r' THEN 'restrict' WHEN 'c' THEN 'cascade'
                   WHEN 'n' THEN 'set null' ELSE 'set default' END
            FROM pg_constraint AS c
            JOIN pg_class AS t ON t.oid = c.conrelid
            JOIN pg_class AS r ON r.oid = c.confrelid
            JOIN pg_namespace AS n ON n.oid = t.relnamespace
            JOIN pg_attribute AS a ON a.attrelid = c.conrelid
                                  AND a.attnum = c.conkey[1]
            JOIN pg_attribute AS b ON b.attrelid = c.confrelid
                                  AND b.attnum = c.confkey[1]
            WHERE n.nspname = 'public' AND c.contype = 'f'"
}
pg_triggers() {
    P "$1" "SELECT g.tgname || ' ON ' || t.relname FROM pg_trigger AS g
            JOIN pg_class AS t ON t.oid = g.tgrelid
            JOIN pg_namespace AS n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND NOT g.tgisinternal"
}
pg_listing() {
    pg_tables "$1"
    pg_views "$1"
    pg_cols "$1"
    pg_indexes "$1"
    pg_keys "$1"
    pg_fkeys "$1"
    pg_triggers "$1"
    P "$1" "SELECT conrelid::regclass || ' check ' || pg_get_constraintdef(oid)
            FROM pg_constraint WHERE contype = 'c' ORDER BY 1"
}

same "the same tables" "$S_TABLES" "$(pg_tables "$U")"
same "the same views" "$S_VIEWS" "$(pg_views "$U")"
same "the same columns (name, type, NOT NULL), views' too" "$S_COLS" \
    "$(pg_cols "$U")"
same "the same named indexes (columns, unique, partial)" "$S_INDEXES" \
    "$(pg_indexes "$U")"
same "the same primary and unique keys" "$S_KEYS" "$(pg_keys "$U")"
same "the same foreign keys" "$S_FKEYS" "$(pg_fkeys "$U")"
same "the same triggers" "$S_TRIGGERS" "$(pg_triggers "$U")"

like "$(wc -l <<<"$S_REPL")" '^[5-9]$' "five or more replicated tables found"
REPL_LIST=$(sed "s/.*/'&'/" <<<"$S_REPL" | paste -sd, -)
is "$(P "$U" "SELECT string_agg(conrelid::regclass::text || ': ' ||
                                pg_get_constraintdef(oid), '; ')
              FROM pg_constraint WHERE contype = 'c'
              AND conrelid::regclass::text IN ($REPL_LIST)")" "" \
    "no CHECK constraint on the replicated tables"
# the county's own CHECKs stayed (conflicts.kind, login_failures.kind, ...)
like "$(P "$U" "SELECT count(*) FROM pg_constraint WHERE contype = 'c'")" \
    '^([8-9]|[1-9][0-9])$' "the county's own CHECK constraints are there"

is "$(P "$U" "SELECT app, version FROM schema_version")" "swsync-county 3" \
    "schema_version: swsync-county, version 3"

# ---- the audit trail is append-only ------------------------------------

exits 0 "insert into audit" P "$U" \
    "INSERT INTO audit (at, actor, action, target, details, source)
     VALUES (1, 'cli:root', 'station.add', 'A', 'name=x', 'cli')"
fails "UPDATE audit fails" P "$U" "UPDATE audit SET actor = 'someone'"
like "$ERR" "append-only" "  with 'the audit trail is append-only'"
fails "DELETE FROM audit fails" P "$U" "DELETE FROM audit"
fails "TRUNCATE audit fails" P "$U" "TRUNCATE audit"
is "$(P "$U" "SELECT actor, details FROM audit")" "cli:root name=x" \
    "the audit row is unchanged"
exits 0 "a purge may blank the details (and nothing else)" P "$U" \
    "UPDATE audit SET details = '(erased by purge)'"
fails "  not together with another column" P "$U" \
    "UPDATE audit SET details = '(erased by purge)', target = 'B'"

# ---- the migration path makes the same schema ----------------------------

exits 0 "pgschema-dump --from 0 (an empty database)" "$DUMP" --from 0
cp "$OUT_FILE" "$T/from0.sql"
U0=$(pg_fresh_db swsync_from0) || bail_out "no database"
exits 0 "the migration from 0 applies" pg_psql "$U0" -f "$T/from0.sql"
is "$(pg_listing "$U0" | sort)" "$(pg_listing "$U" | sort)" \
    "it makes the same tables, columns, keys, indexes, triggers, CHECKs"
is "$(P "$U0" "SELECT version FROM schema_version")" 3 "  at version 3"
exits 0 "pgschema-dump --from 3: nothing to do" "$DUMP" --from 3
is "$OUT" "" "  (no SQL)"
exits 78 "pgschema-dump --from 4: newer than this swsync" "$DUMP" --from 4
like "$ERR" "newer than this swsync" "  says so"
exits 78 "pgschema-dump --from 2: no PostgreSQL store has version 2" \
    "$DUMP" --from 2

done_testing
