#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"

static const char SQL_GET_VER[] = "SELECT hlc, site FROM field_versions "
                                  "WHERE tbl = ?1 AND rid = ?2 AND col = ?3";
static const char SQL_PUT_VER_STATION[] =
    "INSERT INTO field_versions (tbl, rid, col, hlc, site) "
    "VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (tbl, rid, col) DO UPDATE "
    "SET hlc = excluded.hlc, site = excluded.site";
static const char SQL_PUT_VER_COUNTY[] =
    "INSERT INTO field_versions "
    "(tbl, rid, col, hlc, site, base_hlc, base_site, seq, station, src) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
    "ON CONFLICT (tbl, rid, col) DO UPDATE "
    "SET hlc = excluded.hlc, site = excluded.site, "
    "base_hlc = excluded.base_hlc, base_site = excluded.base_site, "
    "seq = excluded.seq, src = excluded.src";
static const char SQL_UNSENT[] =
    "SELECT EXISTS (SELECT 1 FROM outbox "
    "               WHERE tbl = ?1 AND rid = ?2 AND col = ?3) "
    "    OR EXISTS (SELECT 1 FROM pending "
    "               WHERE tbl = ?1 AND rid = ?2 AND col = ?3)";
static const char SQL_CONFLICT[] =
    "INSERT INTO conflicts (tbl, row_id, station, col, kind, "
    "winner_value, winner_hlc, winner_site, loser_value, loser_hlc, "
    "loser_site, base_hlc, base_site, detected_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
    "ON CONFLICT DO NOTHING";
static const char SQL_NEWER_FIELDS[] =
    "SELECT col, hlc, site FROM field_versions "
    "WHERE tbl = ?1 AND rid = ?2 AND col <> ?3 "
    "AND (hlc > ?4 OR (hlc = ?4 AND site > ?5))";
static const char SQL_GET_SEQ[] = "SELECT seq FROM sync_state WHERE id = 1";
static const char SQL_SET_SEQ[] = "UPDATE sync_state SET seq = ?1 WHERE id = 1";

/* Prepare the SQL built in sb (out of memory while building it: say so). */
static int prep_sb(struct merge_ctx *m, struct sw_buf *sb, sqlite3_stmt **st,
                   struct sw_err *err)
{
    if (sb->oom)
        return sw_fail(err, SW_ESOFTWARE, "out of memory");
    return db_prepare_keep(m->db, sb->buf, st, err);
}

int merge_open(struct merge_ctx *m, sqlite3 *db, enum sw_role role,
               struct sw_err *err)
{
    struct sw_buf sb;
    int rc = 0;

    memset(m, 0, sizeof(*m));
    m->db = db;
    m->role = role;
    sb_init(&sb);
    for (int t = 0; t < SW_NTABLES && !rc; t++) {
        const struct sw_table *tb = &sw_tables[t];
        m->get_val[t] = calloc((size_t)tb->ncols, sizeof(sqlite3_stmt *));
        m->set_val[t] = calloc((size_t)tb->ncols, sizeof(sqlite3_stmt *));
        if (!m->get_val[t] || !m->set_val[t])
            return sw_fail(err, SW_ESOFTWARE, "out of memory");
        sb.len = 0;
        sb_addf(&sb, "SELECT rid, station, deleted FROM %s WHERE id = ?1",
                tb->name);
        rc = prep_sb(m, &sb, &m->find_row[t], err);
        if (rc)
            break;
        sb.len = 0;
        sb_addf(&sb, "INSERT INTO %s (id, station) VALUES (?1, ?2)", tb->name);
        rc = prep_sb(m, &sb, &m->add_row[t], err);
        for (int c = 0; c < tb->ncols && !rc; c++) {
            sb.len = 0;
            sb_addf(&sb, "SELECT %s FROM %s WHERE rid = ?1", tb->cols[c].name,
                    tb->name);
            rc = prep_sb(m, &sb, &m->get_val[t][c], err);
            if (rc)
                break;
            sb.len = 0;
            sb_addf(&sb, "UPDATE %s SET %s = ?1 WHERE rid = ?2", tb->name,
                    tb->cols[c].name);
            rc = prep_sb(m, &sb, &m->set_val[t][c], err);
        }
    }
    sb_release(&sb);
    if (!rc)
        rc = db_prepare_keep(m->db, SQL_GET_VER, &m->get_ver, err);
    if (!rc)
        rc = db_prepare_keep(m->db,
                             role == SW_ROLE_STATION ? SQL_PUT_VER_STATION
                                                     : SQL_PUT_VER_COUNTY,
                             &m->put_ver, err);
    if (!rc && role == SW_ROLE_STATION)
        rc = db_prepare_keep(m->db, SQL_UNSENT, &m->unsent, err);
    if (!rc)
        rc = db_prepare_keep(m->db, SQL_CONFLICT, &m->conflict, err);
    if (!rc)
        rc = db_prepare_keep(m->db, SQL_NEWER_FIELDS, &m->newer_fields, err);
    return rc;
}

