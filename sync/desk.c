/*
** desk.c — the station console's reads (see desk.h).
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "desk.h"
#include "replica.h"
#include "search.h"

/* The latest live visit of each open case (found through the visits'
** case index, a few rows a case), kept when it asks for a visit by today. */
static const char SQL_DUE[] =
    "SELECT x.id, x.name, x.village, x.risk_level, v.next_visit_on, "
    "v.visited_at, v.findings FROM (SELECT c.id, c.name, c.village, "
    "c.risk_level, (SELECT w.rid FROM visits AS w WHERE w.case_id = c.id "
    "AND w.deleted = 0 ORDER BY w.visited_at DESC, w.rid DESC LIMIT 1) AS lr "
    "FROM cases AS c WHERE c.deleted = 0 AND c.status = 'open') AS x "
    "JOIN visits AS v ON v.rid = x.lr "
    "WHERE v.next_visit_on IS NOT NULL AND v.next_visit_on <= ?1 "
    "ORDER BY v.next_visit_on, x.name LIMIT ?2";
static const char SQL_STALE_HIGH[] =
    "SELECT id, name, village, last FROM (SELECT c.id, c.name, c.village, "
    "(SELECT max(visited_at) FROM visits AS v WHERE v.case_id = c.id "
    "AND v.deleted = 0) AS last FROM cases AS c WHERE c.deleted = 0 "
    "AND c.status = 'open' AND c.risk_level = 'high') "
    "WHERE last IS NULL OR last < ?1 ORDER BY last, name LIMIT ?2";
static const char SQL_BY_CATEGORY[] =
    "SELECT category, count(*) FROM cases WHERE deleted = 0 AND "
    "status = 'open' GROUP BY category ORDER BY count(*) DESC, category";
static const char SQL_RESOURCES[] =
    "SELECT id, name, type, areas, contact FROM resources WHERE deleted = 0 "
    "ORDER BY name, id";
static const char SQL_OPEN_CONFLICTS[] =
    "SELECT count(*) FROM conflicts WHERE status = 'open'";
static const char SQL_TIMELINE[] =
    "SELECT 'visits', id, visited_at AS d, mode, worker, findings, "
    "next_visit_on, NULL, rid FROM visits WHERE case_id = ?1 AND deleted = 0 "
    "UNION ALL SELECT 'services', id, service_on, service_type, provider, "
    "outcome, NULL, amount, rid FROM services WHERE case_id = ?1 "
    "AND deleted = 0 ORDER BY d DESC, 9 DESC LIMIT 500";
static const char SQL_CONFLICTS[] =
    "SELECT k.id, k.tbl, k.row_id, k.col, k.kind, k.winner_value, "
    "k.winner_site, k.loser_value, k.loser_site, k.detected_at, k.status, "
    "k.resolved_at, k.resolved_by, k.resolution, k.note, "
    "(SELECT c.name FROM cases AS c WHERE c.id = k.row_id OR c.id = "
    "(SELECT case_id FROM visits WHERE id = k.row_id UNION ALL "
    "SELECT case_id FROM services WHERE id = k.row_id LIMIT 1)), "
    "k.winner_author, k.loser_author, "
    "(SELECT c.id FROM cases AS c WHERE c.id = k.row_id OR c.id = "
    "(SELECT case_id FROM visits WHERE id = k.row_id UNION ALL "
    "SELECT case_id FROM services WHERE id = k.row_id LIMIT 1)) "
    "FROM conflicts AS k ORDER BY k.status = 'open' DESC, k.id DESC "
    "LIMIT ?1";
static const char SQL_CASE_BY_RID[] =
    "SELECT id, name, village, id_number, phone, category, risk_level, "
    "status FROM cases WHERE rid = ?1";
static const char SQL_VERSIONS[] =
    "SELECT col, site FROM versions WHERE tbl = ?1 AND rid = ?2";

const char *desk_cell(const struct desk_rows *r, int row, int col)
{
    if (!r || row < 0 || row >= r->n || col < 0 || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col];
}

void desk_rows_release(struct desk_rows *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    memset(r, 0, sizeof(*r));
}

