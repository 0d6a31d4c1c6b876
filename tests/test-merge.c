/*
** test-merge.c — each branch of the merge rule, at the county and on a
** station; sealing; push deduplication, scope and clamping; pull echo.
*/
#include "config.h"

/* clang-format off: cmocka.h needs these first, in this order */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "replica.h"
#include "store.h"

#define ID1 "01a20205-4404-795b-894e-13e0de0924cc"
#define ID2 "01a20205-4404-795b-894e-13e0de0924cd"
#define T0 INT64_C(1795330229253)

struct fx {
    char dir[64];
    sqlite3 *county, *station;
    struct store s;
    struct replica r;
    struct sw_err err;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char path[128];
    snprintf(f->dir, sizeof(f->dir), "/tmp/swsync-merge-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(path, sizeof(path), "%s/county.db", f->dir);
    assert_int_equal(db_create(path, SW_ROLE_COUNTY, &f->county, &f->err), 0);
    assert_int_equal(db_config_set(f->county, "county", "C01", &f->err), 0);
    assert_int_equal(store_open(&f->s, f->county, &f->err), 0);
    assert_int_equal(store_add_site(&f->s, "A", "A-one", &f->err), 0);
    assert_int_equal(store_add_site(&f->s, "A", "A-two", &f->err), 0);
    snprintf(path, sizeof(path), "%s/a.db", f->dir);
    assert_int_equal(db_create(path, SW_ROLE_STATION, &f->station, &f->err), 0);
    assert_int_equal(db_config_set(f->station, "station", "A", &f->err), 0);
    assert_int_equal(db_config_set(f->station, "site", "A-one", &f->err), 0);
    assert_int_equal(replica_open(&f->r, f->station, &f->err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    replica_close(&f->r);
    store_close(&f->s);
    db_close(f->county);
    db_close(f->station);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* A change of cases.<col> of record id. */
static struct sw_change chg(const char *id, const char *col, const char *val,
                            int64_t hlc, const char *site, int64_t bhlc,
                            const char *bsite)
{
    struct sw_change c;
    memset(&c, 0, sizeof(c));
    c.tbl = SW_T_CASES;
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.station, sizeof(c.station), "A");
    c.col = sw_col_index(&sw_tables[SW_T_CASES], col);
    assert_true(c.col >= 0);
    if (strcmp(col, "deleted") == 0) {
        c.vtype = SW_V_INT;
        c.ival = atoi(val);
    } else if (val) {
        c.vtype = SW_V_TEXT;
        c.text = (char *)val; /* not owned: never released here */
    } else {
        c.vtype = SW_V_NULL;
    }
    c.ver.hlc = hlc;
    snprintf(c.ver.site, sizeof(c.ver.site), "%s", site);
    c.base.hlc = bhlc;
    if (bsite)
        snprintf(c.base.site, sizeof(c.base.site), "%s", bsite);
    return c;
}

static int64_t qint(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static char *qtext(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    char *v = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

static void assert_text(sqlite3 *db, const char *sql, const char *want)
{
    char *got = qtext(db, sql);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* Apply changes at the county in one transaction. */
static int county_apply(struct fx *f, struct sw_change *c, int n)
{
    int rc = merge_begin(&f->s.m, &f->err);
    assert_int_equal(rc, 0);
    for (int i = 0; i < n && !rc; i++)
        rc = merge_apply(&f->s.m, &c[i], 0, &f->err);
    if (rc) {
        merge_abort(&f->s.m);
        return rc;
    }
    return merge_commit(&f->s.m, &f->err);
}

static void test_new_record(void **state)
{
    struct fx *f = *state;
    struct sw_change c[2] = {
        chg(ID1, "name", "张三", T0, "A-one", 0, NULL),
        chg(ID1, "village", "东村", T0, "A-one", 0, NULL),
    };
    assert_int_equal(county_apply(f, c, 2), 0);
    assert_int_equal(f->s.m.stats.applied, 2);
    assert_int_equal(f->s.m.stats.rows_added, 1);
    assert_text(f->county, "SELECT name FROM cases", "张三");
    assert_text(f->county, "SELECT station FROM cases", "A");
    assert_int_equal(qint(f->county, "SELECT count(*) FROM field_versions"), 2);
    assert_int_equal(qint(f->county, "SELECT hlc FROM field_versions "
                                     "WHERE col = 0"),
                     T0);
}

static void test_same_version_skipped(void **state)
{
    struct fx *f = *state;
    struct sw_change c = chg(ID1, "name", "张三", T0, "A-one", 0, NULL);
    assert_int_equal(county_apply(f, &c, 1), 0);
    assert_int_equal(county_apply(f, &c, 1), 0);
    assert_int_equal(f->s.m.stats.applied, 0);
    assert_int_equal(f->s.m.stats.skipped, 1);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 0);
}

static void test_base_equals_cur_taken(void **state)
{
    struct fx *f = *state;
    struct sw_change a = chg(ID1, "name", "张三", T0 + 10, "A-one", 0, NULL);
    /* written by a site with a smaller clock, but it saw our value */
    struct sw_change b =
        chg(ID1, "name", "李四", T0 + 5, "A-two", T0 + 10, "A-one");
    assert_int_equal(county_apply(f, &a, 1), 0);
    assert_int_equal(county_apply(f, &b, 1), 0);
    assert_text(f->county, "SELECT name FROM cases", "李四");
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 0);
}

static void test_concurrent_incoming_wins(void **state)
{
    struct fx *f = *state;
    struct sw_change a = chg(ID1, "name", "old", T0, "A-one", 0, NULL);
    struct sw_change b = chg(ID1, "name", "mine", T0 + 1, "A-one", T0, "A-one");
    struct sw_change c =
        chg(ID1, "name", "theirs", T0 + 2, "A-two", T0, "A-one");
    assert_int_equal(county_apply(f, &a, 1), 0);
    assert_int_equal(county_apply(f, &b, 1), 0);
    assert_int_equal(county_apply(f, &c, 1), 0);
    assert_text(f->county, "SELECT name FROM cases", "theirs");
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 1);
    assert_text(f->county, "SELECT winner_value FROM conflicts", "theirs");
    assert_text(f->county, "SELECT loser_value FROM conflicts", "mine");
    assert_text(f->county, "SELECT loser_site FROM conflicts", "A-one");
    assert_text(f->county, "SELECT kind FROM conflicts", "field");
    assert_int_equal(qint(f->county, "SELECT base_hlc FROM conflicts"), T0);
    assert_text(f->county, "SELECT status FROM conflicts", "open");
}

static void test_concurrent_incoming_loses(void **state)
{
    struct fx *f = *state;
    struct sw_change a = chg(ID1, "name", "old", T0, "A-one", 0, NULL);
    struct sw_change b =
        chg(ID1, "name", "newer", T0 + 9, "A-one", T0, "A-one");
    struct sw_change c =
        chg(ID1, "name", "older", T0 + 2, "A-two", T0, "A-one");
    assert_int_equal(county_apply(f, &a, 1), 0);
    assert_int_equal(county_apply(f, &b, 1), 0);
    assert_int_equal(county_apply(f, &c, 1), 0);
    assert_text(f->county, "SELECT name FROM cases", "newer");
    assert_text(f->county, "SELECT winner_value FROM conflicts", "newer");
    assert_text(f->county, "SELECT loser_value FROM conflicts", "older");
    assert_int_equal(f->s.m.stats.skipped, 1);
}

static void test_concurrent_equal_values(void **state)
{
    struct fx *f = *state;
    struct sw_change a = chg(ID1, "name", "old", T0, "A-one", 0, NULL);
    struct sw_change b = chg(ID1, "name", "same", T0 + 1, "A-one", T0, "A-one");
    struct sw_change c = chg(ID1, "name", "same", T0 + 2, "A-two", T0, "A-one");
    assert_int_equal(county_apply(f, &a, 1), 0);
    assert_int_equal(county_apply(f, &b, 1), 0);
    assert_int_equal(county_apply(f, &c, 1), 0);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 0);
    /* the larger version is taken all the same: replicas converge */
    assert_int_equal(qint(f->county, "SELECT hlc FROM field_versions "
                                     "WHERE col = 0"),
                     T0 + 2);
}

static void test_edit_meets_older_tombstone(void **state)
{
    struct fx *f = *state;
    struct sw_change c[3] = {
        chg(ID1, "name", "x", T0, "A-one", 0, NULL),
        chg(ID1, "deleted", "1", T0 + 5, "A-one", 0, NULL),
        chg(ID1, "notes", "还在服务", T0 + 9, "A-two", 0, NULL),
    };
    assert_int_equal(county_apply(f, c, 3), 0);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 1);
    assert_text(f->county, "SELECT kind FROM conflicts", "edit_of_deleted");
    assert_text(f->county, "SELECT col FROM conflicts", "notes");
    assert_text(f->county, "SELECT loser_value FROM conflicts", "还在服务");
    /* the edit's value is kept in the record too */
    assert_text(f->county, "SELECT notes FROM cases", "还在服务");
    assert_int_equal(qint(f->county, "SELECT deleted FROM cases"), 1);
}

static void test_tombstone_meets_newer_edit(void **state)
{
    struct fx *f = *state;
    struct sw_change c[3] = {
        chg(ID1, "name", "x", T0, "A-one", 0, NULL),
        chg(ID1, "notes", "edited later", T0 + 9, "A-two", 0, NULL),
        chg(ID1, "deleted", "1", T0 + 5, "A-one", 0, NULL),
    };
    assert_int_equal(county_apply(f, c, 3), 0);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 1);
    assert_text(f->county, "SELECT kind FROM conflicts", "edit_of_deleted");
    assert_text(f->county, "SELECT loser_value FROM conflicts", "edited later");
}

