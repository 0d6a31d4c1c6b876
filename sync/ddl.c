#include "config.h"

#include <string.h>

#include "ddl.h"
#include "table.h"

/* A UUIDv7 made in SQL, for rows that another program inserts without
** an id: 48 bits of ms, version 7, variant 10, the rest random. */
static const char SQL_UUID7[] =
    "(lower(printf('%08x-%04x-7%s-%s%s-%s', "
    "(" DDL_NOW_MS ") >> 16, (" DDL_NOW_MS ") & 65535, "
    "substr(hex(randomblob(2)),2,3), "
    "substr('89ab', 1 + (abs(random()) % 4), 1), "
    "substr(hex(randomblob(2)),2,3), hex(randomblob(6)))))";

void ddl_table(struct sw_buf *sb, const struct sw_table *tb, int county)
{
    {
        struct sw_column idcol = {"id", SW_TEXT, CK_REF, 0, 0, NULL, NULL};

        sb_addf(sb, "CREATE TABLE %s (\n", tb->name);
        sb_adds(sb, "    rid INTEGER PRIMARY KEY,\n");
        sb_adds(sb, "    id TEXT NOT NULL UNIQUE DEFAULT ");
        sb_adds(sb, SQL_UUID7);
        sb_adds(sb, "\n        ");
        sw_sql_check(sb, &idcol);
        sb_adds(sb, ",\n    station TEXT CHECK (station IS NULL OR "
                    "(length(station) BETWEEN 1 AND 32 AND "
                    "station NOT GLOB '*[^A-Za-z0-9_.-]*' AND "
                    "station NOT GLOB '[-.]*'))");
        for (int i = 0; i < tb->ncols; i++) {
            const struct sw_column *c = &tb->cols[i];
            sb_addf(sb, ",\n    %s %s", c->name,
                    c->type == SW_INT ? "INTEGER" : "TEXT");
            if (i == sw_col_deleted(tb))
                sb_adds(sb, " NOT NULL DEFAULT 0");
            sb_adds(sb, "\n        ");
            sw_sql_check(sb, c);
        }
        /* a station: the version the fields of a pulled record came
           with, kept once in its row (schema/station.sql) */
        if (!county)
            sb_adds(sb, ",\n    ver_hlc INTEGER,\n    ver_site TEXT,\n"
                        "    ver_cols INTEGER,\n    ver_author TEXT");
        sb_adds(sb, "\n);\n");
    }
}

void ddl_tables(struct sw_buf *sb, int county)
{
    for (int t = 0; t < SW_NTABLES; t++)
        ddl_table(sb, &sw_tables[t], county);
    ddl_indexes(sb, county, 0);
}

void ddl_indexes(struct sw_buf *sb, int county, int drop)
{
    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        const char *n = tb->name;

        /* a station holds its own records only: there the index would
           hold one key and cost a b-tree insert a record */
        if (county && drop)
            sb_addf(sb, "DROP INDEX IF EXISTS %s_station;\n", n);
        else if (county)
            sb_addf(sb,
                    "CREATE INDEX IF NOT EXISTS %s_station ON %s "
                    "(station);\n",
                    n, n);
        if (tb->ref_col >= 0 && drop)
            sb_addf(sb, "DROP INDEX IF EXISTS %s_%s;\n", n,
                    tb->cols[tb->ref_col].name);
        else if (tb->ref_col >= 0)
            sb_addf(sb, "CREATE INDEX IF NOT EXISTS %s_%s ON %s (%s);\n", n,
                    tb->cols[tb->ref_col].name, n, tb->cols[tb->ref_col].name);
    }
    sb_adds(sb, drop ? "DROP INDEX IF EXISTS cases_name;\n"
                     : "CREATE INDEX IF NOT EXISTS cases_name ON cases "
                       "(name);\n");
}

