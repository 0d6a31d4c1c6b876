/*
** admin.c — the county admin's views and actions (see admin.h).
*/
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "db.h"
#include "hlc.h"
#include "purge.h"
#include "rows.h"
#include "syncsql.h"
#include "table.h"
#include "transfer.h"

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
    "resolved_by, winner_author, loser_author FROM conflicts "

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

static cJSON *station_row(sdb_stmt *st)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    rows_add_text(o, "code", st, 0);
    rows_add_text(o, "name", st, 1);
    rows_add_text(o, "device", st, 2);
    rows_add_text(o, "site", st, 3);
    rows_add_int(o, "created_at", st, 4);
    rows_add_int(o, "last_seen", st, 5);
    rows_add_int(o, "last_sync", st, 6);
    rows_add_text(o, "last_error", st, 7);
    rows_add_int(o, "open_conflicts", st, 8);
    rows_add_text(o, "agent_version", st, 9);
    rows_add_int(o, "skew_ms", st, 10);
    rows_add_int(o, "clamped", st, 11);
    rows_add_int(o, "acked", st, 12);
    cJSON_AddBoolToObject(o, "revoked", sdb_column_type(st, 13) != SDB_NULL);
    rows_add_int(o, "revoked_at", st, 13);
    return o;
}

int admin_stations_json(sdb *db, cJSON **out, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_STATIONS, &st, err);
    *out = NULL;
    return rc ? rc : rows_json(db, st, station_row, "list stations", out, err);
}

static cJSON *conflict_obj(sdb_stmt *st)
{
    cJSON *o = cJSON_CreateObject();
    int resolved;
    if (!o)
        return NULL;
    resolved = strcmp((const char *)sdb_column_text(st, 15), "resolved") == 0;
    rows_add_int(o, "id", st, 0);
    rows_add_text(o, "table", st, 1);
    rows_add_text(o, "record", st, 2);
    rows_add_text(o, "field", st, 3);
    rows_add_text(o, "kind", st, 4);
    rows_add_value(o, "winner_value", st, 5);
    rows_add_text(o, "winner_site", st, 6);
    rows_add_hlc(o, "winner_hlc", st, 7);
    rows_add_value(o, "loser_value", st, 8);
    rows_add_text(o, "loser_site", st, 9);
    rows_add_hlc(o, "loser_hlc", st, 10);
    rows_add_text(o, "base_site", st, 11);
    rows_add_hlc(o, "base_hlc", st, 12);
    rows_add_text(o, "winner_author", st, 20);
    rows_add_text(o, "loser_author", st, 21);
    rows_add_text(o, "station", st, 13);
    rows_add_int(o, "detected_at", st, 14);
    rows_add_text(o, "status", st, 15);
    if (resolved) {
        rows_add_text(o, "resolution", st, 16);
        rows_add_text(o, "note", st, 17);
        rows_add_int(o, "resolved_at", st, 18);
        rows_add_text(o, "resolved_by", st, 19);
    }
    return o;
}

int admin_conflicts_json(sdb *db, const struct admin_conflict_filter *f,
                         cJSON **out, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_CONFLICTS, &st, err);

    *out = NULL;
    if (rc)
        return rc;
    sdb_bind_int(st, 1, f->all ? 1 : 0);
    if (f->station)
        sdb_bind_text(st, 2, f->station, -1, SDB_STATIC);
    if (f->table)
        sdb_bind_text(st, 3, f->table, -1, SDB_STATIC);
    return rows_json(db, st, conflict_obj, "list conflicts", out, err);
}

int admin_conflict_json(sdb *db, int64_t id, cJSON **out, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc;

    *out = NULL;
    rc = db_prepare(db, SQL_CONFLICT, &st, err);
    if (rc)
        return rc;
    sdb_bind_int64(st, 1, id);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        *out = conflict_obj(st);
        rc = *out ? 0 : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    } else if (rc == SDB_DONE) {
        rc = sw_fail(err, SW_EDATA, _("conflict %" PRId64 ": no such conflict"),
                     id);
    } else {
        rc = db_fail(err, db, "read conflict");
    }
    sdb_finalize(st);
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
            return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    return 0;
}

/* The text form of a stored value (NULL for NULL) into buf or a pointer
** into the statement's row. */
static const char *value_text(sdb_stmt *st, int i, char *buf, size_t n)
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

