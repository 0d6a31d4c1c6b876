/*
** cs-sync.c — the county store's side of a station's sync routes (see
** cs-sync.h).  The error texts of cs_hello go to the station as they are
** (protocol answers, like http.c's): not translated.
*/
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cs-sync.h"
#include "db.h"
#include "syncsql.h"

int cs_hello(sdb *db, int64_t id, const char *site, const char *agent,
             int has_skew, int64_t skew, int64_t now_ms, int full_ok,
             int64_t *acked, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc, step;

    rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = db_prepare(db, COUNTY_SQL_HELLO_READ, &st, err);
    if (rc)
        goto out;
    sdb_bind_int64(st, 1, id);
    step = sdb_step(st);
    if (step != SDB_ROW) {
        if (step == SDB_DONE)
            rc = sw_fail(err, SW_EPERM, /* no-i18n: protocol */
                         "token revoked");
        else
            rc = db_fail(err, db, "read replica");
        goto out;
    }
    *acked = sdb_column_int64(st, 1);
    if (sdb_column_type(st, 0) != SDB_NULL) {
        const char *bound = (const char *)sdb_column_text(st, 0);
        if (strcmp(bound, site) != 0) {
            rc = sw_fail(err, SW_EPERM,
                         /* no-i18n: protocol */
                         "this token is bound to site %s, not %s (a "
                         "re-initialised replica needs a new token)",
                         bound, site);
            goto out;
        }
    } else {
        sdb_finalize(st);
        rc = db_prepare(db, COUNTY_SQL_SITE_OWNER, &st, err);
        if (rc)
            goto out;
        sdb_bind_text(st, 1, site, -1, SDB_STATIC);
        sdb_bind_int64(st, 2, id);
        step = sdb_step(st);
        if (step == SDB_ROW) {
            rc = sw_fail(err, SW_EPERM,
                         /* no-i18n: protocol */
                         "site %s belongs to another replica (two replicas "
                         "must never share a site id)",
                         site);
            goto out;
        }
        if (step != SDB_DONE) {
            rc = db_fail(err, db, "look up site");
            goto out;
        }
    }
    sdb_finalize(st);
    rc = db_prepare(db, COUNTY_SQL_HELLO_WRITE, &st, err);
    if (rc)
        goto out;
    sdb_bind_int64(st, 1, id);
    sdb_bind_text(st, 2, site, -1, SDB_STATIC);
    sdb_bind_int64(st, 3, now_ms);
    if (agent)
        sdb_bind_text(st, 4, agent, -1, SDB_STATIC);
    if (has_skew)
        sdb_bind_int64(st, 5, skew);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, db, "update replica");
        /* a full disk: a replica whose site is bound may still pull;
           last_seen and the rest are notes (nothing is written) */
        if (rc == SW_EFULL && full_ok) {
            sdb_finalize(st);
            db_rollback(db);
            return 0;
        }
    }
out:
    sdb_finalize(st);
    if (rc) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, err);
}

int64_t cs_conflicts_mark(sdb *db, const char *station)
{
    sdb_stmt *st = NULL;
    int64_t mark = -1;
    if (db_prepare(db, COUNTY_SQL_CONFLICTS_MARK, &st, NULL) == 0) {
        sdb_bind_text(st, 1, station, -1, SDB_STATIC);
        if (sdb_step(st) == SDB_ROW) {
            mark = 0;
            for (int i = 0; i < 3; i++) {
                int64_t v = sdb_column_int64(st, i);
                if (v > mark)
                    mark = v;
            }
        }
    }
    sdb_finalize(st);
    return mark;
}

void cs_push_error(sdb *db, int64_t id, int64_t now_ms, const char *text)
{
    sdb_stmt *st;
    if (db_prepare(db, COUNTY_SQL_PUSH_ERROR, &st, NULL))
        return;
    sdb_bind_int64(st, 1, id);
    sdb_bind_int64(st, 2, now_ms);
    sdb_bind_text(st, 3, text, -1, SDB_STATIC);
    sdb_step(st); /* best effort: the answer matters more */
    sdb_finalize(st);
}

void cs_push_done(sdb *db, int64_t id, int64_t now_ms, int64_t clamped)
{
    sdb_stmt *st;
    if (db_prepare(db, COUNTY_SQL_PUSH_DONE, &st, NULL))
        return;
    sdb_bind_int64(st, 1, id);
    sdb_bind_int64(st, 2, now_ms);
    sdb_bind_int64(st, 3, clamped);
    sdb_step(st);
    sdb_finalize(st);
}

int cs_station_audit_seen(sdb *db, const char *site, int64_t local_id,
                          int *seen, struct sw_err *err)
{
    return db_exists(db, COUNTY_SQL_SA_SEEN, site, NULL, local_id,
                     "station audit", seen, err);
}

int cs_station_audit_add(sdb *db, const char *site, int64_t local_id,
                         int64_t audit_id, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, COUNTY_SQL_SA_ADD, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, site, -1, SDB_STATIC);
    sdb_bind_int64(st, 2, local_id);
    sdb_bind_int64(st, 3, audit_id);
    if (sdb_step(st) != SDB_DONE)
        rc = db_fail(err, db, "station audit");
    sdb_finalize(st);
    return rc;
}

int cs_case_of_station(sdb *db, const char *case_id, const char *station,
                       int *yes, struct sw_err *err)
{
    return db_exists(db, COUNTY_SQL_CASE_OF_STATION, case_id, station, 0,
                     "read case", yes, err);
}

int cs_transfer_ask_add(sdb *db, const char *site, int64_t local_id,
                        const char *station, const char *case_id,
                        const char *to, const char *note, const char *asked_by,
                        int64_t asked_at, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, COUNTY_SQL_TRANSFER_ASK, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, site, -1, SDB_STATIC);
    sdb_bind_int64(st, 2, local_id);
    sdb_bind_text(st, 3, station, -1, SDB_STATIC);
    sdb_bind_text(st, 4, case_id, -1, SDB_STATIC);
    sdb_bind_text(st, 5, to, -1, SDB_STATIC);
    sdb_bind_text(st, 6, note, -1, SDB_STATIC);
    sdb_bind_text(st, 7, asked_by, -1, SDB_STATIC);
    sdb_bind_int64(st, 8, asked_at);
    if (sdb_step(st) != SDB_DONE)
        rc = db_fail(err, db, "store the request");
    sdb_finalize(st);
    return rc;
}
