#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"

static const char SQL_GET_VER[] =
    "SELECT hlc, site, author FROM field_versions "
    "WHERE tbl = ?1 AND rid = ?2 AND col = ?3";
static const char SQL_PUT_VER_STATION[] = MERGE_SQL_VER_STATION_HEAD
    " (?1, ?2, ?3, ?4, ?5, ?11)" MERGE_SQL_VER_STATION_TAIL;
#define SQL_PUT_VER_COUNTY_HEAD                                                \
    "INSERT INTO field_versions "                                              \
    "(tbl, rid, col, hlc, site, base_hlc, base_site, seq, station, src, "      \
    "author) VALUES"
#define SQL_PUT_VER_COUNTY_SET                                                 \
    " ON CONFLICT (tbl, rid, col) DO UPDATE "                                  \
    "SET hlc = excluded.hlc, site = excluded.site, "                           \
    "base_hlc = excluded.base_hlc, base_site = excluded.base_site, "           \
    "seq = excluded.seq, src = excluded.src, author = excluded.author"
static const char SQL_PUT_VER_COUNTY[] =
    SQL_PUT_VER_COUNTY_HEAD " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                            "?11)" SQL_PUT_VER_COUNTY_SET;
static const char SQL_UNSENT[] =
    "SELECT EXISTS (SELECT 1 FROM outbox "
    "               WHERE tbl = ?1 AND rid = ?2 AND col = ?3) "
    "    OR EXISTS (SELECT 1 FROM pending "
    "               WHERE tbl = ?1 AND rid = ?2 AND col = ?3)";
static const char SQL_CONFLICT[] =
    "INSERT INTO conflicts (tbl, row_id, station, col, kind, "
    "winner_value, winner_hlc, winner_site, loser_value, loser_hlc, "
    "loser_site, base_hlc, base_site, detected_at, winner_author, "
    "loser_author) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
    "?15, ?16) "
    "ON CONFLICT DO NOTHING";
static const char SQL_TOMB_GET[] =
    "SELECT hlc, site, seen FROM tombstones WHERE tbl = ?1 AND rid = ?2";
static const char SQL_TOMB_PUT[] =
    "INSERT INTO tombstones (tbl, rid, hlc, site, seen) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tbl, rid) DO UPDATE "
    "SET hlc = excluded.hlc, site = excluded.site, seen = excluded.seen";
static const char SQL_TOMB_DEL[] =
    "DELETE FROM tombstones WHERE tbl = ?1 AND rid = ?2";
static const char SQL_ROW_VERS[] =
    "SELECT hlc, site, col FROM versions WHERE tbl = ?1 AND rid = ?2 "
    "AND hlc IS NOT NULL ORDER BY hlc, site, col";
static const char SQL_GET_SEQ[] = "SELECT seq FROM sync_state WHERE id = 1";
static const char SQL_SET_SEQ[] = "UPDATE sync_state SET seq = ?1 WHERE id = 1";

/* Prepare the SQL built in sb (out of memory while building it: say so). */
static int prep_sb(struct merge_ctx *m, struct sw_buf *sb, sdb_stmt **st,
                   struct sw_err *err)
{
    if (sb->oom)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    return db_prepare_keep(m->db, sb->buf, st, err);
}

int merge_open(struct merge_ctx *m, sdb *db, enum sw_role role,
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
        if (tb->ncols > 62) { /* a bit each in ver_cols */
            rc =
                sw_fail(err, SW_ESOFTWARE, _("%s: too many columns"), tb->name);
            break;
        }
        m->get_val[t] = calloc((size_t)tb->ncols, sizeof(sdb_stmt *));
        m->set_val[t] = calloc((size_t)tb->ncols, sizeof(sdb_stmt *));
        if (!m->get_val[t] || !m->set_val[t]) {
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
            break;
        }
        sb.len = 0;
        sb_addf(&sb, "SELECT rid, station, deleted FROM %s WHERE id = ?1",
                tb->name);
        rc = prep_sb(m, &sb, &m->find_row[t], err);
        if (rc)
            break;
        /* a field's own version; on a station, else its record's */
        sb.len = 0;
        sb_adds(&sb, SQL_GET_VER);
        if (role == SW_ROLE_STATION)
            sb_addf(&sb,
                    " UNION ALL SELECT ver_hlc, ver_site, ver_author FROM %s "
                    "WHERE rid = ?2 AND (ver_cols >> ?3) & 1 LIMIT 1",
                    tb->name);
        rc = prep_sb(m, &sb, &m->get_ver[t], err);
        /* a field's own statements (get_val, set_val): prepared when
           first used (col_stmt), most syncs touch a few of them and
           preparing them all was a third of a routine sync's work */
    }
    sb_release(&sb);
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
        rc = db_prepare_keep(m->db, SQL_TOMB_GET, &m->tomb_get, err);
    if (!rc)
        rc = db_prepare_keep(m->db, SQL_TOMB_PUT, &m->tomb_put, err);
    if (!rc)
        rc = db_prepare_keep(m->db, SQL_TOMB_DEL, &m->tomb_del, err);
    if (!rc)
        rc = db_prepare_keep(m->db, SQL_ROW_VERS, &m->row_vers, err);
    return rc;
}