static int text_ok(const char *what, const char *s, size_t max,
                   struct sw_err *err)
{
    if (s && (!sw_utf8_valid(s) || strlen(s) > max))
        return sw_fail(err, SW_EDATA,
                       _("%s: not UTF-8 text of at most %zu bytes"), what, max);
    return 0;
}

int admin_resolve(struct store *s, int64_t id, enum admin_keep keep,
                  const char *value, const char *note, const char *by,
                  const struct audit_src *src, struct sw_err *err)
{
    static const char *const how[] = {"winner", "loser", "value"};
    sdb_stmt *st = NULL;
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
    /* the resolution is the resolver's write */
    if (by && sw_author_valid(by) && !(c.author = sw_strdup(by))) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto fail;
    }
    rc = db_prepare(s->db, SQL_RESOLVE_READ, &st, err);
    if (rc)
        goto fail;
    sdb_bind_int64(st, 1, id);
    rc = sdb_step(st);
    if (rc == SDB_DONE) {
        rc = sw_fail(err, SW_EDATA, _("conflict %" PRId64 ": no such conflict"),
                     id);
        goto fail;
    }
    if (rc != SDB_ROW) {
        rc = db_fail(err, s->db, "read conflict");
        goto fail;
    }
    rc = 0;
    if (strcmp((const char *)sdb_column_text(st, 6), "open") != 0) {
        rc = sw_fail(err, SW_EDATA,
                     _("conflict %" PRId64 ": already resolved (by %s)"), id,
                     sdb_column_text(st, 7)
                         ? (const char *)sdb_column_text(st, 7)
                         : "?");
        goto fail;
    }
    t = sw_table_by_name((const char *)sdb_column_text(st, 0));
    if (t)
        col = sw_col_index(t, (const char *)sdb_column_text(st, 2));
    if (!t || col < 0) {
        rc = sw_fail(err, SW_EDATA,
                     _("conflict %" PRId64 ": unknown table or field"), id);
        goto fail;
    }
    edit_of_deleted =
        strcmp((const char *)sdb_column_text(st, 3), "edit_of_deleted") == 0;
    c.tbl = sw_table_index(t);
    snprintf(c.id, sizeof(c.id), "%s", sdb_column_text(st, 1));

    switch (keep) {
    case ADMIN_KEEP_WINNER:
        v = value_text(st, 4, num, sizeof(num));
        break;
    case ADMIN_KEEP_LOSER:
        v = value_text(st, 5, num, sizeof(num));
        break;
    default:
        if (t->cols[col].flags & SW_COL_FIXED) {
            rc = sw_fail(err, SW_EDATA, _("%s.%s: cannot change"), t->name,
                         t->cols[col].name);
            goto fail;
        }
        v = value && *value ? value : NULL;
    }

    if (v && !(vdup = sw_strdup(v))) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto fail;
    }
    sdb_finalize(st); /* v pointed into its row */
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
    sdb_bind_int64(st, 1, id);
    sdb_bind_int64(st, 2, sw_now_ms());
    sdb_bind_text(st, 3, by && *by ? by : "cli", -1, SDB_STATIC);
    sdb_bind_text(st, 4, how[keep], -1, SDB_STATIC);
    if (note && *note)
        sdb_bind_text(st, 5, note, -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, s->db, "mark conflict resolved");
        goto fail;
    }
    sdb_finalize(st);
    st = NULL;
    if (src) {
        struct sw_buf d;
        char target[40];
        sb_init(&d);
        sb_addf(&d, "%s/%s.%s: keep %s", t->name, c.id, t->cols[col].name,
                how[keep]);
        if (keep == ADMIN_KEEP_VALUE)
            sb_addf(&d, "; value: %s", vdup ? vdup : "(empty)");
        if (note && *note)
            sb_addf(&d, "; note: %s", note);
        snprintf(target, sizeof(target), "conflict %" PRId64, id);
        rc = d.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                   : audit_log(s->db, src, AUDIT_RESOLVE, target, d.buf, err);
        sb_release(&d);
        if (rc)
            goto fail;
    }
    change_release(&c);
    free(vdup);
    return store_commit(s, err);