static void capture_trigger(struct sw_buf *sb, const struct sw_table *tb, int t,
                            int update)
{
    const char *op = update ? "upd" : "ins";
    int del = sw_col_deleted(tb);

    sb_addf(sb, "DROP TRIGGER IF EXISTS %s_capture_%s;\n", tb->name, op);
    sb_addf(sb,
            "CREATE TRIGGER %s_capture_%s AFTER %s ON %s\n"
            "WHEN (SELECT capture FROM sync_state WHERE id = 1)\n"
            "BEGIN\n"
            "    INSERT INTO outbox (tbl, rid, col, base_hlc, base_site, "
            "edited_at)\n"
            "    SELECT %d, NEW.rid, d.c, %s, " DDL_NOW_MS "\n"
            "    FROM (",
            tb->name, op, update ? "UPDATE" : "INSERT", tb->name, t,
            update ? "coalesce(v.hlc, CASE WHEN (OLD.ver_cols >> d.c) & 1 "
                     "THEN OLD.ver_hlc END), "
                     "CASE WHEN v.hlc IS NOT NULL THEN v.site "
                     "WHEN (OLD.ver_cols >> d.c) & 1 THEN OLD.ver_site END"
                   : "NULL, NULL");
    for (int i = 0; i < tb->ncols; i++) {
        const char *n = tb->cols[i].name;
        sb_addf(sb, "%s\n        SELECT %d AS c WHERE ", i ? " UNION ALL" : "",
                i);
        if (update)
            sb_addf(sb, "NEW.%s IS NOT OLD.%s", n, n);
        else if (i == del)
            sb_addf(sb, "NEW.%s = 1", n);
        else
            sb_addf(sb, "NEW.%s IS NOT NULL", n);
    }
    sb_adds(sb, ") AS d\n");
    if (update)
        sb_addf(sb,
                "    LEFT JOIN field_versions AS v\n"
                "        ON v.tbl = %d AND v.rid = NEW.rid AND v.col = d.c\n",
                t);
    sb_adds(sb, "    WHERE 1\n"
                "    ON CONFLICT (tbl, rid, col) DO UPDATE\n"
                "        SET edited_at = excluded.edited_at, gen = gen + 1, "
                "author = NULL;\n"
                "END;\n");
}

/*
** A county-owned table on a station (docs/design-notes.md, "County-owned
** tables"): only the merge writes it (capture off).  Any other write —
** another program's INSERT, UPDATE or DELETE — is refused: the row keeps
** the county's values, and the attempt is noted in local_audit (action
** "refused", the record and the values tried), which `swsync status` and
** `swsync sync` report and the next sync copies to the county's audit.
*/
static void refuse_triggers(struct sw_buf *sb, const struct sw_table *tb)
{
    static const char *const ops[] = {"INSERT", "UPDATE", "DELETE"};
    const char *n = tb->name;

    for (int k = 0; k < 3; k++) {
        const char *row = k == 2 ? "OLD" : "NEW";
        sb_addf(sb, "DROP TRIGGER IF EXISTS %s_refuse_%d;\n", n, k);
        sb_addf(sb,
                "CREATE TRIGGER %s_refuse_%d BEFORE %s ON %s\n"
                "WHEN (SELECT capture FROM sync_state WHERE id = 1)\n"
                "BEGIN\n"
                "    INSERT INTO local_audit (at, who, action, detail)\n"
                "    VALUES (" DDL_NOW_MS ", 'sql', 'refused', "
                "'%s ' || coalesce(%s.id, '(new)') || ' %s: the county''s "
                "record, read-only at a station'",
                n, k, ops[k], n, n, row, ops[k]);
        /* the values tried, as SQL literals: not lost */
        for (int i = 0; i < tb->ncols && k != 2; i++)
            sb_addf(sb, " || ' %s=' || quote(NEW.%s)", tb->cols[i].name,
                    tb->cols[i].name);
        sb_adds(sb, ");\n"
                    "    SELECT RAISE(IGNORE);\n"
                    "END;\n");
    }
}

