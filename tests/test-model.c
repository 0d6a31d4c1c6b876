/*
** test-model.c — randomized model test of the sync engine.
**
** Six replicas of three stations (A has three: office PC and two
** laptops) and one county store make thousands of random adds, edits and
** deletes (of cases, visits and referrals at the stations; of the
** county-owned resource directory at the county, which the stations'
** other programs try to write too and are refused), and sync in random orders
*through the real codec, with
** batches cut at random sizes, acknowledgements lost (so batches are
** resent), pulls dropped on the way or applied twice.  Replica clocks are
** skewed by up to +-5 s.  At the end, after a full exchange:
**
**   convergence  every replica holds exactly its station's records and
**                the county-owned ones, with the same values and versions
**                as the county;
**   no lost write  every value ever written is the current value, or a
**                recorded loser in some conflicts table, or was knowingly
**                overwritten (a later write at a replica that held it);
**   idempotence  applying a batch again changes nothing (checked on the
**                way, by a hash of the whole database before and after).
**
** SWSYNC_MODEL_SEED=N repeats a run; SWSYNC_MODEL_OPS=N sets its length
** (default 3000; a soak: SWSYNC_MODEL_OPS=200000).  The seed is printed.
**
** The county store is a SQLite file; with SWSYNC_TEST_PG set (a server
** where the role may create databases, tests/pgtest.h) every run is made
** again with the county store in a fresh PostgreSQL database: the same
** operations and checks, and the same seed gives the same operations on
** both.  The stations' replicas are SQLite files on both.
*/
#include "config.h"

/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "db.h"
#include "exchange.h"
#include "pgtest.h"
#include "replica.h"
#include "store.h"
#include "table.h"
#include "transfer.h"

#define NREP 6
static const char *const rep_station[NREP] = {"A", "A", "A", "B", "B", "C"};

/* Free-text fields get unique values, so every write can be traced. */
static const char *const case_text[] = {"village", "address", "worker",
                                        "notes",   "phone",   NULL};
static const char *const visit_text[] = {"worker", "purpose", "findings", NULL};
static const char *const referral_text[] = {"resource_text", "outcome", "notes",
                                            NULL};
static const char *const resource_text[] = {"contact", "areas", "notes", NULL};

struct write {
    char id[SW_UUID_LEN + 1];
    int tbl;
    const char *col;
    char value[40];
    int overwritten; /* a replica that held it wrote over it */
    int deleted;     /* a replica that held it deleted its record */
};

struct model {
    uint64_t rng;
    char dir[64];
    char ctarget[512]; /* the county store: a file path or a URI */
    sdb *db[NREP], *county;
    struct replica rep[NREP];
    struct store store;
    struct write *w;
    size_t nw, capw;
    long counter;
    long pushes, pulls, resent, dropped, twice, conflicts, transfers;
    long county_writes, refused; /* county-owned: written, refused */
};

static uint64_t rnd(struct model *m)
{
    /* xorshift64* */
    m->rng ^= m->rng >> 12;
    m->rng ^= m->rng << 25;
    m->rng ^= m->rng >> 27;
    return m->rng * UINT64_C(2685821657736338717);
}

static int pick(struct model *m, int n)
{
    return (int)(rnd(m) % (uint64_t)n);
}

static void must(int rc, struct sw_err *err, const char *what)
{
    if (rc)
        fail_msg("%s: %d %s", what, rc, err->msg);
}

static void sql_ok(sdb *db, int rc, const char *what)
{
    if (rc != SDB_OK && rc != SDB_DONE && rc != SDB_ROW)
        fail_msg("%s: %s", what, sdb_errmsg(db));
}

/* ---- hashing a whole database, for idempotence ------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static uint64_t hash_query(sdb *db, const char *sql, uint64_t h)
{
    sdb_stmt *st;
    sql_ok(db, sdb_prepare_v2(db, sql, -1, &st, NULL), sql);
    while (sdb_step(st) == SDB_ROW)
        for (int i = 0; i < sdb_column_count(st); i++) {
            const unsigned char *t = sdb_column_text(st, i);
            h = fnv(h, t ? (const char *)t : "\1",
                    t ? strlen((const char *)t) : 1);
            h = fnv(h, "|", 1);
        }
    sdb_finalize(st);
    return h;
}

static uint64_t db_hash(sdb *db)
{
    uint64_t h = UINT64_C(14695981039346656037);
    h = hash_query(db, "SELECT * FROM cases ORDER BY id", h);
    h = hash_query(db, "SELECT * FROM visits ORDER BY id", h);
    h = hash_query(db, "SELECT * FROM services ORDER BY id", h);
    h = hash_query(db, "SELECT * FROM referrals ORDER BY id", h);
    h = hash_query(db, "SELECT * FROM resources ORDER BY id", h);
    h = hash_query(db,
                   "SELECT tbl, rid, col, hlc, site FROM versions "
                   "ORDER BY 1, 2, 3",
                   h);
    h = hash_query(db,
                   "SELECT tbl, row_id, col, kind, winner_value, "
                   "winner_hlc, loser_value, loser_hlc, status "
                   "FROM conflicts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9",
                   h);
    h = hash_query(db, "SELECT value FROM config WHERE key = 'cursor'", h);
    return h;
}

/* One integer from a query without arguments. */
static int count_rows_any(sdb *db, const char *sql)
{
    sdb_stmt *st;
    int n = 0;
    sql_ok(db, sdb_prepare_v2(db, sql, -1, &st, NULL), sql);
    if (sdb_step(st) == SDB_ROW)
        n = sdb_column_int(st, 0);
    sdb_finalize(st);
    return n;
}

