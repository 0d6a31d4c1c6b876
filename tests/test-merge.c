/*
** test-merge.c — each branch of the merge rule, at the county and on a
** station; sealing; push deduplication, scope and clamping; pull echo.
**
** The county stores are SQLite files; with SWSYNC_TEST_PG set
** (tests/pgtest.h) every test runs again with them in fresh PostgreSQL
** databases.  The stations are SQLite on both: what only SQLite has
** (sqlite3_db_config, PRAGMAs, EXPLAIN QUERY PLAN) is asked of a station
** only.
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

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "db.h"
#include "exchange.h"
#include "pgtest.h"
#include "replica.h"
#include "store.h"
#include "transfer.h"

#define ID1 "01a20205-4404-795b-894e-13e0de0924cc"
#define ID2 "01a20205-4404-795b-894e-13e0de0924cd"
#define T0 INT64_C(1795330229253)

struct fx {
    char dir[64];
    char ctarget[512], ctarget2[512]; /* the county stores: paths or URIs */
    sdb *county, *station;
    struct store s;
    struct replica r;
    struct sw_err err;
    /* a second county and station, opened by the tests that compare */
    sdb *county2, *station2;
    struct store s2;
    struct replica r2;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char path[128];
    snprintf(f->dir, sizeof(f->dir), "/tmp/swsync-merge-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(pgtest_county_target(pgtest_pg, f->dir, "merge",
                                          f->ctarget, sizeof(f->ctarget)),
                     0);
    if (db_create(f->ctarget, SW_ROLE_COUNTY, &f->county, &f->err))
        fail_msg("%s", f->err.msg);
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
    if (f->station2)
        replica_close(&f->r2);
    if (f->county2)
        store_close(&f->s2);
    db_close(f->county2);
    db_close(f->station2);
    pgtest_county_remove(f->ctarget);
    if (f->ctarget2[0])
        pgtest_county_remove(f->ctarget2);
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

static int64_t qint(sdb *db, const char *sql)
{
    sdb_stmt *st;
    int64_t v = -1;
    if (sdb_prepare_v2(db, sql, -1, &st, NULL) != SDB_OK)
        fail_msg("%s: %s", sql, sdb_errmsg(db));
    if (sdb_step(st) == SDB_ROW)
        v = sdb_column_int64(st, 0);
    sdb_finalize(st);
    return v;
}

static char *qtext(sdb *db, const char *sql)
{
    sdb_stmt *st;
    char *v = NULL;
    assert_int_equal(sdb_prepare_v2(db, sql, -1, &st, NULL), SDB_OK);
    if (sdb_step(st) == SDB_ROW && sdb_column_text(st, 0))
        v = strdup((const char *)sdb_column_text(st, 0));
    sdb_finalize(st);
    return v;
}

static void assert_text(sdb *db, const char *sql, const char *want)
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

/* A tombstone that says what it saw: T0@A-one for name (and nothing else). */
static struct sw_change tomb_seen(const char *id, int64_t hlc, const char *site,
                                  const char *seen)
{
    struct sw_change c = chg(id, "deleted", "1", hlc, site, 0, NULL);
    c.seen = (char *)seen; /* not owned: never released here */
    return c;
}

/* Issue 18: an edit older than a delete that never saw it is flagged, in
** both orders of arrival, and its value kept for the admin. */
static void test_unseen_older_edit_flagged(void **state)
{
    struct fx *f = *state;
    char seen[64];
    struct sw_change c[3];

    snprintf(seen, sizeof(seen), "%lld@A-one=name", (long long)T0);
    c[0] = chg(ID1, "name", "x", T0, "A-one", 0, NULL);
    c[1] = chg(ID1, "phone", "13800138000", T0 + 2, "A-two", 0, NULL);
    c[2] = tomb_seen(ID1, T0 + 5, "A-one", seen);
    /* the edit first, then the delete */
    assert_int_equal(county_apply(f, c, 3), 0);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 1);
    assert_text(f->county, "SELECT kind FROM conflicts", "edit_of_deleted");
    assert_text(f->county, "SELECT col FROM conflicts", "phone");
    assert_text(f->county, "SELECT loser_value FROM conflicts", "13800138000");
    assert_text(f->county, "SELECT loser_site FROM conflicts", "A-two");
    assert_text(f->county, "SELECT winner_site FROM conflicts", "A-one");
    assert_text(f->county, "SELECT seen FROM tombstones", seen);
    assert_text(f->county, "SELECT phone FROM cases", "13800138000");
}

static void test_unseen_older_edit_after_delete(void **state)
{
    struct fx *f = *state;
    char seen[64];
    struct sw_change c[3];

    snprintf(seen, sizeof(seen), "%lld@A-one=name", (long long)T0);
    c[0] = chg(ID1, "name", "x", T0, "A-one", 0, NULL);
    c[1] = tomb_seen(ID1, T0 + 5, "A-one", seen);
    c[2] = chg(ID1, "phone", "13800138000", T0 + 2, "A-two", 0, NULL);
    /* the delete first, then the edit it had not seen */
    assert_int_equal(county_apply(f, c, 3), 0);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 1);
    assert_text(f->county, "SELECT kind FROM conflicts", "edit_of_deleted");
    assert_text(f->county, "SELECT loser_value FROM conflicts", "13800138000");
    assert_int_equal(qint(f->county, "SELECT deleted FROM cases"), 1);
}

/* What the deleter had seen is no conflict, however new. */
static void test_seen_edit_not_flagged(void **state)
{
    struct fx *f = *state;
    char seen[96];
    struct sw_change c[4];

    snprintf(seen, sizeof(seen), "%lld@A-one=name;%lld@A-two=phone",
             (long long)T0, (long long)T0 + 2);
    c[0] = chg(ID1, "name", "x", T0, "A-one", 0, NULL);
    c[1] = chg(ID1, "phone", "13800138000", T0 + 2, "A-two", 0, NULL);
    /* the deleter's own earlier write: seen though not listed */
    c[2] = chg(ID1, "notes", "own", T0 + 3, "A-one", 0, NULL);
    c[3] = tomb_seen(ID1, T0 + 5, "A-one", seen);
    assert_int_equal(county_apply(f, c, 4), 0);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 0);
    /* a later edit of a field it saw, by another site: not seen */
    c[0] = chg(ID1, "phone", "13900139000", T0 + 4, "A-two", T0 + 2, "A-two");
    assert_int_equal(county_apply(f, c, 1), 0);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 1);
    assert_text(f->county, "SELECT loser_value FROM conflicts", "13900139000");
}

/* The seen text: well-formed or refused, by the codec and the merge. */
static void test_seen_text(void **state)
{
    const struct sw_table *t = &sw_tables[SW_T_CASES];
    struct sw_version tomb = {T0 + 5, "A-one"}, v = {T0 + 2, "A-two"};
    struct fx *f = *state;
    struct sw_change c;

    assert_true(sw_seen_valid(t, ""));
    assert_true(sw_seen_valid(t, "5@A-one=name,phone;7@C01=notes"));
    assert_false(sw_seen_valid(t, "5@A-one=name;7@C01=name"));
    assert_false(sw_seen_valid(t, "5@A-one=nosuch"));
    assert_false(sw_seen_valid(t, "5@A-one="));
    assert_false(sw_seen_valid(t, "5@A-one=name;"));
    assert_false(sw_seen_valid(t, "0@A-one=name"));
    assert_false(sw_seen_valid(t, "5=name"));
    assert_false(sw_seen_valid(t, NULL));
    /* not said: the hlc decides, as before seen sets */
    assert_true(sw_seen_covers(t, NULL, &tomb, 1, &v));
    assert_false(sw_seen_covers(t, "", &tomb, 1, &v));
    c = chg(ID1, "name", "x", T0, "A-one", 0, NULL);
    c.seen = (char *)"";
    assert_int_equal(county_apply(f, &c, 1), SW_EDATA); /* not a tombstone */
    c = tomb_seen(ID1, T0, "A-one", "5@A-one=nosuch");
    assert_int_equal(county_apply(f, &c, 1), SW_EDATA);
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
    if (sdb_exec5(f->station, sql, NULL, NULL, &emsg) != SDB_OK)
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
        if (x.seen)
            x.seen = strdup(c[i].seen);
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

/* ---- county pushes ------------------------------------------------------ */

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

/* The county-owned directory: the county writes it, every station pulls
** it, a station's push of it is refused one change at a time (noted in
** refused_changes), and the rest of the push is applied. */
static void test_county_owned(void **state)
{
    struct fx *f = *state;
    struct sw_change c[3] = {
        chg(ID1, "name", "a", T0, "A-one", 0, NULL),
        chg(ID2, "name", "x", T0, "A-one", 0, NULL),
        chg(ID2, "category", "ngo", T0, "A-one", 0, NULL),
    };
    struct sw_change r;
    struct sw_batch b, out;
    struct push_result res;
    const struct sw_table *rt = &sw_tables[SW_T_RESOURCES];

    /* the county makes an entry */
    memset(&r, 0, sizeof(r));
    r.tbl = SW_T_RESOURCES;
    r.col = sw_col_index(rt, "name");
    snprintf(r.id, sizeof(r.id), "%s", "01a20205-4404-795b-894e-13e0de09aaaa");
    r.vtype = SW_V_TEXT;
    r.text = (char *)"镇卫生院";
    assert_int_equal(store_begin(&f->s, &f->err), 0);
    assert_int_equal(store_create(&f->s, &r, &f->err), 0);
    r.col = sw_col_index(rt, "type");
    r.text = (char *)"medical";
    assert_int_equal(store_create(&f->s, &r, &f->err), 0);
    assert_int_equal(store_commit(&f->s, &f->err), 0);
    assert_text(f->county, "SELECT station FROM resources", "C01");
    /* a station's table is not made this way */
    r.tbl = SW_T_CASES;
    assert_int_equal(store_begin(&f->s, &f->err), 0);
    assert_int_equal(store_create(&f->s, &r, &f->err), SW_EPERM);
    store_abort(&f->s);

    /* every station pulls it; a schema-2 puller does not */
    batch_init(&out);
    assert_int_equal(
        store_read_pull(&f->s, "A", "A-one", 0, 100, &out, &f->err), 0);
    assert_int_equal((int)out.n, 2);
    assert_string_equal(out.v[0].station, "C01");
    assert_int_equal(replica_apply_pull(&f->r, &out, NULL, &f->err), 0);
    assert_text(f->station, "SELECT name FROM resources", "镇卫生院");
    batch_release(&out);
    batch_init(&out);
    f->s.pull_ntables = sw_ntables_at(2);
    assert_int_equal(
        store_read_pull(&f->s, "B", "B-one", 0, 100, &out, &f->err), 0);
    assert_int_equal((int)out.n, 0);
    f->s.pull_ntables = SW_NTABLES;
    batch_release(&out);

    /* a push with a case and a resource of the station's making */
    c[1].tbl = c[2].tbl = SW_T_RESOURCES;
    c[1].col = sw_col_index(rt, "name");
    c[2].col = sw_col_index(rt, "type");
    b = pull_of(c, 3, 0);
    snprintf(b.site, sizeof(b.site), "A-one");
    for (int i = 0; i < 3; i++)
        b.v[i].seq = i + 1;
    b.from = 1;
    b.to = 3;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     0);
    assert_int_equal(res.refused, 2);
    assert_int_equal(res.acked, 3);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM cases"), 1);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM resources"), 1);
    assert_int_equal(qint(f->county, "SELECT changes FROM refused_changes "
                                     "WHERE tbl = 4 AND station = 'A'"),
                     2);
    batch_release(&b);

    /* and one of the county's entry, under the county's code */
    c[1].id[0] = '\0';
    snprintf(c[1].id, sizeof(c[1].id), "%s",
             "01a20205-4404-795b-894e-13e0de09aaaa");
    snprintf(c[1].station, sizeof(c[1].station), "C01");
    c[1].ver.hlc = T0 + 5;
    b = pull_of(&c[1], 1, 0);
    snprintf(b.site, sizeof(b.site), "A-one");
    b.v[0].seq = 4;
    b.from = b.to = 4;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     0);
    assert_int_equal(res.refused, 1);
    assert_text(f->county, "SELECT name FROM resources", "镇卫生院");
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

/* A clamped version is newer than the versions before it in the same
** push: a record written at now+5 min (within the drift) and again at
** now+30 min (clamped) keeps the later value with the newer version. */
static void test_push_clamp_after_earlier(void **state)
{
    struct fx *f = *state;
    int64_t now = sw_now_ms();
    int64_t h1 = hlc_pack(now + 5 * 60000, 0),
            h2 = hlc_pack(now + 30 * 60000, 0);
    struct sw_change c[2] = {
        chg(ID1, "name", "v1", h1, "A-one", 0, NULL),
        chg(ID1, "name", "v2", h2, "A-one", h1, "A-one"),
    };
    struct sw_batch b = pull_of(c, 2, 0);
    struct push_result res;

    f->s.max_drift_ms = 10 * 60000;
    snprintf(b.site, sizeof(b.site), "A-one");
    b.v[0].seq = 1;
    b.v[1].seq = 2;
    b.from = 1;
    b.to = 2;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     0);
    batch_release(&b);
    assert_int_equal(res.clamped, 1);
    assert_text(f->county, "SELECT name FROM cases", "v2");
    assert_true(qint(f->county, "SELECT hlc FROM field_versions") > h1);
    assert_text(f->county, "SELECT site FROM field_versions", "C01");
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

