/*
** admin.c — the county admin's views and actions (see admin.h).
*/
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "db.h"
#include "hlc.h"
#include "table.h"

static const char SQL_STATIONS[] =
    "SELECT s.code, s.name, r.device, r.site, r.created_at, r.last_seen, "
    "r.last_sync, r.last_error, "
    "(SELECT count(*) FROM conflicts AS c "
    " WHERE c.station = s.code AND c.status = 'open'), "
    "r.agent_version, r.skew_ms, r.clamped, r.acked_seq, r.revoked_at "
    "FROM stations AS s LEFT JOIN replicas AS r ON r.station = s.code "
    "ORDER BY s.code, r.id";

#define SQL_CONFLICT_COLS                                                      \
    "SELECT id, tbl, row_id, col, kind, winner_value, winner_site, "           \
    "winner_hlc, loser_value, loser_site, loser_hlc, base_site, base_hlc, "    \
    "station, detected_at, status, resolution, note, resolved_at, "            \
    "resolved_by FROM conflicts "

static const char SQL_CONFLICTS[] =
    SQL_CONFLICT_COLS "WHERE (?1 OR status = 'open') "
                      "AND (?2 IS NULL OR station = ?2) "
                      "AND (?3 IS NULL OR tbl = ?3) ORDER BY id";
static const char SQL_CONFLICT[] = SQL_CONFLICT_COLS "WHERE id = ?1";
static const char SQL_RESOLVE_READ[] =
    "SELECT tbl, row_id, col, kind, winner_value, loser_value, status, "
    "resolved_by FROM conflicts WHERE id = ?1";
static const char SQL_RESOLVE_MARK[] =
    "UPDATE conflicts SET status = 'resolved', resolved_at = ?2, "
    "resolved_by = ?3, resolution = ?4, note = ?5 "
    "WHERE id = ?1 AND status = 'open'";

/* ---- JSON from result columns -------------------------------------------- */

static void add_text(cJSON *o, const char *name, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddStringToObject(o, name,
                                (const char *)sqlite3_column_text(st, i));
}

static void add_int(cJSON *o, const char *name, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, (double)sqlite3_column_int64(st, i));
}

/* A field value: string, integer or null, as stored. */
static void add_value(cJSON *o, const char *name, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
        add_int(o, name, st, i);
    else
        add_text(o, name, st, i);
}

static void add_hlc(cJSON *o, const char *name, sqlite3_stmt *st, int i)
{
    char buf[HLC_STR_MAX + 1];
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        cJSON_AddNullToObject(o, name);
        return;
    }
    hlc_format(sqlite3_column_int64(st, i), buf);
    cJSON_AddStringToObject(o, name, buf);
}