static void test_edit_before_tombstone_no_flag(void **state)
{
    struct fx *f = *state;
    struct sw_change c[3] = {
        chg(ID1, "name", "x", T0, "A-one", 0, NULL),
        chg(ID1, "notes", "before", T0 + 2, "A-two", 0, NULL),
        chg(ID1, "deleted", "1", T0 + 5, "A-one", 0, NULL),
    };
    assert_int_equal(county_apply(f, c, 3), 0);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 0);
}

static void test_other_station_refused(void **state)
{
    struct fx *f = *state;
    struct sw_change a = chg(ID1, "name", "x", T0, "A-one", 0, NULL);
    struct sw_change b = chg(ID1, "name", "y", T0 + 1, "B-one", T0, "A-one");
    assert_int_equal(county_apply(f, &a, 1), 0);
    snprintf(b.station, sizeof(b.station), "B");
    assert_int_equal(county_apply(f, &b, 1), SW_EPERM);
    assert_text(f->county, "SELECT name FROM cases", "x");
}

/* ---- station side ------------------------------------------------------- */

static void station_sql(struct fx *f, const char *sql)
{
    char *emsg = NULL;
    if (sqlite3_exec(f->station, sql, NULL, NULL, &emsg) != SQLITE_OK)
        fail_msg("%s: %s", sql, emsg);
}