/* ---- what the county could never accept --------------------------------- */

static void test_seal_holds_back_bad_values(void **state)
{
    struct fx *f = *state;
    long n = 0;
    station_sql(f, "INSERT INTO cases (id, name, category, risk_level, "
                   "status, opened_on) VALUES ('" ID1 "', '王五', 'other', "
                   "'low', 'open', '2026-01-01')");
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 5);
    /* another program cannot clear a required field: SQL refuses */
    assert_int_not_equal(sdb_exec5(f->station,
                                   "UPDATE cases SET name = NULL, notes = "
                                   "'ok'",
                                   NULL, NULL, NULL),
                         SDB_OK);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 0);
    /* unless it switches the CHECKs off: then sealing holds it back */
    station_sql(f, "PRAGMA ignore_check_constraints = 1");
    station_sql(f, "UPDATE cases SET name = NULL, notes = 'ok'");
    station_sql(f, "PRAGMA ignore_check_constraints = 0");
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

/* Issue 18: a record inserted by another program without its required
** fields is refused by SQL, so it is never sealed nor pushed. */
static void test_outside_insert_incomplete_refused(void **state)
{
    struct fx *f = *state;
    long n = 0;
    assert_int_not_equal(sdb_exec5(f->station,
                                   "INSERT INTO cases (village) VALUES "
                                   "('东村')",
                                   NULL, NULL, NULL),
                         SDB_OK);
    assert_non_null(strstr(sdb_errmsg(f->station), "name IS NOT NULL"));
    assert_int_not_equal(sdb_exec5(f->station,
                                   "INSERT INTO visits (case_id, "
                                   "visited_at) VALUES ('" ID1 "', "
                                   "'2026-11-20')",
                                   NULL, NULL, NULL),
                         SDB_OK);
    assert_non_null(strstr(sdb_errmsg(f->station), "mode IS NOT NULL"));
    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases"), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 0);
    /* what has a default gets it, as `add` fills it: a whole record */
    station_sql(f, "INSERT INTO cases (id, name, category) VALUES ('" ID1
                   "', '王五', 'other')");
    assert_text(f->station,
                "SELECT risk_level || ' ' || status || ' ' || "
                "(opened_on = date('now', 'localtime')) FROM cases",
                "low open 1");
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 5); /* name, category, risk_level, status, opened_on */
    assert_int_equal(f->r.held, 0);
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
    assert_int_equal(f->r.held, 4); /* case_id, visited_at, mode, and
                                       follow_up's default */
    assert_non_null(strstr(f->r.held_msg, "no case"));
    assert_int_equal(qint(f->station, "SELECT count(*) FROM pending"), 0);
}

/* Pending changes are read with their record's id and station, looked
** up once a record; one whose record is not there stops the read. */
static void test_read_pending_ids(void **state)
{
    struct fx *f = *state;
    struct sw_batch b;
    long n = 0;

    station_sql(f, "INSERT INTO cases (id, name, category) VALUES ('" ID1
                   "', '王五', 'other')");
    station_sql(f, "INSERT INTO visits (id, case_id, visited_at, mode) "
                   "VALUES ('" ID2 "', '" ID1 "', '2026-11-20', 'home')");
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 9); /* 5 of the case, 4 of the visit */
    batch_init(&b);
    assert_int_equal(replica_read_pending(&f->r, 0, 100, &b, &f->err), 0);
    assert_int_equal(b.n, 9);
    for (size_t i = 0; i < b.n; i++) {
        assert_string_equal(b.v[i].id, b.v[i].tbl == 0 ? ID1 : ID2);
        assert_string_equal(b.v[i].station, "A");
    }
    assert_int_equal(b.from + 8, b.to);
    batch_release(&b);
    /* a change whose record is not there (another program's doing) */
    station_sql(f, "INSERT INTO pending (tbl, rid, col, value, hlc, site) "
                   "VALUES (0, 999, 0, 'x', 1, 'A-one')");
    batch_init(&b);
    assert_int_equal(replica_read_pending(&f->r, 0, 100, &b, &f->err),
                     SW_EDATA);
    assert_non_null(strstr(f->err.msg, "its record is gone"));
    batch_release(&b);
    /* and the read left no transaction open */
    assert_int_not_equal(sdb_get_autocommit(f->station), 0);
}

/* Sealing writes its fields REPLICA_SEAL_ROWS a statement: every field
** still becomes one pending change, in the outbox's order, with its
** version; a delete sealed after an edit of its record in the same seal
** has seen that edit. */
static void test_seal_batches(void **state)
{
    struct fx *f = *state;
    long n = 0, phone_hlc;
    char want[64];
    char *seen = NULL;

    station_sql(f, "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                   "FROM k WHERE i < 7) INSERT INTO cases (id, name, "
                   "category) SELECT printf('01a20205-4404-795b-894e-%012d', "
                   "i), '王' || i, 'other' FROM k");
    station_sql(f, "INSERT INTO cases (id, name, category) VALUES ('" ID1
                   "', '王五', 'other')");
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 40); /* 8 cases of 5 fields: 2 full statements
                                and 8 single ones */
    assert_int_equal(qint(f->station, "SELECT count(*) FROM pending"), 40);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions "
                                      "AS v JOIN pending AS p USING (tbl, "
                                      "rid, col) WHERE v.hlc = p.hlc"),
                     40);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 0);
    /* in order: the seqs follow the outbox's order (edited_at, rid, col) */
    assert_int_equal(qint(f->station,
                          "SELECT count(*) FROM pending AS a JOIN pending AS "
                          "b ON b.seq = a.seq + 1 WHERE b.rid < a.rid OR "
                          "(b.rid = a.rid AND b.col < a.col)"),
                     0);
    /* an edit and a delete of one record, sealed together */
    station_sql(f,
                "UPDATE cases SET phone = '13800138000' WHERE id = '" ID1 "'");
    station_sql(f, "UPDATE outbox SET edited_at = edited_at - 1000");
    station_sql(f, "DELETE FROM cases WHERE id = '" ID1 "'");
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 2);
    phone_hlc = qint(f->station, "SELECT hlc FROM pending WHERE seq = "
                                 "(SELECT max(seq) - 1 FROM pending)");
    seen = qtext(f->station, "SELECT seen FROM pending WHERE seq = "
                             "(SELECT max(seq) FROM pending)");
    assert_non_null(seen);
    snprintf(want, sizeof(want), "%ld@A-one=", phone_hlc);
    assert_non_null(strstr(seen, want));
    assert_non_null(strstr(strstr(seen, want), "phone"));
    free(seen);
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
    /* a version claiming to be the county's: not a push (batch_check) */
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     SW_EDATA);
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

/* Issue 10: an empty push claiming 1..1 crashed the county (its error
** message read the first change of an empty batch). */
static void test_push_empty_with_range(void **state)
{
    struct fx *f = *state;
    struct sw_batch b;
    struct push_result res;

    batch_init(&b);
    snprintf(b.site, sizeof(b.site), "A-one");
    b.from = b.to = 1;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     SW_EDATA);
    assert_non_null(strstr(f->err.msg, "no changes"));
    assert_int_equal(res.acked, 0);
    b.from = b.to = 0; /* nothing claimed, nothing to do */
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     0);
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
    /* at least one, then the budget stops it; the record comes whole */
    assert_int_equal(out.n, 2);
    assert_string_equal(out.v[0].id, ID1);
    assert_string_equal(out.v[1].id, ID1);
    assert_true(out.more);
    assert_int_equal(out.cursor, qint(f->county, "SELECT min(seq) FROM "
                                                 "field_versions"));
    batch_release(&out);
}

/* ---- a record at a time (merge_apply_row) ------------------------------- */

#define ID3 "01a20205-4404-795b-894e-13e0de0924ce"
#define VID1 "01a20205-4404-795b-894e-13e0de0924d1"
#define VID2 "01a20205-4404-795b-894e-13e0de0924d2"

/* A change of <tbl>.<col> of record id of station A; val is read as the
** column's type (NULL: no value).  Text is not owned. */
static struct sw_change tchg(int tbl, const char *id, const char *col,
                             const char *val, int64_t hlc, const char *site)
{
    struct sw_change c;
    memset(&c, 0, sizeof(c));
    c.tbl = tbl;
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.station, sizeof(c.station), "A");
    c.col = sw_col_index(&sw_tables[tbl], col);
    assert_true(c.col >= 0);
    if (!val) {
        c.vtype = SW_V_NULL;
    } else if (sw_tables[tbl].cols[c.col].type == SW_INT) {
        c.vtype = SW_V_INT;
        c.ival = atoll(val);
    } else {
        c.vtype = SW_V_TEXT;
        c.text = (char *)val;
    }
    c.ver.hlc = hlc;
    snprintf(c.ver.site, sizeof(c.ver.site), "%s", site);
    return c;
}

/* A new case's six fields, all of version (hlc, site), into c[0..5]. */
static size_t new_case(struct sw_change *c, const char *id, int64_t hlc,
                       const char *site)
{
    c[0] = chg(id, "name", "张三", hlc, site, 0, NULL);
    c[1] = chg(id, "village", "东村", hlc, site, 0, NULL);
    c[2] = chg(id, "category", "other", hlc, site, 0, NULL);
    c[3] = chg(id, "risk_level", "high", hlc, site, 0, NULL);
    c[4] = chg(id, "status", "open", hlc, site, 0, NULL);
    c[5] = chg(id, "opened_on", "2026-01-05", hlc, site, 0, NULL);
    return 6;
}

/* A new visit of case_id: three fields, version (hlc, site), into c. */
static size_t new_visit(struct sw_change *c, const char *id,
                        const char *case_id, int64_t hlc, const char *site)
{
    c[0] = tchg(SW_T_VISITS, id, "case_id", case_id, hlc, site);
    c[1] = tchg(SW_T_VISITS, id, "visited_at", "2026-03-01T09:30", hlc, site);
    c[2] = tchg(SW_T_VISITS, id, "mode", "home", hlc, site);
    return 3;
}

/* Push c[0..n-1] as site's outbox seqs from+1.. (a fresh batch). */
static void push_n(struct fx *f, const char *site, struct sw_change *c,
                   size_t n, int64_t from, struct push_result *res)
{
    struct sw_batch b = pull_of(c, (int)n, 0);
    snprintf(b.site, sizeof(b.site), "%s", site);
    for (size_t i = 0; i < n; i++)
        b.v[i].seq = from + 1 + (int64_t)i;
    b.from = from + 1;
    b.to = from + (int64_t)n;
    if (store_apply_push(&f->s, "A", site, &b, res, &f->err))
        fail_msg("%s", f->err.msg);
    batch_release(&b);
}

/* A push's own range of the station's pull stream is offered (the agent
** skips its own changes there) only when every version in it is the
** pusher's: not with one clamped, not when one field was taken twice. */
static void test_push_stream_range(void **state)
{
    struct fx *f = *state;
    struct sw_change c[12];
    struct push_result res;
    int64_t end;
    size_t n = new_case(c, ID1, T0, "A-one");

    push_n(f, "A-one", c, n, 0, &res);
    end = qint(f->county, "SELECT max(seq) FROM field_versions");
    assert_int_equal(res.stream_to, end);
    assert_int_equal(res.stream_to - res.stream_from, (int64_t)n);
    /* the other replica's push: its own range, after the first */
    n = new_visit(c, ID2, ID1, T0 + 1, "A-two");
    push_n(f, "A-two", c, n, 0, &res);
    assert_int_equal(res.stream_from, end);
    assert_int_equal(res.stream_to - res.stream_from, (int64_t)n);
    /* one field twice in a push (two seals before a sync): versions
       taken, 2, and the range holds 1: not offered */
    c[0] = chg(ID1, "village", "西村", T0 + 2, "A-one", 0, NULL);
    c[1] = chg(ID1, "village", "北村", T0 + 3, "A-one", 0, NULL);
    push_n(f, "A-one", c, 2, 6, &res);
    assert_int_equal(res.applied, 2);
    assert_int_equal(res.stream_from, 0);
    assert_int_equal(res.stream_to, 0);
    /* a clamped version is the county's: not offered */
    c[0] = chg(ID1, "village", "南村",
               hlc_pack(sw_now_ms() + INT64_C(86400000) * 1000, 0), "A-one", 0,
               NULL);
    push_n(f, "A-one", c, 1, 8, &res);
    assert_int_equal(res.clamped, 1);
    assert_int_equal(res.stream_to, 0);
    /* and a plain one again is (newer than the clamped one, within the
       drift allowed) */
    c[0] = chg(ID1, "village", "东村", hlc_pack(sw_now_ms() + 60000, 0),
               "A-one", 0, NULL);
    push_n(f, "A-one", c, 1, 9, &res);
    assert_int_equal(res.applied, 1);
    assert_int_equal(res.stream_to - res.stream_from, 1);
}

