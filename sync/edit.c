/*
** edit.c — adding, changing and deleting records on a replica (see
** edit.h).
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "edit.h"
#include "records.h"

static const char SQL_CASE_STATION[] =
    "SELECT station FROM cases WHERE id = ?1 AND deleted = 0";

/* The station of a live case, or SW_EDATA naming the field. */
static int case_station(sdb *db, const struct sw_table *t, const char *case_id,
                        char *station, size_t n, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_CASE_STATION, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        const unsigned char *s = sdb_column_text(st, 0);
        snprintf(station, n, "%s", s ? (const char *)s : "");
        rc = 0;
    } else if (rc == SDB_DONE) {
        rc = sw_fail(err, SW_EDATA, _("%s.%s: no case with id %s"), t->name,
                     t->cols[t->ref_col].name, case_id);
    } else {
        rc = db_fail(err, db, "look up case");
    }
    sdb_finalize(st);
    return rc;
}

int edit_add(sdb *db, const struct sw_table *t, const char *const *in,
             const char *today, char id[SW_UUID_LEN + 1], struct sw_err *err)
{
    const char **vals = calloc((size_t)t->ncols, sizeof(*vals));
    char station[SW_CODE_MAX + 1] = "", *cfg_station = NULL;
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int rc = 0, k;

    id[0] = '\0';
    sb_init(&sql);
    if (!vals)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    for (int c = 0; c < t->ncols && !rc; c++) {
        const struct sw_column *col = &t->cols[c];
        vals[c] = in[c];
        if (vals[c] && (col->flags & SW_COL_SYSTEM))
            rc = sw_fail(err, SW_EDATA, _("%s.%s: cannot be set"), t->name,
                         col->name);
        else if (!vals[c] && col->dflt)
            vals[c] = strcmp(col->dflt, "@today") == 0 ? today : col->dflt;
        if (!rc && !vals[c] && (col->flags & SW_COL_REQUIRED))
            rc = sw_fail(err, SW_EDATA, _("%s.%s: is required"), t->name,
                         col->name);
        if (!rc && vals[c])
            rc = sw_validate(t, col, vals[c], err);
    }
    if (rc)
        goto out;
    rc = db_begin(db, err);
    if (rc)
        goto out;
    if (t->ref_col >= 0) {
        rc = case_station(db, t, vals[t->ref_col], station, sizeof(station),
                          err);
    } else {
        rc = db_config_get(db, "station", &cfg_station, err);
        if (!rc && !cfg_station)
            rc = sw_fail(err, SW_ECONFIG, _("replica has no station"));
        if (!rc)
            snprintf(station, sizeof(station), "%s", cfg_station);
    }
    if (!rc && sw_uuid7(id))
        rc = sw_fail(err, SW_EIO, _("cannot read random bytes"));
    if (rc)
        goto rollback;
    sb_addf(&sql, "INSERT INTO %s (id, station", t->name);
    for (int c = 0; c < t->ncols; c++)
        if (vals[c])
            sb_addf(&sql, ", %s", t->cols[c].name);
    sb_adds(&sql, ") VALUES (?, ?");
    for (int c = 0; c < t->ncols; c++)
        if (vals[c])
            sb_adds(&sql, ", ?");
    sb_adds(&sql, ")");
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : db_prepare(db, sql.buf, &st, err);
    if (rc)
        goto rollback;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    sdb_bind_text(st, 2, station, -1, SDB_STATIC);
    k = 3;
    for (int c = 0; c < t->ncols; c++)
        if (vals[c])
            records_bind_value(st, k++, &t->cols[c], vals[c]);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, db, t->noun);
        goto rollback;
    }
    rc = db_commit(db, err);
    goto out;
rollback:
    db_rollback(db);
out:
    if (rc)
        id[0] = '\0';
    sdb_finalize(st);
    sb_release(&sql);
    free(cfg_station);
    free(vals);
    return rc;
}

int edit_set(sdb *db, const struct sw_table *t, const char *id,
             const char *const *vals, const unsigned char *given,
             struct sw_err *err)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int rc = 0, n = 0, k;

    sb_init(&sql);
    sb_addf(&sql, "UPDATE %s SET ", t->name);
    for (int c = 0; c < t->ncols && !rc; c++) {
        const struct sw_column *col = &t->cols[c];
        if (!given[c])
            continue;
        if (col->flags & (SW_COL_FIXED | SW_COL_SYSTEM))
            rc = sw_fail(err, SW_EDATA, _("%s.%s: cannot change"), t->name,
                         col->name);
        else
            rc = sw_validate(t, col, vals[c], err);
        sb_addf(&sql, "%s%s = ?", n++ ? ", " : "", col->name);
    }
    if (rc)
        goto out;
    if (n == 0) {
        rc = sw_fail(err, SW_EUSAGE, _("%s: nothing to change"), t->noun);
        goto out;
    }
    sb_adds(&sql, " WHERE id = ? AND deleted = 0");
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : db_begin(db, err);
    if (rc)
        goto out;
    rc = db_prepare(db, sql.buf, &st, err);
    if (rc)
        goto rollback;
    k = 1;
    for (int c = 0; c < t->ncols; c++)
        if (given[c])
            records_bind_value(st, k++, &t->cols[c], vals[c]);
    sdb_bind_text(st, k, id, -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, db, t->noun);
        goto rollback;
    }
    if (sdb_changes(db) == 0) {
        rc = sw_fail(err, SW_EDATA, _("%s %s: not found"), t->noun, id);
        goto rollback;
    }
    rc = db_commit(db, err);
    goto out;
rollback:
    db_rollback(db);
out:
    sdb_finalize(st);
    sb_release(&sql);
    return rc;
}

int edit_delete(sdb *db, const struct sw_table *t, const char *id,
                struct sw_err *err)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int rc;

    sb_init(&sql);
    sb_addf(&sql, "UPDATE %s SET deleted = 1 WHERE id = ?1 AND deleted = 0",
            t->name);
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : db_begin(db, err);
    if (rc)
        goto out;
    rc = db_prepare(db, sql.buf, &st, err);
    if (rc)
        goto rollback;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, db, t->noun);
        goto rollback;
    }
    if (sdb_changes(db) == 0) {
        rc = sw_fail(err, SW_EDATA, _("%s %s: not found"), t->noun, id);
        goto rollback;
    }
    rc = db_commit(db, err);
    goto out;
rollback:
    db_rollback(db);
out:
    sdb_finalize(st);
    sb_release(&sql);
    return rc;
}