static void test_seal(void **state)
{
    struct fx *f = *state;
    long n = 0;
    station_sql(f, "INSERT INTO cases (id, name, category, risk_level, "
                   "status, opened_on) VALUES ('" ID1 "', '王五', 'other', "
                   "'low', 'open', '2026-01-01')");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 5);
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 5);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM pending"), 5);
    /* one statement, one record: one version */
    assert_int_equal(qint(f->station, "SELECT count(DISTINCT hlc) FROM "
                                      "pending"),
                     1);
    assert_text(f->station, "SELECT value FROM pending WHERE col = 0", "王五");
    /* an edit after sealing has the sealed version as its base */
    station_sql(f, "UPDATE cases SET name = '王六'");
    assert_int_equal(qint(f->station, "SELECT base_hlc FROM outbox"),
                     qint(f->station, "SELECT hlc FROM pending WHERE col = 0"));
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 1);
    /* the first sealed value stays what it was */
    assert_text(f->station,
                "SELECT value FROM pending WHERE col = 0 "
                "ORDER BY seq LIMIT 1",
                "王五");
    assert_true(qint(f->station, "SELECT max(hlc) FROM pending") >
                qint(f->station, "SELECT min(hlc) FROM pending"));
}

static struct sw_batch pull_of(struct sw_change *c, int n, int64_t cursor)
{
    struct sw_batch b;
    batch_init(&b);
    for (int i = 0; i < n; i++) {
        struct sw_change x = c[i];
        if (x.vtype == SW_V_TEXT)
            x.text = strdup(c[i].text);
        assert_int_equal(batch_add(&b, &x), 0);
    }
    b.cursor = cursor;
    return b;
}