fail:
    sdb_finalize(st);
    change_release(&c);
    free(vdup);
    store_abort(s);
    return rc;
}

/* ---- a station's conflicts, for its replicas ---------------------------- */

static cJSON *station_conflict_row(sdb_stmt *st)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    rows_add_int(o, "id", st, 0);
    rows_add_text(o, "table", st, 1);
    rows_add_text(o, "record", st, 2);
    rows_add_text(o, "field", st, 3);
    rows_add_text(o, "kind", st, 4);
    rows_add_value(o, "winner_value", st, 5);
    rows_add_text(o, "winner_site", st, 6);
    rows_add_hlc(o, "winner_hlc", st, 7);
    rows_add_value(o, "loser_value", st, 8);
    rows_add_text(o, "loser_site", st, 9);
    rows_add_hlc(o, "loser_hlc", st, 10);
    rows_add_text(o, "status", st, 11);
    rows_add_text(o, "resolution", st, 12);
    rows_add_text(o, "note", st, 13);
    rows_add_int(o, "detected_at", st, 14);
    rows_add_int(o, "resolved_at", st, 15);
    rows_add_text(o, "winner_author", st, 16);
    rows_add_text(o, "loser_author", st, 17);
    return o;
}

int admin_station_conflicts_json(sdb *db, const char *station, int64_t since_ms,
                                 int limit, cJSON **out, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, COUNTY_SQL_STATION_CONFLICTS, &st, err);

    *out = NULL;
    if (rc)
        return rc;
    sdb_bind_text(st, 1, station, -1, SDB_STATIC);
    sdb_bind_int64(st, 2, since_ms);
    sdb_bind_int(st, 3, limit);
    return rows_json(db, st, station_conflict_row, "list conflicts", out, err);
}

/* ---- enrolment ----------------------------------------------------------- */

static const char SQL_STATION_GET[] =
    "SELECT code FROM stations WHERE code = ?1";
static const char SQL_STATION_ADD[] =
    "INSERT INTO stations (code, name, created_at) VALUES (?1, ?2, ?3)";
static const char SQL_DEVICE_USED[] =
    "SELECT 1 FROM replicas WHERE station = ?1 AND device = ?2";
static const char SQL_REVOKE[] =
    "UPDATE replicas SET revoked_at = ?3 WHERE station = ?1 "
    "AND (?2 IS NULL OR device = ?2) AND revoked_at IS NULL";

/* 0 if station exists, SW_EDATA if not, or a database error. */
static int station_exists(sdb *db, const char *code, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_STATION_GET, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, code, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW)
        rc = 0;
    else if (rc == SDB_DONE)
        rc = sw_fail(err, SW_EDATA,
                     _("station %s: not enrolled (see 'station add')"), code);
    else
        rc = db_fail(err, db, "look up station");
    sdb_finalize(st);
    return rc;
}

static int device_used(sdb *db, const char *code, const char *device, int *used,
                       struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_DEVICE_USED, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, code, -1, SDB_STATIC);
    sdb_bind_text(st, 2, device, -1, SDB_STATIC);
    rc = sdb_step(st);
    *used = rc == SDB_ROW;
    rc = rc == SDB_ROW || rc == SDB_DONE ? 0
                                         : db_fail(err, db, "look up replica");
    sdb_finalize(st);
    return rc;
}

int admin_station_add(sdb *db, const char *code, const char *name,
                      char tok[AUTH_TOKEN_LEN + 1], const struct audit_src *src,
                      struct sw_err *err)
{
    sdb_stmt *st = NULL;
    struct sw_buf d;
    int rc;

