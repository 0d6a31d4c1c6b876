/*
** cs-console.c — the county store's reads for the admin console (see
** cs-console.h).  Every statement is in the common dialect of SQLite and
** PostgreSQL (docs/storage.md).
*/
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-console.h"
#include "db.h"

static const char SQL_OPEN_COUNT[] =
    "SELECT count(*) FROM conflicts WHERE status = 'open'";
static const char SQL_PENDING_TRANSFERS[] =
    "SELECT count(*) FROM transfer_requests WHERE status = 'pending'";
static const char SQL_SITE_OWNER[] =
    "SELECT station, device FROM replicas WHERE site = ?1";
static const char SQL_CASE_NAME[] = "SELECT name FROM cases WHERE id = ?1";
static const char SQL_REF_CASE[] =
    "SELECT c.name FROM cases AS c WHERE c.id = "
    "(SELECT case_id FROM visits WHERE id = ?1 UNION ALL "
    " SELECT case_id FROM services WHERE id = ?1 LIMIT 1)";
static const char SQL_STATION_CODES[] =
    "SELECT code, name FROM stations ORDER BY code";
static const char SQL_FIND_ID[] =
    "SELECT 'cases' FROM cases WHERE id = ?1 UNION ALL "
    "SELECT 'visits' FROM visits WHERE id = ?1 UNION ALL "
    "SELECT 'services' FROM services WHERE id = ?1 LIMIT 1";
/* q in the name: replace() drops every occurrence (instr() is SQLite's
   alone, and LIKE would read % and _ in q and ignore case on SQLite) */
static const char SQL_SEARCH[] =
    "SELECT id, station, name, village, category, risk_level, status "
    "FROM cases WHERE deleted = 0 AND (id = ?1 OR replace(name, ?1, '') <> "
    "name) ORDER BY name NULLS FIRST, id LIMIT ?2";
static const char SQL_VISITS_OF[] =
    "SELECT id, visited_at, mode, worker, findings FROM visits "
    "WHERE case_id = ?1 AND deleted = 0 "
    "ORDER BY visited_at DESC NULLS LAST, rid DESC LIMIT 200";
static const char SQL_SERVICES_OF[] =
    "SELECT id, service_on, service_type, amount, outcome FROM services "
    "WHERE case_id = ?1 AND deleted = 0 "
    "ORDER BY service_on DESC NULLS LAST, rid DESC LIMIT 200";
static const char SQL_RECORD_CONFLICTS[] =
    "SELECT id, col, status, detected_at FROM conflicts "
    "WHERE tbl = ?1 AND row_id = ?2 ORDER BY id DESC LIMIT 100";
static const char SQL_TRANSFER_REQUESTS[] =
    "SELECT id, station, case_id, to_station, note, asked_by, asked_at, "
    "status, decided_by FROM transfer_requests "
    "WHERE ?1 <> 0 OR status = 'pending' ORDER BY id";
static const char SQL_TRANSFERS_RECENT[] =
    "SELECT case_id, from_station, to_station, at, admin, note "
    "FROM transfers ORDER BY id DESC LIMIT ?1";

/* Column i as text: NULL for NULL, an integer in decimal into buf. */
static const char *col_text(sdb_stmt *st, int i, char *buf, size_t n)
{
    switch (sdb_column_type(st, i)) {
    case SDB_NULL:
        return NULL;
    case SDB_INTEGER:
        snprintf(buf, n, "%" PRId64, (int64_t)sdb_column_int64(st, i));
        return buf;
    default:
        return (const char *)sdb_column_text(st, i);
    }
}

static const char *ctext(sdb_stmt *st, int i)
{
    return (const char *)sdb_column_text(st, i);
}

static char *dup_or_null(const char *s, int *oom)
{
    char *d;
    if (!s)
        return NULL;
    if (!(d = strdup(s)))
        *oom = 1;
    return d;
}

static int64_t count_of(sdb *db, const char *sql)
{
    sdb_stmt *st;
    int64_t n = 0;
    if (db_prepare(db, sql, &st, NULL))
        return 0;
    if (sdb_step(st) == SDB_ROW)
        n = sdb_column_int64(st, 0);
    sdb_finalize(st);
    return n;
}

int64_t cs_open_conflicts(sdb *db)
{
    return count_of(db, SQL_OPEN_COUNT);
}

int64_t cs_pending_transfers(sdb *db)
{
    return count_of(db, SQL_PENDING_TRANSFERS);
}

