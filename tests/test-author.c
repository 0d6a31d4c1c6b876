/*
** test-author.c — who wrote a change: replica_set_author and the capture
** triggers, sealing, the pending change, the versions at both ends, and
** the authors of a conflict's winner and loser.
**
** The county store is a SQLite file; with SWSYNC_TEST_PG set
** (tests/pgtest.h) every test runs again with it in a fresh PostgreSQL
** database.
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "pgtest.h"
#include "replica.h"
#include "store.h"

#define ID1 "01a20205-4404-795b-894e-13e0de0924cc"
#define T0 INT64_C(1795330229253)

struct fx {
    char dir[64], spath[128];
    char ctarget[512]; /* the county store: a file path or a URI */
    sdb *county, *station;
    struct store s;
    struct replica r;
    struct sw_err err;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/swsync-author-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(pgtest_county_target(pgtest_pg, f->dir, "author",
                                          f->ctarget, sizeof(f->ctarget)),
                     0);
    if (db_create(f->ctarget, SW_ROLE_COUNTY, &f->county, &f->err))
        fail_msg("%s", f->err.msg);
    assert_int_equal(db_config_set(f->county, "county", "C01", &f->err), 0);
    assert_int_equal(store_open(&f->s, f->county, &f->err), 0);
    assert_int_equal(store_add_site(&f->s, "A", "A-one", &f->err), 0);
    assert_int_equal(store_add_site(&f->s, "A", "A-two", &f->err), 0);
    snprintf(f->spath, sizeof(f->spath), "%s/a.db", f->dir);
    assert_int_equal(db_create(f->spath, SW_ROLE_STATION, &f->station, &f->err),
                     0);
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
    pgtest_county_remove(f->ctarget);
    db_close(f->station);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* A change of cases.<col> of record ID1 by author (may be NULL); text,
** author: not owned (never released here). */
static struct sw_change chg(const char *col, const char *val, int64_t hlc,
                            const char *site, int64_t bhlc, const char *bsite,
                            const char *author)
{
    struct sw_change c;
    memset(&c, 0, sizeof(c));
    c.tbl = SW_T_CASES;
    snprintf(c.id, sizeof(c.id), "%s", ID1);
    snprintf(c.station, sizeof(c.station), "A");
    c.col = sw_col_index(&sw_tables[SW_T_CASES], col);
    assert_true(c.col >= 0);
    if (val) {
        c.vtype = SW_V_TEXT;
        c.text = (char *)val;
    } else {
        c.vtype = SW_V_NULL;
    }
    c.ver.hlc = hlc;
    snprintf(c.ver.site, sizeof(c.ver.site), "%s", site);
    c.base.hlc = bhlc;
    if (bsite)
        snprintf(c.base.site, sizeof(c.base.site), "%s", bsite);
    c.author = (char *)author;
    return c;
}