void merge_close(struct merge_ctx *m)
{
    for (int t = 0; t < SW_NTABLES; t++) {
        sdb_finalize(m->find_row[t]);
        sdb_finalize(m->add_row[t]);
        sdb_finalize(m->add_full[t]);
        sdb_finalize(m->get_ver[t]);
        for (int c = 0; c < sw_tables[t].ncols; c++) {
            if (m->get_val[t])
                sdb_finalize(m->get_val[t][c]);
            if (m->set_val[t])
                sdb_finalize(m->set_val[t][c]);
        }
        free(m->get_val[t]);
        free(m->set_val[t]);
    }
    sdb_finalize(m->put_ver);
    for (int k = 0; k <= MERGE_PUT_VERS; k++)
        sdb_finalize(m->put_vers[k]);
    sdb_finalize(m->unsent);
    sdb_finalize(m->conflict);
    sdb_finalize(m->tomb_get);
    sdb_finalize(m->tomb_put);
    sdb_finalize(m->tomb_del);
    sdb_finalize(m->row_vers);
    memset(m, 0, sizeof(*m));
}

static int get_int(struct merge_ctx *m, const char *sql, int64_t *out,
                   struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(m->db, sql, &st, err);
    if (rc)
        return rc;
    if (sdb_step(st) == SDB_ROW) {
        *out = sdb_column_int64(st, 0);
        rc = 0;
    } else {
        rc = db_fail(err, m->db, "read sync state");
    }
    sdb_finalize(st);
    return rc;
}

/*
** SQLite's CHECK constraints and triggers off (on) for this connection.
** They guard the replicated tables against other programs writing the
** file; in the merge's transaction they would add nothing, at more cost
** than the rest of applying a record (docs/benchmarks.md): every value is
** checked by check_value() from the same table description (test-table
** holds the two to agreeing), a fixed field is refused in merge_apply(),
** capture is off (sync_state) and the station always given.  Either
** change expires the connection's prepared statements; they are prepared
** again on their next use.
*/
static int set_guards(struct merge_ctx *m, int on, struct sw_err *err)
{
    int rc;
    if (!sdb_sqlite(m->db))
        return 0; /* PostgreSQL: the county's schema has neither (storage.md) */
    rc = sqlite3_db_config(sdb_sqlite(m->db), SQLITE_DBCONFIG_ENABLE_TRIGGER,
                           on, (int *)NULL);
    if (rc != SQLITE_OK)
        return db_fail(err, m->db, "switch triggers");
    return db_exec(m->db,
                   on ? "PRAGMA ignore_check_constraints = 0"
                      : "PRAGMA ignore_check_constraints = 1",
                   err);
}

int merge_begin(struct merge_ctx *m, struct sw_err *err)
{
    int rc = db_begin(m->db, err);
    if (rc)
        return rc;
    rc = set_guards(m, 0, err);
    if (rc) {
        merge_abort(m); /* whichever of the two was switched: back on */
        return rc;
    }
    memset(&m->stats, 0, sizeof(m->stats));
    rc = db_set_capture(m->db, 0, err);
    if (!rc)
        rc = db_get_hlc(m->db, &m->clock.last, err);
    if (!rc && m->role == SW_ROLE_COUNTY) {
        rc = get_int(m, SQL_GET_SEQ, &m->next_seq, err);
        m->next_seq++;
    }
    if (rc)
        merge_abort(m);
    return rc;
}

int merge_commit(struct merge_ctx *m, struct sw_err *err)
{
    int rc = db_set_hlc(m->db, m->clock.last, err);
    if (!rc && m->role == SW_ROLE_COUNTY) {
        sdb_stmt *st;
        rc = db_prepare(m->db, SQL_SET_SEQ, &st, err);
        if (!rc) {
            sdb_bind_int64(st, 1, m->next_seq - 1);
            if (sdb_step(st) != SDB_DONE)
                rc = db_fail(err, m->db, "save seq");
            sdb_finalize(st);
        }
    }
    if (!rc)
        rc = db_set_capture(m->db, 1, err);
    if (rc) {
        merge_abort(m);
        return rc;
    }
    rc = db_commit(m->db, err);
    /* committed or not, the connection must not go on unguarded */
    {
        int g = set_guards(m, 1, rc ? NULL : err);
        if (g && !rc)
            rc = g;
    }
    return rc;
}

void merge_abort(struct merge_ctx *m)
{
    db_rollback(m->db);     /* capture flag and clock roll back with it */
    set_guards(m, 1, NULL); /* a PRAGMA and a flag of an open connection */
}

/* ---- helpers ----------------------------------------------------------- */

static void bind_change_value(sdb_stmt *st, int idx, const struct sw_change *c)
{
    if (c->vtype == SW_V_INT)
        sdb_bind_int64(st, idx, c->ival);
    else if (c->vtype == SW_V_TEXT)
        sdb_bind_text(st, idx, c->text, -1, SDB_STATIC);
    else
        sdb_bind_null(st, idx);
}

static void bind_version(sdb_stmt *st, int idx, const struct sw_version *v)
{
    if (v->hlc) {
        sdb_bind_int64(st, idx, v->hlc);
        sdb_bind_text(st, idx + 1, v->site, -1, SDB_STATIC);
    } else {
        sdb_bind_null(st, idx);
        sdb_bind_null(st, idx + 1);
    }
}

/* The author of the change c, or of the stored version when c is NULL. */
static void bind_author(struct merge_ctx *m, sdb_stmt *st, int idx,
                        const struct sw_change *c)
{
    const char *a = c ? c->author : m->cur_author;
    if (a && *a)
        sdb_bind_text(st, idx, a, -1, SDB_STATIC);
    else
        sdb_bind_null(st, idx);
}