static void test_station_fast_forward(void **state)
{
    struct fx *f = *state;
    struct sw_change c[2] = {
        chg(ID1, "name", "v1", T0, "C01", 0, NULL),
        /* the station missed the version in between: base != cur */
        chg(ID1, "name", "v3", T0 + 20, "C01", T0 + 10, "A-two"),
    };
    struct sw_batch b1 = pull_of(&c[0], 1, 5), b2 = pull_of(&c[1], 1, 9);
    int64_t cur;
    assert_int_equal(replica_apply_pull(&f->r, &b1, NULL, &f->err), 0);
    assert_int_equal(replica_apply_pull(&f->r, &b2, NULL, &f->err), 0);
    assert_text(f->station, "SELECT name FROM cases", "v3");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM conflicts"), 0);
    /* capture was off: nothing to send back */
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(replica_cursor(&f->r, &cur, &f->err), 0);
    assert_int_equal(cur, 9);
    batch_release(&b1);
    batch_release(&b2);
}

static void test_station_unsent_edit_conflicts(void **state)
{
    struct fx *f = *state;
    struct sw_change c[2] = {
        chg(ID1, "name", "v1", T0, "C01", 0, NULL),
        chg(ID1, "name", "county", T0 + 1, "C01", T0, "C01"),
    };
    struct sw_batch b1 = pull_of(&c[0], 1, 1), b2 = pull_of(&c[1], 1, 2);
    assert_int_equal(replica_apply_pull(&f->r, &b1, NULL, &f->err), 0);
    /* a local edit not yet sent, made now: newer than the county's */
    station_sql(f, "UPDATE cases SET name = 'station'");
    assert_int_equal(replica_apply_pull(&f->r, &b2, NULL, &f->err), 0);
    assert_text(f->station, "SELECT name FROM cases", "station");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM conflicts"), 1);
    assert_text(f->station, "SELECT loser_value FROM conflicts", "county");
    /* the local edit was sealed in the same transaction */
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM pending"), 1);
    batch_release(&b1);
    batch_release(&b2);
}

static void test_pull_foreign_station_refused(void **state)
{
    struct fx *f = *state;
    struct sw_change c = chg(ID1, "name", "v1", T0, "C01", 0, NULL);
    struct sw_batch b;
    snprintf(c.station, sizeof(c.station), "B");
    b = pull_of(&c, 1, 1);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), SW_EDATA);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases"), 0);
    batch_release(&b);
}

/* ---- county pushes ---------------------------------------------------------
 */

static void test_push_dedup_and_echo(void **state)
{
    struct fx *f = *state;
    struct sw_change c[2] = {
        chg(ID1, "name", "a", T0, "A-one", 0, NULL),
        chg(ID1, "village", "b", T0, "A-one", 0, NULL),
    };
    struct sw_batch b = pull_of(c, 2, 0), out;
    struct push_result res;
    snprintf(b.site, sizeof(b.site), "A-one");
    b.v[0].seq = 1;
    b.v[1].seq = 2;
    b.from = 1;
    b.to = 2;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     0);
    assert_int_equal(res.applied, 2);
    assert_int_equal(res.acked, 2);
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     0);
    assert_int_equal(res.applied, 0);
    assert_int_equal(res.duplicates, 2);
    /* the writer gets none of its own values back; its sibling does */
    batch_init(&out);
    assert_int_equal(
        store_read_pull(&f->s, "A", "A-one", 0, 100, &out, &f->err), 0);
    assert_int_equal(out.n, 0);
    assert_int_equal(out.cursor, 2);
    batch_release(&out);
    batch_init(&out);
    assert_int_equal(
        store_read_pull(&f->s, "A", "A-two", 0, 100, &out, &f->err), 0);
    assert_int_equal(out.n, 2);
    batch_release(&out);
    batch_init(&out);
    assert_int_equal(
        store_read_pull(&f->s, "B", "B-one", 0, 100, &out, &f->err), 0);
    assert_int_equal(out.n, 0);
    batch_release(&out);
    batch_release(&b);
}

static void test_push_scope_refused_whole(void **state)
{
    struct fx *f = *state;
    struct sw_change c[2] = {
        chg(ID1, "name", "a", T0, "A-one", 0, NULL),
        chg(ID2, "name", "b", T0, "A-one", 0, NULL),
    };
    struct sw_batch b = pull_of(c, 2, 0);
    struct push_result res;
    snprintf(b.site, sizeof(b.site), "A-one");
    snprintf(b.v[1].station, sizeof(b.v[1].station), "B");
    b.v[0].seq = 1;
    b.v[1].seq = 2;
    b.from = 1;
    b.to = 2;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     SW_EPERM);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM cases"), 0);
    batch_release(&b);
}

