#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddl.h"
#include "links.h"
#include "purge.h"
#include "replica.h"
#include "transfer.h"

static const char SQL_OUTBOX[] =
    "SELECT tbl, rid, col, base_hlc, base_site, edited_at, author "
    "FROM outbox "
    "ORDER BY edited_at, tbl, rid, col";
/* a pending change: tbl, rid, col, value, hlc, site, base_hlc, base_site,
   author, seen a row (db_prepare_rows) */
#define SQL_PEND_ADD_HEAD                                                      \
    "INSERT INTO pending (tbl, rid, col, value, hlc, site, base_hlc, "         \
    "base_site, author, seen) VALUES"
static const char SQL_ACK[] = "DELETE FROM pending WHERE seq <= ?1";
static const char SQL_SEQ_FLOOR[] =
    "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'pending'";
static const char SQL_SEQ_INSERT[] =
    "INSERT INTO sqlite_sequence (name, seq) SELECT 'pending', ?1 "
    "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'pending')";
static const char SQL_SEQ_MAX[] =
    "SELECT coalesce((SELECT seq FROM sqlite_sequence "
    "WHERE name = 'pending'), 0)";

/* Who writes on this connection (replica_set_author): a TEMP table and
** TEMP triggers, which only this connection sees.  A trigger of the main
** schema cannot read a TEMP table (SQLite resolves its names in its own
** schema), so the main capture trigger clears outbox.author on every
** edit and these, on the writer's own connection, fill it in after it.
** Triggers are off while the merge applies pulled changes. */
static const char SQL_AUTHOR_SETUP[] =
    "CREATE TEMP TABLE IF NOT EXISTS sw_author (\n"
    "    id INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "    worker TEXT NOT NULL);\n"
    "CREATE TEMP TRIGGER IF NOT EXISTS sw_author_ins AFTER INSERT ON "
    "main.outbox\n"
    "WHEN EXISTS (SELECT 1 FROM temp.sw_author)\n"
    "BEGIN\n"
    "    UPDATE outbox SET author = (SELECT worker FROM temp.sw_author)\n"
    "    WHERE tbl = NEW.tbl AND rid = NEW.rid AND col = NEW.col;\n"
    "END;\n"
    "CREATE TEMP TRIGGER IF NOT EXISTS sw_author_upd AFTER UPDATE OF gen ON "
    "main.outbox\n"
    "WHEN EXISTS (SELECT 1 FROM temp.sw_author)\n"
    "BEGIN\n"
    "    UPDATE outbox SET author = (SELECT worker FROM temp.sw_author)\n"
    "    WHERE tbl = NEW.tbl AND rid = NEW.rid AND col = NEW.col;\n"
    "END;\n";
static const char SQL_AUTHOR_SET[] =
    "INSERT INTO temp.sw_author (id, worker) VALUES (1, ?1) "
    "ON CONFLICT (id) DO UPDATE SET worker = excluded.worker";
static const char SQL_AUTHOR_CLEAR[] = "DELETE FROM temp.sw_author";

static const char SQL_UNSENT_COUNT[] =
    "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM pending)";

/* Pending changes in order; each one's record id and station are read
** once a record (row_station), not by two subqueries a change. */
static const char SQL_PEND_READ[] =
    "SELECT seq, tbl, col, value, hlc, site, base_hlc, base_site, author, "
    "rid, seen FROM pending WHERE seq > ?1 ORDER BY seq LIMIT ?2";