static int step_done(struct merge_ctx *m, sdb_stmt *st, const char *what,
                     struct sw_err *err)
{
    int rc = sdb_step(st);
    sdb_reset(st);
    sdb_clear_bindings(st);
    if (rc != SDB_DONE && rc != SDB_ROW)
        return db_fail(err, m->db, what);
    return 0;
}

/* The field's version into *v (hlc 0 if none), its author into
** m->cur_author ("" if none). */
static int get_version(struct merge_ctx *m, int tbl, int64_t rid, int col,
                       struct sw_version *v, struct sw_err *err)
{
    sdb_stmt *st = m->get_ver[tbl];
    int rc;
    memset(v, 0, sizeof(*v));
    m->cur_author[0] = '\0';
    sdb_bind_int(st, 1, tbl);
    sdb_bind_int64(st, 2, rid);
    sdb_bind_int(st, 3, col);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        merge_column_version(st, 0, v); /* NULLs (another program's): none */
        if (sdb_column_text(st, 2))
            snprintf(m->cur_author, sizeof(m->cur_author), "%s",
                     (const char *)sdb_column_text(st, 2));
        rc = 0;
    } else if (rc == SDB_DONE) {
        rc = 0;
    } else {
        rc = db_fail(err, m->db, "read version");
    }
    sdb_reset(st);
    return rc;
}

/* Field (t, c)'s statement to read (set 0) or write (set 1) its value,
** prepared the first time it is asked for. */
static int col_stmt(struct merge_ctx *m, int set, int t, int c, sdb_stmt **out,
                    struct sw_err *err)
{
    sdb_stmt **slot = set ? &m->set_val[t][c] : &m->get_val[t][c];
    const struct sw_table *tb = &sw_tables[t];
    struct sw_buf sb;
    int rc;

    if (*slot) {
        *out = *slot;
        return 0;
    }
    sb_init(&sb);
    if (set)
        sb_addf(&sb, "UPDATE %s SET %s = ?1 WHERE rid = ?2", tb->name,
                tb->cols[c].name);
    else
        sb_addf(&sb, "SELECT %s FROM %s WHERE rid = ?1", tb->cols[c].name,
                tb->name);
    rc = prep_sb(m, &sb, slot, err);
    sb_release(&sb);
    *out = *slot;
    return rc;
}

/*
** The INSERTs making a record of table t (whole: add_full; id and
** station: add_row), prepared when first used: each compiles the
** table's capture triggers, and preparing them at every open was a
** quarter of a routine sync's work in the agent (issue 14).
*/
static int add_stmt(struct merge_ctx *m, int full, int t, sdb_stmt **out,
                    struct sw_err *err)
{
    sdb_stmt **slot = full ? &m->add_full[t] : &m->add_row[t];
    const struct sw_table *tb = &sw_tables[t];
    int station = m->role == SW_ROLE_STATION;
    struct sw_buf sb;
    int rc;

    if (*slot) {
        *out = *slot;
        return 0;
    }
    sb_init(&sb);
    if (!full) {
        sb_addf(&sb, "INSERT INTO %s (id, station) VALUES (?1, ?2)", tb->name);
    } else {
        /* a new record with all its fields (?3 is column 0), on a
           station with the version they share (?N+3..?N+6); nothing
           when the id is taken */
        sb_addf(&sb, "INSERT INTO %s (id, station", tb->name);
        for (int c = 0; c < tb->ncols; c++)
            sb_addf(&sb, ", %s", tb->cols[c].name);
        if (station)
            sb_adds(&sb, ", ver_hlc, ver_site, ver_cols, ver_author");
        sb_adds(&sb, ") VALUES (?1, ?2");
        for (int c = 0; c < tb->ncols + (station ? 4 : 0); c++)
            sb_addf(&sb, ", ?%d", c + 3);
        sb_adds(&sb, ") ON CONFLICT (id) DO NOTHING");
    }
    rc = prep_sb(m, &sb, slot, err);
    sb_release(&sb);
    if (!rc)
        *out = *slot;
    return rc;
}

int merge_prepare_all(struct merge_ctx *m, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = 0;
    for (int t = 0; t < SW_NTABLES && !rc; t++) {
        rc = add_stmt(m, 0, t, &st, err);
        if (!rc)
            rc = add_stmt(m, 1, t, &st, err);
        for (int c = 0; c < sw_tables[t].ncols && !rc; c++) {
            rc = col_stmt(m, 0, t, c, &st, err);
            if (!rc)
                rc = col_stmt(m, 1, t, c, &st, err);
        }
    }
    return rc;
}

/* The field's current value as a new sdb_value (free with
** sdb_value_free). */
int merge_get_value(struct merge_ctx *m, int tbl, int col, int64_t rid,
                    sdb_value **out, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = col_stmt(m, 0, tbl, col, &st, err);
    *out = NULL;
    if (rc)
        return rc;
    sdb_bind_int64(st, 1, rid);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        *out = sdb_value_dup(sdb_column_value(st, 0));
        rc = *out ? 0 : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    } else {
        rc = db_fail(err, m->db, "read field");
    }
    sdb_reset(st);
    return rc;
}

static int value_equals_change(sdb_value *v, const struct sw_change *c)
{
    int t = sdb_value_type(v);
    if (c->vtype == SW_V_NULL)
        return t == SDB_NULL;
    if (c->vtype == SW_V_INT)
        return t == SDB_INTEGER && sdb_value_int64(v) == c->ival;
    return t == SDB_TEXT &&
           strcmp((const char *)sdb_value_text(v), c->text) == 0;
}