/* ---- the operations ------------------------------------------------------ */

static void note_write(struct model *m, const char *id, int tbl,
                       const char *col, const char *value)
{
    struct write *w;
    if (m->nw == m->capw) {
        m->capw = m->capw ? m->capw * 2 : 1024;
        m->w = realloc(m->w, m->capw * sizeof(*m->w));
        assert_non_null(m->w);
    }
    w = &m->w[m->nw++];
    memset(w, 0, sizeof(*w));
    snprintf(w->id, sizeof(w->id), "%s", id);
    w->tbl = tbl;
    w->col = col;
    snprintf(w->value, sizeof(w->value), "%s", value);
}

/* A value written before at a replica is overwritten there knowingly. */
static void note_overwrite(struct model *m, const char *value)
{
    /* values are "w<N>-..." with N the write's index */
    if (value && value[0] == 'w') {
        long n = strtol(value + 1, NULL, 10);
        if (n >= 0 && (size_t)n < m->nw && strcmp(m->w[n].value, value) == 0)
            m->w[n].overwritten = 1;
    }
}

/* A value held at the replica that deletes its record: deleted knowingly. */
static void note_deleted(struct model *m, const char *value)
{
    if (value && value[0] == 'w') {
        long n = strtol(value + 1, NULL, 10);
        if (n >= 0 && (size_t)n < m->nw && strcmp(m->w[n].value, value) == 0)
            m->w[n].deleted = 1;
    }
}

static void new_value(struct model *m, int r, char *buf, size_t n)
{
    snprintf(buf, n, "w%zu-r%d", m->nw, r);
}

/* A random live record of replica r's table tbl; 0 if none. */
static int random_row(struct model *m, int r, int tbl, char *id)
{
    sdb_stmt *st;
    char sql[160];
    int found = 0;
    snprintf(sql, sizeof(sql),
             "SELECT id FROM %s WHERE deleted = 0 ORDER BY id LIMIT 1 "
             "OFFSET ?1",
             sw_tables[tbl].name);
    sql_ok(m->db[r], sdb_prepare_v2(m->db[r], sql, -1, &st, NULL), sql);
    {
        sdb_stmt *cnt;
        char csql[120];
        int total;
        snprintf(csql, sizeof(csql),
                 "SELECT count(*) FROM %s WHERE deleted = 0",
                 sw_tables[tbl].name);
        sdb_prepare_v2(m->db[r], csql, -1, &cnt, NULL);
        sdb_step(cnt);
        total = sdb_column_int(cnt, 0);
        sdb_finalize(cnt);
        if (total > 0) {
            sdb_bind_int(st, 1, pick(m, total));
            if (sdb_step(st) == SDB_ROW) {
                snprintf(id, SW_UUID_LEN + 1, "%s",
                         (const char *)sdb_column_text(st, 0));
                found = 1;
            }
        }
    }
    sdb_finalize(st);
    return found;
}