    tok[0] = '\0';
    if (!sw_code_valid(code))
        return sw_fail(
            err, SW_EDATA,
            _("station: not a valid code (1-%d of A-Z a-z 0-9 _ . -, "
              "not starting with - or .): %s"),
            SW_CODE_MAX, code);
    if (name && (!sw_utf8_valid(name) || strlen(name) > ADMIN_NAME_MAX))
        return sw_fail(err, SW_EDATA,
                       _("name: not UTF-8 text of at most %d bytes"),
                       ADMIN_NAME_MAX);
    rc = db_begin(db, err);
    if (rc)
        return rc;
    {
        /* the county's own code owns the county-owned records (the
           resource directory): no station may have it */
        char *county = NULL;
        rc = db_config_get(db, "county", &county, err);
        if (!rc && county && strcmp(county, code) == 0)
            rc = sw_fail(err, SW_EDATA,
                         _("station: %s is the county's own code"), code);
        free(county);
        if (rc)
            goto fail;
    }
    rc = station_exists(db, code, err);
    if (rc == 0) {
        rc = sw_fail(err, SW_ECANTCREAT,
                     _("station %s: already enrolled (a new replica: "
                       "'station token %s --device NAME')"),
                     code, code);
        goto fail;
    }
    if (rc != SW_EDATA)
        goto fail;
    sw_err_clear(err);
    rc = db_prepare(db, SQL_STATION_ADD, &st, err);
    if (rc)
        goto fail;
    sdb_bind_text(st, 1, code, -1, SDB_STATIC);
    if (name && *name)
        sdb_bind_text(st, 2, name, -1, SDB_STATIC);
    sdb_bind_int64(st, 3, sw_now_ms());
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, db, "add station");
        goto fail;
    }
    rc = auth_add_replica(db, code, "main", tok, err);
    if (rc)
        goto fail;
    sb_init(&d);
    sb_adds(&d, "device main");
    if (name && *name)
        sb_addf(&d, "; name: %s", name);
    rc = d.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
               : audit_log(db, src, AUDIT_STATION_ADD, code, d.buf, err);
    sb_release(&d);
    if (!rc)
        rc = db_commit(db, err);
    if (rc)
        goto fail;
    sdb_finalize(st);
    return 0;
fail:
    sdb_finalize(st);
    db_rollback(db);
    memset(tok, 0, AUTH_TOKEN_LEN + 1);
    return rc;
}

int admin_station_token(sdb *db, const char *code, const char *device,
                        char dev[AUTH_DEVICE_MAX + 1],
                        char tok[AUTH_TOKEN_LEN + 1],
                        const struct audit_src *src, struct sw_err *err)
{
    char d[AUTH_DEVICE_MAX + 1];
    int rc, used = 0;

    tok[0] = '\0';
    dev[0] = '\0';
    rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = station_exists(db, code, err);
    if (rc)
        goto fail;
    if (!device || !*device) {
        /* main, else the first free replica-N */
        snprintf(d, sizeof(d), "main");
        for (int n = 2;
             !(rc = device_used(db, code, d, &used, err)) && used && n < 10000;
             n++)
            snprintf(d, sizeof(d), "replica-%d", n);
        if (rc)
            goto fail;
        device = d;
    }
    rc = auth_add_replica(db, code, device, tok, err);
    if (!rc) {
        /* a valid device name now: at most AUTH_DEVICE_MAX bytes */
        size_t n = strlen(device);
        memcpy(dev, device, n > AUTH_DEVICE_MAX ? AUTH_DEVICE_MAX : n);
        dev[n > AUTH_DEVICE_MAX ? AUTH_DEVICE_MAX : n] = '\0';
        {
            char det[AUTH_DEVICE_MAX + 16];
            snprintf(det, sizeof(det), "device %s", dev);
            rc = audit_log(db, src, AUDIT_TOKEN_NEW, code, det, err);
        }
    }
    if (!rc)
        rc = db_commit(db, err);
    if (rc)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    memset(tok, 0, AUTH_TOKEN_LEN + 1);
    dev[0] = '\0';
    return rc;
}

int admin_station_revoke(sdb *db, const char *code, const char *device,
                         int *count, const struct audit_src *src,
                         struct sw_err *err)
{
    sdb_stmt *st = NULL;
    char det[AUTH_DEVICE_MAX + 64];
    int rc, used = 0;

    *count = 0;
    if (device && !*device)
        device = NULL;
    rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = station_exists(db, code, err);
    if (!rc && device) {
        rc = device_used(db, code, device, &used, err);
        if (!rc && !used)
            rc = sw_fail(err, SW_EDATA, _("station %s has no replica '%s'"),
                         code, device);
    }
    if (!rc)
        rc = db_prepare(db, SQL_REVOKE, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, code, -1, SDB_STATIC);
        if (device)
            sdb_bind_text(st, 2, device, -1, SDB_STATIC);
        sdb_bind_int64(st, 3, sw_now_ms());
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "revoke");
        else
            *count = sdb_changes(db);
    }
    sdb_finalize(st);
    if (!rc) {
        snprintf(det, sizeof(det), "%s%s: %d replica%s revoked now",
                 device ? "device " : "every replica", device ? device : "",
                 *count, *count == 1 ? "" : "s");
        rc = audit_log(db, src, AUDIT_REVOKE, code, det, err);
    }
    if (!rc)
        return db_commit(db, err);
    db_rollback(db);
    return rc;
}