/* Issue 18: an answer cut by its limit holds the whole of every record in
** it, so a station never shows one half made; what it sent early comes
** again in the next answer and changes nothing. */
static void test_pull_never_splits_a_record(void **state)
{
    struct fx *f = *state;
    struct sw_change c[12];
    struct sw_batch out;
    struct merge_stats st;
    size_t n = new_case(c, ID1, T0, "A-one");

    n += new_case(c + n, ID2, T0 + 1, "A-one");
    if (county_apply(f, c, (int)n))
        fail_msg("%s", f->err.msg);
    batch_init(&out);
    /* 2 fields scanned: ID1 is cut after its first */
    assert_int_equal(store_read_pull(&f->s, "A", "A-two", 0, 2, &out, &f->err),
                     0);
    assert_true(out.more);
    assert_int_equal(out.n, n / 2); /* all of ID1, none of ID2 */
    for (size_t i = 0; i < out.n; i++)
        assert_string_equal(out.v[i].id, ID1);
    if (replica_apply_pull(&f->r, &out, &st, &f->err))
        fail_msg("%s", f->err.msg);
    batch_release(&out);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases WHERE "
                                      "name IS NULL OR category IS NULL OR "
                                      "status IS NULL"),
                     0);
    /* the rest: ID1's later fields again (skipped) and ID2 */
    batch_init(&out);
    assert_int_equal(
        store_read_pull(&f->s, "A", "A-two", 2, 100, &out, &f->err), 0);
    assert_false(out.more);
    if (replica_apply_pull(&f->r, &out, &st, &f->err))
        fail_msg("%s", f->err.msg);
    batch_release(&out);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases"), 2);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM conflicts"), 0);
}

static int64_t col_bit(int tbl, const char *col)
{
    int c = sw_col_index(&sw_tables[tbl], col);
    assert_true(c >= 0 && c < 62);
    return (int64_t)1 << c;
}

/* One integer from a formatted query (%Q quotes text); -1: no row. */
static int64_t qintf(sdb *db, const char *fmt, ...)
{
    va_list ap;
    char *sql;
    int64_t v;
    va_start(ap, fmt);
    sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    assert_non_null(sql);
    v = qint(db, sql);
    sqlite3_free(sql);
    return v;
}

/*
** The version a station keeps once for a record pulled new: 1 and its
** version and column bits into *v, *cols if record rid of table tbl has
** one, else 0.  Kept in the record's own row (ver_hlc, ver_site,
** ver_cols): the only place these tests look at how it is stored.
*/
static int row_version(sdb *db, int tbl, int64_t rid, struct sw_version *v,
                       int64_t *cols)
{
    char *sql;
    sdb_stmt *st;
    int found = 0;

    sql = sqlite3_mprintf("SELECT ver_hlc, ver_site, ver_cols FROM %s "
                          "WHERE rid = %lld AND ver_hlc IS NOT NULL",
                          sw_tables[tbl].name, (long long)rid);
    assert_non_null(sql);
    if (sdb_prepare_v2(db, sql, -1, &st, NULL) != SDB_OK)
        fail_msg("%s: %s", sql, sdb_errmsg(db));
    memset(v, 0, sizeof(*v));
    *cols = 0;
    if (sdb_step(st) == SDB_ROW) {
        found = 1;
        v->hlc = sdb_column_int64(st, 0);
        snprintf(v->site, sizeof(v->site), "%s",
                 (const char *)sdb_column_text(st, 1));
        *cols = sdb_column_int64(st, 2);
        assert_int_equal(sdb_step(st), SDB_DONE);
    }
    sdb_finalize(st);
    sqlite3_free(sql);
    return found;
}

/* How many records have a version kept once (see row_version). */
static int64_t row_version_count(sdb *db)
{
    int64_t n = 0;
    for (int t = 0; t < SW_NTABLES; t++)
        n += qintf(db, "SELECT count(*) FROM %s WHERE ver_hlc IS NOT NULL",
                   sw_tables[t].name);
    return n;
}

/* The county keeps no version a record: no ver_* columns.  Each engine's
** own catalog (pragma_table_info is SQLite's, information_schema
** PostgreSQL's). */
static void assert_no_row_versions(sdb *db)
{
    for (int t = 0; t < SW_NTABLES; t++)
        assert_int_equal(
            qintf(db,
                  sdb_kind(db) == SDB_PG
                      ? "SELECT count(*) FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND "
                        "table_name = %Q AND column_name LIKE 'ver\\_%%'"
                      : "SELECT count(*) FROM pragma_table_info(%Q) "
                        "WHERE name GLOB 'ver_*'",
                  sw_tables[t].name),
            0);
}

static int64_t rid_of(sdb *db, int tbl, const char *id)
{
    return qintf(db, "SELECT rid FROM %s WHERE id = %Q", sw_tables[tbl].name,
                 id);
}

/* Run sql on db and return SQLite's primary result code. */
static int sql_rc(sdb *db, const char *sql)
{
    return sdb_exec5(db, sql, NULL, NULL, NULL) & 0xff;
}

static void sql_ok(sdb *db, const char *sql)
{
    char *emsg = NULL;
    if (sdb_exec5(db, sql, NULL, NULL, &emsg) != SDB_OK)
        fail_msg("%s: %s", sql, emsg);
}

/* Every row of sql, each value quoted (add_quoted), '|' between columns
** and '\n' after each row. */
static void dump_rows(sdb *db, const char *sql, struct sw_buf *sb)
{
    sdb_stmt *st;
    int rc;
    if (sdb_prepare_v2(db, sql, -1, &st, NULL) != SDB_OK)
        fail_msg("%s: %s", sql, sdb_errmsg(db));
    while ((rc = sdb_step(st)) == SDB_ROW) {
        for (int i = 0; i < sdb_column_count(st); i++) {
            if (i)
                sb_adds(sb, "|");
            pgtest_add_quoted(sb, st, i);
        }
        sb_adds(sb, "\n");
    }
    assert_int_equal(rc, SDB_DONE);
    sdb_finalize(st);
}

/*
** What two replicas that applied the same changes agree on, as text
** (malloc'd): every record's fields, every field's version as the view
** `versions` gives it, every conflict.  Not rids, not detection times.
*/
static char *replica_state(sdb *db)
{
    struct sw_buf sb, q;
    sb_init(&sb);
    sb_init(&q);
    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        q.len = 0;
        sb_addf(&q, "SELECT '%s', id, station", tb->name);
        for (int c = 0; c < tb->ncols; c++)
            sb_addf(&q, ", %s", tb->cols[c].name);
        sb_addf(&q, " FROM %s ORDER BY id", tb->name);
        dump_rows(db, q.buf, &sb);
    }
    q.len = 0;
    sb_adds(&q, "SELECT v.tbl, CASE v.tbl");
    for (int t = 0; t < SW_NTABLES; t++)
        sb_addf(&q, " WHEN %d THEN (SELECT id FROM %s WHERE rid = v.rid)", t,
                sw_tables[t].name);
    sb_adds(&q, " END AS rec, v.col, v.hlc, v.site FROM versions AS v "
                "ORDER BY 1, 2, 3");
    dump_rows(db, q.buf, &sb);
    dump_rows(db,
              "SELECT tbl, row_id, station, col, kind, winner_value, "
              "winner_hlc, winner_site, loser_value, loser_hlc, "
              "loser_site, base_hlc, base_site, status FROM conflicts "
              "ORDER BY tbl, row_id, col, loser_hlc, loser_site",
              &sb);
    assert_false(q.oom || sb.oom);
    sb_release(&q);
    return sb_detach(&sb, NULL);
}

/* The county's own version columns, in write order. */
static char *county_versions(sdb *db)
{
    struct sw_buf sb;
    sb_init(&sb);
    dump_rows(db,
              "SELECT tbl, col, hlc, site, base_hlc, base_site, seq, "
              "station, src FROM field_versions ORDER BY seq",
              &sb);
    assert_false(sb.oom);
    return sb_detach(&sb, NULL);
}

static void assert_same_state(sdb *a, sdb *b)
{
    char *sa = replica_state(a), *sb = replica_state(b);
    assert_string_equal(sa, sb);
    free(sa);
    free(sb);
}

/* Another replica of station A (site A-two): r2 on station2. */
static void open_station2(struct fx *f)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/a2.db", f->dir);
    assert_int_equal(db_create(path, SW_ROLE_STATION, &f->station2, &f->err),
                     0);
    assert_int_equal(db_config_set(f->station2, "station", "A", &f->err), 0);
    assert_int_equal(db_config_set(f->station2, "site", "A-two", &f->err), 0);
    assert_int_equal(replica_open(&f->r2, f->station2, &f->err), 0);
}

/* Another county store (C01, station A): s2 on county2. */
static void open_county2(struct fx *f)
{
    char dir[128];
    /* a directory of its own: the county store is dir/county.db */
    snprintf(dir, sizeof(dir), "%s/c2", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(pgtest_county_target(pgtest_pg, dir, "merge", f->ctarget2,
                                          sizeof(f->ctarget2)),
                     0);
    if (db_create(f->ctarget2, SW_ROLE_COUNTY, &f->county2, &f->err))
        fail_msg("%s", f->err.msg);
    assert_int_equal(db_config_set(f->county2, "county", "C01", &f->err), 0);
    assert_int_equal(store_open(&f->s2, f->county2, &f->err), 0);
    assert_int_equal(store_add_site(&f->s2, "A", "A-one", &f->err), 0);
}

/*
** Apply c[0..n-1] in one merge transaction: a record at a time
** (merge_apply_row), or a change at a time (merge_apply).  Rolled back
** on failure; returns the failure's code.
*/
static int apply_rows(struct merge_ctx *m, const struct sw_change *c, size_t n,
                      unsigned flags, struct sw_err *err)
{
    int rc = merge_begin(m, err);
    assert_int_equal(rc, 0);
    for (size_t i = 0, used = 0; !rc && i < n; i += used) {
        rc = merge_apply_row(m, &c[i], n - i, flags, &used, err);
        if (!rc)
            assert_true(used >= 1 && used <= n - i);
    }
    if (rc) {
        merge_abort(m);
        return rc;
    }
    return merge_commit(m, err);
}

static int apply_each(struct merge_ctx *m, const struct sw_change *c, size_t n,
                      unsigned flags, struct sw_err *err)
{
    int rc = merge_begin(m, err);
    assert_int_equal(rc, 0);
    for (size_t i = 0; !rc && i < n; i++)
        rc = merge_apply(m, &c[i], flags, err);
    if (rc) {
        merge_abort(m);
        return rc;
    }
    return merge_commit(m, err);
}

/* Pull c[0..n-1] into the station; must succeed. */
static struct merge_stats pull_ok(struct fx *f, struct sw_change *c, size_t n,
                                  int64_t cursor)
{
    struct sw_batch b = pull_of(c, (int)n, cursor);
    struct merge_stats st;
    memset(&st, 0xff, sizeof(st));
    if (replica_apply_pull(&f->r, &b, &st, &f->err))
        fail_msg("pull: %s", f->err.msg);
    batch_release(&b);
    return st;
}

/* A field's version as merge_read_field (get_version) sees it. */
static struct sw_version read_version(struct merge_ctx *m, int tbl,
                                      const char *id, const char *col)
{
    struct sw_change c;
    int found = 0;
    memset(&c, 0, sizeof(c));
    c.tbl = tbl;
    snprintf(c.id, sizeof(c.id), "%s", id);
    c.col = sw_col_index(&sw_tables[tbl], col);
    assert_true(c.col >= 0);
    assert_int_equal(merge_read_field(m, &c, &found, NULL, NULL), 0);
    assert_true(found);
    change_release(&c);
    return c.ver;
}

static void assert_version(struct sw_version v, int64_t hlc, const char *site)
{
    assert_int_equal(v.hlc, hlc);
    if (site)
        assert_string_equal(v.site, site);
}

static void test_row_new_on_station(void **state)
{
    struct fx *f = *state;
    struct sw_change c[6];
    size_t n = new_case(c, ID1, T0, "C01");
    int64_t want =
        col_bit(SW_T_CASES, "name") | col_bit(SW_T_CASES, "village") |
        col_bit(SW_T_CASES, "category") | col_bit(SW_T_CASES, "risk_level") |
        col_bit(SW_T_CASES, "status") | col_bit(SW_T_CASES, "opened_on");
    struct merge_stats st = pull_ok(f, c, n, 7);
    int64_t rid = rid_of(f->station, SW_T_CASES, ID1), cols = 0;
    struct sw_version rv;
    char expect[64];

    assert_int_equal(st.rows_added, 1);
    assert_int_equal(st.applied, 6);
    assert_int_equal(st.skipped, 0);
    assert_int_equal(st.conflicts, 0);
    assert_text(f->station, "SELECT name FROM cases", "张三");
    assert_text(f->station, "SELECT risk_level FROM cases", "high");
    assert_text(f->station, "SELECT station FROM cases", "A");
    assert_int_equal(qint(f->station, "SELECT deleted FROM cases"), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases WHERE "
                                      "phone IS NULL AND notes IS NULL"),
                     1);
    /* one version for the record, a bit a field given */
    assert_int_equal(row_version_count(f->station), 1);
    assert_true(row_version(f->station, SW_T_CASES, rid, &rv, &cols));
    assert_version(rv, T0, "C01");
    assert_int_equal(cols, want);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions"),
                     0);
    /* versions: a row a given field, all of that version */
    assert_int_equal(qint(f->station, "SELECT count(*) FROM versions"), 6);
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM versions WHERE tbl = %d AND "
                           "rid = %lld AND hlc = %lld AND site = 'C01'",
                           SW_T_CASES, (long long)rid, (long long)T0),
                     6);
    snprintf(expect, sizeof(expect), "%d,%d,%d,%d,%d,%d",
             sw_col_index(&sw_tables[SW_T_CASES], "name"),
             sw_col_index(&sw_tables[SW_T_CASES], "village"),
             sw_col_index(&sw_tables[SW_T_CASES], "category"),
             sw_col_index(&sw_tables[SW_T_CASES], "risk_level"),
             sw_col_index(&sw_tables[SW_T_CASES], "status"),
             sw_col_index(&sw_tables[SW_T_CASES], "opened_on"));
    assert_text(f->station,
                "SELECT group_concat(col) FROM (SELECT col FROM versions "
                "ORDER BY col)",
                expect);
    /* the merge reads them so too; fields not given have none */
    assert_version(read_version(&f->r.m, SW_T_CASES, ID1, "name"), T0, "C01");
    assert_version(read_version(&f->r.m, SW_T_CASES, ID1, "opened_on"), T0,
                   "C01");
    assert_version(read_version(&f->r.m, SW_T_CASES, ID1, "phone"), 0, NULL);
    assert_version(read_version(&f->r.m, SW_T_CASES, ID1, "notes"), 0, NULL);
    assert_version(read_version(&f->r.m, SW_T_CASES, ID1, "deleted"), 0, NULL);
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM versions WHERE col IN "
                           "(%d, %d, %d)",
                           sw_col_index(&sw_tables[SW_T_CASES], "phone"),
                           sw_col_index(&sw_tables[SW_T_CASES], "notes"),
                           sw_col_index(&sw_tables[SW_T_CASES], "deleted")),
                     0);
    /* capture was off */
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM pending"), 0);
}