void merge_close(struct merge_ctx *m)
{
    for (int t = 0; t < SW_NTABLES; t++) {
        sqlite3_finalize(m->find_row[t]);
        sqlite3_finalize(m->add_row[t]);
        for (int c = 0; c < sw_tables[t].ncols; c++) {
            if (m->get_val[t])
                sqlite3_finalize(m->get_val[t][c]);
            if (m->set_val[t])
                sqlite3_finalize(m->set_val[t][c]);
        }
        free(m->get_val[t]);
        free(m->set_val[t]);
    }
    sqlite3_finalize(m->get_ver);
    sqlite3_finalize(m->put_ver);
    sqlite3_finalize(m->unsent);
    sqlite3_finalize(m->conflict);
    sqlite3_finalize(m->newer_fields);
    memset(m, 0, sizeof(*m));
}

static int get_int(struct merge_ctx *m, const char *sql, int64_t *out,
                   struct sw_err *err)
{
    sqlite3_stmt *st;
    int rc = db_prepare(m->db, sql, &st, err);
    if (rc)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = 0;
    } else {
        rc = db_fail(err, m->db, "read sync state");
    }
    sqlite3_finalize(st);
    return rc;
}

int merge_begin(struct merge_ctx *m, struct sw_err *err)
{
    int rc = db_begin(m->db, err);
    if (rc)
        return rc;
    memset(&m->stats, 0, sizeof(m->stats));
    rc = db_set_capture(m->db, 0, err);
    if (!rc)
        rc = db_get_hlc(m->db, &m->clock.last, err);
    if (!rc && m->role == SW_ROLE_COUNTY) {
        rc = get_int(m, SQL_GET_SEQ, &m->next_seq, err);
        m->next_seq++;
    }
    if (rc)
        db_rollback(m->db);
    return rc;
}

int merge_commit(struct merge_ctx *m, struct sw_err *err)
{
    int rc = db_set_hlc(m->db, m->clock.last, err);
    if (!rc && m->role == SW_ROLE_COUNTY) {
        sqlite3_stmt *st;
        rc = db_prepare(m->db, SQL_SET_SEQ, &st, err);
        if (!rc) {
            sqlite3_bind_int64(st, 1, m->next_seq - 1);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = db_fail(err, m->db, "save seq");
            sqlite3_finalize(st);
        }
    }
    if (!rc)
        rc = db_set_capture(m->db, 1, err);
    if (rc) {
        db_rollback(m->db);
        return rc;
    }
    return db_commit(m->db, err);
}

void merge_abort(struct merge_ctx *m)
{
    db_rollback(m->db); /* capture flag and clock roll back with it */
}

/* ---- helpers ----------------------------------------------------------- */

static void bind_change_value(sqlite3_stmt *st, int idx,
                              const struct sw_change *c)
{
    if (c->vtype == SW_V_INT)
        sqlite3_bind_int64(st, idx, c->ival);
    else if (c->vtype == SW_V_TEXT)
        sqlite3_bind_text(st, idx, c->text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, idx);
}

static void bind_version(sqlite3_stmt *st, int idx, const struct sw_version *v)
{
    if (v->hlc) {
        sqlite3_bind_int64(st, idx, v->hlc);
        sqlite3_bind_text(st, idx + 1, v->site, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, idx);
        sqlite3_bind_null(st, idx + 1);
    }
}

static int step_done(struct merge_ctx *m, sqlite3_stmt *st, const char *what,
                     struct sw_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(err, m->db, what);
    return 0;
}

