/*
** cs-admin.c — the county store's side of the admin functions (see
** cs-admin.h).
*/
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-admin.h"
#include "db.h"
#include "rows.h"
#include "syncsql.h"

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
    SQL_CONFLICT_COLS "WHERE (CAST(?1 AS BIGINT) <> 0 OR status = 'open') "
                      "AND (CAST(?2 AS TEXT) IS NULL OR station = ?2) "
                      "AND (CAST(?3 AS TEXT) IS NULL OR tbl = ?3) ORDER BY id";
static const char SQL_CONFLICT[] = SQL_CONFLICT_COLS "WHERE id = ?1";
static const char SQL_RESOLVE_READ[] =
    "SELECT tbl, row_id, col, kind, winner_value, loser_value, status, "
    "resolved_by FROM conflicts WHERE id = ?1";
static const char SQL_RESOLVE_MARK[] =
    "UPDATE conflicts SET status = 'resolved', resolved_at = ?2, "
    "resolved_by = ?3, resolution = ?4, note = ?5 "
    "WHERE id = ?1 AND status = 'open'";

static const char SQL_STATION_GET[] =
    "SELECT code FROM stations WHERE code = ?1";
static const char SQL_STATION_ADD[] =
    "INSERT INTO stations (code, name, created_at) VALUES (?1, ?2, ?3)";
static const char SQL_DEVICE_USED[] =
    "SELECT 1 FROM replicas WHERE station = ?1 AND device = ?2";
static const char SQL_REVOKE[] =
    "UPDATE replicas SET revoked_at = ?3 WHERE station = ?1 "
    "AND (CAST(?2 AS TEXT) IS NULL OR device = ?2) AND revoked_at IS NULL";
static const char SQL_TRANSFER_DECLINE[] =
    "UPDATE transfer_requests SET status = 'declined', decided_at = ?2, "
    "decided_by = ?3 WHERE id = ?1 AND status = 'pending' "
    "RETURNING case_id, station, to_station";

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

int cs_stations_json(sdb *db, cJSON **out, struct sw_err *err)
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

int cs_conflicts_json(sdb *db, int all, const char *station, const char *table,
                      cJSON **out, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_CONFLICTS, &st, err);

    *out = NULL;
    if (rc)
        return rc;
    sdb_bind_int(st, 1, all ? 1 : 0);
    if (station)
        sdb_bind_text(st, 2, station, -1, SDB_STATIC);
    if (table)
        sdb_bind_text(st, 3, table, -1, SDB_STATIC);
    return rows_json(db, st, conflict_obj, "list conflicts", out, err);
}

int cs_conflict_json(sdb *db, int64_t id, cJSON **out, struct sw_err *err)
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
        rc = 0;
    } else {
        rc = db_fail(err, db, "read conflict");
    }
    sdb_finalize(st);
    return rc;
}

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

int cs_station_conflicts_json(sdb *db, const char *station, int64_t since_ms,
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

/* ---- resolving ----------------------------------------------------------- */

/* Column i as malloc'd text (an integer in decimal); NULL for NULL.
** Returns -1 when out of memory. */
static int col_dup(sdb_stmt *st, int i, char **out)
{
    char num[32];
    const char *s;

    *out = NULL;
    switch (sdb_column_type(st, i)) {
    case SDB_NULL:
        return 0;
    case SDB_INTEGER:
        snprintf(num, sizeof(num), "%" PRId64,
                 (int64_t)sdb_column_int64(st, i));
        s = num;
        break;
    default:
        s = (const char *)sdb_column_text(st, i);
        if (!s)
            return 0;
    }
    return (*out = sw_strdup(s)) ? 0 : -1;
}

void cs_conflict_release(struct cs_conflict *c)
{
    free(c->tbl);
    free(c->row_id);
    free(c->col);
    free(c->kind);
    free(c->status);
    free(c->resolved_by);
    free(c->winner);
    free(c->loser);
    memset(c, 0, sizeof(*c));
}

int cs_conflict_get(sdb *db, int64_t id, int *found, struct cs_conflict *c,
                    struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc, bad = 0;

    memset(c, 0, sizeof(*c));
    *found = 0;
    rc = db_prepare(db, SQL_RESOLVE_READ, &st, err);
    if (rc)
        return rc;
    sdb_bind_int64(st, 1, id);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        *found = 1;
        bad |= col_dup(st, 0, &c->tbl);
        bad |= col_dup(st, 1, &c->row_id);
        bad |= col_dup(st, 2, &c->col);
        bad |= col_dup(st, 3, &c->kind);
        bad |= col_dup(st, 4, &c->winner);
        bad |= col_dup(st, 5, &c->loser);
        bad |= col_dup(st, 6, &c->status);
        bad |= col_dup(st, 7, &c->resolved_by);
        rc = bad ? sw_fail(err, SW_ESOFTWARE, _("out of memory")) : 0;
    } else if (rc == SDB_DONE) {
        rc = 0;
    } else {
        rc = db_fail(err, db, "read conflict");
    }
    sdb_finalize(st);
    if (!rc && *found &&
        (!c->tbl || !c->row_id || !c->col || !c->kind || !c->status))
        rc = sw_fail(err, SW_EDATA,
                     _("conflict %" PRId64 ": unknown table or field"), id);
    return rc;
}