/* Versions that differ, or a tie of hlc across sites: a version a field. */
static void test_row_new_mixed_versions_station(void **state)
{
    struct fx *f = *state;
    struct sw_change c[6];
    size_t n = new_case(c, ID1, T0, "C01");
    c[1].ver.hlc = T0 + 3; /* village */
    assert_int_equal(apply_rows(&f->r.m, c, n, MERGE_UPSTREAM, &f->err), 0);
    assert_int_equal(f->r.m.stats.rows_added, 1);
    assert_int_equal(f->r.m.stats.applied, 6);
    assert_int_equal(row_version_count(f->station), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions"),
                     6);
    assert_version(read_version(&f->r.m, SW_T_CASES, ID1, "village"), T0 + 3,
                   "C01");
    assert_version(read_version(&f->r.m, SW_T_CASES, ID1, "name"), T0, "C01");

    new_case(c, ID2, T0, "C01");
    snprintf(c[2].ver.site, sizeof(c[2].ver.site), "A-one");
    assert_int_equal(apply_rows(&f->r.m, c, n, MERGE_UPSTREAM, &f->err), 0);
    assert_int_equal(row_version_count(f->station), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions"),
                     12);
    assert_version(read_version(&f->r.m, SW_T_CASES, ID2, "category"), T0,
                   "A-one");
    assert_version(read_version(&f->r.m, SW_T_CASES, ID2, "village"), T0,
                   "C01");
}

static void test_row_new_on_county(void **state)
{
    struct fx *f = *state;
    struct sw_change c[9];
    size_t n = new_case(c, ID1, T0, "A-one");
    struct sw_batch b;
    struct push_result res;

    n += new_visit(c + n, VID1, ID1, T0 + 1, "A-one");
    b = pull_of(c, (int)n, 0);
    snprintf(b.site, sizeof(b.site), "A-one");
    for (size_t i = 0; i < n; i++)
        b.v[i].seq = (int64_t)i + 1;
    b.from = 1;
    b.to = (int64_t)n;
    if (store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err))
        fail_msg("push: %s", f->err.msg);
    assert_int_equal(res.applied, 9);
    assert_int_equal(f->s.m.stats.rows_added, 2);
    assert_text(f->county, "SELECT mode FROM visits", "home");
    assert_text(f->county, "SELECT case_id FROM visits", ID1);
    /* a version a field, each its own seq; no row versions at all */
    assert_no_row_versions(f->county);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM field_versions"), 9);
    assert_int_equal(qintf(f->county,
                           "SELECT count(*) FROM field_versions WHERE tbl = "
                           "%d AND hlc = %lld AND site = 'A-one' AND src = "
                           "'A-one' AND station = 'A'",
                           SW_T_CASES, (long long)T0),
                     6);
    assert_int_equal(qint(f->county, "SELECT count(DISTINCT seq) FROM "
                                     "field_versions"),
                     9);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM versions"), 9);
    batch_release(&b);

    /* the same straight through merge_apply_row at the county */
    new_case(c, ID2, T0 + 5, "A-two");
    assert_int_equal(apply_rows(&f->s.m, c, 6, 0, &f->err), 0);
    assert_int_equal(f->s.m.stats.rows_added, 1);
    assert_int_equal(f->s.m.stats.applied, 6);
    assert_int_equal(qintf(f->county,
                           "SELECT count(*) FROM field_versions WHERE hlc = "
                           "%lld AND site = 'A-two'",
                           (long long)T0 + 5),
                     6);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM field_versions"),
                     15);
    assert_version(read_version(&f->s.m, SW_T_CASES, ID2, "status"), T0 + 5,
                   "A-two");
    assert_version(read_version(&f->s.m, SW_T_CASES, ID2, "phone"), 0, NULL);
}

static void test_row_later_change_idempotent(void **state)
{
    struct fx *f = *state;
    struct sw_change c[6];
    size_t n = new_case(c, ID1, T0, "C01");
    struct sw_change upd = chg(ID1, "name", "李四", T0 + 10, "C01", T0, "C01");
    int name = sw_col_index(&sw_tables[SW_T_CASES], "name");
    int64_t rid, cols = 0, cols2 = 0;
    struct sw_version rv;
    struct merge_stats st;
    char *before, *after;

    pull_ok(f, c, n, 1);
    rid = rid_of(f->station, SW_T_CASES, ID1);
    assert_true(row_version(f->station, SW_T_CASES, rid, &rv, &cols));
    before = replica_state(f->station);
    st = pull_ok(f, c, n, 2); /* the same again */
    assert_int_equal(st.applied, 0);
    assert_int_equal(st.skipped, 6);
    assert_int_equal(st.rows_added, 0);
    assert_int_equal(st.conflicts, 0);
    after = replica_state(f->station);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions"),
                     0);

    /* one field moves on: its own version; the rest keep the record's */
    st = pull_ok(f, &upd, 1, 3);
    assert_int_equal(st.applied, 1);
    assert_int_equal(st.conflicts, 0);
    assert_text(f->station, "SELECT name FROM cases", "李四");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions"),
                     1);
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM field_versions WHERE col = "
                           "%d AND hlc = %lld AND site = 'C01'",
                           name, (long long)T0 + 10),
                     1);
    assert_int_equal(row_version_count(f->station), 1);
    assert_true(row_version(f->station, SW_T_CASES, rid, &rv, &cols2));
    assert_int_equal(cols2, cols);
    assert_version(rv, T0, "C01");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM versions"), 6);
    assert_int_equal(
        qintf(f->station, "SELECT hlc FROM versions WHERE col = %d", name),
        T0 + 10);
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM versions WHERE col <> %d "
                           "AND hlc = %lld AND site = 'C01'",
                           name, (long long)T0),
                     5);
    assert_version(read_version(&f->r.m, SW_T_CASES, ID1, "name"), T0 + 10,
                   "C01");
    assert_version(read_version(&f->r.m, SW_T_CASES, ID1, "village"), T0,
                   "C01");

    before = replica_state(f->station);
    st = pull_ok(f, &upd, 1, 4);
    assert_int_equal(st.applied, 0);
    assert_int_equal(st.skipped, 1);
    after = replica_state(f->station);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* the county: the same batch twice, a record at a time */
    new_case(c, ID2, T0, "A-one");
    assert_int_equal(apply_rows(&f->s.m, c, n, 0, &f->err), 0);
    before = county_versions(f->county);
    assert_int_equal(apply_rows(&f->s.m, c, n, 0, &f->err), 0);
    assert_int_equal(f->s.m.stats.applied, 0);
    assert_int_equal(f->s.m.stats.skipped, 6);
    assert_int_equal(f->s.m.stats.rows_added, 0);
    after = county_versions(f->county);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* A local edit of a field whose version is the record's: that is its base. */
static void test_row_local_edit_base(void **state)
{
    struct fx *f = *state;
    struct sw_change c[6];
    size_t n = new_case(c, ID1, T0, "C01");
    struct sw_change upd =
        chg(ID1, "name", "李四", T0 + 10, "A-two", T0, "C01");
    int village = sw_col_index(&sw_tables[SW_T_CASES], "village");
    int name = sw_col_index(&sw_tables[SW_T_CASES], "name");
    int phone = sw_col_index(&sw_tables[SW_T_CASES], "phone");
    long sealed = 0;

    pull_ok(f, c, n, 1);
    pull_ok(f, &upd, 1, 2);
    station_sql(f, "UPDATE cases SET village = '西村', name = '王五', "
                   "phone = '110'");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 3);
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM outbox WHERE col = %d AND "
                           "base_hlc = %lld AND base_site = 'C01'",
                           village, (long long)T0),
                     1);
    /* its own version beats the record's */
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM outbox WHERE col = %d AND "
                           "base_hlc = %lld AND base_site = 'A-two'",
                           name, (long long)T0 + 10),
                     1);
    /* a field never given has no base */
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM outbox WHERE col = %d AND "
                           "base_hlc IS NULL AND base_site IS NULL",
                           phone),
                     1);
    assert_int_equal(replica_seal(&f->r, &sealed, &f->err), 0);
    assert_int_equal(sealed, 3);
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM pending WHERE col = %d AND "
                           "base_hlc = %lld AND base_site = 'C01' AND "
                           "value = '西村'",
                           village, (long long)T0),
                     1);
    /* sealed: the field has a version of its own, newer than the record's */
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM versions WHERE col = %d AND "
                           "site = 'A-one' AND hlc > %lld",
                           village, (long long)T0 + 10),
                     1);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM versions"), 7);
}

/* A record pulled new moves the clock as its fields one at a time would:
** an edit made after it is newer than it. */
static void test_row_clock_follows(void **state)
{
    struct fx *f = *state;
    struct sw_change c[6];
    int64_t ahead = hlc_pack(sw_now_ms() + INT64_C(3600000), 7), hlc = 0;
    size_t n = new_case(c, ID1, ahead, "C01");
    long sealed = 0;

    pull_ok(f, c, n, 1);
    assert_int_equal(db_get_hlc(f->station, &hlc, &f->err), 0);
    assert_true(hlc >= ahead);
    station_sql(f, "UPDATE cases SET village = '西村'");
    assert_int_equal(qint(f->station, "SELECT base_hlc FROM outbox"), ahead);
    assert_int_equal(replica_seal(&f->r, &sealed, &f->err), 0);
    assert_int_equal(sealed, 1);
    assert_true(qint(f->station, "SELECT hlc FROM pending") > ahead);

    new_case(c, ID1, ahead, "A-one");
    assert_int_equal(apply_rows(&f->s.m, c, n, 0, &f->err), 0);
    assert_int_equal(db_get_hlc(f->county, &hlc, &f->err), 0);
    assert_true(hlc >= ahead);
}

