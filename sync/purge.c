#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "purge.h"
#include "table.h"

static const char SQL_CASE_VALUES[] =
    "SELECT name, id_number, phone, station FROM cases WHERE id = ?1";
static const char SQL_DEL_VERSIONS[] =
    "DELETE FROM field_versions WHERE tbl = ?1 AND rid = ?2";
static const char SQL_DEL_CONFLICTS[] =
    "DELETE FROM conflicts WHERE tbl = ?1 AND row_id = ?2";
static const char SQL_DEL_OUTBOX[] =
    "DELETE FROM outbox WHERE tbl = ?1 AND rid = ?2";
static const char SQL_DEL_PENDING[] =
    "DELETE FROM pending WHERE tbl = ?1 AND rid = ?2";
/* county: an admin's decisions about a case as a possible duplicate
   (schema/county-local.sql, sync/county/dups.c); ?1 is the table name */
static const char SQL_DEL_DUP_PAIRS[] =
    "DELETE FROM dup_pairs WHERE CAST(?1 AS TEXT) = 'cases' AND "
    "(case_a = ?2 OR case_b = ?2)";
/* audit details that name a record, or hold one of the person's values
   (a value of fewer than 2 characters is not looked for).  "x holds y"
   is replace(x, y, '') <> x: the same on both engines (docs/storage.md) */
#define HOLDS(x, p) "replace(" x ", CAST(" p " AS TEXT), '') <> " x
#define LONG(p) "length(CAST(" p " AS TEXT)) > 1"
static const char SQL_AUDIT_ERASE[] =
    "UPDATE audit SET details = '" PURGE_ERASED_TEXT "' "
    "WHERE details IS DISTINCT FROM '" PURGE_ERASED_TEXT "' AND "
    "(target = ?1 OR target LIKE '%/' || CAST(?1 AS TEXT) "
    "OR " HOLDS("details",
                "?1") " "
                      "OR (" LONG("?2") " AND " HOLDS(
                          "details",
                          "?2") ") "
                                "OR (" LONG("?3") " AND " HOLDS(
                                    "details",
                                    "?3") ") "
                                          "OR (" LONG("?4") " AND " HOLDS(
                                              "details", "?4") "))";
static const char SQL_LOCAL_AUDIT_ERASE[] =
    "UPDATE local_audit SET detail = '" PURGE_ERASED_TEXT "' "
    "WHERE detail IS DISTINCT FROM '" PURGE_ERASED_TEXT "' AND "
    "(" HOLDS("detail",
              "?1") " "
                    "OR (" LONG("?2") " AND " HOLDS(
                        "detail",
                        "?2") ") "
                              "OR (" LONG("?3") " AND " HOLDS(
                                  "detail",
                                  "?3") ") "
                                        "OR (" LONG("?4") " AND " HOLDS(
                                            "detail", "?4") "))";
static const char SQL_PURGED_ADD[] =
    "INSERT INTO purged (id, tbl, station, case_id, seq, purged_at, admin, "
    "reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_ERASED_ADD[] =
    "INSERT INTO erased (id, tbl, at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING";
static const char SQL_IS_PURGED[] = "SELECT 1 FROM purged WHERE id = ?1";
static const char SQL_SEQ_NEXT[] =
    "UPDATE sync_state SET seq = seq + 1 WHERE id = 1 RETURNING seq";

struct target {
    int tbl;
    int64_t rid;
    char id[SW_UUID_LEN + 1];
};

/* One statement run with (int, int64) or (text, text) bound: DONE. */
static int run2(sdb *db, const char *sql, int tbl, int64_t rid,
                const char *text, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    if (text) {
        sdb_bind_text(st, 1, sw_tables[tbl].name, -1, SDB_STATIC);
        sdb_bind_text(st, 2, text, -1, SDB_STATIC);
    } else {
        sdb_bind_int(st, 1, tbl);
        sdb_bind_int64(st, 2, rid);
    }
    if (sdb_step(st) != SDB_DONE)
        rc = db_fail(err, db, "erase");
    sdb_finalize(st);
    return rc;
}

/* The records to erase, as (table, rid, id): a case and every record
** that refers to it (each table with a case reference, from the table
** description), or one record of another table.  malloc'd. */
static char *targets_sql(int tbl)
{
    struct sw_buf sb;
    sb_init(&sb);
    sb_addf(&sb, "SELECT %d, rid, id FROM %s WHERE id = ?1", tbl,
            sw_tables[tbl].name);
    for (int t = 0; t < SW_NTABLES && tbl == SW_T_CASES; t++)
        if (sw_tables[t].ref_col >= 0)
            sb_addf(&sb, " UNION ALL SELECT %d, rid, id FROM %s WHERE %s = ?1",
                    t, sw_tables[t].name,
                    sw_tables[t].cols[sw_tables[t].ref_col].name);
    return sb_detach(&sb, NULL);
}