int replica_open(struct replica *r, sdb *db, struct sw_err *err)
{
    char *site = NULL, *station = NULL;
    int rc;

    memset(r, 0, sizeof(*r));
    r->db = db;
    rc = db_config_get(db, "site", &site, err);
    if (!rc)
        rc = db_config_get(db, "station", &station, err);
    if (!rc &&
        (!site || !station || !sw_site_valid(site) || !sw_code_valid(station)))
        rc = sw_fail(err, SW_ECONFIG, _("replica has no valid site/station"));
    if (!rc) {
        snprintf(r->site, sizeof(r->site), "%s", site);
        snprintf(r->station, sizeof(r->station), "%s", station);
        rc = merge_open(&r->m, db, SW_ROLE_STATION, err);
    }
    if (!rc)
        rc = db_prepare_keep(r->db, SQL_OUTBOX, &r->outbox, err);
    if (!rc)
        rc = db_prepare_rows(r->db, SQL_PEND_ADD_HEAD, 10, 1, "", &r->pend_add,
                             err);
    if (!rc)
        rc = db_prepare_rows(r->db, MERGE_SQL_VER_STATION_HEAD, 6, 1,
                             MERGE_SQL_VER_STATION_TAIL, &r->ver_put, err);
    for (int t = 0; t < SW_NTABLES && !rc; t++) {
        char q[96];
        snprintf(q, sizeof(q), "SELECT station, id FROM %s WHERE rid = ?1",
                 sw_tables[t].name);
        rc = db_prepare_keep(r->db, q, &r->row_station[t], err);
    }
    if (!rc)
        rc = db_prepare_keep(r->db, "SELECT station FROM cases WHERE id = ?1",
                             &r->case_station, err);
    if (!rc)
        rc = db_prepare_keep(r->db, SQL_PEND_READ, &r->pend_read, err);
    free(site);
    free(station);
    return rc;
}

void replica_close(struct replica *r)
{
    merge_close(&r->m);
    sdb_finalize(r->outbox);
    sdb_finalize(r->pend_add);
    sdb_finalize(r->ver_put);
    sdb_finalize(r->pend_read);
    sdb_finalize(r->pend_add_n);
    sdb_finalize(r->ver_put_n);
    r->pend_add_n = r->ver_put_n = NULL;
    for (int t = 0; t < SW_NTABLES; t++) {
        sdb_finalize(r->row_station[t]);
        r->row_station[t] = NULL;
    }
    sdb_finalize(r->case_station);
    r->case_station = NULL;
    r->outbox = r->pend_add = r->ver_put = r->pend_read = NULL;
}

static int run(struct replica *r, sdb_stmt *st, const char *what,
               struct sw_err *err)
{
    int rc = sdb_step(st);
    sdb_reset(st);
    sdb_clear_bindings(st);
    return rc == SDB_DONE ? 0 : db_fail(err, r->db, what);
}

/* The station owning a record (rid of table tbl), or of a case (by id),
** into out; "" when there is none. */
static void station_of(sdb_stmt *st, int by_id, int64_t rid, const char *id,
                       char *out, size_t n)
{
    if (by_id)
        sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    else
        sdb_bind_int64(st, 1, rid);
    out[0] = '\0';
    if (sdb_step(st) == SDB_ROW && sdb_column_text(st, 0))
        snprintf(out, n, "%s", (const char *)sdb_column_text(st, 0));
    sdb_reset(st);
}

/*
** Could the county accept a change of this record: is it this station's,
** and, for a visit or service, is its case this station's?  0, or
** SW_EDATA with msg naming table and record.  The same for every field
** of the record in one seal (nothing else writes in its transaction), so
** seal_in_txn asks once a record.
*/
static int record_sealable(struct replica *r, int tbl, int64_t rid, char *msg,
                           size_t n)
{
    const struct sw_table *tb = &sw_tables[tbl];
    struct sw_err e;
    char owner[SW_CODE_MAX + 1];

    station_of(r->row_station[tbl], 0, rid, NULL, owner, sizeof(owner));
    if (strcmp(owner, r->station) != 0) {
        snprintf(msg, n, _("%s record %lld: of station '%s', not this one's"),
                 tb->name, (long long)rid, owner);
        return SW_EDATA;
    }
    if (tb->ref_col >= 0) {
        /* a visit or service goes with a case of this station, or not at
           all: all its fields wait while the reference is wrong */
        sdb_value *ref = NULL;
        const char *case_id;
        if (merge_get_value(&r->m, tbl, tb->ref_col, rid, &ref, &e)) {
            snprintf(msg, n, "%.400s", e.msg);
            return SW_EDATA;
        }
        case_id = (const char *)sdb_value_text(ref);
        owner[0] = '\0';
        if (case_id)
            station_of(r->case_station, 1, 0, case_id, owner, sizeof(owner));
        if (strcmp(owner, r->station) != 0) {
            snprintf(msg, n,
                     _("%s record %lld: %s: no case %.40s of this "
                       "station"),
                     tb->name, (long long)rid, tb->cols[tb->ref_col].name,
                     case_id ? case_id : "(none)");
            sdb_value_free(ref);
            return SW_EDATA;
        }
        sdb_value_free(ref);
    }
    return 0;
}