int cs_conflict_mark_resolved(sdb *db, int64_t id, int64_t at_ms,
                              const char *by, const char *how, const char *note,
                              struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_RESOLVE_MARK, &st, err);
    if (rc)
        return rc;
    sdb_bind_int64(st, 1, id);
    sdb_bind_int64(st, 2, at_ms);
    sdb_bind_text(st, 3, by, -1, SDB_STATIC);
    sdb_bind_text(st, 4, how, -1, SDB_STATIC);
    if (note && *note)
        sdb_bind_text(st, 5, note, -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE)
        rc = db_fail(err, db, "mark conflict resolved");
    sdb_finalize(st);
    return rc;
}

/* ---- stations and replicas ----------------------------------------------- */

int cs_station_found(sdb *db, const char *code, int *found, struct sw_err *err)
{
    return db_exists(db, SQL_STATION_GET, code, NULL, -1, "look up station",
                     found, err);
}

int cs_station_add(sdb *db, const char *code, const char *name, int64_t at_ms,
                   struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_STATION_ADD, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, code, -1, SDB_STATIC);
    if (name && *name)
        sdb_bind_text(st, 2, name, -1, SDB_STATIC);
    sdb_bind_int64(st, 3, at_ms);
    if (sdb_step(st) != SDB_DONE)
        rc = db_fail(err, db, "add station");
    sdb_finalize(st);
    return rc;
}

int cs_device_used(sdb *db, const char *code, const char *device, int *used,
                   struct sw_err *err)
{
    return db_exists(db, SQL_DEVICE_USED, code, device, -1, "look up replica",
                     used, err);
}

int cs_replicas_revoke(sdb *db, const char *code, const char *device,
                       int64_t at_ms, int *count, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_REVOKE, &st, err);

    *count = 0;
    if (rc)
        return rc;
    sdb_bind_text(st, 1, code, -1, SDB_STATIC);
    if (device)
        sdb_bind_text(st, 2, device, -1, SDB_STATIC);
    sdb_bind_int64(st, 3, at_ms);
    if (sdb_step(st) != SDB_DONE)
        rc = db_fail(err, db, "revoke");
    else
        *count = (int)sdb_changes(db);
    sdb_finalize(st);
    return rc;
}

/* ---- records and transfer requests ----------------------------------------
 */

int cs_record_state(sdb *db, const struct sw_table *t, const char *id,
                    int *state, struct sw_err *err)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int rc;

    *state = -1;
    sb_init(&sql);
    /* t->name is the table description's, not input */
    sb_addf(&sql, "SELECT deleted FROM %s WHERE id = ?1", t->name);
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : db_prepare(db, sql.buf, &st, err);
    sb_release(&sql);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        *state = sdb_column_int(st, 0) != 0;
        rc = 0;
    } else if (rc == SDB_DONE) {
        rc = 0;
    } else {
        rc = db_fail(err, db, t->noun);
    }
    sdb_finalize(st);
    return rc;
}

int cs_transfer_decline(sdb *db, int64_t request, int64_t at_ms, const char *by,
                        int *found, char case_id[SW_UUID_LEN + 1],
                        char station[SW_CODE_MAX + 1], char to[SW_CODE_MAX + 1],
                        struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_TRANSFER_DECLINE, &st, err), step;

    *found = 0;
    if (rc)
        return rc;
    sdb_bind_int64(st, 1, request);
    sdb_bind_int64(st, 2, at_ms);
    sdb_bind_text(st, 3, by, -1, SDB_STATIC);
    step = sdb_step(st);
    if (step == SDB_ROW) {
        *found = 1;
        snprintf(case_id, SW_UUID_LEN + 1, "%s",
                 (const char *)sdb_column_text(st, 0));
        snprintf(station, SW_CODE_MAX + 1, "%s",
                 (const char *)sdb_column_text(st, 1));
        snprintf(to, SW_CODE_MAX + 1, "%s",
                 (const char *)sdb_column_text(st, 2));
        step = sdb_step(st); /* RETURNING: to its end */
    }
    if (step != SDB_DONE)
        rc = db_fail(err, db, "decline the request");
    sdb_finalize(st);
    return rc;
}