/* Half a record in one call (new), the rest in another (it exists now):
** the same as every change through merge_apply. */
static void test_row_split_matches_each(void **state)
{
    struct fx *f = *state;
    struct sw_change c[12];
    size_t n = new_case(c, ID1, T0, "C01"), used = 0;
    char *a, *b;

    c[3].ver.hlc = c[4].ver.hlc = c[5].ver.hlc = T0 + 3;
    c[4].base.hlc = T0; /* a base the record does not have: no matter */
    snprintf(c[4].base.site, sizeof(c[4].base.site), "C01");
    n += new_visit(c + n, VID1, ID1, T0 + 1, "A-one");
    c[n] = tchg(SW_T_VISITS, VID1, "follow_up", "1", T0 + 2, "A-one");
    c[n + 1] = tchg(SW_T_VISITS, VID1, "worker", "w", T0 + 2, "A-one");
    n += 2;

    /* station */
    open_station2(f);
    assert_int_equal(merge_begin(&f->r.m, &f->err), 0);
    assert_int_equal(
        merge_apply_row(&f->r.m, c, 3, MERGE_UPSTREAM, &used, &f->err), 0);
    assert_int_equal(used, 3);
    assert_int_equal(f->r.m.stats.rows_added, 1);
    assert_int_equal(
        merge_apply_row(&f->r.m, c + 3, 3, MERGE_UPSTREAM, &used, &f->err), 0);
    assert_int_equal(used, 3);
    assert_int_equal(f->r.m.stats.rows_added, 1);
    assert_int_equal(
        merge_apply_row(&f->r.m, c + 6, 2, MERGE_UPSTREAM, &used, &f->err), 0);
    assert_int_equal(used, 2);
    assert_int_equal(
        merge_apply_row(&f->r.m, c + 8, 3, MERGE_UPSTREAM, &used, &f->err), 0);
    assert_int_equal(used, 3);
    assert_int_equal(f->r.m.stats.rows_added, 2);
    assert_int_equal(f->r.m.stats.applied, 11);
    assert_int_equal(merge_commit(&f->r.m, &f->err), 0);
    assert_int_equal(apply_each(&f->r2.m, c, n, MERGE_UPSTREAM, &f->err), 0);
    assert_int_equal(f->r2.m.stats.applied, 11);
    assert_int_equal(f->r2.m.stats.rows_added, 2);
    /* the first halves went in as new records: one version each */
    assert_int_equal(row_version_count(f->station), 2);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions"),
                     6);
    assert_int_equal(row_version_count(f->station2), 0);
    assert_same_state(f->station, f->station2);

    /* county */
    open_county2(f);
    assert_int_equal(merge_begin(&f->s.m, &f->err), 0);
    for (size_t i = 0, k; i < n; i += used) {
        k = i == 0 || i == 6 ? 3 : n - i; /* split each record */
        assert_int_equal(merge_apply_row(&f->s.m, &c[i], k, 0, &used, &f->err),
                         0);
        assert_true(used >= 1 && used <= k);
    }
    assert_int_equal(merge_commit(&f->s.m, &f->err), 0);
    assert_int_equal(apply_each(&f->s2.m, c, n, 0, &f->err), 0);
    assert_same_state(f->county, f->county2);
    a = county_versions(f->county);
    b = county_versions(f->county2);
    assert_string_equal(a, b);
    free(a);
    free(b);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM field_versions"),
                     11);
}

/* At the station: the delete sealed here carries what this replica had
** seen; an older edit of another replica pulled after it is flagged here,
** and at the county when the delete is pushed after the edit. */
static void test_station_delete_carries_seen(void **state)
{
    struct fx *f = *state;
    struct sw_change c[1] = {chg(ID1, "name", "x", T0, "C01", 0, NULL)};
    struct sw_change e =
        chg(ID1, "phone", "13800138000", T0 + 2, "A-two", 0, NULL);
    struct sw_batch b;
    struct push_result res;
    char want[64];
    long n = 0;

    pull_ok(f, c, 1, 1);
    station_sql(f, "DELETE FROM cases WHERE id = '" ID1 "'");
    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 1);
    snprintf(want, sizeof(want), "%lld@C01=name", (long long)T0);
    assert_text(f->station, "SELECT seen FROM pending", want);
    assert_text(f->station, "SELECT seen FROM tombstones", want);

    /* the county has the record, and the edit the station never saw */
    assert_int_equal(county_apply(f, c, 1), 0);
    assert_int_equal(county_apply(f, &e, 1), 0);
    batch_init(&b);
    assert_int_equal(replica_read_pending(&f->r, 0, 100, &b, &f->err), 0);
    assert_int_equal(b.n, 1);
    assert_string_equal(b.v[0].seen, want);
    {
        /* through the codec, as on the wire */
        unsigned char *wire = NULL;
        size_t len = 0;
        struct sw_batch d;
        assert_int_equal(codec_encode_push(&b, &wire, &len, &f->err), 0);
        assert_int_equal(codec_decode_push(wire, len, NULL, &d, &f->err), 0);
        free(wire);
        assert_string_equal(d.v[0].seen, want);
        assert_int_equal(
            store_apply_push(&f->s, "A", "A-one", &d, &res, &f->err), 0);
        batch_release(&d);
    }
    batch_release(&b);
    assert_int_equal(res.conflicts, 1);
    assert_text(f->county,
                "SELECT loser_value FROM conflicts WHERE kind = "
                "'edit_of_deleted'",
                "13800138000");
    /* the pull gives the station the edit: flagged here too (the hlc of
       the edit is older than the delete's: the old rule missed it) */
    pull_ok(f, &e, 1, 2);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM conflicts WHERE "
                                      "kind = 'edit_of_deleted'"),
                     1);
    assert_text(f->station, "SELECT loser_value FROM conflicts", "13800138000");
    /* and the county's pull answer carries the tombstone's seen text */
    batch_init(&b);
    assert_int_equal(store_read_pull(&f->s, "A", "A-two", 0, 100, &b, &f->err),
                     0);
    {
        int got = 0;
        for (size_t i = 0; i < b.n; i++)
            if (b.v[i].col == sw_col_deleted(&sw_tables[SW_T_CASES])) {
                assert_non_null(b.v[i].seen);
                assert_string_equal(b.v[i].seen, want);
                got = 1;
            }
        assert_true(got);
    }
    batch_release(&b);
}

/* A tombstone with fields of other versions in one record's changes: the
** edits newer than it are flagged, as change by change. */
static void test_row_tombstone_in_group(void **state)
{
    struct fx *f = *state;
    struct sw_change c[] = {
        /* tombstone first: later fields meet it */
        chg(ID1, "name", "x", T0, "C01", 0, NULL),
        chg(ID1, "deleted", "1", T0 + 5, "C01", 0, NULL),
        chg(ID1, "notes", "还在服务", T0 + 9, "A-two", 0, NULL),
        chg(ID1, "village", "东村", T0 + 7, "C01", 0, NULL),
        chg(ID1, "phone", "110", T0 + 2, "C01", 0, NULL),
        /* tombstone last: it meets them */
        chg(ID2, "name", "y", T0, "C01", 0, NULL),
        chg(ID2, "notes", "edited later", T0 + 9, "A-two", 0, NULL),
        chg(ID2, "deleted", "1", T0 + 5, "C01", 0, NULL),
        /* tombstone of the one version: nothing newer */
        chg(ID3, "name", "z", T0, "C01", 0, NULL),
        chg(ID3, "deleted", "1", T0, "C01", 0, NULL),
    };
    size_t n = sizeof(c) / sizeof(c[0]);
    struct sw_version rv;
    int64_t cols = 0;

    open_station2(f);
    pull_ok(f, c, n, 1);
    assert_int_equal(apply_each(&f->r2.m, c, n, MERGE_UPSTREAM, &f->err), 0);
    assert_same_state(f->station, f->station2);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM conflicts"), 3);
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM conflicts WHERE kind = "
                           "'edit_of_deleted' AND winner_hlc = %lld AND "
                           "winner_site = 'C01' AND winner_value = 1",
                           (long long)T0 + 5),
                     3);
    assert_text(f->station,
                "SELECT group_concat(col) FROM (SELECT col FROM conflicts "
                "WHERE row_id = '" ID1 "' ORDER BY col)",
                "notes,village");
    assert_text(f->station,
                "SELECT loser_value FROM conflicts WHERE row_id = '" ID2 "'",
                "edited later");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases WHERE "
                                      "deleted = 1"),
                     3);
    /* only the tombstone of one version went in as one row */
    assert_int_equal(row_version_count(f->station), 1);
    assert_true(row_version(f->station, SW_T_CASES,
                            rid_of(f->station, SW_T_CASES, ID3), &rv, &cols));
    assert_version(rv, T0, "C01");
    assert_int_equal(cols, col_bit(SW_T_CASES, "name") |
                               col_bit(SW_T_CASES, "deleted"));

    open_county2(f);
    assert_int_equal(apply_rows(&f->s.m, c, n, 0, &f->err), 0);
    assert_int_equal(apply_each(&f->s2.m, c, n, 0, &f->err), 0);
    assert_same_state(f->county, f->county2);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 3);
}

/* A tombstone older than a record's version, applied later: flag_newer_edits
** sees the fields whose version is the record's. */
static void test_row_tombstone_later(void **state)
{
    struct fx *f = *state;
    struct sw_change c[12], upd, del[2];
    size_t n = new_case(c, ID1, T0 + 10, "C01");

    n += new_case(c + n, ID2, T0 + 2, "C01");
    upd = chg(ID1, "name", "李四", T0 + 20, "C01", T0 + 10, "C01");
    del[0] = chg(ID1, "deleted", "1", T0 + 5, "A-two", 0, NULL);
    del[1] = chg(ID2, "deleted", "1", T0 + 5, "A-two", 0, NULL);

    open_station2(f);
    pull_ok(f, c, n, 1);
    assert_int_equal(row_version_count(f->station), 2);
    pull_ok(f, &upd, 1, 2);
    pull_ok(f, del, 2, 3);
    assert_int_equal(apply_each(&f->r2.m, c, n, MERGE_UPSTREAM, &f->err), 0);
    assert_int_equal(apply_each(&f->r2.m, &upd, 1, MERGE_UPSTREAM, &f->err), 0);
    assert_int_equal(apply_each(&f->r2.m, del, 2, MERGE_UPSTREAM, &f->err), 0);
    assert_same_state(f->station, f->station2);

    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases WHERE "
                                      "deleted = 1"),
                     2);
    /* every field of ID1 is newer than its tombstone; none of ID2's */
    assert_int_equal(qint(f->station, "SELECT count(*) FROM conflicts"), 6);
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM conflicts WHERE row_id = "
                           "'" ID1 "' AND kind = 'edit_of_deleted' AND "
                           "winner_hlc = %lld AND winner_site = 'A-two' AND "
                           "winner_value = 1",
                           (long long)T0 + 5),
                     6);
    /* the loser: the field's value and version, its own or the record's */
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM conflicts WHERE col = 'name' "
                           "AND loser_value = '李四' AND loser_hlc = %lld AND "
                           "loser_site = 'C01'",
                           (long long)T0 + 20),
                     1);
    assert_int_equal(qintf(f->station,
                           "SELECT count(*) FROM conflicts WHERE col = "
                           "'village' AND loser_value = '东村' AND loser_hlc "
                           "= %lld AND loser_site = 'C01'",
                           (long long)T0 + 10),
                     1);

    /* the same on the county: a record at a time, then the tombstone */
    open_county2(f);
    assert_int_equal(apply_rows(&f->s.m, c, n, 0, &f->err), 0);
    assert_int_equal(apply_rows(&f->s.m, &upd, 1, 0, &f->err), 0);
    assert_int_equal(apply_rows(&f->s.m, del, 2, 0, &f->err), 0);
    assert_int_equal(apply_each(&f->s2.m, c, n, 0, &f->err), 0);
    assert_int_equal(apply_each(&f->s2.m, &upd, 1, 0, &f->err), 0);
    assert_int_equal(apply_each(&f->s2.m, del, 2, 0, &f->err), 0);
    assert_same_state(f->county, f->county2);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 6);
}

/* Nothing of the replicated tables or their versions. */
static void assert_nothing_written(sdb *db, int station)
{
    assert_int_equal(qint(db, "SELECT count(*) FROM cases"), 0);
    assert_int_equal(qint(db, "SELECT count(*) FROM visits"), 0);
    assert_int_equal(qint(db, "SELECT count(*) FROM services"), 0);
    assert_int_equal(qint(db, "SELECT count(*) FROM field_versions"), 0);
    assert_int_equal(qint(db, "SELECT count(*) FROM conflicts"), 0);
    if (station)
        assert_int_equal(row_version_count(db), 0);
}

/* Refused by merge_apply_row and by merge_apply alike, on either side. */
static void refuse_everywhere(struct fx *f, struct sw_change *c, size_t n,
                              size_t bad, const char *msg)
{
    struct merge_ctx *ms[2] = {&f->r.m, &f->s.m};
    sdb *dbs[2] = {f->station, f->county};
    size_t used = 0;

    for (int k = 0; k < 2; k++) {
        unsigned flags = k ? 0 : MERGE_UPSTREAM;
        sw_err_clear(&f->err);
        assert_int_equal(merge_begin(ms[k], &f->err), 0);
        assert_int_equal(merge_apply_row(ms[k], c, n, flags, &used, &f->err),
                         SW_EDATA);
        assert_int_equal(f->err.code, SW_EDATA);
        if (!strstr(f->err.msg, msg))
            fail_msg("'%s' does not say '%s'", f->err.msg, msg);
        merge_abort(ms[k]);
        assert_nothing_written(dbs[k], !k);

        assert_int_equal(merge_begin(ms[k], &f->err), 0);
        assert_int_equal(merge_apply(ms[k], &c[bad], flags, &f->err), SW_EDATA);
        merge_abort(ms[k]);
        assert_nothing_written(dbs[k], !k);
        assert_int_equal(apply_each(ms[k], c, n, flags, &f->err), SW_EDATA);
        assert_nothing_written(dbs[k], !k);
    }
}