static void op_add(struct model *m, int r)
{
    char id[SW_UUID_LEN + 1], val[40], caseid[SW_UUID_LEN + 1];
    sdb_stmt *st;
    sdb *db = m->db[r];

    assert_int_equal(sw_uuid7(id), 0);
    new_value(m, r, val, sizeof(val));
    if (pick(m, 6) == 0 && random_row(m, r, SW_T_CASES, caseid)) {
        /* a referral of one of our cases */
        sql_ok(db,
               sdb_prepare_v2(db,
                              "INSERT INTO referrals (id, case_id, need, "
                              "follow_up_on, notes) VALUES (?1, ?2, "
                              "'health', '2026-12-01', ?3)",
                              -1, &st, NULL),
               "prepare referral");
        sdb_bind_text(st, 1, id, -1, SDB_STATIC);
        sdb_bind_text(st, 2, caseid, -1, SDB_STATIC);
        sdb_bind_text(st, 3, val, -1, SDB_STATIC);
        sql_ok(db, sdb_step(st), "insert referral");
        sdb_finalize(st);
        note_write(m, id, SW_T_REFERRALS, "notes", val);
        return;
    }
    if (pick(m, 3) == 0 && random_row(m, r, SW_T_CASES, caseid)) {
        /* a visit of one of our cases, as another program would write it */
        sql_ok(
            db,
            sdb_prepare_v2(
                db,
                "INSERT INTO visits (id, case_id, visited_at, mode, findings) "
                "VALUES (?1, ?2, '2026-11-20T10:00', 'home', ?3)",
                -1, &st, NULL),
            "prepare visit");
        sdb_bind_text(st, 1, id, -1, SDB_STATIC);
        sdb_bind_text(st, 2, caseid, -1, SDB_STATIC);
        sdb_bind_text(st, 3, val, -1, SDB_STATIC);
        sql_ok(db, sdb_step(st), "insert visit");
        sdb_finalize(st);
        note_write(m, id, SW_T_VISITS, "findings", val);
        return;
    }
    sql_ok(
        db,
        sdb_prepare_v2(
            db,
            "INSERT INTO cases (id, name, category, risk_level, status, "
            "opened_on, village) VALUES (?1, '测试', 'other', 'low', 'open', "
            "'2026-01-01', ?2)",
            -1, &st, NULL),
        "prepare case");
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    sdb_bind_text(st, 2, val, -1, SDB_STATIC);
    sql_ok(db, sdb_step(st), "insert case");
    sdb_finalize(st);
    note_write(m, id, SW_T_CASES, "village", val);
}

static void op_edit(struct model *m, int r)
{
    int tbl = pick(m, 5) == 0 ? SW_T_REFERRALS
              : pick(m, 2)    ? SW_T_CASES
                              : SW_T_VISITS;
    const char *const *cols = tbl == SW_T_CASES    ? case_text
                              : tbl == SW_T_VISITS ? visit_text
                                                   : referral_text;
    int ncols = 0;
    char id[SW_UUID_LEN + 1], val[40], sql[200];
    const char *col;
    sdb_stmt *st;
    sdb *db = m->db[r];

    if (!random_row(m, r, tbl, id))
        return;
    while (cols[ncols])
        ncols++;
    col = cols[pick(m, ncols)];
    if (strcmp(col, "phone") == 0) {
        /* not traced (digits only); still a write that syncs */
        snprintf(sql, sizeof(sql), "UPDATE cases SET phone = ?1 WHERE id = ?2");
        snprintf(val, sizeof(val), "1380013%04d", pick(m, 10000));
    } else {
        snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?1 WHERE id = ?2",
                 sw_tables[tbl].name, col);
        new_value(m, r, val, sizeof(val));
    }
    /* the old value at this replica is overwritten knowingly */
    {
        char q[160];
        sdb_stmt *old;
        snprintf(q, sizeof(q), "SELECT %s FROM %s WHERE id = ?1", col,
                 sw_tables[tbl].name);
        sdb_prepare_v2(db, q, -1, &old, NULL);
        sdb_bind_text(old, 1, id, -1, SDB_STATIC);
        if (sdb_step(old) == SDB_ROW)
            note_overwrite(m, (const char *)sdb_column_text(old, 0));
        sdb_finalize(old);
    }
    sql_ok(db, sdb_prepare_v2(db, sql, -1, &st, NULL), sql);
    sdb_bind_text(st, 1, val, -1, SDB_STATIC);
    sdb_bind_text(st, 2, id, -1, SDB_STATIC);
    sql_ok(db, sdb_step(st), "update");
    sdb_finalize(st);
    if (strcmp(col, "phone") != 0)
        note_write(m, id, tbl, col, val);
}

static void op_delete(struct model *m, int r)
{
    int tbl = pick(m, 2) ? SW_T_CASES : SW_T_VISITS;
    char id[SW_UUID_LEN + 1], sql[120];
    sdb_stmt *st;
    const char *const *cols = tbl == SW_T_CASES ? case_text : visit_text;
    if (!random_row(m, r, tbl, id))
        return;
    /* what this replica holds of the record is deleted knowingly; an edit
       it has not seen must not vanish with it */
    for (int k = 0; cols[k]; k++) {
        char q[160];
        sdb_stmt *old;
        snprintf(q, sizeof(q), "SELECT %s FROM %s WHERE id = ?1", cols[k],
                 sw_tables[tbl].name);
        sdb_prepare_v2(m->db[r], q, -1, &old, NULL);
        sdb_bind_text(old, 1, id, -1, SDB_STATIC);
        if (sdb_step(old) == SDB_ROW)
            note_deleted(m, (const char *)sdb_column_text(old, 0));
        sdb_finalize(old);
    }
    /* plain DELETE: the trigger turns it into a tombstone */
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = ?1",
             sw_tables[tbl].name);
    sql_ok(m->db[r], sdb_prepare_v2(m->db[r], sql, -1, &st, NULL), sql);
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    sql_ok(m->db[r], sdb_step(st), "delete");
    sdb_finalize(st);
}