/* Step st to its end, collecting its first ncols columns into out. */
static int collect(sdb *db, sdb_stmt *st, int ncols, struct desk_rows *out,
                   struct sw_err *err)
{
    int rc;
    memset(out, 0, sizeof(*out));
    out->ncols = ncols;
    while ((rc = sdb_step(st)) == SDB_ROW) {
        if (out->n == out->cap) {
            int cap = out->cap ? out->cap * 2 : 16;
            char **c =
                realloc(out->cells, sizeof(*c) * (size_t)cap * (size_t)ncols);
            if (!c)
                goto oom;
            out->cells = c;
            out->cap = cap;
        }
        for (int i = 0; i < ncols; i++) {
            const unsigned char *v = sdb_column_text(st, i);
            char *cell = NULL;
            if (v && !(cell = strdup((const char *)v))) {
                for (int k = 0; k < i; k++)
                    free(out->cells[out->n * ncols + k]);
                goto oom;
            }
            out->cells[out->n * ncols + i] = cell;
        }
        out->n++;
    }
    sdb_finalize(st);
    if (rc != SDB_DONE) {
        desk_rows_release(out);
        return db_fail(err, db, "read");
    }
    return 0;
oom:
    sdb_finalize(st);
    desk_rows_release(out);
    return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
}

int desk_collect(sdb *db, sdb_stmt *st, int ncols, struct desk_rows *out,
                 struct sw_err *err)
{
    return collect(db, st, ncols, out, err);
}

int desk_due(sdb *db, const char *today, int limit, struct desk_rows *out,
             struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_DUE, &st, err);
    memset(out, 0, sizeof(*out));
    if (rc)
        return rc;
    sdb_bind_text(st, 1, today, -1, SDB_STATIC);
    sdb_bind_int(st, 2, limit);
    return collect(db, st, 7, out, err);
}

int desk_resources(sdb *db, struct desk_rows *out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_RESOURCES, &st, err);
    memset(out, 0, sizeof(*out));
    return rc ? rc : collect(db, st, 5, out, err);
}

int desk_stale_high(sdb *db, const char *since, int limit,
                    struct desk_rows *out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_STALE_HIGH, &st, err);
    memset(out, 0, sizeof(*out));
    if (rc)
        return rc;
    sdb_bind_text(st, 1, since, -1, SDB_STATIC);
    sdb_bind_int(st, 2, limit);
    return collect(db, st, 4, out, err);
}

int desk_open_by_category(sdb *db, struct desk_rows *out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_BY_CATEGORY, &st, err);
    memset(out, 0, sizeof(*out));
    return rc ? rc : collect(db, st, 2, out, err);
}

static int64_t to_i64(const char *s, int *ok)
{
    char *end;
    long long v;
    *ok = 0;
    if (!s || !*s)
        return 0;
    v = strtoll(s, &end, 10);
    if (*end)
        return 0;
    *ok = 1;
    return (int64_t)v;
}

int desk_sync_state(sdb *db, struct desk_sync *o, struct sw_err *err)
{
    static const char *const keys[] = {"last_sync", "last_attempt", "skew_ms",
                                       "last_error", "station"};
    char *v[5] = {NULL};
    struct replica r;
    sdb_stmt *st = NULL;
    int rc = 0, ok;

    memset(o, 0, sizeof(*o));
    memset(&r, 0, sizeof(r));
    for (int i = 0; i < 5 && !rc; i++)
        rc = db_config_get(db, keys[i], &v[i], err);
    if (rc)
        goto out;
    o->last_sync = to_i64(v[0], &ok);
    o->last_attempt = to_i64(v[1], &ok);
    o->skew_ms = to_i64(v[2], &o->has_skew);
    snprintf(o->last_error, sizeof(o->last_error), "%s", v[3] ? v[3] : "");
    snprintf(o->station, sizeof(o->station), "%s", v[4] ? v[4] : "");
    rc = replica_open(&r, db, err);
    if (!rc)
        rc = replica_unsent(&r, &o->unsent, err);
    if (!rc)
        rc = db_prepare(db, SQL_OPEN_CONFLICTS, &st, err);
    if (!rc) {
        if (sdb_step(st) == SDB_ROW)
            o->open_conflicts = sdb_column_int64(st, 0);
        else
            rc = db_fail(err, db, "count conflicts");
    }
out:
    sdb_finalize(st);
    replica_close(&r);
    for (int i = 0; i < 5; i++)
        free(v[i]);
    return rc;
}

void desk_vals_free(const struct sw_table *t, char **vals)
{
    for (int c = 0; vals && c < t->ncols; c++) {
        free(vals[c]);
        vals[c] = NULL;
    }
}