static void test_row_bad_values(void **state)
{
    struct fx *f = *state;
    struct sw_change c[4];
    size_t n = new_visit(c, VID1, ID1, T0, "C01");
    struct sw_batch b;
    int64_t cur = -1;
    char *before, *after;

    c[2].text = (char *)"boat";
    refuse_everywhere(f, c, n, 2, "visits.mode");

    new_visit(c, VID1, ID1, T0, "C01");
    c[3] = tchg(SW_T_VISITS, VID1, "follow_up", "1", T0, "C01");
    c[3].vtype = SW_V_TEXT; /* text for an integer column */
    c[3].text = (char *)"1";
    refuse_everywhere(f, c, 4, 3, "visits.follow_up");
    c[3].vtype = SW_V_INT;
    c[3].ival = 2; /* not a boolean */
    refuse_everywhere(f, c, 4, 3, "visits.follow_up");

    new_visit(c, VID1, ID1, T0, "C01");
    c[1].vtype = SW_V_INT; /* an integer for a text column */
    c[1].ival = 20260301;
    refuse_everywhere(f, c, n, 1, "visits.visited_at");

    new_visit(c, VID1, "not-a-case-id", T0, "C01");
    refuse_everywhere(f, c, n, 0, "visits.case_id");

    new_visit(c, VID1, ID1, T0, "C01");
    c[3] = tchg(SW_T_VISITS, VID1, "deleted", NULL, T0, "C01");
    refuse_everywhere(f, c, 4, 3, "visits.deleted");

    new_visit(c, VID1, ID1, T0, "C01");
    c[1].text = (char *)"2026-02-30";
    refuse_everywhere(f, c, n, 1, "visits.visited_at");

    /* a bad record id, a bad station code */
    new_visit(c, "not-a-uuid", ID1, T0, "C01");
    refuse_everywhere(f, c, n, 0, "bad record id");
    new_visit(c, VID1, ID1, T0, "C01");
    for (size_t i = 0; i < n; i++)
        snprintf(c[i].station, sizeof(c[i].station), "-A");
    refuse_everywhere(f, c, n, 0, "bad station code");

    /* through a pull: nothing written, the cursor where it was */
    new_visit(c, VID1, ID1, T0, "C01");
    c[2].text = (char *)"boat";
    b = pull_of(c, (int)n, 5);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), SW_EDATA);
    batch_release(&b);
    assert_nothing_written(f->station, 1);
    assert_int_equal(replica_cursor(&f->r, &cur, &f->err), 0);
    assert_int_equal(cur, 0);

    /* a record that exists: its later bad value is refused as well */
    new_visit(c, VID1, ID1, T0, "C01");
    pull_ok(f, c, n, 6);
    before = replica_state(f->station);
    c[0] = tchg(SW_T_VISITS, VID1, "worker", "w", T0 + 1, "C01");
    c[1] = tchg(SW_T_VISITS, VID1, "mode", "boat", T0 + 1, "C01");
    assert_int_equal(apply_rows(&f->r.m, c, 2, MERGE_UPSTREAM, &f->err),
                     SW_EDATA);
    b = pull_of(c, 2, 7);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), SW_EDATA);
    batch_release(&b);
    after = replica_state(f->station);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(replica_cursor(&f->r, &cur, &f->err), 0);
    assert_int_equal(cur, 6);
}

/* A push with a bad value: refused whole. */
static void test_row_bad_push(void **state)
{
    struct fx *f = *state;
    struct sw_change c[6];
    size_t n = new_case(c, ID1, T0, "A-one");
    struct sw_batch b;
    struct push_result res;

    c[3].text = (char *)"extreme";
    b = pull_of(c, (int)n, 0);
    snprintf(b.site, sizeof(b.site), "A-one");
    for (size_t i = 0; i < n; i++)
        b.v[i].seq = (int64_t)i + 1;
    b.from = 1;
    b.to = (int64_t)n;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     SW_EDATA);
    assert_non_null(strstr(f->err.msg, "cases.risk_level"));
    assert_nothing_written(f->county, 0);
    assert_int_equal(res.acked, 0);
    batch_release(&b);
}

/* CHECK constraints and triggers of the connection: 1 if both are on. */
static int guards_on(sdb *db)
{
    int trig = -1;
    assert_int_equal(sqlite3_db_config(sdb_sqlite(db),
                                       SQLITE_DBCONFIG_ENABLE_TRIGGER, -1,
                                       &trig),
                     SDB_OK);
    return trig == 1 && qint(db, "PRAGMA ignore_check_constraints") == 0;
}

static int guards_off(sdb *db)
{
    int trig = -1;
    assert_int_equal(sqlite3_db_config(sdb_sqlite(db),
                                       SQLITE_DBCONFIG_ENABLE_TRIGGER, -1,
                                       &trig),
                     SDB_OK);
    return trig == 0 && qint(db, "PRAGMA ignore_check_constraints") == 1;
}

/* As another program would see the station: CHECKs, capture and the fixed
** fields hold. */
static void assert_station_guarded(struct fx *f)
{
    static int n;
    char sql[160];
    int64_t gens = qint(f->station, "SELECT coalesce(sum(gen), 0) FROM outbox");

    assert_true(guards_on(f->station));
    assert_int_equal(sql_rc(f->station,
                            "INSERT INTO visits (id, station, case_id, "
                            "visited_at, mode) VALUES ('" VID2 "', 'A', '" ID1
                            "', '2026-03-01', 'boat')"),
                     SQLITE_CONSTRAINT);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM visits WHERE id "
                                      "= '" VID2 "'"),
                     0);
    assert_int_equal(sql_rc(f->station, "UPDATE cases SET risk_level = "
                                        "'extreme'"),
                     SQLITE_CONSTRAINT);
    assert_int_equal(
        sql_rc(f->station, "UPDATE visits SET case_id = '" ID2 "'"),
        SQLITE_CONSTRAINT);
    assert_text(f->station, "SELECT case_id FROM visits", ID1);
    snprintf(sql, sizeof(sql),
             "UPDATE cases SET phone = '1380000%04d' WHERE id = '" ID1 "'",
             ++n);
    sql_ok(f->station, sql);
    assert_int_equal(qint(f->station, "SELECT coalesce(sum(gen), 0) FROM "
                                      "outbox"),
                     gens + 1);
}

static void test_guards_back_on(void **state)
{
    struct fx *f = *state;
    int sq;
    struct sw_change c[15], bad;
    size_t n = new_case(c, ID1, T0, "C01");
    sdb_stmt *st;
    struct sw_batch b;
    struct push_result res;
    int64_t gens;

    n += new_case(c + n, ID2, T0, "C01");
    n += new_visit(c + n, VID1, ID1, T0, "C01");
    assert_true(guards_on(f->station));
    pull_ok(f, c, n, 1); /* merge_commit */
    assert_station_guarded(f);

    /* off in the merge's transaction, back on at commit */
    assert_int_equal(merge_begin(&f->r.m, &f->err), 0);
    assert_true(guards_off(f->station));
    /* a statement made while they are off is made again after */
    assert_int_equal(sdb_prepare_v2(f->station,
                                    "UPDATE cases SET notes = ?1 WHERE "
                                    "id = '" ID2 "'",
                                    -1, &st, NULL),
                     SDB_OK);
    assert_int_equal(merge_commit(&f->r.m, &f->err), 0);
    assert_station_guarded(f);
    gens = qint(f->station, "SELECT coalesce(sum(gen), 0) FROM outbox");
    sdb_bind_text(st, 1, "captured", -1, SDB_STATIC);
    assert_int_equal(sdb_step(st), SDB_DONE);
    sdb_finalize(st);
    assert_int_equal(qint(f->station, "SELECT coalesce(sum(gen), 0) FROM "
                                      "outbox"),
                     gens + 1);

    /* and at abort */
    assert_int_equal(merge_begin(&f->r.m, &f->err), 0);
    assert_true(guards_off(f->station));
    merge_abort(&f->r.m);
    assert_station_guarded(f);

    /* a pull refused for a bad value, one refused for a fixed field */
    bad = tchg(SW_T_VISITS, VID1, "mode", "boat", T0 + 1, "C01");
    b = pull_of(&bad, 1, 2);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), SW_EDATA);
    batch_release(&b);
    assert_station_guarded(f);
    bad = tchg(SW_T_VISITS, VID1, "case_id", ID2, T0 + 1, "C01");
    b = pull_of(&bad, 1, 2);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), SW_EPERM);
    batch_release(&b);
    assert_station_guarded(f);

    /* the county; its guards are SQLite's (sqlite3_db_config, pragmas,
       CHECKs): a PostgreSQL store has no CHECKs or triggers on the
       replicated tables to switch (docs/storage.md, "The merge rule") */
    sq = sdb_kind(f->county) == SDB_SQLITE;
    assert_true(!sq || guards_on(f->county));
    assert_int_equal(apply_rows(&f->s.m, c, n, 0, &f->err), 0);
    assert_true(!sq || guards_on(f->county));
    assert_int_equal(apply_rows(&f->s.m, &bad, 1, 0, &f->err), SW_EPERM);
    assert_true(!sq || guards_on(f->county));
    bad.text = (char *)"no-uuid";
    b = pull_of(&bad, 1, 0);
    snprintf(b.site, sizeof(b.site), "A-one");
    snprintf(b.v[0].ver.site, sizeof(b.v[0].ver.site), "A-one");
    b.v[0].seq = 1;
    b.from = b.to = 1;
    assert_int_not_equal(
        store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err), 0);
    batch_release(&b);
    if (sq) {
        assert_true(guards_on(f->county));
        assert_int_equal(sql_rc(f->county, "UPDATE cases SET status = 'gone'"),
                         SQLITE_CONSTRAINT);
        assert_int_equal(sql_rc(f->county,
                                "INSERT INTO visits (id, station, case_id, "
                                "visited_at, mode) VALUES ('" VID2
                                "', 'A', '" ID1 "', '2026-03-01', 'boat')"),
                         SQLITE_CONSTRAINT);
    }
    assert_text(f->county, "SELECT status FROM cases", "open");
}

/* A fixed field (a visit's case) is not moved by a merged change, with the
** triggers off all the same. */
/* How many of the records' secondary indexes a station has (of 3). */
static int64_t station_indexes(sdb *db)
{
    return qint(db, "SELECT count(*) FROM sqlite_master WHERE type = "
                    "'index' AND name IN ('cases_name', 'visits_case_id', "
                    "'services_case_id')");
}

/* A long pull drops the secondary indexes once bulk_after changes are in
** and more remain; replica_pull_end makes them again.  Values and
** versions are the same as without (and as the indexes never exist in
** between for a reader, records are found by scanning). */
static void test_pull_bulk_indexes(void **state)
{
    struct fx *f = *state;
    struct sw_change c[15];
    size_t n = new_case(c, ID1, T0, "C01");
    struct sw_batch b;

    assert_int_equal(station_indexes(f->station), 3);
    /* bulk_after 0 (tests, other callers): never */
    b = pull_of(c, (int)n, 1);
    b.more = 1;
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), 0);
    batch_release(&b);
    assert_int_equal(station_indexes(f->station), 3);

    /* the last batch of a pull (more false): not dropped */
    f->r.bulk_after = 5;
    n = new_case(c, ID2, T0 + 1, "C01");
    b = pull_of(c, (int)n, 2);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), 0);
    batch_release(&b);
    assert_int_equal(station_indexes(f->station), 3);
    assert_int_equal(f->r.bulk, 0);

    /* past bulk_after with more to come: dropped, and a record of the
       next batch is found all the same */
    n = new_visit(c, VID1, ID1, T0 + 2, "C01");
    b = pull_of(c, (int)n, 3);
    b.more = 1;
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), 0);
    batch_release(&b);
    assert_int_equal(f->r.bulk, 1);
    assert_int_equal(station_indexes(f->station), 0);
    n = new_visit(c, VID2, ID1, T0 + 3, "C01");
    b = pull_of(c, (int)n, 4);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), 0);
    batch_release(&b);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM visits WHERE "
                                      "case_id = '" ID1 "'"),
                     2);

    /* the end of the pull: all three back, used by the same query */
    assert_int_equal(replica_pull_end(&f->r, &f->err), 0);
    assert_int_equal(f->r.bulk, 0);
    assert_int_equal(station_indexes(f->station), 3);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM visits WHERE "
                                      "case_id = '" ID1 "'"),
                     2);
    {
        /* SQLite's plan for it names the index */
        sdb_stmt *st;
        int used = 0;
        assert_int_equal(sdb_prepare_v2(f->station,
                                        "EXPLAIN QUERY PLAN SELECT rid "
                                        "FROM visits WHERE case_id = 'x'",
                                        -1, &st, NULL),
                         SDB_OK);
        while (sdb_step(st) == SDB_ROW)
            used |= strstr((const char *)sdb_column_text(st, 3),
                           "visits_case_id") != NULL;
        sdb_finalize(st);
        assert_true(used);
    }
    /* and again: nothing to do */
    assert_int_equal(replica_pull_end(&f->r, &f->err), 0);
    assert_int_equal(station_indexes(f->station), 3);
}