/*
** Record a conflict.  The winner and loser are each either the change
** (when wc/lc is not NULL) or a stored value (wv/lv) with its version,
** whose author is m->cur_author (the last get_version's).
*/
static int record_conflict(struct merge_ctx *m, const struct sw_change *c,
                           int col, const char *kind,
                           const struct sw_change *wc, sdb_value *wv,
                           const struct sw_version *wver,
                           const struct sw_change *lc, sdb_value *lv,
                           const struct sw_version *lver,
                           const struct sw_version *base, struct sw_err *err)
{
    sdb_stmt *st = m->conflict;
    const struct sw_table *tb = &sw_tables[c->tbl];
    int rc;

    sdb_bind_text(st, 1, tb->name, -1, SDB_STATIC);
    sdb_bind_text(st, 2, c->id, -1, SDB_STATIC);
    sdb_bind_text(st, 3, c->station, -1, SDB_STATIC);
    sdb_bind_text(st, 4, tb->cols[col].name, -1, SDB_STATIC);
    sdb_bind_text(st, 5, kind, -1, SDB_STATIC);
    if (wc)
        bind_change_value(st, 6, wc);
    else
        sdb_bind_value(st, 6, wv);
    sdb_bind_int64(st, 7, wver->hlc);
    sdb_bind_text(st, 8, wver->site, -1, SDB_STATIC);
    if (lc)
        bind_change_value(st, 9, lc);
    else
        sdb_bind_value(st, 9, lv);
    sdb_bind_int64(st, 10, lver->hlc);
    sdb_bind_text(st, 11, lver->site, -1, SDB_STATIC);
    bind_version(st, 12, base);
    sdb_bind_int64(st, 14, sw_now_ms());
    bind_author(m, st, 15, wc);
    bind_author(m, st, 16, lc);
    rc = step_done(m, st, "record conflict", err);
    if (!rc && sdb_changes(m->db) > 0)
        m->stats.conflicts++;
    return rc;
}

/* c's version as the row of put_ver at parameter offset b: ?b+1..?b+5
** and ?b+11, and on the county ?b+6..?b+10 (the next seq taken). */
static void bind_version_row(struct merge_ctx *m, sdb_stmt *st, int b,
                             const struct sw_change *c, int64_t rid)
{
    sdb_bind_int(st, b + 1, c->tbl);
    sdb_bind_int64(st, b + 2, rid);
    sdb_bind_int(st, b + 3, c->col);
    sdb_bind_int64(st, b + 4, c->ver.hlc);
    sdb_bind_text(st, b + 5, c->ver.site, -1, SDB_STATIC);
    bind_author(m, st, b + 11, c);
    if (m->role == SW_ROLE_COUNTY) {
        bind_version(st, b + 6, &c->base);
        sdb_bind_int64(st, b + 8, m->next_seq++);
        sdb_bind_text(st, b + 9, c->station, -1, SDB_STATIC);
        sdb_bind_text(st, b + 10, m->src ? m->src : c->ver.site, -1,
                      SDB_STATIC);
    }
}

/* The field's own version: c's. */
static int put_version(struct merge_ctx *m, const struct sw_change *c,
                       int64_t rid, struct sw_err *err)
{
    bind_version_row(m, m->put_ver, 0, c, rid);
    return step_done(m, m->put_ver, "write version", err);
}

/*
** The county's versions of c[0..n-1], fields of one new record, up to
** MERGE_PUT_VERS rows a statement (issue 14: a statement a field was half
** of a push's work at the county, much of it the statement's own cost,
** not the rows').  The same rows, in the same order and with the same
** seqs, as put_version one at a time.
*/
static int put_versions(struct merge_ctx *m, const struct sw_change *c,
                        size_t n, int64_t rid, struct sw_err *err)
{
    while (n > 1) {
        size_t k = n < MERGE_PUT_VERS ? n : MERGE_PUT_VERS;
        sdb_stmt **slot = &m->put_vers[k];
        int rc = 0;
        if (!*slot)
            rc = db_prepare_rows(m->db, SQL_PUT_VER_COUNTY_HEAD, 11, (int)k,
                                 SQL_PUT_VER_COUNTY_SET, slot, err);
        for (size_t i = 0; i < k && !rc; i++)
            bind_version_row(m, *slot, (int)(11 * i), &c[i], rid);
        if (!rc)
            rc = step_done(m, *slot, "write versions", err);
        if (rc)
            return rc;
        c += k;
        n -= k;
    }
    return n ? put_version(m, c, rid, err) : 0;
}

static int put_field(struct merge_ctx *m, const struct sw_change *c,
                     int64_t rid, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = col_stmt(m, 1, c->tbl, c->col, &st, err);

    if (rc)
        return rc;
    bind_change_value(st, 1, c);
    sdb_bind_int64(st, 2, rid);
    rc = step_done(m, st, "write field", err);
    return rc ? rc : put_version(m, c, rid, err);
}

/*
** What the CHECK constraints would refuse (they are off in the merge's
** transaction; see set_guards): a bad id or station (check_record), a
** value of the wrong type, or one sw_validate refuses (check_value).
** NULL is any field's "no value", as in the CHECKs, but the tombstone's.
*/
static int check_record(const struct sw_change *c, struct sw_err *err)
{
    const struct sw_table *tb = &sw_tables[c->tbl];

    if (!sw_uuid_valid(c->id))
        return sw_fail(err, SW_EDATA, _("%s: bad record id"), tb->noun);
    if (!sw_code_valid(c->station))
        return sw_fail(err, SW_EDATA, _("%s %s: bad station code"), tb->noun,
                       c->id);
    return 0;
}