/* ---- county corrections -------------------------------------------------- */

/* Is record id of t live (exists, not deleted)?  SW_EDATA if not. */
static int live_record(sdb *db, const struct sw_table *t, const char *id,
                       struct sw_err *err)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int rc;

    sb_init(&sql);
    sb_addf(&sql, "SELECT deleted FROM %s WHERE id = ?1", t->name);
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : db_prepare(db, sql.buf, &st, err);
    sb_release(&sql);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_DONE)
        rc = sw_fail(err, SW_EDATA, _("%s %s: not found"), t->noun, id);
    else if (rc != SDB_ROW)
        rc = db_fail(err, db, t->noun);
    else if (sdb_column_int(st, 0) != 0)
        rc = sw_fail(err, SW_EDATA, _("%s %s: deleted"), t->noun, id);
    else
        rc = 0;
    sdb_finalize(st);
    return rc;
}

int admin_record_set(struct store *s, const struct sw_table *t, const char *id,
                     const struct rec_assign *as, int n,
                     const struct audit_src *src, struct sw_err *err)
{
    struct sw_change c;
    struct sw_buf d;
    char target[64];
    int rc;

    if (!sw_uuid_valid(id))
        return sw_fail(err, SW_EDATA, _("%s %s: not found"), t->noun, id);
    for (int i = 0; i < n; i++)
        if (t->cols[as[i].col].flags & (SW_COL_FIXED | SW_COL_SYSTEM))
            return sw_fail(err, SW_EDATA, _("%s.%s: cannot change"), t->name,
                           t->cols[as[i].col].name);
    rc = store_begin(s, err);
    if (rc)
        return rc;
    rc = live_record(s->db, t, id, err);
    sb_init(&d);
    for (int i = 0; !rc && i < n; i++) {
        const struct sw_column *col = &t->cols[as[i].col];
        memset(&c, 0, sizeof(c));
        c.tbl = sw_table_index(t);
        c.col = as[i].col;
        snprintf(c.id, sizeof(c.id), "%s", id);
        if (!as[i].value) {
            c.vtype = SW_V_NULL;
        } else if (col->type == SW_INT) {
            c.vtype = SW_V_INT;
            c.ival = strtoll(as[i].value, NULL, 10);
        } else {
            c.vtype = SW_V_TEXT;
            c.text = sw_strdup(as[i].value);
            if (!c.text)
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        }
        if (!rc && src && sw_author_valid(src->actor) &&
            !(c.author = sw_strdup(src->actor)))
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        if (!rc)
            rc = store_write(s, &c, err);
        change_release(&c);
        sb_addf(&d, "%s%s=%s", i ? "; " : "", col->name,
                as[i].value ? as[i].value : "");
    }
    if (!rc) {
        snprintf(target, sizeof(target), "%s/%s", t->name, id);
        rc = d.oom
                 ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : audit_log(s->db, src, AUDIT_RECORD_SET, target, d.buf, err);
    }
    sb_release(&d);
    if (rc) {
        store_abort(s);
        if (rc == SW_ENOINPUT) {
            rc = SW_EDATA; /* as the agent: not found */
            if (err)
                err->code = rc;
        }
        return rc;
    }
    return store_commit(s, err);
}

/* One field of a record the county writes, author from src. */
static int county_field(struct store *s, const struct sw_table *t,
                        const char *id, int col, const char *value,
                        const struct audit_src *src, int create,
                        struct sw_err *err)
{
    struct sw_change c;
    int rc = 0;