static int count_rows(sdb *db, const char *sql, const char *arg);

/* One field of a county-owned record, written at the county. */
static void county_field(struct model *m, const char *id, const char *col,
                         const char *val, int create)
{
    struct sw_err err = {0, ""};
    struct sw_change c;
    memset(&c, 0, sizeof(c));
    c.tbl = SW_T_RESOURCES;
    c.col = sw_col_index(&sw_tables[SW_T_RESOURCES], col);
    snprintf(c.id, sizeof(c.id), "%s", id);
    if (strcmp(col, "deleted") == 0) {
        c.vtype = SW_V_INT;
        c.ival = 1;
    } else {
        c.vtype = SW_V_TEXT;
        c.text = strdup(val);
    }
    must(create ? store_create(&m->store, &c, &err)
                : store_write(&m->store, &c, &err),
         &err, "county write");
    change_release(&c);
}

/* The county adds, edits or deletes an entry of its resource directory. */
static void op_county(struct model *m)
{
    struct sw_err err = {0, ""};
    char id[SW_UUID_LEN + 1], val[40];
    sdb_stmt *st;
    int op = pick(m, 10), have = 0, total;

    snprintf(val, sizeof(val), "w%zu-county", m->nw);
    /* one of the live entries, by the model's own random numbers (a seed
       repeats a run, on either backend) */
    total = count_rows_any(m->county,
                           "SELECT count(*) FROM resources WHERE deleted = 0");
    sql_ok(m->county,
           sdb_prepare_v2(m->county,
                          "SELECT id FROM resources WHERE deleted = 0 "
                          "ORDER BY id LIMIT 1 OFFSET ?1",
                          -1, &st, NULL),
           "pick resource");
    sdb_bind_int(st, 1, total > 0 ? pick(m, total) : 0);
    if (sdb_step(st) == SDB_ROW) {
        snprintf(id, sizeof(id), "%s", (const char *)sdb_column_text(st, 0));
        have = 1;
    }
    sdb_finalize(st);
    must(store_begin(&m->store, &err), &err, "store begin");
    if (!have || op < 3) {
        assert_int_equal(sw_uuid7(id), 0);
        county_field(m, id, "name", "镇卫生院", 1);
        county_field(m, id, "type", "medical", 1);
        county_field(m, id, "notes", val, 1);
        note_write(m, id, SW_T_RESOURCES, "notes", val);
    } else if (op < 9) {
        const char *col = resource_text[pick(m, 3)];
        char q[120];
        /* the county holds every value: it overwrites knowingly */
        snprintf(q, sizeof(q), "SELECT %s FROM resources WHERE id = ?1", col);
        sdb_prepare_v2(m->county, q, -1, &st, NULL);
        sdb_bind_text(st, 1, id, -1, SDB_STATIC);
        if (sdb_step(st) == SDB_ROW)
            note_overwrite(m, (const char *)sdb_column_text(st, 0));
        sdb_finalize(st);
        county_field(m, id, col, val, 0);
        note_write(m, id, SW_T_RESOURCES, col, val);
    } else {
        for (int k = 0; resource_text[k]; k++) {
            char q[120];
            snprintf(q, sizeof(q), "SELECT %s FROM resources WHERE id = ?1",
                     resource_text[k]);
            sdb_prepare_v2(m->county, q, -1, &st, NULL);
            sdb_bind_text(st, 1, id, -1, SDB_STATIC);
            if (sdb_step(st) == SDB_ROW)
                note_deleted(m, (const char *)sdb_column_text(st, 0));
            sdb_finalize(st);
        }
        county_field(m, id, "deleted", NULL, 0);
    }
    must(store_commit(&m->store, &err), &err, "store commit");
    m->county_writes++;
}

/* Another program at replica r writes the county's directory: refused,
** noted in local_audit, and the replica keeps the county's values. */
static void op_station_writes_resource(struct model *m, int r)
{
    sdb *db = m->db[r];
    char id[SW_UUID_LEN + 1], sql[160];
    uint64_t before;
    int audit = count_rows(db,
                           "SELECT count(*) FROM local_audit "
                           "WHERE action = 'refused'",
                           NULL);
    int kind = pick(m, 3);

    before = db_hash(db);
    if (kind == 0) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO resources (name, type, notes) VALUES "
                 "('私设', 'ngo', 'x%ld')",
                 m->refused);
    } else {
        if (!random_row(m, r, SW_T_RESOURCES, id))
            return;
        if (kind == 1)
            snprintf(sql, sizeof(sql),
                     "UPDATE resources SET notes = 'x%ld' WHERE id = '%s'",
                     m->refused, id);
        else
            snprintf(sql, sizeof(sql), "DELETE FROM resources WHERE id = '%s'",
                     id);
    }
    sql_ok(db, sdb_exec5(db, sql, NULL, NULL, NULL), sql);
    if (db_hash(db) != before)
        fail_msg("replica %d: a refused write changed the directory", r);
    assert_int_equal(count_rows(db,
                                "SELECT count(*) FROM local_audit "
                                "WHERE action = 'refused'",
                                NULL),
                     audit + 1);
    m->refused++;
}