static void test_push_clamps_future(void **state)
{
    struct fx *f = *state;
    int64_t now = sw_now_ms();
    struct sw_change c =
        chg(ID1, "name", "from 2029",
            hlc_pack(now + INT64_C(86400000) * 1000, 0), "A-one", 0, NULL);
    struct sw_batch b = pull_of(&c, 1, 0), out;
    struct push_result res;
    snprintf(b.site, sizeof(b.site), "A-one");
    b.v[0].seq = 1;
    b.from = b.to = 1;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     0);
    assert_int_equal(res.clamped, 1);
    assert_true(hlc_ms(qint(f->county, "SELECT hlc FROM field_versions")) <
                now + 60000);
    /* the clamped version goes back to its writer */
    batch_init(&out);
    assert_int_equal(
        store_read_pull(&f->s, "A", "A-one", 0, 100, &out, &f->err), 0);
    assert_int_equal(out.n, 1);
    batch_release(&out);
    batch_release(&b);
}

static void test_county_write(void **state)
{
    struct fx *f = *state;
    struct sw_change a = chg(ID1, "name", "a", T0, "A-one", 0, NULL);
    struct sw_change w;
    assert_int_equal(county_apply(f, &a, 1), 0);
    memset(&w, 0, sizeof(w));
    w.tbl = SW_T_CASES;
    snprintf(w.id, sizeof(w.id), ID1);
    w.col = 0;
    w.vtype = SW_V_TEXT;
    w.text = (char *)"corrected";
    assert_int_equal(store_begin(&f->s, &f->err), 0);
    assert_int_equal(store_write(&f->s, &w, &f->err), 0);
    assert_int_equal(store_commit(&f->s, &f->err), 0);
    assert_text(f->county, "SELECT name FROM cases", "corrected");
    assert_text(f->county, "SELECT site FROM field_versions", "C01");
    assert_true(qint(f->county, "SELECT hlc FROM field_versions") > T0);
    assert_int_equal(w.base.hlc, T0);
    /* unknown record */
    snprintf(w.id, sizeof(w.id), ID2);
    assert_int_equal(store_begin(&f->s, &f->err), 0);
    assert_int_equal(store_write(&f->s, &w, &f->err), SW_ENOINPUT);
    store_abort(&f->s);
}

/* ---- what the county could never accept ------------------------------------
 */

static void test_seal_holds_back_bad_values(void **state)
{
    struct fx *f = *state;
    long n = 0;
    station_sql(f, "INSERT INTO cases (id, name, category, risk_level, "
                   "status, opened_on) VALUES ('" ID1 "', '王五', 'other', "
                   "'low', 'open', '2026-01-01')");
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 5);
    /* another program clears a required field */
    station_sql(f, "UPDATE cases SET name = NULL, notes = 'ok'");
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 1); /* notes goes; name is held back */
    assert_int_equal(f->r.held, 1);
    assert_non_null(strstr(f->r.held_msg, "cases.name: is required"));
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 1);
    /* fixing the record lets it through */
    station_sql(f, "UPDATE cases SET name = '王六'");
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(f->r.held, 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 0);
}

static void test_seal_holds_back_foreign_case(void **state)
{
    struct fx *f = *state;
    long n = 0;
    /* a front-end writes a visit of a case this station does not have */
    station_sql(f, "INSERT INTO visits (id, case_id, visited_at, mode) "
                   "VALUES ('" ID2 "', '" ID1 "', '2026-11-20', 'home')");
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 0);         /* none of the visit's fields go */
    assert_int_equal(f->r.held, 3); /* case_id, visited_at, mode */
    assert_non_null(strstr(f->r.held_msg, "no case"));
    assert_int_equal(qint(f->station, "SELECT count(*) FROM pending"), 0);
}