    memset(&c, 0, sizeof(c));
    c.tbl = sw_table_index(t);
    c.col = col;
    snprintf(c.id, sizeof(c.id), "%s", id);
    if (!value) {
        c.vtype = SW_V_NULL;
    } else if (t->cols[col].type == SW_INT) {
        c.vtype = SW_V_INT;
        c.ival = strtoll(value, NULL, 10);
    } else {
        c.vtype = SW_V_TEXT;
        if (!(c.text = sw_strdup(value)))
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    if (!rc && src && sw_author_valid(src->actor) &&
        !(c.author = sw_strdup(src->actor)))
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    if (!rc)
        rc = create ? store_create(s, &c, err) : store_write(s, &c, err);
    change_release(&c);
    return rc;
}

int admin_record_add(struct store *s, const struct sw_table *t,
                     const struct rec_assign *as, int n,
                     const struct audit_src *src, char id[SW_UUID_LEN + 1],
                     struct sw_err *err)
{
    const char **vals;
    char today[11], target[64];
    struct sw_buf d;
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    if (!sw_county_owned(t))
        return sw_fail(err, SW_EUSAGE,
                       _("%s add: a station's records are made at the "
                         "station"),
                       t->noun);
    vals = calloc((size_t)t->ncols, sizeof(*vals));
    if (!vals)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    for (int i = 0; i < n; i++)
        vals[as[i].col] = as[i].value;
    localtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    rc = records_fill_defaults(t, vals, today, err);
    if (!rc)
        rc = sw_uuid7(id) ? sw_fail(err, SW_ESOFTWARE, _("no random id")) : 0;
    if (rc) {
        free(vals);
        return rc;
    }
    rc = store_begin(s, err);
    if (rc) {
        free(vals);
        return rc;
    }
    sb_init(&d);
    for (int c = 0; !rc && c < t->ncols; c++) {
        if (!vals[c])
            continue;
        rc = county_field(s, t, id, c, vals[c], src, 1, err);
        sb_addf(&d, "%s%s=%s", d.len ? "; " : "", t->cols[c].name, vals[c]);
    }
    if (!rc) {
        snprintf(target, sizeof(target), "%s/%s", t->name, id);
        rc = d.oom
                 ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : audit_log(s->db, src, AUDIT_RECORD_ADD, target, d.buf, err);
    }
    sb_release(&d);
    free(vals);
    if (rc) {
        store_abort(s);
        return rc;
    }
    return store_commit(s, err);
}

int admin_record_delete(struct store *s, const struct sw_table *t,
                        const char *id, const struct audit_src *src,
                        struct sw_err *err)
{
    char target[64];
    int rc;

    if (!sw_county_owned(t))
        return sw_fail(err, SW_EUSAGE,
                       _("%s delete: a station's records are deleted at the "
                         "station"),
                       t->noun);
    if (!sw_uuid_valid(id))
        return sw_fail(err, SW_EDATA, _("%s %s: not found"), t->noun, id);
    rc = store_begin(s, err);
    if (rc)
        return rc;
    rc = live_record(s->db, t, id, err);
    if (!rc)
        rc = county_field(s, t, id, sw_col_deleted(t), "1", src, 0, err);
    if (!rc) {
        snprintf(target, sizeof(target), "%s/%s", t->name, id);
        rc = audit_log(s->db, src, AUDIT_RECORD_DELETE, target, NULL, err);
    }
    if (rc) {
        store_abort(s);
        return rc;
    }
    return store_commit(s, err);
}

int admin_purge_case(sdb *db, const char *id, const char *reason,
                     const struct audit_src *src, long *nrecords,
                     struct sw_err *err)
{
    char station[SW_CODE_MAX + 1] = "", details[700], target[64];
    long n = 0;
    int rc = db_begin(db, err);

    if (rc)
        return rc;
    rc = purge_case(db, id, src->actor, reason, &n, station, err);
    if (!rc) {
        /* the reason is kept as the admin gave it: not a value of the
           person (docs/design-notes.md) */
        snprintf(target, sizeof(target), "cases/%s", id);
        snprintf(details, sizeof(details), "station %s; %ld records; %s",
                 station, n, reason);
        rc = audit_log(db, src, AUDIT_PURGE, target, details, err);
    }
    if (rc) {
        db_rollback(db);
        return rc;
    }
    rc = db_commit(db, err);
    if (!rc)
        rc = purge_checkpoint(db, err);
    if (!rc && nrecords)
        *nrecords = n;
    return rc;
}

int admin_transfer_case(struct store *s, const char *id, const char *to,
                        const char *note, int64_t request,
                        const struct audit_src *src, char *from, long *nrecords,
                        struct sw_err *err)
{
    struct transfer_result res;
    char details[AUDIT_DETAILS_MAX + 1], target[64];
    int rc = store_begin(s, err);