static int check_value(const struct sw_change *c, struct sw_err *err)
{
    const struct sw_table *tb = &sw_tables[c->tbl];
    const struct sw_column *col = &tb->cols[c->col];
    char num[32];
    const char *v;

    switch (c->vtype) {
    case SW_V_NULL:
        if (c->col != sw_col_deleted(tb))
            return 0;
        return sw_fail(err, SW_EDATA, _("%s.%s: cannot be null"), tb->name,
                       col->name);
    case SW_V_INT:
        if (col->type != SW_INT)
            return sw_fail(err, SW_EDATA,
                           _("%s.%s: an integer for a text column"), tb->name,
                           col->name);
        snprintf(num, sizeof(num), "%lld", (long long)c->ival);
        v = num;
        break;
    case SW_V_TEXT:
        if (col->type != SW_TEXT || !c->text)
            return sw_fail(err, SW_EDATA,
                           _("%s.%s: text for an integer column"), tb->name,
                           col->name);
        v = c->text;
        break;
    default:
        return sw_fail(err, SW_EDATA, _("%s.%s: bad value type"), tb->name,
                       col->name);
    }
    return sw_validate(tb, col, v, err);
}

/* Only a tombstone says what it had seen, and in the form of sw_seen_*. */
static int check_seen(const struct sw_change *c, struct sw_err *err)
{
    const struct sw_table *tb = &sw_tables[c->tbl];

    if (!c->seen)
        return 0;
    if (c->col != sw_col_deleted(tb) || c->vtype != SW_V_INT || c->ival != 1)
        return sw_fail(err, SW_EDATA,
                       _("%s %s: only a tombstone says what it saw"), tb->noun,
                       c->id);
    if (!sw_seen_valid(tb, c->seen))
        return sw_fail(err, SW_EDATA, _("%s %s: bad list of seen versions"),
                       tb->noun, c->id);
    return 0;
}

static int is_unsent(struct merge_ctx *m, const struct sw_change *c,
                     int64_t rid, int *out, struct sw_err *err)
{
    sdb_stmt *st = m->unsent;
    int rc;
    sdb_bind_int(st, 1, c->tbl);
    sdb_bind_int64(st, 2, rid);
    sdb_bind_int(st, 3, c->col);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        *out = sdb_column_int(st, 0);
        rc = 0;
    } else {
        rc = db_fail(err, m->db, "read outbox");
    }
    sdb_reset(st);
    return rc;
}

/* A tombstone just taken: keep what its writer had seen, and flag every
** field write it had not seen. */
static int flag_unseen_edits(struct merge_ctx *m, const struct sw_change *del,
                             int64_t rid, struct sw_err *err)
{
    const struct sw_table *tb = &sw_tables[del->tbl];
    int rc = merge_put_tomb(m, del->tbl, rid, &del->ver, del->seen, err);

    for (int col = 0; !rc && col < tb->ncols; col++) {
        struct sw_version fv;
        sdb_value *val = NULL;

        if (col == del->col)
            continue;
        rc = get_version(m, del->tbl, rid, col, &fv, err);
        if (rc || sw_seen_covers(tb, del->seen, &del->ver, col, &fv))
            continue;
        rc = merge_get_value(m, del->tbl, col, rid, &val, err);
        if (!rc)
            rc = record_conflict(m, del, col, "edit_of_deleted", del, NULL,
                                 &del->ver, NULL, val, &fv, &del->base, err);
        sdb_value_free(val);
    }
    return rc;
}

int merge_row_seen(struct merge_ctx *m, int tbl, int64_t rid, char **out,
                   struct sw_err *err)
{
    const struct sw_table *tb = &sw_tables[tbl];
    sdb_stmt *st = m->row_vers;
    struct sw_version last;
    struct sw_buf sb;
    int rc, step;

    *out = NULL;
    memset(&last, 0, sizeof(last));
    sb_init(&sb);
    sdb_bind_int(st, 1, tbl);
    sdb_bind_int64(st, 2, rid);
    while ((step = sdb_step(st)) == SDB_ROW) {
        struct sw_version v;
        int col = sdb_column_int(st, 2);
        if (col < 0 || col >= tb->ncols || col == sw_col_deleted(tb))
            continue;
        merge_column_version(st, 0, &v);
        if (!v.hlc || !sw_site_valid(v.site))
            continue; /* another program's: not a version */
        if (sw_version_eq(&v, &last)) {
            sb_add(&sb, ",", 1);
        } else {
            char h[HLC_STR_MAX + 1];
            hlc_format(v.hlc, h);
            sb_addf(&sb, "%s%s@%s=", sb.len ? ";" : "", h, v.site);
            last = v;
        }
        sb_adds(&sb, tb->cols[col].name);
    }
    rc = step == SDB_DONE ? 0 : db_fail(err, m->db, "read versions");
    sdb_reset(st);
    if (!rc && sb.oom)
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    if (!rc) {
        *out = sb_detach(&sb, NULL);
        if (!*out)
            *out = sw_strdup("");
        if (!*out)
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    sb_release(&sb);
    return rc;
}

int merge_put_tomb(struct merge_ctx *m, int tbl, int64_t rid,
                   const struct sw_version *v, const char *seen,
                   struct sw_err *err)
{
    sdb_stmt *st = seen ? m->tomb_put : m->tomb_del;