/* A pull batch of copies of c[0..n-1] (owned by the batch). */
static struct sw_batch pull_of(const struct sw_change *c, int n, int64_t cursor)
{
    struct sw_batch b;
    batch_init(&b);
    for (int i = 0; i < n; i++) {
        struct sw_change x = c[i];
        if (x.text)
            x.text = strdup(c[i].text);
        if (x.author)
            x.author = strdup(c[i].author);
        assert_int_equal(batch_add(&b, &x), 0);
    }
    b.cursor = cursor;
    return b;
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

static void assert_text(sdb *db, const char *sql, const char *want)
{
    sdb_stmt *st;
    const char *got = NULL;
    if (sdb_prepare_v2(db, sql, -1, &st, NULL) != SDB_OK)
        fail_msg("%s: %s", sql, sdb_errmsg(db));
    if (sdb_step(st) == SDB_ROW)
        got = (const char *)sdb_column_text(st, 0);
    if (!want)
        assert_null(got);
    else if (!got)
        fail_msg("%s: NULL, want %s", sql, want);
    else
        assert_string_equal(got, want);
    sdb_finalize(st);
}

static void exec(sdb *db, const char *sql)
{
    char *emsg = NULL;
    if (sdb_exec5(db, sql, NULL, NULL, &emsg) != SDB_OK)
        fail_msg("%s: %s", sql, emsg);
}

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

#define NEW_CASE                                                               \
    "INSERT INTO cases (id, name, category, risk_level, status, opened_on) "   \
    "VALUES ('" ID1 "', '王五', 'other', 'low', 'open', '2026-01-01')"

/* The author set on a connection goes with what it writes, through the
** outbox, sealing and the pending change; other connections write as
** nobody; the latest edit's author counts. */
static void test_capture_and_seal(void **state)
{
    struct fx *f = *state;
    struct sw_batch b;
    sdb *other = NULL;
    long n = 0;

    assert_int_equal(replica_set_author(f->station, "a\tb", &f->err), SW_EDATA);
    assert_int_equal(replica_set_author(f->station, "", &f->err), SW_EDATA);
    if (replica_set_author(f->station, "张三", &f->err))
        fail_msg("%s", f->err.msg);
    exec(f->station, NEW_CASE);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox"), 5);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox "
                                      "WHERE author = '张三'"),
                     5);

    /* another connection on the same file: nobody */
    assert_int_equal(db_open(f->spath, SW_ROLE_STATION, &other, &f->err), 0);
    exec(other, "UPDATE cases SET phone = '13800000000'");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox "
                                      "WHERE author IS NULL"),
                     1);
    /* and a later anonymous edit of a field takes its author away */
    exec(other, "UPDATE cases SET notes = 'x'");
    exec(f->station, "UPDATE cases SET notes = 'y'");
    exec(other, "UPDATE cases SET name = '王六'");
    db_close(other);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox "
                                      "WHERE author IS NULL"),
                     2); /* phone, name */
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox "
                                      "WHERE author = '张三'"),
                     5); /* notes among them */

    assert_int_equal(replica_seal(&f->r, &n, &f->err), 0);
    assert_int_equal(n, 7);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM pending "
                                      "WHERE author = '张三'"),
                     5);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions "
                                      "WHERE author = '张三'"),
                     5);
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions "
                                      "WHERE author IS NULL"),
                     2);
    /* a version has one author */
    assert_int_equal(qint(f->station, "SELECT count(*) FROM (SELECT hlc FROM "
                                      "pending GROUP BY hlc "
                                      "HAVING count(DISTINCT "
                                      "coalesce(author, '')) > 1)"),
                     0);

    batch_init(&b);
    assert_int_equal(replica_read_pending(&f->r, 0, 100, &b, &f->err), 0);
    assert_int_equal(b.n, 7);
    for (size_t i = 0; i < b.n; i++) {
        const char *col = sw_tables[SW_T_CASES].cols[b.v[i].col].name;
        if (strcmp(col, "phone") == 0 || strcmp(col, "name") == 0)
            assert_null(b.v[i].author);
        else
            assert_string_equal(b.v[i].author, "张三");
    }

    /* at the county the field versions keep them, and a pull sends them */
    {
        struct push_result res;
        struct sw_batch p;
        assert_int_equal(
            store_apply_push(&f->s, "A", "A-one", &b, &res, &f->err), 0);
        assert_int_equal(res.applied, 7);
        assert_int_equal(qint(f->county, "SELECT count(*) FROM field_versions "
                                         "WHERE author = '张三'"),
                         5);
        assert_int_equal(qint(f->county, "SELECT count(*) FROM field_versions "
                                         "WHERE author IS NULL"),
                         2);
        batch_init(&p);
        assert_int_equal(
            store_read_pull(&f->s, "A", "A-two", 0, 100, &p, &f->err), 0);
        assert_int_equal(p.n, 7);
        for (size_t i = 0; i < p.n; i++) {
            const char *col = sw_tables[SW_T_CASES].cols[p.v[i].col].name;
            if (strcmp(col, "phone") == 0 || strcmp(col, "name") == 0)
                assert_null(p.v[i].author);
            else
                assert_string_equal(p.v[i].author, "张三");
        }
        batch_release(&p);
    }
    batch_release(&b);

    /* NULL: nobody again */
    assert_int_equal(replica_set_author(f->station, NULL, &f->err), 0);
    exec(f->station, "UPDATE cases SET village = '东村'");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM outbox "
                                      "WHERE author IS NULL"),
                     1);
}

/* Concurrent writes at the county: the conflict keeps who wrote the
** winner and who wrote the loser, whichever arrives first. */
static void test_county_conflict_authors(void **state)
{
    struct fx *f = *state;
    struct sw_change a = chg("name", "old", T0, "A-one", 0, NULL, "甲");
    struct sw_change b =
        chg("name", "mine", T0 + 1, "A-one", T0, "A-one", "乙");
    struct sw_change c =
        chg("name", "theirs", T0 + 2, "A-two", T0, "A-one", "丙");
    struct sw_change d =
        chg("phone", "13900000000", T0 + 3, "A-two", 0, NULL, NULL);
    struct sw_change e =
        chg("phone", "13700000000", T0 + 1, "A-one", 0, NULL, "乙");
    assert_int_equal(county_apply(f, &a, 1), 0);
    assert_text(f->county, "SELECT author FROM field_versions", "甲");
    assert_int_equal(county_apply(f, &b, 1), 0);
    assert_int_equal(county_apply(f, &c, 1), 0); /* newer: wins */
    assert_text(f->county, "SELECT name FROM cases", "theirs");
    assert_text(f->county, "SELECT winner_author FROM conflicts", "丙");
    assert_text(f->county, "SELECT loser_author FROM conflicts", "乙");
    assert_text(f->county,
                "SELECT author FROM field_versions WHERE col = "
                "(SELECT col FROM field_versions WHERE hlc = "
                "1795330229255)",
                "丙");
    /* the stored value wins, the incoming one by 乙 loses; the stored
       one's writer is nobody */
    assert_int_equal(county_apply(f, &d, 1), 0);
    assert_int_equal(county_apply(f, &e, 1), 0);
    assert_int_equal(qint(f->county, "SELECT count(*) FROM conflicts"), 2);
    assert_text(f->county,
                "SELECT loser_author FROM conflicts WHERE col = 'phone'", "乙");
    assert_text(f->county,
                "SELECT winner_author FROM conflicts WHERE col = 'phone'",
                NULL);
}