/* A fixed field with a value but no version (written by another program
** with capture off) is not moved by a merged change either: the trigger
** that would refuse it is off in the merge. */
static void test_fixed_field_without_version(void **state)
{
    struct fx *f = *state;
    struct sw_change c[15], mv;
    size_t n = new_case(c, ID1, T0, "C01");
    struct sw_batch b;
    struct sw_err e;

    n += new_case(c + n, ID2, T0, "C01");
    pull_ok(f, c, n, 1);
    assert_int_equal(db_set_capture(f->station, 0, &e), 0);
    sql_ok(f->station, "INSERT INTO visits (id, case_id, visited_at, mode) "
                       "VALUES ('" VID1 "', '" ID1 "', '2026-03-01', 'home')");
    assert_int_equal(db_set_capture(f->station, 1, &e), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM versions WHERE "
                                      "tbl = 1"),
                     0);

    mv = tchg(SW_T_VISITS, VID1, "case_id", ID2, T0 + 5, "C01");
    b = pull_of(&mv, 1, 2);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), SW_EPERM);
    assert_non_null(strstr(f->err.msg, "case_id cannot change"));
    batch_release(&b);
    assert_text(f->station, "SELECT case_id FROM visits", ID1);
}

static void test_row_fixed_field(void **state)
{
    struct fx *f = *state;
    struct sw_change c[15], mv[2];
    size_t n = new_case(c, ID1, T0, "C01"), used = 0;
    struct sw_batch b;
    struct push_result res;
    struct sw_version rv;
    int64_t cols = 0;
    char *before, *after;

    n += new_case(c + n, ID2, T0, "C01");
    n += new_visit(c + n, VID1, ID1, T0, "C01");
    pull_ok(f, c, n, 1);
    /* case_id's version is the record's */
    assert_true(row_version(f->station, SW_T_VISITS,
                            rid_of(f->station, SW_T_VISITS, VID1), &rv, &cols));
    assert_true(cols & col_bit(SW_T_VISITS, "case_id"));
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions"),
                     0);
    before = replica_state(f->station);

    mv[0] = tchg(SW_T_VISITS, VID1, "case_id", ID2, T0 + 5, "C01");
    mv[0].base.hlc = T0;
    snprintf(mv[0].base.site, sizeof(mv[0].base.site), "C01");
    b = pull_of(mv, 1, 2);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), SW_EPERM);
    assert_non_null(strstr(f->err.msg, "case_id cannot change"));
    batch_release(&b);

    /* with another field of the record, a record at a time */
    mv[1] = mv[0];
    mv[0] = tchg(SW_T_VISITS, VID1, "mode", "phone", T0 + 5, "C01");
    assert_int_equal(merge_begin(&f->r.m, &f->err), 0);
    assert_int_equal(
        merge_apply_row(&f->r.m, mv, 2, MERGE_UPSTREAM, &used, &f->err),
        SW_EPERM);
    merge_abort(&f->r.m);
    assert_int_equal(apply_each(&f->r.m, &mv[1], 1, 0, &f->err), SW_EPERM);
    after = replica_state(f->station);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_text(f->station, "SELECT case_id FROM visits", ID1);

    /* the same case at a newer version is no move */
    mv[1].text = (char *)ID1;
    assert_int_equal(apply_rows(&f->r.m, mv, 2, MERGE_UPSTREAM, &f->err), 0);
    assert_text(f->station, "SELECT mode FROM visits", "phone");
    assert_version(read_version(&f->r.m, SW_T_VISITS, VID1, "case_id"), T0 + 5,
                   "C01");

    /* the county, through a push */
    for (size_t i = 0; i < n; i++)
        snprintf(c[i].ver.site, sizeof(c[i].ver.site), "A-one");
    b = pull_of(c, (int)n, 0);
    snprintf(b.site, sizeof(b.site), "A-one");
    for (size_t i = 0; i < n; i++)
        b.v[i].seq = (int64_t)i + 1;
    b.from = 1;
    b.to = (int64_t)n;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     0);
    batch_release(&b);
    mv[1].text = (char *)ID2;
    snprintf(mv[0].ver.site, sizeof(mv[0].ver.site), "A-one");
    snprintf(mv[1].ver.site, sizeof(mv[1].ver.site), "A-one");
    b = pull_of(mv, 2, 0);
    snprintf(b.site, sizeof(b.site), "A-one");
    b.v[0].seq = (int64_t)n + 1;
    b.v[1].seq = (int64_t)n + 2;
    b.from = (int64_t)n + 1;
    b.to = (int64_t)n + 2;
    assert_int_equal(store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err),
                     SW_EPERM);
    batch_release(&b);
    assert_text(f->county, "SELECT case_id FROM visits", ID1);
    assert_text(f->county, "SELECT mode FROM visits", "home");
}

/* How many changes a call takes: one record's, each field once. */
static void test_row_grouping(void **state)
{
    struct fx *f = *state;
    struct sw_change c[] = {
        chg(ID1, "name", "a", T0, "C01", 0, NULL),
        chg(ID1, "village", "v", T0, "C01", 0, NULL),
        chg(ID2, "name", "b", T0, "C01", 0, NULL),
        chg(ID1, "notes", "n1", T0 + 1, "C01", 0, NULL),
        chg(ID1, "notes", "n2", T0 + 2, "C01", 0, NULL),
        tchg(SW_T_VISITS, ID1, "mode", "home", T0, "C01"),
        chg(ID1, "phone", "110", T0, "C01", 0, NULL),
    };
    size_t n = sizeof(c) / sizeof(c[0]), want[] = {2, 1, 1, 1, 1, 1};
    size_t used = 0, k = 0;

    open_station2(f);
    assert_int_equal(merge_begin(&f->r.m, &f->err), 0);
    for (size_t i = 0; i < n; i += used, k++) {
        assert_int_equal(merge_apply_row(&f->r.m, &c[i], n - i, MERGE_UPSTREAM,
                                         &used, &f->err),
                         0);
        assert_true(k < sizeof(want) / sizeof(want[0]));
        assert_int_equal(used, want[k]);
    }
    assert_int_equal(merge_commit(&f->r.m, &f->err), 0);
    assert_int_equal(apply_each(&f->r2.m, c, n, MERGE_UPSTREAM, &f->err), 0);
    assert_same_state(f->station, f->station2);
    assert_text(f->station, "SELECT notes FROM cases WHERE id = '" ID1 "'",
                "n2");

    /* a change it cannot take is refused, not skipped */
    c[1].col = sw_tables[SW_T_CASES].ncols;
    assert_int_equal(merge_begin(&f->r.m, &f->err), 0);
    assert_int_equal(
        merge_apply_row(&f->r.m, c, 2, MERGE_UPSTREAM, &used, &f->err), 0);
    assert_int_equal(used, 1);
    assert_int_equal(
        merge_apply_row(&f->r.m, &c[1], 1, MERGE_UPSTREAM, &used, &f->err),
        SW_EDATA);
    merge_abort(&f->r.m);
}

/* Another station's record is not written a record at a time either. */
static void test_row_other_station_refused(void **state)
{
    struct fx *f = *state;
    struct sw_change c[6];
    size_t n = new_case(c, ID1, T0, "A-one");

    assert_int_equal(apply_rows(&f->s.m, c, n, 0, &f->err), 0);
    new_case(c, ID1, T0 + 1, "B-one");
    for (size_t i = 0; i < n; i++)
        snprintf(c[i].station, sizeof(c[i].station), "B");
    c[0].text = (char *)"B's";
    assert_int_equal(apply_rows(&f->s.m, c, n, 0, &f->err), SW_EPERM);
    assert_text(f->county, "SELECT name FROM cases", "张三");
    assert_text(f->county, "SELECT station FROM cases", "A");
    assert_int_equal(qint(f->county, "SELECT count(*) FROM cases"), 1);
}

/* ---- case transfer: ownership as a versioned field --------------------- */

static struct sw_version ver(int64_t hlc, const char *site)
{
    struct sw_version v;
    memset(&v, 0, sizeof(v));
    v.hlc = hlc;
    if (site)
        snprintf(v.site, sizeof(v.site), "%s", site);
    return v;
}

/* The merge rule for ownership: the same three steps as for a field. */
static void test_owner_rule(void **state)
{
    struct sw_version none = ver(0, NULL), t1 = ver(T0 + 10, "C01"),
                      t2 = ver(T0 + 20, "C01"), t2b = ver(T0 + 20, "C02");
    (void)state;
    /* 1. the version we have: skip (idempotent) */
    assert_int_equal(merge_owner_rule(&t1, &t1, &none), 0);
    /* 2. the writer saw ours: take, first transfer and later ones */
    assert_int_equal(merge_owner_rule(&none, &t1, &none), 1);
    assert_int_equal(merge_owner_rule(&t1, &t2, &t1), 1);
    /* 3. concurrent: the later version wins, ties by site */
    assert_int_equal(merge_owner_rule(&t1, &t2, &none), 1);
    assert_int_equal(merge_owner_rule(&t2, &t1, &none), 0);
    assert_int_equal(merge_owner_rule(&t2, &t2b, &t1), 1);
    assert_int_equal(merge_owner_rule(&t2b, &t2, &t1), 0);
}

/* A case of A moved to B by the county: *tv its ownership version. */
static void moved_to_b(struct fx *f, struct sw_version *tv)
{
    struct sw_change c[6];
    struct transfer_result res;
    size_t n = new_case(c, ID1, T0, "A-one");

    assert_int_equal(apply_rows(&f->s.m, c, n, 0, &f->err), 0);
    assert_int_equal(store_add_site(&f->s, "B", "B-one", &f->err), 0);
    assert_int_equal(store_begin(&f->s, &f->err), 0);
    assert_int_equal(
        transfer_case(&f->s, ID1, "B", "搬家", "admin", 0, &res, &f->err), 0);
    assert_int_equal(store_commit(&f->s, &f->err), 0);
    assert_string_equal(res.from, "A");
    assert_int_equal(res.records, 1);
    assert_int_equal(res.fields, 6);
    assert_int_equal(merge_owner_version(&f->s.m, ID1, tv, &f->err), 0);
    assert_true(tv->hlc > T0);
    assert_string_equal(tv->site, "C01");
}

/* A push of one change from site (station st): its result code. */
static int push1(struct fx *f, const char *st, const char *site,
                 struct sw_change *c, int64_t seq, struct push_result *res)
{
    struct sw_batch b = pull_of(c, 1, 0);
    int rc;
    snprintf(b.site, sizeof(b.site), "%s", site);
    snprintf(b.v[0].station, sizeof(b.v[0].station), "%s", st);
    b.v[0].seq = seq;
    b.from = b.to = seq;
    rc = store_apply_push(&f->s, st, site, &b, res, &f->err);
    batch_release(&b);
    return rc;
}

static void test_transfer_restamps(void **state)
{
    struct fx *f = *state;
    struct sw_version tv;
    struct sw_batch out;

    moved_to_b(f, &tv);
    assert_text(f->county, "SELECT station FROM cases", "B");
    assert_int_equal(qint(f->county,
                          "SELECT count(*) FROM field_versions WHERE "
                          "station = 'B' AND src = 'C01'"),
                     6);
    /* versions unchanged: the same history, another owner */
    assert_int_equal(qint(f->county, "SELECT count(*) FROM field_versions "
                                     "WHERE hlc = 1795330229253"),
                     6);
    /* B pulls the whole record, A an order to let go, and nothing else */
    batch_init(&out);
    assert_int_equal(
        store_read_pull(&f->s, "B", "B-one", 0, 100, &out, &f->err), 0);
    assert_int_equal(out.n, 6);
    assert_int_equal(out.nerase, 0);
    batch_release(&out);
    batch_init(&out);
    assert_int_equal(
        store_read_pull(&f->s, "A", "A-one", 0, 100, &out, &f->err), 0);
    assert_int_equal(out.n, 0);
    assert_int_equal(out.nerase, 1);
    assert_string_equal(out.erase[0].id, ID1);
    assert_string_equal(out.erase[0].to, "B");
    assert_string_equal(out.erase[0].note, "搬家");
    /* the order survives the wire */
    {
        unsigned char *wire = NULL;
        size_t len = 0;
        struct sw_batch back;
        batch_init(&back);
        assert_int_equal(codec_encode_pull(&out, &wire, &len, &f->err), 0);
        assert_int_equal(codec_decode_pull(wire, len, NULL, &back, &f->err), 0);
        assert_int_equal(back.nerase, 1);
        assert_string_equal(back.erase[0].to, "B");
        assert_string_equal(back.erase[0].note, "搬家");
        assert_int_equal(back.erase[0].at, out.erase[0].at);
        batch_release(&back);
        free(wire);
    }
    batch_release(&out);
    /* refusals: the station it is at, an unknown one, a note with the name */
    {
        struct transfer_result res;
        assert_int_equal(store_begin(&f->s, &f->err), 0);
        assert_int_equal(
            transfer_case(&f->s, ID1, "B", "x", "admin", 0, &res, &f->err),
            SW_EUSAGE);
        assert_int_equal(
            transfer_case(&f->s, ID1, "Q", "x", "admin", 0, &res, &f->err),
            SW_EUSAGE);
        assert_int_equal(transfer_case(&f->s, ID1, "A", "张三走了", "admin", 0,
                                       &res, &f->err),
                         SW_EUSAGE);
        assert_int_equal(
            transfer_case(&f->s, ID2, "A", "x", "admin", 0, &res, &f->err),
            SW_ENOINPUT);
        store_abort(&f->s);
    }
}