/* Push a randomly cut batch; sometimes twice, sometimes losing the ack. */
static void op_push(struct model *m, int r)
{
    struct sw_batch out, in;
    struct push_result res;
    struct sw_err err = {0, ""};
    unsigned char *wire = NULL;
    size_t wlen;
    int64_t after = 0;

    batch_init(&out);
    batch_init(&in);
    must(replica_seal(&m->rep[r], NULL, &err), &err, "seal");
    /* sometimes resend from the start, sometimes skip what was sent */
    must(replica_read_pending(&m->rep[r], after, (size_t)(1 + pick(m, 40)),
                              &out, &err),
         &err, "read pending");
    if (out.n == 0)
        goto out;
    m->pushes++;
    must(codec_encode_push(&out, &wire, &wlen, &err), &err, "encode push");
    must(codec_decode_push(wire, wlen, NULL, &in, &err), &err, "decode push");
    must(store_apply_push(&m->store, m->rep[r].station, m->rep[r].site, &in,
                          &res, &err),
         &err, "apply push");
    if (pick(m, 5) == 0) {
        /* the same batch again: nothing may change */
        uint64_t h = db_hash(m->county);
        struct push_result again;
        must(store_apply_push(&m->store, m->rep[r].station, m->rep[r].site, &in,
                              &again, &err),
             &err, "apply push again");
        assert_int_equal(again.applied, 0);
        assert_int_equal((long)again.duplicates, (long)in.n);
        if (db_hash(m->county) != h)
            fail_msg("re-applying a push changed the county store");
        m->twice++;
    }
    if (pick(m, 6) == 0) {
        m->dropped++; /* the answer is lost: the batch will be resent */
    } else {
        must(replica_ack(&m->rep[r], res.acked, &err), &err, "ack");
    }
out:
    free(wire);
    batch_release(&out);
    batch_release(&in);
}

static void op_pull(struct model *m, int r)
{
    struct sw_err err = {0, ""};
    int times = pick(m, 8) == 0 ? 0 : 1;
    int more;
    size_t got;

    must(exchange_pull(&m->store, &m->rep[r], (size_t)(1 + pick(m, 60)), times,
                       &more, &got, &err),
         &err, "pull");
    m->pulls++;
    if (times == 0)
        m->dropped++;
}

/* Pull a batch and apply it twice: the second time changes nothing. */
static void op_pull_twice(struct model *m, int r)
{
    struct sw_err err = {0, ""};
    struct sw_batch b;
    int64_t cursor;
    uint64_t h;

    batch_init(&b);
    must(replica_cursor(&m->rep[r], &cursor, &err), &err, "cursor");
    must(store_read_pull(&m->store, m->rep[r].station, m->rep[r].site, cursor,
                         (size_t)(1 + pick(m, 60)), &b, &err),
         &err, "read pull");
    must(replica_apply_pull(&m->rep[r], &b, NULL, &err), &err, "apply pull");
    h = db_hash(m->db[r]);
    must(replica_apply_pull(&m->rep[r], &b, NULL, &err), &err,
         "apply pull again");
    if (db_hash(m->db[r]) != h)
        fail_msg("re-applying a pulled batch changed replica %d", r);
    m->twice++;
    batch_release(&b);
}

/* The county moves a random case (any station's) to another station
** (issue 15): its replicas get the whole history, the old station's let
** go of it, edits they made before they knew are still taken. */
static void op_transfer(struct model *m)
{
    static const char *const stations[] = {"A", "B", "C"};
    struct sw_err err = {0, ""};
    struct transfer_result res;
    char id[SW_UUID_LEN + 1], from[SW_CODE_MAX + 1];
    const char *to;
    sdb_stmt *st;
    int total = count_rows_any(m->county, "SELECT count(*) FROM cases");

    if (total == 0)
        return;
    sql_ok(m->county,
           sdb_prepare_v2(m->county,
                          "SELECT id, station FROM cases ORDER BY id "
                          "LIMIT 1 OFFSET ?1",
                          -1, &st, NULL),
           "pick a case");
    sdb_bind_int(st, 1, pick(m, total));
    sql_ok(m->county, sdb_step(st), "pick a case");
    snprintf(id, sizeof(id), "%s", (const char *)sdb_column_text(st, 0));
    snprintf(from, sizeof(from), "%s", (const char *)sdb_column_text(st, 1));
    sdb_finalize(st);
    do
        to = stations[pick(m, 3)];
    while (strcmp(to, from) == 0);
    must(store_begin(&m->store, &err), &err, "transfer begin");
    if (transfer_case(&m->store, id, to, "model", "model", 0, &res, &err)) {
        store_abort(&m->store);
        fail_msg("transfer %s to %s: %s", id, to, err.msg);
    }
    must(store_commit(&m->store, &err), &err, "transfer commit");
    m->transfers++;
}