/* The field's version into *v (hlc 0 if none). */
static int get_version(struct merge_ctx *m, int tbl, int64_t rid, int col,
                       struct sw_version *v, struct sw_err *err)
{
    sqlite3_stmt *st = m->get_ver;
    int rc;
    memset(v, 0, sizeof(*v));
    sqlite3_bind_int(st, 1, tbl);
    sqlite3_bind_int64(st, 2, rid);
    sqlite3_bind_int(st, 3, col);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        v->hlc = sqlite3_column_int64(st, 0);
        snprintf(v->site, sizeof(v->site), "%s",
                 (const char *)sqlite3_column_text(st, 1));
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = db_fail(err, m->db, "read version");
    }
    sqlite3_reset(st);
    return rc;
}

/* The field's current value as a new sqlite3_value (free with
** sqlite3_value_free). */
int merge_get_value(struct merge_ctx *m, int tbl, int col, int64_t rid,
                    sqlite3_value **out, struct sw_err *err)
{
    sqlite3_stmt *st = m->get_val[tbl][col];
    int rc;
    *out = NULL;
    sqlite3_bind_int64(st, 1, rid);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_value_dup(sqlite3_column_value(st, 0));
        rc = *out ? 0 : sw_fail(err, SW_ESOFTWARE, "out of memory");
    } else {
        rc = db_fail(err, m->db, "read field");
    }
    sqlite3_reset(st);
    return rc;
}

static int value_equals_change(sqlite3_value *v, const struct sw_change *c)
{
    int t = sqlite3_value_type(v);
    if (c->vtype == SW_V_NULL)
        return t == SQLITE_NULL;
    if (c->vtype == SW_V_INT)
        return t == SQLITE_INTEGER && sqlite3_value_int64(v) == c->ival;
    return t == SQLITE_TEXT &&
           strcmp((const char *)sqlite3_value_text(v), c->text) == 0;
}

/*
** Record a conflict.  The winner and loser are each either the change
** (when wc/lc is not NULL) or a stored value (wv/lv) with its version.
*/
static int record_conflict(struct merge_ctx *m, const struct sw_change *c,
                           int col, const char *kind,
                           const struct sw_change *wc, sqlite3_value *wv,
                           const struct sw_version *wver,
                           const struct sw_change *lc, sqlite3_value *lv,
                           const struct sw_version *lver,
                           const struct sw_version *base, struct sw_err *err)
{
    sqlite3_stmt *st = m->conflict;
    const struct sw_table *tb = &sw_tables[c->tbl];
    int rc;

    sqlite3_bind_text(st, 1, tb->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->station, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, tb->cols[col].name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
    if (wc)
        bind_change_value(st, 6, wc);
    else
        sqlite3_bind_value(st, 6, wv);
    sqlite3_bind_int64(st, 7, wver->hlc);
    sqlite3_bind_text(st, 8, wver->site, -1, SQLITE_STATIC);
    if (lc)
        bind_change_value(st, 9, lc);
    else
        sqlite3_bind_value(st, 9, lv);
    sqlite3_bind_int64(st, 10, lver->hlc);
    sqlite3_bind_text(st, 11, lver->site, -1, SQLITE_STATIC);
    bind_version(st, 12, base);
    sqlite3_bind_int64(st, 14, sw_now_ms());
    rc = step_done(m, st, "record conflict", err);
    if (!rc && sqlite3_changes(m->db) > 0)
        m->stats.conflicts++;
    return rc;
}

static int put_field(struct merge_ctx *m, const struct sw_change *c,
                     int64_t rid, struct sw_err *err)
{
    sqlite3_stmt *st = m->set_val[c->tbl][c->col];
    int rc;

    bind_change_value(st, 1, c);
    sqlite3_bind_int64(st, 2, rid);
    rc = step_done(m, st, "write field", err);
    if (rc)
        return rc;
    st = m->put_ver;
    sqlite3_bind_int(st, 1, c->tbl);
    sqlite3_bind_int64(st, 2, rid);
    sqlite3_bind_int(st, 3, c->col);
    sqlite3_bind_int64(st, 4, c->ver.hlc);
    sqlite3_bind_text(st, 5, c->ver.site, -1, SQLITE_STATIC);
    if (m->role == SW_ROLE_COUNTY) {
        bind_version(st, 6, &c->base);
        sqlite3_bind_int64(st, 8, m->next_seq++);
        sqlite3_bind_text(st, 9, c->station, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, m->src ? m->src : c->ver.site, -1,
                          SQLITE_STATIC);
    }
    return step_done(m, st, "write version", err);
}

static int is_unsent(struct merge_ctx *m, const struct sw_change *c,
                     int64_t rid, int *out, struct sw_err *err)
{
    sqlite3_stmt *st = m->unsent;
    int rc;
    sqlite3_bind_int(st, 1, c->tbl);
    sqlite3_bind_int64(st, 2, rid);
    sqlite3_bind_int(st, 3, c->col);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = 0;
    } else {
        rc = db_fail(err, m->db, "read outbox");
    }
    sqlite3_reset(st);
    return rc;
}