/* Could the county accept this field's value?  0, or SW_EDATA with msg
** naming the record and the field. */
static int value_sealable(int tbl, int col, int64_t rid, sdb_value *val,
                          char *msg, size_t n)
{
    const struct sw_table *tb = &sw_tables[tbl];
    struct sw_err e;
    char num[32];
    const char *text = NULL;

    switch (sdb_value_type(val)) {
    case SDB_NULL:
        break;
    case SDB_INTEGER:
        snprintf(num, sizeof(num), "%lld", (long long)sdb_value_int64(val));
        text = num;
        break;
    default:
        text = (const char *)sdb_value_text(val);
    }
    if (sw_validate(tb, &tb->cols[col], text, &e)) {
        snprintf(msg, n, _("record %lld: %.400s"), (long long)rid, e.msg);
        return SW_EDATA;
    }
    return 0;
}

/* Fields held back by a seal, in a TEMP table (this connection's): the
** sealed ones leave the outbox in one statement at the end. */
static const char SQL_HELD_SETUP[] =
    "CREATE TEMP TABLE IF NOT EXISTS sw_held (\n"
    "    tbl INTEGER NOT NULL,\n"
    "    rid INTEGER NOT NULL,\n"
    "    col INTEGER NOT NULL,\n"
    "    PRIMARY KEY (tbl, rid, col)) WITHOUT ROWID;\n"
    "DELETE FROM temp.sw_held;\n";
static const char SQL_HELD_ADD[] =
    "INSERT OR IGNORE INTO temp.sw_held (tbl, rid, col) VALUES (?1, ?2, ?3)";
static const char SQL_OUT_CLEAR[] = "DELETE FROM outbox";
static const char SQL_OUT_CLEAR_HELD[] =
    "DELETE FROM outbox WHERE NOT EXISTS (SELECT 1 FROM temp.sw_held AS h "
    "WHERE h.tbl = outbox.tbl AND h.rid = outbox.rid AND h.col = outbox.col)";

/* Note a held field (the first of a seal makes the table). */
static int hold(struct replica *r, sdb_stmt **add, int tbl, int64_t rid,
                int col, struct sw_err *err)
{
    int rc = 0;

    if (!*add) {
        rc = db_exec(r->db, SQL_HELD_SETUP, err);
        if (!rc)
            rc = db_prepare(r->db, SQL_HELD_ADD, add, err);
        if (rc)
            return rc;
    }
    sdb_bind_int(*add, 1, tbl);
    sdb_bind_int64(*add, 2, rid);
    sdb_bind_int(*add, 3, col);
    return run(r, *add, "hold", err);
}

/* A sealed field waiting to be written (seal_flush). */
struct sealed {
    int tbl, col;
    int64_t rid, hlc;
    sdb_value *val, *base_hlc, *base_site;
    char *seen;                     /* a tombstone's */
    char author[SW_AUTHOR_MAX + 1]; /* "" none */
};

static void sealed_free(struct sealed *x)
{
    sdb_value_free(x->val);
    sdb_value_free(x->base_hlc);
    sdb_value_free(x->base_site);
    free(x->seen);
    memset(x, 0, sizeof(*x));
}

/* Prepare the statements writing REPLICA_SEAL_ROWS sealed fields at once
** (both or neither: after a failure the next seal tries again). */
static int seal_prepare(struct replica *r, struct sw_err *err)
{
    int rc = 0;

    if (r->pend_add_n && r->ver_put_n)
        return 0;
    rc = db_prepare_rows(r->db, SQL_PEND_ADD_HEAD, 10, REPLICA_SEAL_ROWS, "",
                         &r->pend_add_n, err);
    if (!rc)
        rc = db_prepare_rows(r->db, MERGE_SQL_VER_STATION_HEAD, 6,
                             REPLICA_SEAL_ROWS, MERGE_SQL_VER_STATION_TAIL,
                             &r->ver_put_n, err);
    if (rc) {
        sdb_finalize(r->pend_add_n);
        sdb_finalize(r->ver_put_n);
        r->pend_add_n = r->ver_put_n = NULL;
    }
    return rc;
}