int admin_stations_json(sqlite3 *db, cJSON **out, struct sw_err *err)
{
    sqlite3_stmt *st = NULL;
    cJSON *arr;
    int rc, step;

    *out = NULL;
    if (!(arr = cJSON_CreateArray()))
        return sw_fail(err, SW_ESOFTWARE, "out of memory");
    rc = db_prepare(db, SQL_STATIONS, &st, err);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            rc = sw_fail(err, SW_ESOFTWARE, "out of memory");
            break;
        }
        add_text(o, "code", st, 0);
        add_text(o, "name", st, 1);
        add_text(o, "device", st, 2);
        add_text(o, "site", st, 3);
        add_int(o, "created_at", st, 4);
        add_int(o, "last_seen", st, 5);
        add_int(o, "last_sync", st, 6);
        add_text(o, "last_error", st, 7);
        add_int(o, "open_conflicts", st, 8);
        add_text(o, "agent_version", st, 9);
        add_int(o, "skew_ms", st, 10);
        add_int(o, "clamped", st, 11);
        add_int(o, "acked", st, 12);
        cJSON_AddBoolToObject(o, "revoked",
                              sqlite3_column_type(st, 13) != SQLITE_NULL);
        add_int(o, "revoked_at", st, 13);
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(err, db, "list stations");
    sqlite3_finalize(st);
    if (rc) {
        cJSON_Delete(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

static cJSON *conflict_obj(sqlite3_stmt *st)
{
    cJSON *o = cJSON_CreateObject();
    int resolved;
    if (!o)
        return NULL;
    resolved =
        strcmp((const char *)sqlite3_column_text(st, 15), "resolved") == 0;
    add_int(o, "id", st, 0);
    add_text(o, "table", st, 1);
    add_text(o, "record", st, 2);
    add_text(o, "field", st, 3);
    add_text(o, "kind", st, 4);
    add_value(o, "winner_value", st, 5);
    add_text(o, "winner_site", st, 6);
    add_hlc(o, "winner_hlc", st, 7);
    add_value(o, "loser_value", st, 8);
    add_text(o, "loser_site", st, 9);
    add_hlc(o, "loser_hlc", st, 10);
    add_text(o, "base_site", st, 11);
    add_hlc(o, "base_hlc", st, 12);
    add_text(o, "station", st, 13);
    add_int(o, "detected_at", st, 14);
    add_text(o, "status", st, 15);
    if (resolved) {
        add_text(o, "resolution", st, 16);
        add_text(o, "note", st, 17);
        add_int(o, "resolved_at", st, 18);
        add_text(o, "resolved_by", st, 19);
    }
    return o;
}

int admin_conflicts_json(sqlite3 *db, const struct admin_conflict_filter *f,
                         cJSON **out, struct sw_err *err)
{
    sqlite3_stmt *st = NULL;
    cJSON *arr;
    int rc, step;

    *out = NULL;
    if (!(arr = cJSON_CreateArray()))
        return sw_fail(err, SW_ESOFTWARE, "out of memory");
    rc = db_prepare(db, SQL_CONFLICTS, &st, err);
    if (!rc) {
        sqlite3_bind_int(st, 1, f->all ? 1 : 0);
        if (f->station)
            sqlite3_bind_text(st, 2, f->station, -1, SQLITE_STATIC);
        if (f->table)
            sqlite3_bind_text(st, 3, f->table, -1, SQLITE_STATIC);
    }
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *o = conflict_obj(st);
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            rc = sw_fail(err, SW_ESOFTWARE, "out of memory");
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(err, db, "list conflicts");
    sqlite3_finalize(st);
    if (rc) {
        cJSON_Delete(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int admin_conflict_json(sqlite3 *db, int64_t id, cJSON **out,
                        struct sw_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *out = NULL;
    rc = db_prepare(db, SQL_CONFLICT, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = conflict_obj(st);
        rc = *out ? 0 : sw_fail(err, SW_ESOFTWARE, "out of memory");
    } else if (rc == SQLITE_DONE) {
        rc = sw_fail(err, SW_EDATA, "conflict %" PRId64 ": no such conflict",
                     id);
    } else {
        rc = db_fail(err, db, "read conflict");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- resolving ----------------------------------------------------------- */

/*
** Make c (tbl, id set) carry the value of column col: text form v (NULL:
** clear), checked with sw_validate.
*/
static int set_change_value(struct sw_change *c, const struct sw_table *t,
                            int col, const char *v, struct sw_err *err)
{
    const struct sw_column *cl = &t->cols[col];
    int rc = sw_validate(t, cl, v, err);
    if (rc)
        return rc;
    c->col = col;
    free(c->text);
    c->text = NULL;
    if (!v) {
        c->vtype = SW_V_NULL;
    } else if (cl->type == SW_INT) {
        c->vtype = SW_V_INT;
        c->ival = strtoll(v, NULL, 10);
    } else {
        c->vtype = SW_V_TEXT;
        if (!(c->text = sw_strdup(v)))
            return sw_fail(err, SW_ESOFTWARE, "out of memory");
    }
    return 0;
}

/* The text form of a stored value (NULL for NULL) into buf or a pointer
** into the statement's row. */
static const char *value_text(sqlite3_stmt *st, int i, char *buf, size_t n)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
        return NULL;
    case SQLITE_INTEGER:
        snprintf(buf, n, "%" PRId64, (int64_t)sqlite3_column_int64(st, i));
        return buf;
    default:
        return (const char *)sqlite3_column_text(st, i);
    }
}

static int text_ok(const char *what, const char *s, size_t max,
                   struct sw_err *err)
{
    if (s && (!sw_utf8_valid(s) || strlen(s) > max))
        return sw_fail(err, SW_EDATA, "%s: not UTF-8 text of at most %zu bytes",
                       what, max);
    return 0;
}

int admin_resolve(struct store *s, int64_t id, enum admin_keep keep,
                  const char *value, const char *note, const char *by,
                  struct sw_err *err)
{
    static const char *const how[] = {"winner", "loser", "value"};
    sqlite3_stmt *st = NULL;
    struct sw_change c;
    const struct sw_table *t = NULL;
    const char *v = NULL;
    char *vdup = NULL, num[32];
    int col = -1, edit_of_deleted = 0, rc;

    memset(&c, 0, sizeof(c));
    rc = text_ok("note", note, 1000, err);
    if (!rc)
        rc = text_ok("resolved by", by, 64, err);
    if (rc)
        return rc;
    rc = store_begin(s, err);
    if (rc)
        return rc;
    rc = db_prepare(s->db, SQL_RESOLVE_READ, &st, err);
    if (rc)
        goto fail;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = sw_fail(err, SW_EDATA, "conflict %" PRId64 ": no such conflict",
                     id);
        goto fail;
    }
    if (rc != SQLITE_ROW) {
        rc = db_fail(err, s->db, "read conflict");
        goto fail;
    }
    rc = 0;
    if (strcmp((const char *)sqlite3_column_text(st, 6), "open") != 0) {
        rc = sw_fail(err, SW_EDATA,
                     "conflict %" PRId64 ": already resolved (by %s)", id,
                     sqlite3_column_text(st, 7)
                         ? (const char *)sqlite3_column_text(st, 7)
                         : "?");
        goto fail;
    }
    t = sw_table_by_name((const char *)sqlite3_column_text(st, 0));
    if (t)
        col = sw_col_index(t, (const char *)sqlite3_column_text(st, 2));
    if (!t || col < 0) {
        rc = sw_fail(err, SW_EDATA,
                     "conflict %" PRId64 ": unknown table or field", id);
        goto fail;
    }
    edit_of_deleted = strcmp((const char *)sqlite3_column_text(st, 3),
                             "edit_of_deleted") == 0;
    c.tbl = sw_table_index(t);
    snprintf(c.id, sizeof(c.id), "%s", sqlite3_column_text(st, 1));

    switch (keep) {
    case ADMIN_KEEP_WINNER:
        v = value_text(st, 4, num, sizeof(num));
        break;
    case ADMIN_KEEP_LOSER:
        v = value_text(st, 5, num, sizeof(num));
        break;
    default:
        if (t->cols[col].flags & SW_COL_FIXED) {
            rc = sw_fail(err, SW_EDATA, "%s.%s: cannot change", t->name,
                         t->cols[col].name);
            goto fail;
        }
        v = value && *value ? value : NULL;
    }

    if (v && !(vdup = sw_strdup(v))) {
        rc = sw_fail(err, SW_ESOFTWARE, "out of memory");
        goto fail;
    }
    sqlite3_finalize(st); /* v pointed into its row */
    st = NULL;

    if (edit_of_deleted) {
        /* the winner is the tombstone: keep it, or bring the record back */
        rc = set_change_value(&c, t, sw_col_deleted(t),
                              keep == ADMIN_KEEP_WINNER ? "1" : "0", err);
        if (!rc)
            rc = store_write(s, &c, err);
        if (!rc && keep != ADMIN_KEEP_WINNER) {
            rc = set_change_value(&c, t, col, vdup, err);
            if (!rc)
                rc = store_write(s, &c, err);
        }
    } else {
        rc = set_change_value(&c, t, col, vdup, err);
        if (!rc)
            rc = store_write(s, &c, err);
    }
    if (rc)
        goto fail;

    rc = db_prepare(s->db, SQL_RESOLVE_MARK, &st, err);
    if (rc)
        goto fail;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, sw_now_ms());
    sqlite3_bind_text(st, 3, by && *by ? by : "cli", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, how[keep], -1, SQLITE_STATIC);
    if (note && *note)
        sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_fail(err, s->db, "mark conflict resolved");
        goto fail;
    }
    sqlite3_finalize(st);
    change_release(&c);
    free(vdup);
    return store_commit(s, err);

fail:
    sqlite3_finalize(st);
    change_release(&c);
    free(vdup);
    store_abort(s);
    return rc;
}