/* After the last row: 0, or the step's error. */
static int step_end(sdb *db, int step, const char *what, struct sw_err *err)
{
    return step == SDB_DONE ? 0 : db_fail(err, db, what);
}

int cs_site_owner(sdb *db, const char *site, char **station, char **device,
                  struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step, oom = 0;

    *station = *device = NULL;
    if ((rc = db_prepare(db, SQL_SITE_OWNER, &st, err)))
        return rc;
    sdb_bind_text(st, 1, site, -1, SDB_STATIC);
    step = sdb_step(st);
    if (step == SDB_ROW) {
        *station = dup_or_null(ctext(st, 0), &oom);
        *device = dup_or_null(ctext(st, 1), &oom);
        rc = 0;
    } else {
        rc = step == SDB_DONE ? 1 : db_fail(err, db, "read a replica");
    }
    sdb_finalize(st);
    if (oom) {
        free(*station);
        free(*device);
        *station = *device = NULL;
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    return rc;
}

int cs_case_name(sdb *db, int is_case, const char *id, char **name,
                 struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step, oom = 0;

    *name = NULL;
    rc = db_prepare(db, is_case ? SQL_CASE_NAME : SQL_REF_CASE, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    step = sdb_step(st);
    if (step == SDB_ROW) {
        *name = dup_or_null(ctext(st, 0), &oom);
        rc = oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory")) : 0;
    } else {
        rc = step == SDB_DONE ? 1 : db_fail(err, db, "read a case's name");
    }
    sdb_finalize(st);
    return rc;
}

int cs_station_codes(sdb *db,
                     int (*fn)(void *arg, const char *code, const char *name),
                     void *arg, struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step;

    if ((rc = db_prepare(db, SQL_STATION_CODES, &st, err)))
        return rc;
    while ((step = sdb_step(st)) == SDB_ROW)
        if ((rc = fn(arg, ctext(st, 0), ctext(st, 1))))
            break;
    if (!rc)
        rc = step_end(db, step, "read stations", err);
    sdb_finalize(st);
    return rc;
}

int cs_find_id(sdb *db, const char *id, char table[16], struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step;

    table[0] = '\0';
    if ((rc = db_prepare(db, SQL_FIND_ID, &st, err)))
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    step = sdb_step(st);
    if (step == SDB_ROW) {
        snprintf(table, 16, "%s", ctext(st, 0) ? ctext(st, 0) : "");
        rc = 0;
    } else {
        rc = step == SDB_DONE ? 1 : db_fail(err, db, "find a record");
    }
    sdb_finalize(st);
    return rc;
}

int cs_search_cases(sdb *db, const char *q, int max,
                    int (*fn)(void *arg, const struct cs_case_hit *h),
                    void *arg, int *more, struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step, n = 0;

    *more = 0;
    if ((rc = db_prepare(db, SQL_SEARCH, &st, err)))
        return rc;
    sdb_bind_text(st, 1, q, -1, SDB_STATIC);
    sdb_bind_int(st, 2, max + 1);
    while ((step = sdb_step(st)) == SDB_ROW) {
        struct cs_case_hit h = {ctext(st, 0), ctext(st, 1), ctext(st, 2),
                                ctext(st, 3), ctext(st, 4), ctext(st, 5),
                                ctext(st, 6)};
        if (n == max) {
            *more = 1;
            step = SDB_DONE;
            break;
        }
        n++;
        if ((rc = fn(arg, &h)))
            break;
    }
    if (!rc)
        rc = step_end(db, step, "search cases", err);
    sdb_finalize(st);
    return rc;
}

void cs_record_release(struct cs_record *r)
{
    if (!r)
        return;
    free(r->station);
    if (r->v)
        for (int c = 0; c < r->ncols; c++)
            free(r->v[c]);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

int cs_record_get(sdb *db, const struct sw_table *t, const char *id,
                  struct cs_record *r, struct sw_err *err)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int rc, step, oom = 0;

    memset(r, 0, sizeof(*r));
    /* the names are the table description's, never input */
    sb_init(&sql);
    sb_adds(&sql, "SELECT id, station");
    for (int c = 0; c < t->ncols; c++)
        sb_addf(&sql, ", %s", t->cols[c].name);
    sb_addf(&sql, " FROM %s WHERE id = ?1", t->name);
    if (sql.oom) {
        sb_release(&sql);
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    rc = db_prepare(db, sql.buf, &st, err);
    sb_release(&sql);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    step = sdb_step(st);
    if (step == SDB_ROW) {
        r->ncols = t->ncols;
        r->deleted = sdb_column_int(st, 2 + sw_col_deleted(t)) != 0;
        r->station = dup_or_null(ctext(st, 1), &oom);
        if (!(r->v = calloc((size_t)t->ncols + 1, sizeof(*r->v))))
            oom = 1;
        for (int c = 0; r->v && c < t->ncols; c++) {
            char num[32];
            r->v[c] = dup_or_null(col_text(st, c + 2, num, sizeof(num)), &oom);
        }
        rc = 0;
    } else {
        rc = step == SDB_DONE ? 1 : db_fail(err, db, "read a record");
    }
    sdb_finalize(st);
    if (oom) {
        cs_record_release(r);
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    return rc;
}

static int children(sdb *db, const char *sql, const char *id,
                    int (*fn)(void *arg, const char *const v[5]), void *arg,
                    struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step;

    if ((rc = db_prepare(db, sql, &st, err)))
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    while ((step = sdb_step(st)) == SDB_ROW) {
        char num[5][32];
        const char *v[5];
        for (int i = 0; i < 5; i++)
            v[i] = col_text(st, i, num[i], sizeof(num[i]));
        if ((rc = fn(arg, v)))
            break;
    }
    if (!rc)
        rc = step_end(db, step, "read a case's records", err);
    sdb_finalize(st);
    return rc;
}

int cs_case_visits(sdb *db, const char *id,
                   int (*fn)(void *arg, const char *const v[5]), void *arg,
                   struct sw_err *err)
{
    return children(db, SQL_VISITS_OF, id, fn, arg, err);
}

int cs_case_services(sdb *db, const char *id,
                     int (*fn)(void *arg, const char *const v[5]), void *arg,
                     struct sw_err *err)
{
    return children(db, SQL_SERVICES_OF, id, fn, arg, err);
}

int cs_record_conflicts(sdb *db, const char *tbl, const char *id,
                        int (*fn)(void *arg,
                                  const struct cs_record_conflict *c),
                        void *arg, struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step;

    if ((rc = db_prepare(db, SQL_RECORD_CONFLICTS, &st, err)))
        return rc;
    sdb_bind_text(st, 1, tbl, -1, SDB_STATIC);
    sdb_bind_text(st, 2, id, -1, SDB_STATIC);
    while ((step = sdb_step(st)) == SDB_ROW) {
        struct cs_record_conflict c = {sdb_column_int64(st, 0), ctext(st, 1),
                                       ctext(st, 2), sdb_column_int64(st, 3)};
        if ((rc = fn(arg, &c)))
            break;
    }
    if (!rc)
        rc = step_end(db, step, "read a record's conflicts", err);
    sdb_finalize(st);
    return rc;
}

int cs_transfer_requests(sdb *db, int all,
                         int (*fn)(void *arg,
                                   const struct cs_transfer_request *r),
                         void *arg, struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step;

    if ((rc = db_prepare(db, SQL_TRANSFER_REQUESTS, &st, err)))
        return rc;
    sdb_bind_int(st, 1, all != 0);
    while ((step = sdb_step(st)) == SDB_ROW) {
        struct cs_transfer_request r = {
            .id = sdb_column_int64(st, 0),
            .station = ctext(st, 1),
            .case_id = ctext(st, 2),
            .to_station = ctext(st, 3),
            .note = ctext(st, 4),
            .asked_by = ctext(st, 5),
            .asked_at = sdb_column_int64(st, 6),
            .status = ctext(st, 7),
            .decided_by = ctext(st, 8),
        };
        if ((rc = fn(arg, &r)))
            break;
    }
    if (!rc)
        rc = step_end(db, step, "read transfer requests", err);
    sdb_finalize(st);
    return rc;
}

int cs_transfers_recent(sdb *db, int limit,
                        int (*fn)(void *arg, const struct cs_transfer *t),
                        void *arg, struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step;

    if ((rc = db_prepare(db, SQL_TRANSFERS_RECENT, &st, err)))
        return rc;
    sdb_bind_int(st, 1, limit);
    while ((step = sdb_step(st)) == SDB_ROW) {
        struct cs_transfer t = {
            .case_id = ctext(st, 0),
            .from_station = ctext(st, 1),
            .to_station = ctext(st, 2),
            .at = sdb_column_int64(st, 3),
            .admin = ctext(st, 4),
            .note = ctext(st, 5),
        };
        if ((rc = fn(arg, &t)))
            break;
    }
    if (!rc)
        rc = step_end(db, step, "read transfers", err);
    sdb_finalize(st);
    return rc;
}