    sdb_bind_int(st, 1, tbl);
    sdb_bind_int64(st, 2, rid);
    if (seen) {
        sdb_bind_int64(st, 3, v->hlc);
        sdb_bind_text(st, 4, v->site, -1, SDB_STATIC);
        sdb_bind_text(st, 5, seen, -1, SDB_STATIC);
    }
    return step_done(m, st, "keep tombstone", err);
}

int merge_tomb_seen(struct merge_ctx *m, int tbl, int64_t rid,
                    const struct sw_version *v, char **out, struct sw_err *err)
{
    sdb_stmt *st = m->tomb_get;
    int rc = 0, step;

    *out = NULL;
    sdb_bind_int(st, 1, tbl);
    sdb_bind_int64(st, 2, rid);
    step = sdb_step(st);
    if (step == SDB_ROW) {
        struct sw_version tv;
        merge_column_version(st, 0, &tv);
        if (sw_version_eq(&tv, v) && sdb_column_text(st, 2)) {
            *out = sw_strdup((const char *)sdb_column_text(st, 2));
            if (!*out)
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        }
    } else if (step != SDB_DONE) {
        rc = db_fail(err, m->db, "read tombstone");
    }
    sdb_reset(st);
    return rc;
}

int merge_apply(struct merge_ctx *m, const struct sw_change *c, unsigned flags,
                struct sw_err *err)
{
    const struct sw_table *tb;
    sdb_stmt *st;
    struct sw_version cur, delver;
    sdb_value *curval = NULL;
    int64_t rid;
    int found, deleted = 0, take, conflict = 0, rc, delcol;

    if (c->tbl < 0 || c->tbl >= SW_NTABLES || c->col < 0 ||
        c->col >= sw_tables[c->tbl].ncols || c->ver.hlc <= 0)
        return sw_fail(err, SW_EDATA,
                       _("change: bad table, column or version"));
    tb = &sw_tables[c->tbl];
    delcol = sw_col_deleted(tb);
    if (!(flags & MERGE_CHECKED)) {
        rc = check_record(c, err);
        if (!rc)
            rc = check_value(c, err);
        if (!rc)
            rc = check_seen(c, err);
        if (rc)
            return rc;
    }

    rc = hlc_recv(&m->clock, c->ver.hlc, sw_now_ms(), err);
    if (rc)
        return rc;

    /* the record: find it, or create it */
    st = m->find_row[c->tbl];
    sdb_bind_text(st, 1, c->id, -1, SDB_STATIC);
    rc = sdb_step(st);
    found = rc == SDB_ROW;
    if (found) {
        const char *owner = (const char *)sdb_column_text(st, 1);
        rid = sdb_column_int64(st, 0);
        deleted = sdb_column_int(st, 2);
        if (!owner || strcmp(owner, c->station) != 0) {
            /* not who owns it: a refusal tells a station nothing of
               another's records (docs/design-notes.md) */
            rc = sw_fail(err, SW_EPERM,
                         _("%s %s: not a record station %s may "
                           "write"),
                         tb->noun, c->id, c->station);
            sdb_reset(st);
            return rc;
        }
    } else if (rc != SDB_DONE) {
        rc = db_fail(err, m->db, "find record");
        sdb_reset(st);
        return rc;
    }
    sdb_reset(st);
    if (!found) {
        rc = add_stmt(m, 0, c->tbl, &st, err);
        if (rc)
            return rc;
        sdb_bind_text(st, 1, c->id, -1, SDB_STATIC);
        sdb_bind_text(st, 2, c->station, -1, SDB_STATIC);
        rc = step_done(m, st, "create record", err);
        if (rc)
            return rc;
        rid = sdb_last_insert_rowid(m->db);
        m->stats.rows_added++;
    }