/* ---- set-up and the final checks ---------------------------------------- */

/* pg: the county store on PostgreSQL (SWSYNC_TEST_PG), else a file. */
static void model_open(struct model *m, uint64_t seed, int pg)
{
    struct sw_err err = {0, ""};
    char path[128];

    memset(m, 0, sizeof(*m));
    m->rng = seed ? seed : 1;
    snprintf(m->dir, sizeof(m->dir), "/tmp/swsync-model-XXXXXX");
    assert_non_null(mkdtemp(m->dir));

    assert_int_equal(pgtest_county_target(pg, m->dir, "model", m->ctarget,
                                          sizeof(m->ctarget)),
                     0);
    must(db_create(m->ctarget, SW_ROLE_COUNTY, &m->county, &err), &err,
         "county");
    assert_int_equal(sdb_kind(m->county), pg ? SDB_PG : SDB_SQLITE);
    if (!pg) /* a pragma: SQLite only */
        sdb_exec5(m->county, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    must(db_config_set(m->county, "county", "C01", &err), &err, "county code");
    must(store_open(&m->store, m->county, &err), &err, "store");

    for (int r = 0; r < NREP; r++) {
        char site[32];
        snprintf(path, sizeof(path), "%s/r%d.db", m->dir, r);
        must(db_create(path, SW_ROLE_STATION, &m->db[r], &err), &err,
             "replica");
        sdb_exec5(m->db[r], "PRAGMA synchronous = OFF", NULL, NULL, NULL);
        snprintf(site, sizeof(site), "%s-r%d", rep_station[r], r);
        must(db_config_set(m->db[r], "station", rep_station[r], &err), &err,
             "station");
        must(db_config_set(m->db[r], "site", site, &err), &err, "site");
        must(replica_open(&m->rep[r], m->db[r], &err), &err, "replica_open");
        /* clocks that disagree by up to +-5 s */
        m->rep[r].offset_ms = (int64_t)pick(m, 10001) - 5000;
        must(store_add_site(&m->store, rep_station[r], site, &err), &err,
             "add site");
    }
}

static void model_close(struct model *m)
{
    char path[160];
    for (int r = 0; r < NREP; r++) {
        replica_close(&m->rep[r]);
        db_close(m->db[r]);
        snprintf(path, sizeof(path), "%s/r%d.db", m->dir, r);
        unlink(path);
        strcat(path, "-wal");
        unlink(path);
        snprintf(path, sizeof(path), "%s/r%d.db-shm", m->dir, r);
        unlink(path);
    }
    store_close(&m->store);
    db_close(m->county);
    pgtest_county_remove(m->ctarget);
    rmdir(m->dir);
    free(m->w);
}

/*
** Rows of one station with every value and field version, as text: the
** same text from a replica and from the county on either backend (the
** values are quoted in C, the query is in the common dialect).
*/
static char *station_dump(sdb *db, const char *station)
{
    struct sw_buf sb;
    sb_init(&sb);
    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        struct sw_buf q;
        sdb_stmt *st;
        sb_init(&q);
        sb_adds(&q, "SELECT id, station");
        for (int c = 0; c < tb->ncols; c++)
            sb_addf(&q,
                    ", %s, (SELECT hlc || '@' || site FROM "
                    "versions WHERE tbl = %d AND rid = r.rid AND col = %d)",
                    tb->cols[c].name, t, c);
        sb_addf(&q, " FROM %s AS r WHERE station = ?1 ORDER BY id", tb->name);
        sql_ok(db, sdb_prepare_v2(db, q.buf, -1, &st, NULL), q.buf);
        sdb_bind_text(st, 1, station, -1, SDB_STATIC);
        while (sdb_step(st) == SDB_ROW) {
            sb_addf(&sb, "%s:", tb->name);
            for (int i = 0; i < sdb_column_count(st); i++) {
                const unsigned char *v;
                if (i >= 2 && i % 2 == 0) { /* a value */
                    pgtest_add_quoted(&sb, st, i);
                    sb_adds(&sb, "|");
                    continue;
                }
                v = sdb_column_text(st, i);
                sb_addf(&sb, "%s|", v ? (const char *)v : "-");
            }
            sb_adds(&sb, "\n");
        }
        sdb_finalize(st);
        sb_release(&q);
    }
    return sb_detach(&sb, NULL);
}