/* Write the k sealed fields of x (their pending changes, in order, then
** their versions), REPLICA_SEAL_ROWS a statement when there are that
** many (issue 14: a statement a field was most of a seal's work). */
static int seal_flush(struct replica *r, struct sealed *x, int k,
                      struct sw_err *err)
{
    int rc = 0, i = 0;

    while (!rc && i < k) {
        int many = k - i >= REPLICA_SEAL_ROWS;
        int m = many ? REPLICA_SEAL_ROWS : 1;
        sdb_stmt *pa = many ? r->pend_add_n : r->pend_add;
        sdb_stmt *vp = many ? r->ver_put_n : r->ver_put;
        for (int j = 0; j < m; j++) {
            const struct sealed *y = &x[i + j];
            int b = 10 * j;
            sdb_bind_int(pa, b + 1, y->tbl);
            sdb_bind_int64(pa, b + 2, y->rid);
            sdb_bind_int(pa, b + 3, y->col);
            sdb_bind_value(pa, b + 4, y->val);
            sdb_bind_int64(pa, b + 5, y->hlc);
            sdb_bind_text(pa, b + 6, r->site, -1, SDB_STATIC);
            sdb_bind_value(pa, b + 7, y->base_hlc);
            sdb_bind_value(pa, b + 8, y->base_site);
            if (y->author[0])
                sdb_bind_text(pa, b + 9, y->author, -1, SDB_STATIC);
            if (y->seen)
                sdb_bind_text(pa, b + 10, y->seen, -1, SDB_STATIC);
            b = 6 * j;
            sdb_bind_int(vp, b + 1, y->tbl);
            sdb_bind_int64(vp, b + 2, y->rid);
            sdb_bind_int(vp, b + 3, y->col);
            sdb_bind_int64(vp, b + 4, y->hlc);
            sdb_bind_text(vp, b + 5, r->site, -1, SDB_STATIC);
            if (y->author[0])
                sdb_bind_text(vp, b + 6, y->author, -1, SDB_STATIC);
        }
        rc = run(r, pa, "seal", err);
        if (!rc)
            rc = run(r, vp, "seal version", err);
        i += m;
    }
    for (i = 0; i < k; i++)
        sealed_free(&x[i]);
    return rc;
}

/* Seal inside an open write transaction, with the given clock. */
static int seal_in_txn(struct replica *r, struct hlc_clock *clock, long *n,
                       struct sw_err *err)
{
    sdb_stmt *o = r->outbox;
    int64_t last_tbl = -1, last_rid = -1, last_at = -1, hlc = 0;
    char last_author[SW_AUTHOR_MAX + 1] = "";
    int last_has_author = 0;
    int64_t now = sw_now_ms();
    /* the last record checked (record_sealable) and its answer */
    int64_t ck_tbl = -1, ck_rid = -1;
    int ck_rc = 0;
    char why[SW_ERRMSG_MAX], ck_why[SW_ERRMSG_MAX];
    sdb_stmt *held = NULL, *clear = NULL;
    struct sealed buf[REPLICA_SEAL_ROWS];
    int nbuf = 0;
    long count = 0;
    int rc, step;