/* A former owner's edit on a base before the transfer is taken for the
** new owner, flagged; on a base after it, or from a station that never
** owned the case, refused as another station's. */
static void test_transfer_admit(void **state)
{
    struct fx *f = *state;
    struct sw_version tv;
    struct push_result res;
    struct sw_change c;

    moved_to_b(f, &tv);
    /* A-two edited the village offline, on the version it had seen */
    c = chg(ID1, "village", "西村", T0 + 5, "A-two", T0, "A-one");
    assert_int_equal(push1(f, "A", "A-two", &c, 1, &res), 0);
    assert_int_equal(res.applied, 1);
    assert_text(f->county, "SELECT village FROM cases", "西村");
    assert_int_equal(qint(f->county, "SELECT count(*) FROM field_versions "
                                     "WHERE station = 'B'"),
                     6);
    assert_text(f->county,
                "SELECT kind || ':' || station || ':' || winner_value || ':' "
                "|| loser_value FROM conflicts",
                "edit_after_transfer:B:西村:东村");
    /* the same again: a duplicate, nothing new */
    assert_int_equal(push1(f, "A", "A-two", &c, 1, &res), 0);
    assert_int_equal(res.duplicates, 1);
    /* a write on a base the transfer had replaced: 403 */
    c = chg(ID1, "name", "李四", tv.hlc + 5, "A-two", tv.hlc, "C01");
    assert_int_equal(push1(f, "A", "A-two", &c, 2, &res), SW_EPERM);
    assert_text(f->county, "SELECT name FROM cases", "张三");
    /* a station that never owned it: 403 whatever its base */
    assert_int_equal(store_add_site(&f->s, "Z", "Z-one", &f->err), 0);
    c = chg(ID1, "name", "王五", T0 + 6, "Z-one", T0, "A-one");
    assert_int_equal(push1(f, "Z", "Z-one", &c, 1, &res), SW_EPERM);
    assert_text(f->county, "SELECT name FROM cases", "张三");
    /* a new visit A made offline: B's now */
    {
        struct sw_change v[3];
        struct sw_batch b;
        size_t n = new_visit(v, ID2, ID1, T0 + 7, "A-one");
        b = pull_of(v, (int)n, 0);
        snprintf(b.site, sizeof(b.site), "A-one");
        for (size_t i = 0; i < n; i++)
            b.v[i].seq = (int64_t)i + 1;
        b.from = 1;
        b.to = (int64_t)n;
        assert_int_equal(
            store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err), 0);
        batch_release(&b);
        assert_text(f->county, "SELECT station FROM visits", "B");
    }
}

/* A case that went A -> B -> A: which bases are before a transfer away. */
static void test_owner_at(void **state)
{
    struct fx *f = *state;
    struct sw_version t1, t2, b;
    struct transfer_result res;
    int yes = -1;

    moved_to_b(f, &t1);
    assert_int_equal(store_begin(&f->s, &f->err), 0);
    assert_int_equal(
        transfer_case(&f->s, ID1, "A", "回来", "admin", 0, &res, &f->err), 0);
    assert_int_equal(store_commit(&f->s, &f->err), 0);
    assert_int_equal(merge_owner_version(&f->s.m, ID1, &t2, &f->err), 0);
    assert_true(sw_version_cmp(&t2, &t1) > 0);
    /* A lost it at t1: a base before t1 is one A saw while it had it */
    b = ver(T0, "A-one");
    assert_int_equal(merge_left_after(&f->s.m, ID1, "A", &b, &yes, &f->err), 0);
    assert_int_equal(yes, 1);
    /* B had it from t1 to t2 */
    b = t1;
    assert_int_equal(merge_left_after(&f->s.m, ID1, "B", &b, &yes, &f->err), 0);
    assert_int_equal(yes, 1);
    /* A cannot have seen t1 before it lost the case at t1 */
    assert_int_equal(merge_left_after(&f->s.m, ID1, "A", &b, &yes, &f->err), 0);
    assert_int_equal(yes, 0);
    /* nothing left B after t2 */
    b = t2;
    assert_int_equal(merge_left_after(&f->s.m, ID1, "B", &b, &yes, &f->err), 0);
    assert_int_equal(yes, 0);
    b = ver(0, NULL); /* a new record: did the case ever leave? */
    assert_int_equal(merge_left_after(&f->s.m, ID1, "B", &b, &yes, &f->err), 0);
    assert_int_equal(yes, 1);
    assert_int_equal(merge_left_after(&f->s.m, ID1, "Z", &b, &yes, &f->err), 0);
    assert_int_equal(yes, 0);
    /* A's stream has the case again, B's an order to let go; A's old
       order is gone (it would erase what A holds again) */
    assert_int_equal(qint(f->county, "SELECT count(*) FROM moved"), 1);
    assert_text(f->county, "SELECT from_station || to_station FROM moved",
                "BA");
}

/* On the station: the order erases the case, keeps a line; a case with
** an unsent edit waits until it is sent. */
static void test_transfer_station(void **state)
{
    struct fx *f = *state;
    struct sw_change c[6];
    struct sw_batch b;
    size_t n = new_case(c, ID1, T0, "A-one");

    b = pull_of(c, (int)n, 1);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), 0);
    batch_release(&b);
    /* an unsent edit */
    assert_int_equal(sdb_exec5(f->station, "UPDATE cases SET village = '西村'",
                               NULL, NULL, NULL),
                     SDB_OK);
    batch_init(&b);
    b.cursor = 2;
    assert_int_equal(batch_add_move(&b, ID1, "B", T0, "搬家"), 0);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases"), 1);
    assert_int_equal(qint(f->station, "SELECT waiting FROM moved_cases"), 1);
    /* pushed and acknowledged: the next pull lets go */
    assert_int_equal(replica_ack(&f->r, INT64_MAX, &f->err), 0);
    batch_release(&b);
    batch_init(&b);
    b.cursor = 3;
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), 0);
    batch_release(&b);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases"), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions"),
                     0);
    assert_int_equal(qint(f->station, "SELECT waiting FROM moved_cases"), 0);
    assert_text(f->station, "SELECT to_station || ' ' || note FROM moved_cases",
                "B 搬家");
    /* it comes back: the line goes */
    b = pull_of(c, (int)n, 4);
    assert_int_equal(replica_apply_pull(&f->r, &b, NULL, &f->err), 0);
    batch_release(&b);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM moved_cases"), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases"), 1);
}

/* The county moves case id to station `to`, in its own transaction. */
static void move_case(struct fx *f, const char *id, const char *to)
{
    struct transfer_result res;
    assert_int_equal(store_begin(&f->s, &f->err), 0);
    if (transfer_case(&f->s, id, to, "搬家", "admin", 0, &res, &f->err))
        fail_msg("%s", f->err.msg);
    assert_int_equal(store_commit(&f->s, &f->err), 0);
}

/* A case kept waiting (an unsent edit when the order to let go came)
** comes back before the replica pulls that far; the replica then pushes
** its edit, which the county holds as the replica's own value and so
** does not send it back.  The first pull answer that does not reach the
** return must not erase the case: its rows would come back without the
** edit (the model test, seed 1). */
static void test_transfer_waiting_comes_back(void **state)
{
    struct fx *f = *state;
    struct sw_change c[6];
    size_t n = new_case(c, ID2, T0, "A-two");
    int more = 1;
    char sql[200];

    assert_int_equal(store_add_site(&f->s, "B", "B-one", &f->err), 0);
    assert_int_equal(
        sdb_exec5(f->station,
                  "INSERT INTO cases (id, name, category, risk_level, status, "
                  "opened_on, village) VALUES ('" ID1 "', '张三', 'other', "
                  "'low', 'open', '2026-01-01', '东村')",
                  NULL, NULL, NULL),
        SDB_OK);
    assert_int_equal(exchange_sync(&f->r, &f->s, &f->err), 0);
    move_case(f, ID1, "B");
    /* an edit made before the replica knew: it waits for its push */
    assert_int_equal(sdb_exec5(f->station, "UPDATE cases SET notes = '新址'",
                               NULL, NULL, NULL),
                     SDB_OK);
    assert_int_equal(exchange_pull(&f->s, &f->r, 100, 1, &more, NULL, &f->err),
                     0);
    assert_int_equal(more, 0);
    assert_int_equal(qint(f->station, "SELECT waiting FROM moved_cases"), 1);
    /* another replica's case comes into A's stream, then the case comes
       back, then the replica pushes its edit: the case is A's again */
    assert_int_equal(county_apply(f, c, (int)n), 0);
    move_case(f, ID1, "A");
    assert_int_equal(exchange_push(&f->r, &f->s, 100, 0, NULL, NULL, &f->err),
                     0);
    assert_text(f->county, "SELECT notes FROM cases WHERE id = '" ID1 "'",
                "新址");
    /* an answer that stops before the return: the case stays */
    assert_int_equal(exchange_pull(&f->s, &f->r, 1, 1, &more, NULL, &f->err),
                     0);
    assert_int_equal(more, 1);
    assert_int_equal(
        qint(f->station, "SELECT count(*) FROM cases WHERE id = '" ID1 "'"), 1);
    while (more)
        assert_int_equal(
            exchange_pull(&f->s, &f->r, 1, 1, &more, NULL, &f->err), 0);
    /* the case is back whole: the edit, its version, no moved line */
    assert_text(f->station, "SELECT notes FROM cases WHERE id = '" ID1 "'",
                "新址");
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM versions WHERE tbl = %d AND col = %d AND "
             "site = 'A-one' AND rid = (SELECT rid FROM cases WHERE id = '" ID1
             "')",
             SW_T_CASES, sw_col_index(&sw_tables[SW_T_CASES], "notes"));
    assert_int_equal(qint(f->station, sql), 1);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM moved_cases"), 0);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM cases"), 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_new_record),
        T(test_owner_rule),
        T(test_transfer_restamps),
        T(test_transfer_admit),
        T(test_owner_at),
        T(test_transfer_station),
        T(test_transfer_waiting_comes_back),
        T(test_same_version_skipped),
        T(test_base_equals_cur_taken),
        T(test_concurrent_incoming_wins),
        T(test_concurrent_incoming_loses),
        T(test_concurrent_equal_values),
        T(test_edit_meets_older_tombstone),
        T(test_tombstone_meets_newer_edit),
        T(test_edit_before_tombstone_no_flag),
        T(test_unseen_older_edit_flagged),
        T(test_unseen_older_edit_after_delete),
        T(test_seen_edit_not_flagged),
        T(test_seen_text),
        T(test_station_delete_carries_seen),
        T(test_other_station_refused),
        T(test_seal),
        T(test_station_fast_forward),
        T(test_station_unsent_edit_conflicts),
        T(test_pull_foreign_station_refused),
        T(test_push_dedup_and_echo),
        T(test_push_scope_refused_whole),
        T(test_county_owned),
        T(test_push_clamps_future),
        T(test_push_clamp_after_earlier),
        T(test_county_write),
        T(test_seal_holds_back_bad_values),
        T(test_seal_holds_back_foreign_case),
        T(test_read_pending_ids),
        T(test_push_stream_range),
        T(test_seal_batches),
        T(test_outside_insert_incomplete_refused),
        T(test_county_fixed_field),
        T(test_push_checks_sender),
        T(test_push_empty_with_range),
        T(test_push_visit_of_unknown_case),
        T(test_pull_byte_budget),
        T(test_pull_never_splits_a_record),
        T(test_row_new_on_station),
        T(test_row_new_mixed_versions_station),
        T(test_row_new_on_county),
        T(test_row_later_change_idempotent),
        T(test_row_local_edit_base),
        T(test_row_clock_follows),
        T(test_row_split_matches_each),
        T(test_row_tombstone_in_group),
        T(test_row_tombstone_later),
        T(test_row_bad_values),
        T(test_row_bad_push),
        T(test_guards_back_on),
        T(test_pull_bulk_indexes),
        T(test_fixed_field_without_version),
        T(test_row_fixed_field),
        T(test_row_grouping),
        T(test_row_other_station_refused),
    };
    return pgtest_run("test-merge", tests, sizeof(tests) / sizeof(tests[0]));
}