/* One integer from sql with ?1 = arg and ?2 = arg2 (NULL: not bound). */
static int count_rows2(sdb *db, const char *sql, const char *arg,
                       const char *arg2)
{
    sdb_stmt *st;
    int n = 0;
    sql_ok(db, sdb_prepare_v2(db, sql, -1, &st, NULL), sql);
    if (arg)
        sdb_bind_text(st, 1, arg, -1, SDB_STATIC);
    if (arg2)
        sdb_bind_text(st, 2, arg2, -1, SDB_STATIC);
    if (sdb_step(st) == SDB_ROW)
        n = sdb_column_int(st, 0);
    sdb_finalize(st);
    return n;
}

static int count_rows(sdb *db, const char *sql, const char *arg)
{
    return count_rows2(db, sql, arg, NULL);
}

static void check_converged(struct model *m)
{
    for (int r = 0; r < NREP; r++) {
        char *mine = station_dump(m->db[r], m->rep[r].station);
        char *county = station_dump(m->county, m->rep[r].station);
        int foreign = count_rows(
            m->db[r],
            "SELECT (SELECT count(*) FROM cases WHERE station <> ?1) + "
            "(SELECT count(*) FROM visits WHERE station <> ?1) + "
            "(SELECT count(*) FROM referrals WHERE station <> ?1) + "
            "(SELECT count(*) FROM resources WHERE station <> 'C01')",
            m->rep[r].station);
        assert_int_equal(foreign, 0);
        {
            /* the county-owned records: every replica holds all of them */
            char *dir = station_dump(m->db[r], "C01");
            char *cdir = station_dump(m->county, "C01");
            if (strcmp(dir, cdir) != 0)
                fail_msg("replica %d: the resource directory differs from "
                         "the county's:\n replica: %.300s\n county:  %.300s",
                         r, dir, cdir);
            free(dir);
            free(cdir);
        }
        if (strcmp(mine, county) != 0) {
            /* show the first difference */
            size_t i = 0;
            while (mine[i] && mine[i] == county[i])
                i++;
            fail_msg("replica %d (station %s) differs from the county at "
                     "byte %zu:\n replica: %.200s\n county:  %.200s",
                     r, m->rep[r].station, i, mine + (i > 60 ? i - 60 : 0),
                     county + (i > 60 ? i - 60 : 0));
        }
        free(mine);
        free(county);
    }
}

/*
** Every traced write is current in a live record, or current in a record
** deleted by a replica that held it, or a recorded loser (a field
** conflict, or an edit the deleter had not seen: edit_of_deleted), or was
** overwritten by a replica that held it.  hide: the oracle's self-test,
** the conflicts tables are not looked at, so writes must be reported lost.
** Returns the number of lost writes (fails at the first unless hide).
*/
static long no_lost_write(struct model *m, int hide)
{
    long current = 0, losers = 0, overwritten = 0, deleted = 0, lost = 0;
    for (size_t i = 0; i < m->nw; i++) {
        struct write *w = &m->w[i];
        char sql[200];
        int found = 0;
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM %s WHERE id = ?1 "
                 "AND %s = ?2 AND deleted = 0",
                 sw_tables[w->tbl].name, w->col);
        if (count_rows2(m->county, sql, w->id, w->value) > 0) {
            current++;
            continue;
        }
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM %s WHERE id = ?1 "
                 "AND %s = ?2 AND deleted = 1",
                 sw_tables[w->tbl].name, w->col);
        if (w->deleted && count_rows2(m->county, sql, w->id, w->value) > 0) {
            deleted++;
            continue;
        }
        if (hide)
            goto not_a_loser;
        for (int r = -1; r < NREP && !found; r++) {
            sdb *db = r < 0 ? m->county : m->db[r];
            found = count_rows2(db,
                                "SELECT count(*) FROM conflicts "
                                "WHERE row_id = ?1 AND loser_value = ?2",
                                w->id, w->value) > 0;
        }
        if (found) {
            losers++;
            continue;
        }
    not_a_loser:
        if (w->overwritten) {
            overwritten++;
            continue;
        }
        lost++;
        if (!hide)
            fail_msg("write %zu lost: %s %s.%s = %s (neither current, nor "
                     "deleted by a replica that held it, nor a recorded "
                     "loser, nor overwritten by a replica that held it)",
                     i, sw_tables[w->tbl].name, w->id, w->col, w->value);
    }
    print_message("# %zu writes: %ld current, %ld deleted knowingly, %ld "
                  "recorded losers, %ld overwritten knowingly%s\n",
                  m->nw, current, deleted, losers, overwritten,
                  hide ? " (conflicts hidden)" : "");
    return lost;
}

static void check_no_lost_write(struct model *m)
{
    no_lost_write(m, 0);
    /* the oracle can fail: without the conflicts tables, the losers and
       the unseen edits of deleted records are lost writes */
    if (m->conflicts > 0)
        assert_true(no_lost_write(m, 1) > 0);
}