    memset(buf, 0, sizeof(buf));
    clock->offset_ms = r->offset_ms;
    r->held = 0;
    r->held_msg[0] = '\0';
    rc = seal_prepare(r, err);
    while (!rc && (step = sdb_step(o)) == SDB_ROW) {
        int tbl = sdb_column_int(o, 0);
        int64_t rid = sdb_column_int64(o, 1);
        int col = sdb_column_int(o, 2);
        /* an edit made while the clock was ahead (and since corrected)
           did not happen in the future */
        int64_t at =
            sdb_column_int64(o, 5) < now ? sdb_column_int64(o, 5) : now;
        /* who wrote it; another program's garbage there is nobody */
        const char *author = (const char *)sdb_column_text(o, 6);
        struct sealed *x;
        sdb_value *val = NULL;
        int del;

        if (author && !sw_author_valid(author))
            author = NULL;
        if (tbl < 0 || tbl >= SW_NTABLES || col < 0 ||
            col >= sw_tables[tbl].ncols) {
            rc = sw_fail(err, SW_EDATA, _("outbox: bad entry (%d, %d)"), tbl,
                         col);
            break;
        }
        /* one version for the fields one statement wrote in one record */
        if (tbl != last_tbl || rid != last_rid || at != last_at ||
            !sw_author_eq(author, last_has_author ? last_author : NULL)) {
            hlc = hlc_now(clock, at);
            last_tbl = tbl;
            last_rid = rid;
            last_at = at;
            last_has_author = author != NULL;
            snprintf(last_author, sizeof(last_author), "%s",
                     author ? author : "");
        }
        rc = merge_get_value(&r->m, tbl, col, rid, &val, err);
        if (rc)
            break;
        if (tbl != ck_tbl || rid != ck_rid) {
            ck_tbl = tbl;
            ck_rid = rid;
            ck_rc = record_sealable(r, tbl, rid, ck_why, sizeof(ck_why));
        }
        if (ck_rc || value_sealable(tbl, col, rid, val, why, sizeof(why))) {
            if (!r->held)
                snprintf(r->held_msg, sizeof(r->held_msg), "%s",
                         ck_rc ? ck_why : why);
            r->held++; /* stays in the outbox until fixed */
            sdb_value_free(val);
            rc = hold(r, &held, tbl, rid, col, err);
            continue;
        }
        /* a delete says which versions of the record it had seen: those
           sealed before it in this seal too, so they are written first */
        del = col == sw_col_deleted(&sw_tables[tbl]) &&
              sdb_value_type(val) == SDB_INTEGER && sdb_value_int64(val) == 1;
        if (del) {
            rc = seal_flush(r, buf, nbuf, err);
            nbuf = 0;
        }
        x = &buf[nbuf++];
        x->tbl = tbl;
        x->col = col;
        x->rid = rid;
        x->hlc = hlc;
        x->val = val;
        x->base_hlc = sdb_value_dup(sdb_column_value(o, 3));
        x->base_site = sdb_value_dup(sdb_column_value(o, 4));
        if (!rc && (!x->base_hlc || !x->base_site))
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        sw_copy(x->author, sizeof(x->author), author ? author : "");
        if (!rc && del) {
            struct sw_version tv;
            memset(&tv, 0, sizeof(tv));
            tv.hlc = hlc;
            snprintf(tv.site, sizeof(tv.site), "%s", r->site);
            rc = merge_row_seen(&r->m, tbl, rid, &x->seen, err);
            if (!rc)
                rc = merge_put_tomb(&r->m, tbl, rid, &tv, x->seen, err);
        }
        count++;
        if (!rc && nbuf == REPLICA_SEAL_ROWS) {
            rc = seal_flush(r, buf, nbuf, err);
            nbuf = 0;
        }
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, r->db, "read outbox");
    sdb_reset(o);
    if (!rc)
        rc = seal_flush(r, buf, nbuf, err);
    else
        for (int i = 0; i < nbuf; i++)
            sealed_free(&buf[i]);
    /* what was sealed leaves the outbox, in one statement: every row was
       read above in this write transaction, and nothing wrote to the
       outbox since (its capture triggers are on the records' tables) */
    if (!rc)
        rc = db_prepare(r->db, held ? SQL_OUT_CLEAR_HELD : SQL_OUT_CLEAR,
                        &clear, err);
    if (!rc)
        rc = run(r, clear, "clear outbox", err);
    sdb_finalize(clear);
    sdb_finalize(held);
    if (n)
        *n = count;
    return rc;
}

int replica_seal(struct replica *r, long *n, struct sw_err *err)
{
    struct hlc_clock clock;
    int rc;

    memset(&clock, 0, sizeof(clock));
    rc = db_begin(r->db, err);
    if (rc)
        return rc;
    rc = db_get_hlc(r->db, &clock.last, err);
    if (!rc)
        rc = seal_in_txn(r, &clock, n, err);
    if (!rc)
        rc = db_set_hlc(r->db, clock.last, err);
    if (rc) {
        db_rollback(r->db);
        return rc;
    }
    return db_commit(r->db, err);
}

/* The pending changes after seq `after` (at most limit) into b; in one
** read of the file (the changes and their records' ids agree). */
static int read_pending(struct replica *r, int64_t after, size_t limit,
                        struct sw_batch *b, struct sw_err *err)
{
    sdb_stmt *st = r->pend_read;
    /* the record of the change before: its id and station */
    int64_t last_rid = -1;
    int last_tbl = -1, rc = 0, step;
    char id[SW_UUID_LEN + 1] = "", station[SW_CODE_MAX + 1] = "";