void ddl_station_triggers(struct sw_buf *sb)
{
    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        const char *n = tb->name;

        if (sw_county_owned(tb)) {
            refuse_triggers(sb, tb);
            continue;
        }
        capture_trigger(sb, tb, t, 0);
        capture_trigger(sb, tb, t, 1);

        /* a row written without a station gets the replica's (a visit
           or service: its case's) */
        sb_addf(sb, "DROP TRIGGER IF EXISTS %s_fill;\n", n);
        sb_addf(sb,
                "CREATE TRIGGER %s_fill AFTER INSERT ON %s\n"
                "WHEN NEW.station IS NULL",
                n, n);
        for (int i = 0; i < tb->ncols; i++)
            if (tb->cols[i].dflt)
                sb_addf(sb, " OR NEW.%s IS NULL", tb->cols[i].name);
        sb_addf(sb,
                "\nBEGIN\n"
                "    UPDATE %s SET station = coalesce(NEW.station, ",
                n);
        if (tb->ref_col >= 0)
            sb_addf(sb, "(SELECT station FROM cases WHERE id = NEW.%s), ",
                    tb->cols[tb->ref_col].name);
        sb_adds(sb, "(SELECT value FROM config WHERE key = 'station'))");
        /* the defaults `add` fills (sw_column.dflt; "@today": the
           station's date), so that another program's INSERT makes the
           same record */
        for (int i = 0; i < tb->ncols; i++) {
            const struct sw_column *c = &tb->cols[i];
            if (!c->dflt)
                continue;
            sb_addf(sb, ",\n        %s = coalesce(NEW.%s, ", c->name, c->name);
            if (strcmp(c->dflt, "@today") == 0)
                sb_adds(sb, "date('now', 'localtime'))");
            else if (c->type == SW_INT)
                sb_addf(sb, "%s)", c->dflt);
            else
                sb_addf(sb, "'%s')", c->dflt);
        }
        sb_adds(sb, "\n        WHERE rid = NEW.rid;\n"
                    "END;\n");

        /* identity and fixed fields never change */
        sb_addf(sb, "DROP TRIGGER IF EXISTS %s_fixed;\n", n);
        sb_addf(sb,
                "CREATE TRIGGER %s_fixed BEFORE UPDATE ON %s\n"
                "WHEN NEW.rid IS NOT OLD.rid OR NEW.id IS NOT OLD.id OR "
                "(OLD.station IS NOT NULL AND NEW.station IS NOT OLD.station)",
                n, n);
        for (int i = 0; i < tb->ncols; i++)
            if (tb->cols[i].flags & SW_COL_FIXED)
                sb_addf(sb, " OR (OLD.%s IS NOT NULL AND NEW.%s IS NOT OLD.%s)",
                        tb->cols[i].name, tb->cols[i].name, tb->cols[i].name);
        sb_addf(sb,
                "\nBEGIN\n"
                "    SELECT RAISE(ABORT, '%s: id, station",
                n);
        for (int i = 0; i < tb->ncols; i++)
            if (tb->cols[i].flags & SW_COL_FIXED)
                sb_addf(sb, ", %s", tb->cols[i].name);
        sb_adds(sb, " cannot change');\nEND;\n");

        /* INSERT OR REPLACE deletes the old row, and fires delete
           triggers only when recursive_triggers is on (a build or
           connection setting): refuse it either way, so that a record's
           fields change only through captured UPDATEs */
        sb_addf(sb, "DROP TRIGGER IF EXISTS %s_no_replace;\n", n);
        sb_addf(sb,
                "CREATE TRIGGER %s_no_replace BEFORE INSERT ON %s\n"
                "WHEN (SELECT capture FROM sync_state WHERE id = 1) AND "
                "EXISTS (SELECT 1 FROM %s WHERE id = NEW.id OR rid = NEW.rid)\n"
                "BEGIN\n"
                "    SELECT RAISE(ABORT, '%s: a record with this id exists; "
                "change it with UPDATE');\n"
                "END;\n",
                n, n, n, n);

        /* DELETE leaves a tombstone, so the deletion replicates */
        sb_addf(sb, "DROP TRIGGER IF EXISTS %s_tombstone;\n", n);
        sb_addf(sb,
                "CREATE TRIGGER %s_tombstone BEFORE DELETE ON %s\n"
                "WHEN (SELECT capture FROM sync_state WHERE id = 1)\n"
                "BEGIN\n"
                "    UPDATE %s SET deleted = 1 WHERE rid = OLD.rid "
                "AND deleted = 0;\n"
                "    SELECT RAISE(IGNORE);\n"
                "END;\n",
                n, n, n);
    }
}

void ddl_station_versions(struct sw_buf *sb)
{
    sb_adds(sb, "CREATE VIEW versions (tbl, rid, col, hlc, site) AS\n"
                "WITH RECURSIVE n (c) AS "
                "(SELECT 0 UNION ALL SELECT c + 1 FROM n WHERE c < 62)\n"
                "SELECT tbl, rid, col, hlc, site FROM field_versions");
    for (int t = 0; t < SW_NTABLES; t++)
        sb_addf(sb,
                "\nUNION ALL\n"
                "SELECT %d, r.rid, n.c, r.ver_hlc, r.ver_site FROM %s AS r, n\n"
                "WHERE (r.ver_cols >> n.c) & 1 AND NOT EXISTS (SELECT 1 FROM "
                "field_versions AS f\n"
                "    WHERE f.tbl = %d AND f.rid = r.rid AND f.col = n.c)",
                t, sw_tables[t].name, t);
    sb_adds(sb, ";\n");
}