static void test_county_fixed_field(void **state)
{
    struct fx *f = *state;
    struct sw_change c[3] = {
        chg(ID1, "name", "x", T0, "A-one", 0, NULL),
        chg(ID2, "name", "y", T0, "A-one", 0, NULL),
    };
    struct sw_change v;
    assert_int_equal(county_apply(f, c, 2), 0);
    memset(&v, 0, sizeof(v));
    v.tbl = SW_T_VISITS;
    snprintf(v.id, sizeof(v.id), "01a20205-4404-795b-894e-13e0de0924ce");
    snprintf(v.station, sizeof(v.station), "A");
    v.col = 0; /* case_id */
    v.vtype = SW_V_TEXT;
    v.text = (char *)ID1;
    v.ver.hlc = T0;
    snprintf(v.ver.site, sizeof(v.ver.site), "A-one");
    assert_int_equal(county_apply(f, &v, 1), 0);
    /* moving the visit to another case is refused */
    v.text = (char *)ID2;
    v.ver.hlc = T0 + 1;
    v.base.hlc = T0;
    snprintf(v.base.site, sizeof(v.base.site), "A-one");
    assert_int_equal(county_apply(f, &v, 1), SW_EPERM);
    assert_non_null(strstr(f->err.msg, "case_id cannot change"));
}

static void test_push_checks_sender(void **state)
{
    struct fx *f = *state;
    struct sw_change c = chg(ID1, "name", "a", T0, "C01", 0, NULL);
    struct sw_batch b = pull_of(&c, 1, 0);
    struct push_result res;
    snprintf(b.site, sizeof(b.site), "A-one");
    b.v[0].seq = 1;
    b.from = b.to = 1;
    /* a version claiming to be the county's */
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     SW_EPERM);
    snprintf(b.v[0].ver.site, sizeof(b.v[0].ver.site), "A-one");
    /* a range that does not match the changes */
    b.to = 9000000000000000;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     SW_EDATA);
    b.to = 1;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     0);
    assert_int_equal(res.acked, 1);
    batch_release(&b);
}

static void test_push_visit_of_unknown_case(void **state)
{
    struct fx *f = *state;
    struct sw_change v;
    struct sw_batch b;
    struct push_result res;
    memset(&v, 0, sizeof(v));
    v.tbl = SW_T_VISITS;
    snprintf(v.id, sizeof(v.id), ID2);
    snprintf(v.station, sizeof(v.station), "A");
    v.col = 0;
    v.vtype = SW_V_TEXT;
    v.text = (char *)ID1; /* a case the county does not have */
    v.ver.hlc = T0;
    snprintf(v.ver.site, sizeof(v.ver.site), "A-one");
    b = pull_of(&v, 1, 0);
    snprintf(b.site, sizeof(b.site), "A-one");
    b.v[0].seq = 1;
    b.from = b.to = 1;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     SW_EPERM);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM visits"), 0);
    batch_release(&b);
}

static void test_pull_byte_budget(void **state)
{
    struct fx *f = *state;
    char big[2001];
    struct sw_change c[3];
    struct sw_batch out;
    memset(big, 'x', 2000);
    big[2000] = '\0';
    c[0] = chg(ID1, "notes", big, T0, "A-one", 0, NULL);
    c[1] = chg(ID1, "address", "short", T0 + 1, "A-one", 0, NULL);
    c[2] = chg(ID2, "notes", big, T0 + 2, "A-one", 0, NULL);
    if (county_apply(f, c, 3))
        fail_msg("%s", f->err.msg);
    f->s.pull_max_bytes = 1000; /* less than one long note */
    batch_init(&out);
    assert_int_equal(
        store_read_pull(&f->s, "A", "A-two", 0, 100, &out, &f->err), 0);
    assert_int_equal(out.n, 1); /* at least one, then the budget stops it */
    assert_true(out.more);
    assert_int_equal(out.cursor, qint(f->county, "SELECT min(seq) FROM "
                                                 "field_versions"));
    batch_release(&out);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_new_record),
        T(test_same_version_skipped),
        T(test_base_equals_cur_taken),
        T(test_concurrent_incoming_wins),
        T(test_concurrent_incoming_loses),
        T(test_concurrent_equal_values),
        T(test_edit_meets_older_tombstone),
        T(test_tombstone_meets_newer_edit),
        T(test_edit_before_tombstone_no_flag),
        T(test_other_station_refused),
        T(test_seal),
        T(test_station_fast_forward),
        T(test_station_unsent_edit_conflicts),
        T(test_pull_foreign_station_refused),
        T(test_push_dedup_and_echo),
        T(test_push_scope_refused_whole),
        T(test_push_clamps_future),
        T(test_county_write),
        T(test_seal_holds_back_bad_values),
        T(test_seal_holds_back_foreign_case),
        T(test_county_fixed_field),
        T(test_push_checks_sender),
        T(test_push_visit_of_unknown_case),
        T(test_pull_byte_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