    sdb_bind_int64(st, 1, after);
    sdb_bind_int64(st, 2, (int64_t)limit);
    while (!rc && (step = sdb_step(st)) == SDB_ROW) {
        struct sw_change c;
        const unsigned char *author = sdb_column_text(st, 8);
        int64_t rid = sdb_column_int64(st, 9);

        memset(&c, 0, sizeof(c));
        c.seq = sdb_column_int64(st, 0);
        c.tbl = sdb_column_int(st, 1);
        c.col = sdb_column_int(st, 2);
        if (c.tbl < 0 || c.tbl >= SW_NTABLES) {
            id[0] = '\0'; /* no such table: no such record */
            last_tbl = -1;
        } else if (c.tbl != last_tbl || rid != last_rid) {
            sdb_stmt *rs = r->row_station[c.tbl];
            int found;
            last_tbl = c.tbl;
            last_rid = rid;
            id[0] = station[0] = '\0';
            sdb_bind_int64(rs, 1, rid);
            found = sdb_step(rs);
            if (found == SDB_ROW && sdb_column_text(rs, 0) &&
                sdb_column_text(rs, 1)) {
                sw_copy(station, sizeof(station),
                        (const char *)sdb_column_text(rs, 0));
                sw_copy(id, sizeof(id), (const char *)sdb_column_text(rs, 1));
            } else if (found != SDB_ROW && found != SDB_DONE) {
                rc = db_fail(err, r->db, "read pending");
            }
            sdb_reset(rs);
            if (rc)
                break;
        }
        if (!id[0] || !station[0]) {
            rc = sw_fail(err, SW_EDATA,
                         _("pending change %lld: its record is "
                           "gone"),
                         (long long)c.seq);
            break;
        }
        sw_copy(c.id, sizeof(c.id), id);
        sw_copy(c.station, sizeof(c.station), station);
        rc = merge_set_value(&c, sdb_column_value(st, 3), err);
        merge_column_version(st, 4, &c.ver);
        merge_column_version(st, 6, &c.base);
        if (!rc && author && sw_author_valid((const char *)author) &&
            !(c.author = sw_strdup((const char *)author)))
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        if (!rc && sdb_column_text(st, 10)) {
            c.seen = sw_strdup((const char *)sdb_column_text(st, 10));
            if (!c.seen)
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        }
        if (!rc && batch_add(b, &c))
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        change_release(&c);
        if (!rc) {
            if (b->n == 1)
                b->from = c.seq;
            b->to = c.seq;
        }
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, r->db, "read pending");
    sdb_reset(st);
    return rc;
}

int replica_read_pending(struct replica *r, int64_t after, size_t limit,
                         struct sw_batch *b, struct sw_err *err)
{
    int own = sdb_get_autocommit(r->db), rc;

    snprintf(b->site, sizeof(b->site), "%s", r->site);
    b->from = b->to = 0;
    if (own && (rc = db_begin_read(r->db, err)) != 0)
        return rc;
    rc = read_pending(r, after, limit, b, err);
    if (own) {
        if (rc)
            db_rollback(r->db);
        else
            rc = db_commit(r->db, err);
    }
    return rc;
}

int replica_ack(struct replica *r, int64_t through, struct sw_err *err)
{
    return db_exec_int(r->db, SQL_ACK, through, err);
}

int replica_seq_floor(struct replica *r, int64_t seq, struct sw_err *err)
{
    int rc = db_begin(r->db, err);
    if (!rc)
        rc = db_exec_int(r->db, SQL_SEQ_FLOOR, seq, err);
    if (!rc)
        rc = db_exec_int(r->db, SQL_SEQ_INSERT, seq, err);
    if (rc) {
        db_rollback(r->db);
        return rc;
    }
    return db_commit(r->db, err);
}

int replica_cursor(struct replica *r, int64_t *out, struct sw_err *err)
{
    char *v = NULL;
    int rc = db_config_get(r->db, "cursor", &v, err);
    *out = v ? strtoll(v, NULL, 10) : 0;
    free(v);
    return rc;
}