/* The records to erase: *out malloc'd, *n of them (0: none there). */
static int find_targets(sdb *db, int tbl, const char *id, struct target **out,
                        size_t *n, struct sw_err *err)
{
    char *sql = targets_sql(tbl);
    sdb_stmt *st = NULL;
    struct target *v = NULL;
    size_t cap = 0;
    int rc, step;

    *out = NULL;
    *n = 0;
    rc = sql ? db_prepare(db, sql, &st, err)
             : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    free(sql);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    while ((step = sdb_step(st)) == SDB_ROW) {
        if (*n == cap) {
            struct target *nv;
            cap = cap ? cap * 2 : 16;
            nv = realloc(v, cap * sizeof(*v));
            if (!nv) {
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                break;
            }
            v = nv;
        }
        v[*n].tbl = sdb_column_int(st, 0);
        v[*n].rid = sdb_column_int64(st, 1);
        snprintf(v[*n].id, sizeof(v[*n].id), "%s",
                 (const char *)sdb_column_text(st, 2));
        (*n)++;
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, db, "find records");
    sdb_finalize(st);
    if (rc) {
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

/* The case's name, ID number, phone and station (malloc'd or NULL). */
static int case_values(sdb *db, const char *id, char *vals[4],
                       struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_CASE_VALUES, &st, err), step;
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    step = sdb_step(st);
    if (step == SDB_ROW) {
        for (int i = 0; i < 4 && !rc; i++)
            if (sdb_column_text(st, i) &&
                !(vals[i] = sw_strdup((const char *)sdb_column_text(st, i))))
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    } else if (step != SDB_DONE) {
        rc = db_fail(err, db, "read case");
    }
    sdb_finalize(st);
    return rc;
}

/* Blank the audit texts that hold id or one of vals[0..2]. */
static int erase_audit(sdb *db, int county, const char *id, char *const vals[4],
                       struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, county ? SQL_AUDIT_ERASE : SQL_LOCAL_AUDIT_ERASE,
                        &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    for (int i = 0; i < 3; i++)
        sdb_bind_text(st, 2 + i, vals[i], -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE)
        rc = db_fail(err, db, "erase audit text");
    sdb_finalize(st);
    return rc;
}

/* Erase the targets' rows and everything that holds their values. */
static int erase_targets(sdb *db, int county, const struct target *v, size_t n,
                         char *const vals[4], struct sw_err *err)
{
    int rc = 0;

    for (size_t i = 0; !rc && i < n; i++) {
        rc = erase_audit(db, county, v[i].id, vals, err);
        if (!rc)
            rc = run2(db, SQL_DEL_VERSIONS, v[i].tbl, v[i].rid, NULL, err);
        if (!rc)
            rc = run2(db, SQL_DEL_CONFLICTS, v[i].tbl, 0, v[i].id, err);
        if (!rc && !county)
            rc = run2(db, SQL_DEL_OUTBOX, v[i].tbl, v[i].rid, NULL, err);
        if (!rc && !county)
            rc = run2(db, SQL_DEL_PENDING, v[i].tbl, v[i].rid, NULL, err);
        if (!rc) {
            sdb_stmt *st = NULL;
            char sql[80];
            snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE rid = ?1",
                     sw_tables[v[i].tbl].name);
            rc = db_prepare(db, sql, &st, err);
            if (!rc) {
                sdb_bind_int64(st, 1, v[i].rid);
                if (sdb_step(st) != SDB_DONE)
                    rc = db_fail(err, db, "erase record");
                sdb_finalize(st);
            }
        }
    }
    return rc;
}

int purge_case(sdb *db, const char *case_id, const char *admin,
               const char *reason, long *nrecords, char *station_out,
               struct sw_err *err)
{
    struct target *v = NULL;
    char *vals[4] = {NULL, NULL, NULL, NULL};
    sdb_stmt *st = NULL;
    int64_t seq = 0, now = sw_now_ms();
    size_t n = 0;
    int rc;