/* A tombstone just taken: flag every field written after it. */
static int flag_newer_edits(struct merge_ctx *m, const struct sw_change *del,
                            int64_t rid, struct sw_err *err)
{
    sqlite3_stmt *st = m->newer_fields;
    int rc = 0, step;

    sqlite3_bind_int(st, 1, del->tbl);
    sqlite3_bind_int64(st, 2, rid);
    sqlite3_bind_int(st, 3, del->col);
    sqlite3_bind_int64(st, 4, del->ver.hlc);
    sqlite3_bind_text(st, 5, del->ver.site, -1, SQLITE_STATIC);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct sw_version fv;
        sqlite3_value *val = NULL;
        int col = sqlite3_column_int(st, 0);
        memset(&fv, 0, sizeof(fv));
        fv.hlc = sqlite3_column_int64(st, 1);
        snprintf(fv.site, sizeof(fv.site), "%s",
                 (const char *)sqlite3_column_text(st, 2));
        if (col < 0 || col >= sw_tables[del->tbl].ncols)
            continue;
        rc = merge_get_value(m, del->tbl, col, rid, &val, err);
        if (!rc)
            rc = record_conflict(m, del, col, "edit_of_deleted", del, NULL,
                                 &del->ver, NULL, val, &fv, &del->base, err);
        sqlite3_value_free(val);
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(err, m->db, "read versions");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int merge_apply(struct merge_ctx *m, const struct sw_change *c, unsigned flags,
                struct sw_err *err)
{
    const struct sw_table *tb;
    sqlite3_stmt *st;
    struct sw_version cur, delver;
    sqlite3_value *curval = NULL;
    int64_t rid;
    int found, deleted = 0, take, conflict = 0, rc, delcol;

    if (c->tbl < 0 || c->tbl >= SW_NTABLES || c->col < 0 ||
        c->col >= sw_tables[c->tbl].ncols || c->ver.hlc <= 0)
        return sw_fail(err, SW_EDATA, "change: bad table, column or version");
    tb = &sw_tables[c->tbl];
    delcol = sw_col_deleted(tb);

    rc = hlc_recv(&m->clock, c->ver.hlc, sw_now_ms(), err);
    if (rc)
        return rc;

    /* the record: find it, or create it */
    st = m->find_row[c->tbl];
    sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    found = rc == SQLITE_ROW;
    if (found) {
        const char *owner = (const char *)sqlite3_column_text(st, 1);
        rid = sqlite3_column_int64(st, 0);
        deleted = sqlite3_column_int(st, 2);
        if (!owner || strcmp(owner, c->station) != 0) {
            rc = sw_fail(err, SW_EPERM, "%s %s belongs to station %s, not %s",
                         tb->noun, c->id, owner ? owner : "(none)", c->station);
            sqlite3_reset(st);
            return rc;
        }
    } else if (rc != SQLITE_DONE) {
        rc = db_fail(err, m->db, "find record");
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    if (!found) {
        st = m->add_row[c->tbl];
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c->station, -1, SQLITE_STATIC);
        rc = step_done(m, st, "create record", err);
        if (rc)
            return rc;
        rid = sqlite3_last_insert_rowid(m->db);
        m->stats.rows_added++;
    }

    rc = get_version(m, c->tbl, rid, c->col, &cur, err);
    if (rc)
        return rc;
    if (sw_version_eq(&c->ver, &cur)) {
        m->stats.skipped++; /* 1. already have it */
        return 0;
    }
    if ((tb->cols[c->col].flags & SW_COL_FIXED) && cur.hlc != 0) {
        /* set once, when the record was made: never moved */
        rc = merge_get_value(m, c->tbl, c->col, rid, &curval, err);
        if (!rc && sqlite3_value_type(curval) != SQLITE_NULL &&
            !value_equals_change(curval, c))
            rc = sw_fail(err, SW_EPERM, "%s %s: %s cannot change", tb->noun,
                         c->id, tb->cols[c->col].name);
        sqlite3_value_free(curval);
        curval = NULL;
        if (rc)
            return rc;
    }

    if (m->role == SW_ROLE_STATION && (flags & MERGE_UPSTREAM)) {
        int unsent = 0;
        rc = is_unsent(m, c, rid, &unsent, err);
        if (rc)
            return rc;
        if (!unsent)
            goto take_it; /* the county has seen all we sent */
    }
    if (sw_version_eq(&c->base, &cur))
        goto take_it; /* 2. the writer saw our value */

    /* 3. concurrent writes: the larger version wins */
    take = sw_version_cmp(&c->ver, &cur) > 0;
    if (cur.hlc != 0) {
        rc = merge_get_value(m, c->tbl, c->col, rid, &curval, err);
        if (rc)
            return rc;
        conflict = !value_equals_change(curval, c);
    }
    if (conflict) {
        if (take)
            rc = record_conflict(m, c, c->col, "field", c, NULL, &c->ver, NULL,
                                 curval, &cur, &c->base, err);
        else
            rc = record_conflict(m, c, c->col, "field", NULL, curval, &cur, c,
                                 NULL, &c->ver, &c->base, err);
    }
    sqlite3_value_free(curval);
    if (rc)
        return rc;
    if (!take) {
        m->stats.skipped++;
        goto check_deleted;
    }

take_it:
    rc = put_field(m, c, rid, err);
    if (rc)
        return rc;
    m->stats.applied++;
    if (c->col == delcol && c->vtype == SW_V_INT && c->ival == 1)
        return flag_newer_edits(m, c, rid, err);

check_deleted:
    /* an edit that meets a tombstone older than itself */
    if (c->col != delcol && deleted) {
        rc = get_version(m, c->tbl, rid, delcol, &delver, err);
        if (rc)
            return rc;
        if (delver.hlc && sw_version_cmp(&c->ver, &delver) > 0) {
            struct sw_change tomb;
            memset(&tomb, 0, sizeof(tomb));
            tomb.vtype = SW_V_INT;
            tomb.ival = 1;
            rc = record_conflict(m, c, c->col, "edit_of_deleted", &tomb, NULL,
                                 &delver, c, NULL, &c->ver, &c->base, err);
        }
    }
    return rc;
}

int merge_read_field(struct merge_ctx *m, struct sw_change *c, int *found,
                     int *deleted, struct sw_err *err)
{
    sqlite3_stmt *st = m->find_row[c->tbl];
    sqlite3_value *v = NULL;
    int64_t rid = 0;
    int rc;

    *found = 0;
    sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *found = 1;
        rid = sqlite3_column_int64(st, 0);
        snprintf(c->station, sizeof(c->station), "%s",
                 sqlite3_column_text(st, 1)
                     ? (const char *)sqlite3_column_text(st, 1)
                     : "");
        if (deleted)
            *deleted = sqlite3_column_int(st, 2);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = db_fail(err, m->db, "find record");
    }
    sqlite3_reset(st);
    if (rc || !*found)
        return rc;
    rc = get_version(m, c->tbl, rid, c->col, &c->ver, err);
    if (!rc)
        rc = merge_get_value(m, c->tbl, c->col, rid, &v, err);
    if (rc)
        return rc;
    rc = merge_set_value(c, v, err);
    sqlite3_value_free(v);
    return rc;
}

int merge_set_value(struct sw_change *c, sqlite3_value *v, struct sw_err *err)
{
    free(c->text);
    c->text = NULL;
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        c->vtype = SW_V_INT;
        c->ival = sqlite3_value_int64(v);
        return 0;
    case SQLITE_NULL:
        c->vtype = SW_V_NULL;
        return 0;
    default:
        c->vtype = SW_V_TEXT;
        c->text = sw_strdup((const char *)sqlite3_value_text(v));
        return c->text ? 0 : sw_fail(err, SW_ESOFTWARE, "out of memory");
    }
}

void merge_column_version(sqlite3_stmt *st, int k, struct sw_version *v)
{
    const unsigned char *site = sqlite3_column_text(st, k + 1);
    memset(v, 0, sizeof(*v));
    if (sqlite3_column_type(st, k) == SQLITE_NULL)
        return;
    v->hlc = sqlite3_column_int64(st, k);
    snprintf(v->site, sizeof(v->site), "%s", site ? (const char *)site : "");
}