/* Drop (or make, when missing) the secondary indexes, one transaction. */
static int set_indexes(struct replica *r, int drop, struct sw_err *err)
{
    struct sw_buf sb;
    char *sql;
    int rc;

    sb_init(&sb);
    ddl_indexes(&sb, 0, drop);
    sql = sb_detach(&sb, NULL);
    if (!sql)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    rc = db_begin(r->db, err);
    if (!rc)
        rc = db_exec(r->db, sql, err);
    if (!rc)
        rc = db_commit(r->db, err);
    else
        db_rollback(r->db);
    free(sql);
    return rc;
}

int replica_apply_pull(struct replica *r, const struct sw_batch *b,
                       struct merge_stats *st, struct sw_err *err)
{
    return replica_apply_pull_key(r, b, st, "cursor", err);
}

int replica_apply_pull_key(struct replica *r, const struct sw_batch *b,
                           struct merge_stats *st, const char *cursor_key,
                           struct sw_err *err)
{
    char cur[32];
    long erased = 0;
    int rc;

    rc = batch_check(b, 0, err); /* before anything is read of it */
    if (rc)
        return rc;
    r->m.clock.offset_ms = r->offset_ms;
    r->m.clock.max_drift_ms = r->max_drift_ms;
    r->m.clock.clamp = 1;
    r->m.clock.clamped = 0;
    r->m.clock.clamped_ahead_ms = 0;
    rc = merge_begin(&r->m, err);
    if (rc)
        return rc;
    /* unsent local edits become versions the merge rule compares */
    rc = seal_in_txn(r, &r->m.clock, NULL, err);
    for (size_t i = 0; !rc && i < b->n; i++) {
        /* a county-owned record (the resource directory) is the
           county's, and every station's to read */
        if (strcmp(b->v[i].station, r->station) != 0 &&
            !sw_county_owned(&sw_tables[b->v[i].tbl]))
            rc = sw_fail(err, SW_EDATA,
                         _("pulled record %s belongs to station %s, not %s"),
                         b->v[i].id, b->v[i].station, r->station);
    }
    for (size_t i = 0, used = 0; !rc && i < b->n; i += used)
        rc = merge_apply_row(&r->m, &b->v[i], b->n - i,
                             MERGE_UPSTREAM | (b->checked ? MERGE_CHECKED : 0),
                             &used, err);
    for (size_t i = 0; !rc && i < b->nerase; i++) {
        long n = 0;
        if (b->erase[i].to[0])
            continue; /* a case moved away: below */
        rc = purge_erase_local(r->db, b->erase[i].tbl, b->erase[i].id, &n, err);
        erased += n;
    }
    /* cases moved to another station (docs/design-notes.md, "Case
       transfer"): noted, and erased unless edits of them wait unsent;
       those that waited, at the end of the ordinary pull */
    if (!rc) {
        long n = 0;
        rc = transfer_apply_pull(
            r->db, b, !b->more && strcmp(cursor_key, "cursor") == 0, &n, err);
        erased += n;
    }
    if (!rc)
        rc = links_apply(r->db, b, err); /* the county's link notices */
    if (!rc) {
        snprintf(cur, sizeof(cur), "%lld", (long long)b->cursor);
        rc = db_config_set(r->db, cursor_key, cur, err);
    }
    if (rc) {
        merge_abort(&r->m);
        return rc;
    }
    if (st)
        *st = r->m.stats;
    rc = merge_commit(&r->m, err);
    if (rc)
        return rc;
    r->clamped += r->m.clock.clamped;
    if (r->m.clock.clamped_ahead_ms > r->clamped_ahead_ms)
        r->clamped_ahead_ms = r->m.clock.clamped_ahead_ms;
    r->pulled += (long)b->n;
    if (b->nerase > 0 || erased > 0) {
        r->erased += erased;
        /* the -wal must not keep the erased values */
        rc = purge_checkpoint(r->db, err);
        if (rc)
            return rc;
    }
    if (r->bulk_after && !r->bulk && b->more && r->pulled >= r->bulk_after)
        r->bulk = set_indexes(r, 1, NULL) == 0; /* else as before */
    return 0;
}

int replica_pull_end(struct replica *r, struct sw_err *err)
{
    int rc = set_indexes(r, 0, err);
    if (!rc)
        r->bulk = 0;
    return rc;
}