    if (rc)
        return rc;
    rc = transfer_case(s, id, to, note, src->actor, request, &res, err);
    if (!rc) {
        snprintf(target, sizeof(target), "cases/%s", id);
        if (request > 0)
            snprintf(details, sizeof(details),
                     "from %s to %s; %ld records; request %lld; %s", res.from,
                     to, res.records, (long long)request, note);
        else
            snprintf(details, sizeof(details), "from %s to %s; %ld records; %s",
                     res.from, to, res.records, note);
        rc = audit_log(s->db, src, AUDIT_TRANSFER, target, details, err);
    }
    if (rc) {
        store_abort(s);
        if (rc == SW_ENOINPUT) {
            rc = SW_EDATA; /* as show: not found */
            if (err)
                err->code = rc;
        }
        return rc;
    }
    rc = store_commit(s, err);
    if (!rc && from)
        snprintf(from, SW_CODE_MAX + 1, "%s", res.from);
    if (!rc && nrecords)
        *nrecords = res.records;
    return rc;
}

int admin_transfer_decline(sdb *db, int64_t request,
                           const struct audit_src *src, struct sw_err *err)
{
    static const char sql[] =
        "UPDATE transfer_requests SET status = 'declined', decided_at = ?2, "
        "decided_by = ?3 WHERE id = ?1 AND status = 'pending' "
        "RETURNING case_id, station, to_station";
    sdb_stmt *st = NULL;
    char target[64], details[128];
    int rc = db_begin(db, err);

    if (!rc)
        rc = db_prepare(db, sql, &st, err);
    if (!rc) {
        sdb_bind_int64(st, 1, request);
        sdb_bind_int64(st, 2, sw_now_ms());
        sdb_bind_text(st, 3, src->actor, -1, SDB_STATIC);
        if (sdb_step(st) == SDB_ROW) {
            snprintf(target, sizeof(target), "cases/%s",
                     (const char *)sdb_column_text(st, 0));
            snprintf(details, sizeof(details), "request %lld: %s to %s",
                     (long long)request, (const char *)sdb_column_text(st, 1),
                     (const char *)sdb_column_text(st, 2));
            sdb_step(st); /* RETURNING: to its end */
        } else {
            rc = sw_fail(err, SW_EUSAGE,
                         _("transfer request %lld: not a pending request"),
                         (long long)request);
        }
        sdb_finalize(st);
    }
    if (!rc)
        rc = audit_log(db, src, AUDIT_TRANSFER_DECLINE, target, details, err);
    if (rc) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, err);
}

int admin_transfer_ask(sdb *db, const char *station, const char *site,
                       int64_t local_id, const char *case_id, const char *to,
                       const char *note, const char *asked_by, int64_t asked_at,
                       struct sw_err *err)
{
    static const char sql_own[] =
        "SELECT 1 FROM cases WHERE id = ?1 AND station = ?2";
    static const char sql_add[] =
        "INSERT INTO transfer_requests (site, local_id, station, case_id, "
        "to_station, note, asked_by, asked_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (site, local_id) DO NOTHING";
    sdb_stmt *st = NULL;
    int rc, step;

    if (!sw_uuid_valid(case_id) || !sw_code_valid(to) || !note || !*note ||
        strlen(note) > SW_NOTE_MAX || !sw_utf8_valid(note) ||
        strcmp(to, station) == 0 || local_id <= 0 ||
        (asked_by && !sw_author_valid(asked_by)))
        return sw_fail(err, SW_EUSAGE,
                       _("transfer request: a case, another station and a "
                         "note"));
    rc = db_prepare(db, sql_own, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
    sdb_bind_text(st, 2, station, -1, SDB_STATIC);
    step = sdb_step(st);
    sdb_finalize(st);
    if (step == SDB_DONE)
        return sw_fail(err, SW_EUSAGE,
                       _("transfer request: station %s has no case %s"),
                       station, case_id);
    if (step != SDB_ROW)
        return db_fail(err, db, "read case");
    rc = db_prepare(db, sql_add, &st, err);
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