int desk_record(sdb *db, const struct sw_table *t, const char *id, char **vals,
                char *from, int *found, struct sw_err *err)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    char *station = NULL;
    int64_t rid = 0;
    int rc;

    *found = 0;
    for (int c = 0; c < t->ncols; c++) {
        vals[c] = NULL;
        from[c] = 0;
    }
    sb_init(&sql);
    sb_adds(&sql, "SELECT rid");
    for (int c = 0; c < t->ncols; c++)
        sb_addf(&sql, ", %s", t->cols[c].name);
    sb_addf(&sql, " FROM %s WHERE id = ?1", t->name);
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : db_prepare(db, sql.buf, &st, err);
    if (rc)
        goto out;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        rid = sdb_column_int64(st, 0);
        for (int c = 0; c < t->ncols; c++) {
            const unsigned char *v = sdb_column_text(st, c + 1);
            if (v && !(vals[c] = strdup((const char *)v))) {
                desk_vals_free(t, vals);
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                goto out;
            }
        }
        *found = 1;
        rc = 0;
    } else {
        rc = rc == SDB_DONE ? 0 : db_fail(err, db, "read record");
    }
    sdb_finalize(st);
    st = NULL;
    if (rc || !*found)
        goto out;
    rc = db_config_get(db, "site", &station, err);
    if (rc)
        goto fail;
    rc = db_prepare(db, SQL_VERSIONS, &st, err);
    if (rc)
        goto fail;
    sdb_bind_int(st, 1, sw_table_index(t));
    sdb_bind_int64(st, 2, rid);
    while ((rc = sdb_step(st)) == SDB_ROW) {
        int c = sdb_column_int(st, 0);
        const char *site = (const char *)sdb_column_text(st, 1);
        const char *dash;
        if (c < 0 || c >= t->ncols || !site || !station ||
            strcmp(site, station) == 0)
            continue;
        /* a station's sites are "STATION-xxxxxx"; the county's is its code */
        dash = strrchr(station, '-');
        from[c] =
            dash && strncmp(site, station, (size_t)(dash - station + 1)) == 0
                ? 'o'
                : 'c';
    }
    rc = rc == SDB_DONE ? 0 : db_fail(err, db, "read versions");
    if (!rc)
        goto out;
fail:
    desk_vals_free(t, vals);
    *found = 0;
out:
    sdb_finalize(st);
    sb_release(&sql);
    free(station);
    return rc;
}

int desk_timeline(sdb *db, const char *case_id, struct desk_rows *out,
                  struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_TIMELINE, &st, err);
    memset(out, 0, sizeof(*out));
    if (rc)
        return rc;
    sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
    return collect(db, st, 8, out, err);
}

int desk_conflicts(sdb *db, int limit, struct desk_rows *out,
                   struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_CONFLICTS, &st, err);
    memset(out, 0, sizeof(*out));
    if (rc)
        return rc;
    sdb_bind_int(st, 1, limit);
    return collect(db, st, 19, out, err);
}

int desk_search(sdb *db, const char *q, int limit, struct desk_rows *out,
                struct sw_err *err)
{
    struct search_hit *hits = NULL;
    sdb_stmt *st = NULL;
    int nhits = 0, rc;

    memset(out, 0, sizeof(*out));
    out->ncols = 8;
    if (!q || !*q)
        return 0;
    rc = search_cases(db, q, NULL, limit, &hits, &nhits, NULL, err);
    if (rc == SW_EUSAGE) /* nothing but spaces */
        return 0;
    if (!rc && nhits > 0) {
        out->cells = calloc((size_t)nhits * 8, sizeof(*out->cells));
        out->cap = nhits;
        if (!out->cells)
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    if (!rc && nhits > 0)
        rc = db_prepare(db, SQL_CASE_BY_RID, &st, err);
    for (int i = 0; !rc && i < nhits; i++) {
        sdb_reset(st);
        sdb_bind_int64(st, 1, hits[i].rid);
        if (sdb_step(st) != SDB_ROW) {
            rc = db_fail(err, db, "read case");
            break;
        }
        out->n++; /* calloc'd: a cell not filled is NULL */
        for (int c = 0; c < 8 && !rc; c++) {
            const unsigned char *v = sdb_column_text(st, c);
            if (v &&
                !(out->cells[(out->n - 1) * 8 + c] = strdup((const char *)v)))
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        }
    }
    sdb_finalize(st);
    free(hits);
    if (rc)
        desk_rows_release(out);
    return rc;
}