    rc = get_version(m, c->tbl, rid, c->col, &cur, err);
    if (rc)
        return rc;
    if (sw_version_eq(&c->ver, &cur)) {
        m->stats.skipped++; /* 1. already have it */
        return 0;
    }
    if (tb->cols[c->col].flags & SW_COL_FIXED) {
        /* set once, when the record was made: never moved */
        rc = merge_get_value(m, c->tbl, c->col, rid, &curval, err);
        if (!rc && sdb_value_type(curval) != SDB_NULL &&
            !value_equals_change(curval, c))
            rc = sw_fail(err, SW_EPERM, _("%s %s: %s cannot change"), tb->noun,
                         c->id, tb->cols[c->col].name);
        sdb_value_free(curval);
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
    if (sw_version_eq(&c->base, &cur)) {
        /* 2. the writer saw our value.  One a former owner wrote after
           the transfer is taken, and the value it replaces kept, for the
           new station to see (docs/design-notes.md, "Case transfer") */
        if ((flags & MERGE_MOVED) && cur.hlc != 0) {
            rc = merge_get_value(m, c->tbl, c->col, rid, &curval, err);
            if (!rc && !value_equals_change(curval, c))
                rc = record_conflict(m, c, c->col, "edit_after_transfer", c,
                                     NULL, &c->ver, NULL, curval, &cur,
                                     &c->base, err);
            sdb_value_free(curval);
            curval = NULL;
            if (rc)
                return rc;
        }
        goto take_it;
    }

    /* 3. concurrent writes: the larger version wins */
    take = sw_version_cmp(&c->ver, &cur) > 0;
    if (cur.hlc != 0) {
        rc = merge_get_value(m, c->tbl, c->col, rid, &curval, err);
        if (rc)
            return rc;
        conflict = !value_equals_change(curval, c);
    }
    if (conflict) {
        const char *kind =
            (flags & MERGE_MOVED) ? "edit_after_transfer" : "field";
        if (take)
            rc = record_conflict(m, c, c->col, kind, c, NULL, &c->ver, NULL,
                                 curval, &cur, &c->base, err);
        else
            rc = record_conflict(m, c, c->col, kind, NULL, curval, &cur, c,
                                 NULL, &c->ver, &c->base, err);
    }
    sdb_value_free(curval);
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
        return flag_unseen_edits(m, c, rid, err);

check_deleted:
    /* an edit that meets a tombstone whose writer had not seen it */
    if (c->col != delcol && deleted) {
        char *seen = NULL;
        int covered;
        rc = get_version(m, c->tbl, rid, delcol, &delver, err);
        if (!rc && delver.hlc)
            rc = merge_tomb_seen(m, c->tbl, rid, &delver, &seen, err);
        if (rc)
            return rc;
        covered =
            !delver.hlc || sw_seen_covers(tb, seen, &delver, c->col, &c->ver);
        free(seen);
        if (!covered) {
            struct sw_change tomb;
            memset(&tomb, 0, sizeof(tomb));
            tomb.vtype = SW_V_INT;
            tomb.ival = 1;
            tomb.author = m->cur_author; /* the tombstone's (get_version) */
            rc = record_conflict(m, c, c->col, "edit_of_deleted", &tomb, NULL,
                                 &delver, c, NULL, &c->ver, &c->base, err);
        }
    }
    return rc;
}

/*
** Record c with its n fields in one INSERT, then their versions, if this
** replica does not have it (*added set; else nothing is done, the changes
** checked).  cols has a bit for each field given; one_ver: they share
** c's version.  Every change is taken (there is no local version to
** meet), as merge_apply would.
*/
static int add_record(struct merge_ctx *m, const struct sw_change *c, size_t n,
                      int64_t cols, int one_ver, unsigned flags, int *added,
                      struct sw_err *err)
{
    const struct sw_table *tb = &sw_tables[c->tbl];
    sdb_stmt *st = NULL;
    int64_t rid;
    int rc = 0;