    if (nrecords)
        *nrecords = 0;
    if (!reason || !*reason || strlen(reason) > 500)
        return sw_fail(err, SW_EUSAGE, _("purge: a reason of 1 to 500 bytes"));
    if (!sw_uuid_valid(case_id))
        return sw_fail(err, SW_ENOINPUT, _("case %s: not found"), case_id);
    rc = purge_is_purged(db, case_id, err);
    if (rc == 1)
        rc = sw_fail(err, SW_EDATA, _("case %s: already purged"), case_id);
    else if (rc == -1)
        rc = err ? err->code : SW_ESOFTWARE;
    if (!rc)
        rc = case_values(db, case_id, vals, err);
    if (!rc && !vals[3])
        rc = sw_fail(err, SW_ENOINPUT, _("case %s: not found"), case_id);
    /* the reason stays in the tombstone: it must not hold the person */
    for (int i = 0; !rc && i < 3; i++)
        if (vals[i] && strlen(vals[i]) > 1 && strstr(reason, vals[i]))
            rc = sw_fail(err, SW_EUSAGE,
                         _("purge: the reason must not hold the person's name, "
                           "ID number or phone"));
    if (!rc)
        rc = find_targets(db, SW_T_CASES, case_id, &v, &n, err);
    if (!rc)
        rc = db_prepare(db, SQL_SEQ_NEXT, &st, err);
    if (!rc) {
        if (sdb_step(st) == SDB_ROW)
            seq = sdb_column_int64(st, 0);
        else
            rc = db_fail(err, db, "county sequence");
        sdb_finalize(st);
        st = NULL;
    }
    if (!rc)
        rc = db_prepare(db, SQL_PURGED_ADD, &st, err);
    for (size_t i = 0; !rc && i < n; i++) {
        sdb_bind_text(st, 1, v[i].id, -1, SDB_STATIC);
        sdb_bind_int(st, 2, v[i].tbl);
        sdb_bind_text(st, 3, vals[3], -1, SDB_STATIC);
        sdb_bind_text(st, 4, case_id, -1, SDB_STATIC);
        sdb_bind_int64(st, 5, seq);
        sdb_bind_int64(st, 6, now);
        sdb_bind_text(st, 7, admin, -1, SDB_STATIC);
        sdb_bind_text(st, 8, reason, -1, SDB_STATIC);
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "record the purge");
        sdb_reset(st);
    }
    sdb_finalize(st);
    if (!rc)
        rc = erase_targets(db, 1, v, n, vals, err);
    /* decisions about the person as a possible duplicate (their notes may
       name them; the other station's link notice goes on its next pull) */
    if (!rc)
        rc = run2(db, SQL_DEL_DUP_PAIRS, SW_T_CASES, 0, case_id, err);
    if (!rc && station_out)
        snprintf(station_out, SW_CODE_MAX + 1, "%s", vals[3]);
    for (int i = 0; i < 4; i++)
        free(vals[i]);
    free(v);
    if (!rc && nrecords)
        *nrecords = (long)n;
    return rc;
}

int purge_erase_local(sdb *db, int tbl, const char *id, long *n,
                      struct sw_err *err)
{
    struct target *v = NULL;
    char *vals[4] = {NULL, NULL, NULL, NULL};
    sdb_stmt *st = NULL;
    size_t nt = 0;
    int rc = 0;

    *n = 0;
    if (tbl == SW_T_CASES)
        rc = case_values(db, id, vals, err);
    if (!rc)
        rc = find_targets(db, tbl, id, &v, &nt, err);
    if (!rc)
        rc = erase_targets(db, 0, v, nt, vals, err);
    if (!rc)
        rc = db_prepare(db, SQL_ERASED_ADD, &st, err);
    if (!rc) {
        /* the order's record even when this replica never had it */
        sdb_bind_text(st, 1, id, -1, SDB_STATIC);
        sdb_bind_int(st, 2, tbl);
        sdb_bind_int64(st, 3, sw_now_ms());
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "note the erase");
        sdb_reset(st);
    }
    for (size_t i = 0; !rc && i < nt; i++) {
        sdb_bind_text(st, 1, v[i].id, -1, SDB_STATIC);
        sdb_bind_int(st, 2, v[i].tbl);
        sdb_bind_int64(st, 3, sw_now_ms());
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "note the erase");
        sdb_reset(st);
    }
    sdb_finalize(st);
    for (int i = 0; i < 4; i++)
        free(vals[i]);
    free(v);
    if (!rc)
        *n = (long)nt;
    return rc;
}

int purge_is_purged(sdb *db, const char *id, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_IS_PURGED, &st, err), step;
    if (rc)
        return -1;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    step = sdb_step(st);
    rc = step == SDB_ROW ? 1 : step == SDB_DONE ? 0 : -1;
    if (rc < 0)
        db_fail(err, db, "read purged");
    sdb_finalize(st);
    return rc;
}

int purge_checkpoint(sdb *db, struct sw_err *err)
{
    struct sw_buf sb;
    int rc;
    if (sdb_sqlite(db))
        return db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", err);
    /* PostgreSQL keeps the old version of an erased or blanked row until
       VACUUM frees it: free it now in the tables a person's values are
       in (the server's WAL and its backups are the DBA's: storage.md).
       Not inside a transaction (VACUUM cannot be). */
    if (!sdb_get_autocommit(db))
        return 0;
    sb_init(&sb);
    sb_adds(&sb, "VACUUM conflicts, audit, station_audit, refused_changes, "
                 "tombstones, transfers, dup_pairs");
    for (int t = 0; t < SW_NTABLES; t++)
        if (!sw_county_owned(&sw_tables[t]))
            sb_addf(&sb, ", %s", sw_tables[t].name);
    rc = sb.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                : db_exec(db, sb.buf, err);
    sb_release(&sb);
    return rc;
}