/* A station: a pulled record's author is kept in its row (one version),
** a later pulled change's in field_versions; a pulled value meeting an
** unsent local edit records both authors. */
static void test_station_pull_authors(void **state)
{
    struct fx *f = *state;
    struct sw_change c[3] = {
        chg("name", "v1", T0, "A-two", 0, NULL, "李四"),
        chg("category", "other", T0, "A-two", 0, NULL, "李四"),
        chg("notes", "n", T0, "A-two", 0, NULL, "李四"),
    };
    struct sw_change later =
        chg("name", "v2", T0 + 5, "C01", T0, "A-two", "县:王");
    struct sw_batch b1 = pull_of(c, 3, 3), b2;

    assert_int_equal(replica_apply_pull(&f->r, &b1, NULL, &f->err), 0);
    assert_text(f->station, "SELECT ver_author FROM cases", "李四");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM field_versions"),
                     0);

    /* an unsent local edit by 张三, newer than the county's write */
    assert_int_equal(replica_set_author(f->station, "张三", &f->err), 0);
    exec(f->station, "UPDATE cases SET name = 'station'");
    b2 = pull_of(&later, 1, 4);
    assert_int_equal(replica_apply_pull(&f->r, &b2, NULL, &f->err), 0);
    assert_text(f->station, "SELECT name FROM cases", "station");
    assert_int_equal(qint(f->station, "SELECT count(*) FROM conflicts"), 1);
    assert_text(f->station, "SELECT winner_author FROM conflicts", "张三");
    assert_text(f->station, "SELECT loser_author FROM conflicts", "县:王");
    assert_text(f->station, "SELECT author FROM field_versions WHERE col = 0",
                "张三");
    batch_release(&b1);
    batch_release(&b2);

    /* taken as it is (no unsent edit): its author with it */
    later = chg("notes", "m", T0 + 9, "C01", T0, "A-two", "县:王");
    b2 = pull_of(&later, 1, 5);
    assert_int_equal(replica_apply_pull(&f->r, &b2, NULL, &f->err), 0);
    assert_text(f->station,
                "SELECT author FROM field_versions WHERE col = "
                "(SELECT col FROM field_versions WHERE hlc = 1795330229262)",
                "县:王");
    batch_release(&b2);
}

/* A county write (a correction, a resolution) carries its writer. */
static void test_county_write_author(void **state)
{
    struct fx *f = *state;
    struct sw_change a = chg("name", "old", T0, "A-one", 0, NULL, "甲");
    struct sw_change w = chg("name", NULL, 0, "C01", 0, NULL, NULL);

    assert_int_equal(county_apply(f, &a, 1), 0);
    w.vtype = SW_V_TEXT;
    w.text = strdup("new");
    w.author = strdup("admin1");
    assert_int_equal(store_begin(&f->s, &f->err), 0);
    assert_int_equal(store_write(&f->s, &w, &f->err), 0);
    assert_int_equal(store_commit(&f->s, &f->err), 0);
    change_release(&w);
    assert_text(f->county, "SELECT author FROM field_versions", "admin1");

    /* the admin's name stays at the county: a pull leaves it out */
    {
        struct sw_batch p;
        batch_init(&p);
        assert_int_equal(
            store_read_pull(&f->s, "A", "A-two", 0, 100, &p, &f->err), 0);
        assert_int_equal(p.n, 1);
        assert_string_equal(p.v[0].ver.site, "C01");
        assert_null(p.v[0].author);
        batch_release(&p);
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_capture_and_seal),
        T(test_county_conflict_authors),
        T(test_station_pull_authors),
        T(test_county_write_author),
    };
    return pgtest_run("test-author", tests, sizeof(tests) / sizeof(tests[0]));
}