/* Every replica holds no case of another station, and a moved line for
** each case moved away from its station that did not come back. */
static void check_moved(struct model *m)
{
    for (int r = 0; r < NREP; r++) {
        sdb_stmt *st;
        sql_ok(m->county,
               sdb_prepare_v2(m->county,
                              "SELECT case_id FROM moved WHERE "
                              "from_station = ?1",
                              -1, &st, NULL),
               "moved");
        sdb_bind_text(st, 1, m->rep[r].station, -1, SDB_STATIC);
        while (sdb_step(st) == SDB_ROW) {
            const char *id = (const char *)sdb_column_text(st, 0);
            if (count_rows(m->db[r],
                           "SELECT count(*) FROM moved_cases WHERE case_id = "
                           "?1 AND waiting = 0",
                           id) != 1)
                fail_msg("replica %d has no moved line for case %s", r, id);
            if (count_rows(m->db[r],
                           "SELECT (SELECT count(*) FROM cases WHERE id = ?1) "
                           "+ (SELECT count(*) FROM visits WHERE case_id = ?1)",
                           id) != 0)
                fail_msg("replica %d still holds moved case %s", r, id);
        }
        sdb_finalize(st);
    }
}

static void run_model(uint64_t seed, long ops)
{
    struct model m;
    struct sw_err err = {0, ""};

    print_message("# model (county store on %s): seed=%" PRIu64
                  " ops=%ld (repeat with SWSYNC_MODEL_SEED=%" PRIu64 ")\n",
                  pgtest_pg ? "PostgreSQL" : "SQLite", seed, ops, seed);
    model_open(&m, seed, pgtest_pg);
    for (long i = 0; i < ops; i++) {
        int r = pick(&m, NREP);
        int op = pick(&m, 100);
        if (op < 22)
            op_add(&m, r);
        else if (op < 24)
            op_county(&m);
        else if (op < 25)
            op_station_writes_resource(&m, r);
        else if (op < 70)
            op_edit(&m, r);
        else if (op < 75)
            op_delete(&m, r);
        else if (op < 87)
            op_push(&m, r);
        else if (op < 96)
            op_pull(&m, r);
        else if (op < 99)
            op_pull_twice(&m, r);
        else
            op_transfer(&m);
    }
    /* the final full exchange: everyone pushes everything, then pulls */
    for (int r = 0; r < NREP; r++) {
        size_t sent = 1;
        while (sent)
            must(exchange_push(&m.rep[r], &m.store, 50, 0, NULL, &sent, &err),
                 &err, "final push");
    }
    for (int r = 0; r < NREP; r++)
        must(exchange_sync(&m.rep[r], &m.store, &err), &err, "final sync");
    for (int r = 0; r < NREP; r++) {
        int64_t unsent;
        must(replica_unsent(&m.rep[r], &unsent, &err), &err, "unsent");
        assert_int_equal(unsent, 0);
    }
    m.conflicts = count_rows(m.county, "SELECT count(*) FROM conflicts", NULL);
    print_message("# %ld pushes, %ld pulls, %ld dropped, %ld applied twice, "
                  "%ld transfers, %ld conflicts at the county; %ld "
                  "county-owned writes, %ld station writes of them refused\n",
                  m.pushes, m.pulls, m.dropped, m.twice, m.transfers,
                  m.conflicts, m.county_writes, m.refused);
    if (ops >= 1000) {
        assert_true(m.county_writes > 0);
        assert_true(m.refused > 0);
        assert_true(
            count_rows(m.county, "SELECT count(*) FROM referrals", NULL) > 0);
    }
    check_converged(&m);
    check_no_lost_write(&m);
    /* concurrency happened: the run exercised the conflict path, and
       cases moved */
    if (ops >= 1000) {
        assert_true(m.conflicts > 0);
        assert_true(m.transfers > 0);
    }
    check_moved(&m);
    model_close(&m);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 10) : dflt;
}

/* The random run's seed: one per process, so that both backends make the
** same run. */
static uint64_t random_seed;

static void test_model_random(void **state)
{
    long ops = (long)env_u64("SWSYNC_MODEL_OPS", 3000);
    (void)state;
    run_model(random_seed, ops);
}

static void test_model_fixed_seeds(void **state)
{
    (void)state;
    run_model(42, 1500);
    run_model(20261122, 1500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_fixed_seeds),
        cmocka_unit_test(test_model_random),
    };

    random_seed = env_u64("SWSYNC_MODEL_SEED", 0);
    if (!random_seed)
        random_seed = (uint64_t)sw_now_ms() ^ ((uint64_t)getpid() << 32);
    /* with SWSYNC_TEST_PG, the same tests again with the county store on
       PostgreSQL */
    return pgtest_run("test-model", tests, sizeof(tests) / sizeof(tests[0]));
}