    *added = 0;
    if (!(flags & MERGE_CHECKED))
        rc = check_record(c, err); /* the others' are the same */
    for (size_t i = 0; i < n && !rc; i++) {
        if (!(flags & MERGE_CHECKED))
            rc = check_value(&c[i], err);
        if (!rc)
            rc = hlc_recv(&m->clock, c[i].ver.hlc, sw_now_ms(), err);
    }
    if (!rc)
        rc = add_stmt(m, 1, c->tbl, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, c->id, -1, SDB_STATIC);
    sdb_bind_text(st, 2, c->station, -1, SDB_STATIC);
    sdb_bind_int(st, 3 + sw_col_deleted(tb), 0);
    for (size_t i = 0; i < n; i++)
        bind_change_value(st, 3 + c[i].col, &c[i]);
    if (m->role == SW_ROLE_STATION && one_ver) {
        sdb_bind_int64(st, 3 + tb->ncols, c->ver.hlc);
        sdb_bind_text(st, 4 + tb->ncols, c->ver.site, -1, SDB_STATIC);
        sdb_bind_int64(st, 5 + tb->ncols, cols);
        bind_author(m, st, 6 + tb->ncols, c);
    }
    rc = step_done(m, st, "create record", err);
    if (rc || sdb_changes(m->db) == 0)
        return rc; /* the id is taken: the record exists */
    *added = 1;
    rid = sdb_last_insert_rowid(m->db);
    m->stats.rows_added++;
    m->stats.applied += (long)n;
    for (size_t i = 0; i < n && !rc; i++)
        if (c[i].col == sw_col_deleted(tb) && c[i].vtype == SW_V_INT &&
            c[i].ival == 1 && c[i].seen)
            rc = merge_put_tomb(m, c->tbl, rid, &c[i].ver, c[i].seen, err);
    if (rc)
        return rc;
    if (m->role == SW_ROLE_STATION && one_ver)
        return 0; /* in the row */
    if (m->role == SW_ROLE_COUNTY)
        return put_versions(m, c, n, rid, err);
    for (size_t i = 0; i < n && !rc; i++)
        rc = put_version(m, &c[i], rid, err);
    return rc;
}

int merge_apply_row(struct merge_ctx *m, const struct sw_change *c, size_t n,
                    unsigned flags, size_t *used, struct sw_err *err)
{
    uint64_t seen = 0;
    size_t k;
    int rc = 0, tomb = 0, one_ver = 1, added = 0;

    *used = 1;
    if (n == 0 || c->tbl < 0 || c->tbl >= SW_NTABLES)
        return n ? merge_apply(m, c, flags, err) : 0;
    for (k = 0; k < n; k++) {
        const struct sw_change *x = &c[k];
        if (x->tbl != c->tbl || strcmp(x->id, c->id) ||
            strcmp(x->station, c->station) || x->col < 0 ||
            x->col >= sw_tables[c->tbl].ncols || x->ver.hlc <= 0 ||
            (seen & ((uint64_t)1 << x->col)))
            break;
        seen |= (uint64_t)1 << x->col;
        one_ver = one_ver && sw_version_eq(&x->ver, &c->ver) &&
                  sw_author_eq(x->author, c->author);
        tomb = tomb || (x->col == sw_col_deleted(&sw_tables[c->tbl]) &&
                        x->vtype == SW_V_INT && x->ival == 1);
    }
    if (k == 0)
        return merge_apply(m, c, flags, err); /* refuses it */
    *used = k;
    /* a tombstone among fields of other versions: merge_apply flags the
       newer ones */
    if (one_ver || !tomb) {
        rc = add_record(m, c, k, (int64_t)seen, one_ver, flags, &added, err);
        flags |= MERGE_CHECKED; /* it checked them */
    }
    for (size_t i = 0; i < k && !rc && !added; i++)
        rc = merge_apply(m, &c[i], flags, err);
    return rc;
}

int merge_read_field(struct merge_ctx *m, struct sw_change *c, int *found,
                     int *deleted, struct sw_err *err)
{
    sdb_stmt *st = m->find_row[c->tbl];
    sdb_value *v = NULL;
    int64_t rid = 0;
    int rc;

    *found = 0;
    sdb_bind_text(st, 1, c->id, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        *found = 1;
        rid = sdb_column_int64(st, 0);
        snprintf(c->station, sizeof(c->station), "%s",
                 sdb_column_text(st, 1) ? (const char *)sdb_column_text(st, 1)
                                        : "");
        if (deleted)
            *deleted = sdb_column_int(st, 2);
        rc = 0;
    } else if (rc == SDB_DONE) {
        rc = 0;
    } else {
        rc = db_fail(err, m->db, "find record");
    }
    sdb_reset(st);
    if (rc || !*found)
        return rc;
    rc = get_version(m, c->tbl, rid, c->col, &c->ver, err);
    if (!rc)
        rc = merge_get_value(m, c->tbl, c->col, rid, &v, err);
    if (rc)
        return rc;
    rc = merge_set_value(c, v, err);
    sdb_value_free(v);
    return rc;
}

int merge_set_value(struct sw_change *c, const sdb_value *v, struct sw_err *err)
{
    free(c->text);
    c->text = NULL;
    switch (sdb_value_type(v)) {
    case SDB_INTEGER:
        c->vtype = SW_V_INT;
        c->ival = sdb_value_int64(v);
        return 0;
    case SDB_NULL:
        c->vtype = SW_V_NULL;
        return 0;
    default:
        c->vtype = SW_V_TEXT;
        c->text = sw_strdup((const char *)sdb_value_text(v));
        return c->text ? 0 : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
}

void merge_column_version(sdb_stmt *st, int k, struct sw_version *v)
{
    const unsigned char *site = sdb_column_text(st, k + 1);
    memset(v, 0, sizeof(*v));
    if (sdb_column_type(st, k) == SDB_NULL)
        return;
    v->hlc = sdb_column_int64(st, k);
    sw_copy(v->site, sizeof(v->site), (const char *)site);
}

/* ---- ownership (docs/design-notes.md, "Case transfer") ---------------- */

int merge_owner_rule(const struct sw_version *cur, const struct sw_version *ver,
                     const struct sw_version *base)
{
    if (sw_version_eq(ver, cur))
        return 0; /* 1. already have it */
    if (sw_version_eq(base, cur))
        return 1;                        /* 2. the writer saw ours */
    return sw_version_cmp(ver, cur) > 0; /* 3. the later one */
}

int merge_owner_version(struct merge_ctx *m, const char *case_id,
                        struct sw_version *out, struct sw_err *err)
{
    static const char sql[] =
        "SELECT hlc, site FROM transfers WHERE case_id = ?1 "
        "ORDER BY hlc DESC, site DESC LIMIT 1";
    sdb_stmt *st = NULL;
    int rc = db_prepare(m->db, sql, &st, err), step;

    memset(out, 0, sizeof(*out));
    if (rc)
        return rc;
    sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
    step = sdb_step(st);
    if (step == SDB_ROW)
        merge_column_version(st, 0, out);
    else if (step != SDB_DONE)
        rc = db_fail(err, m->db, "read ownership");
    sdb_finalize(st);
    return rc;
}

int merge_left_after(struct merge_ctx *m, const char *case_id,
                     const char *station, const struct sw_version *base,
                     int *yes, struct sw_err *err)
{
    /* a transfer away from station later than base; or any, when base is
       none or a version one of station's own replicas wrote */
    static const char sql[] =
        "SELECT 1 FROM transfers WHERE case_id = ?1 AND from_station = ?2 "
        "AND (CAST(?3 AS BIGINT) = 0 OR hlc > ?3 OR (hlc = ?3 AND site > ?4) "
        "OR EXISTS (SELECT 1 FROM replicas WHERE site = ?4 AND station = ?2)) "
        "LIMIT 1";
    sdb_stmt *st = NULL;
    int rc = db_prepare(m->db, sql, &st, err), step;

    *yes = 0;
    if (rc)
        return rc;
    sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
    sdb_bind_text(st, 2, station, -1, SDB_STATIC);
    sdb_bind_int64(st, 3, base->hlc);
    sdb_bind_text(st, 4, base->hlc ? base->site : "", -1, SDB_STATIC);
    step = sdb_step(st);
    *yes = step == SDB_ROW;
    if (step != SDB_ROW && step != SDB_DONE)
        rc = db_fail(err, m->db, "read transfers");
    sdb_finalize(st);
    return rc;
}