int replica_unsent(struct replica *r, int64_t *out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(r->db, SQL_UNSENT_COUNT, &st, err);
    if (rc)
        return rc;
    if (sdb_step(st) == SDB_ROW) {
        *out = sdb_column_int64(st, 0);
        rc = 0;
    } else {
        rc = db_fail(err, r->db, "count unsent");
    }
    sdb_finalize(st);
    return rc;
}

int replica_seq_max(struct replica *r, int64_t *out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(r->db, SQL_SEQ_MAX, &st, err);
    if (rc)
        return rc;
    if (sdb_step(st) == SDB_ROW) {
        *out = sdb_column_int64(st, 0);
        rc = 0;
    } else {
        rc = db_fail(err, r->db, "read seq");
    }
    sdb_finalize(st);
    return rc;
}

int replica_reset_cursor(struct replica *r, struct sw_err *err)
{
    return db_config_set(r->db, "cursor", "0", err);
}

int replica_skip_own(struct replica *r, int64_t from, int64_t to,
                     struct sw_err *err)
{
    int64_t cur = 0;
    char v[32];
    int rc = replica_cursor(r, &cur, err);
    if (rc || cur < from || to <= cur)
        return rc;
    snprintf(v, sizeof(v), "%lld", (long long)to);
    return db_config_set(r->db, "cursor", v, err);
}

int replica_set_author(sdb *db, const char *worker, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc;

    if (worker && !sw_author_valid(worker))
        return sw_fail(err, SW_EDATA,
                       _("author: not 1 to %d bytes of UTF-8 text without "
                         "control characters"),
                       SW_AUTHOR_MAX);
    rc = db_exec(db, SQL_AUTHOR_SETUP, err);
    if (!rc)
        rc = db_prepare(db, worker ? SQL_AUTHOR_SET : SQL_AUTHOR_CLEAR, &st,
                        err);
    if (rc)
        return rc;
    if (worker)
        sdb_bind_text(st, 1, worker, -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE)
        rc = db_fail(err, db, "set author");
    sdb_finalize(st);
    return rc;
}

int replica_authors(sdb *db, int tbl, const char *id, char **authors,
                    struct sw_err *err)
{
    const struct sw_table *t = &sw_tables[tbl];
    sdb_stmt *st = NULL;
    char sql[160];
    int64_t rid = 0, cols = 0;
    int rc, step;

    for (int c = 0; c < t->ncols; c++)
        authors[c] = NULL;
    snprintf(sql, sizeof(sql),
             "SELECT rid, ver_cols, ver_author FROM %s WHERE id = ?1 AND "
             "deleted = 0",
             t->name);
    rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    step = sdb_step(st);
    if (step == SDB_ROW) {
        const char *a = (const char *)sdb_column_text(st, 2);
        rid = sdb_column_int64(st, 0);
        cols = sdb_column_int64(st, 1);
        for (int c = 0; c < t->ncols && a && !rc; c++)
            if (((cols >> c) & 1) && !(authors[c] = sw_strdup(a)))
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    } else if (step == SDB_DONE) {
        rc = sw_fail(err, SW_EDATA, _("%s %s: not found"), t->noun, id);
    } else {
        rc = db_fail(err, db, t->noun);
    }
    sdb_finalize(st);
    st = NULL;
    /* a field's own version counts over its record's */
    if (!rc)
        rc = db_prepare(db,
                        "SELECT col, author FROM field_versions "
                        "WHERE tbl = ?1 AND rid = ?2",
                        &st, err);
    if (!rc) {
        sdb_bind_int(st, 1, tbl);
        sdb_bind_int64(st, 2, rid);
        while (!rc && (step = sdb_step(st)) == SDB_ROW) {
            int c = sdb_column_int(st, 0);
            const char *a = (const char *)sdb_column_text(st, 1);
            if (c < 0 || c >= t->ncols)
                continue;
            free(authors[c]);
            authors[c] = NULL;
            if (a && !(authors[c] = sw_strdup(a)))
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        }
        if (!rc && step != SDB_DONE)
            rc = db_fail(err, db, "read versions");
    }
    sdb_finalize(st);
    if (rc)
        for (int c = 0; c < t->ncols; c++) {
            free(authors[c]);
            authors[c] = NULL;
        }
    return rc;
}
