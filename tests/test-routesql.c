/*
** test-routesql.c — the county routes' own statements (county_sync_sql():
** hello, push, conflicts, station audit, the pull stream's ends) run on
** the county store of either backend: each is prepared and stepped to its
** end with every parameter bound, in a write transaction that is rolled
** back.  The common dialect (docs/storage.md) is what lets one text serve
** both; a function or a construct only SQLite has fails here on
** PostgreSQL.  (Whether a statement searches by an index is
** tests/test-plans.c's question, SQLite's EXPLAIN QUERY PLAN.)
**
** The county store is a SQLite file; with SWSYNC_TEST_PG set
** (tests/pgtest.h) the test runs again with it in a fresh PostgreSQL
** database.
*/
#include "config.h"

#include "pgtest.h" /* first: cmocka.h's prerequisites */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "county/syncsql.h"
#include "db.h"
#include "store.h"

/* The highest ?NNN in sql (0: none). */
static int max_param(const char *sql)
{
    int max = 0;
    for (const char *p = strchr(sql, '?'); p; p = strchr(p + 1, '?')) {
        int k = atoi(p + 1);
        if (k > max)
            max = k;
    }
    return max;
}

static void test_route_statements_run(void **state)
{
    const char *const *routes = county_sync_sql();
    char dir[64], target[512];
    struct sw_err err = {0, ""};
    sdb *db = NULL;
    int n = 0, fails = 0;

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/swsync-routesql-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pgtest_county_target(pgtest_pg, dir, "routesql", target,
                                          sizeof(target)),
                     0);
    if (db_create(target, SW_ROLE_COUNTY, &db, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(sdb_kind(db), pgtest_pg ? SDB_PG : SDB_SQLITE);
    assert_int_equal(db_config_set(db, "county", "C01", &err), 0);

    for (int i = 0; routes[i]; i++) {
        sdb_stmt *st = NULL;
        int rc, np = max_param(routes[i]);

        n++;
        assert_int_equal(db_begin(db, &err), 0);
        rc = sdb_prepare_v2(db, routes[i], -1, &st, NULL);
        /* 1 fits every parameter: an id, a count, a time, a text */
        for (int k = 1; rc == SDB_OK && k <= np; k++)
            rc = sdb_bind_int64(st, k, 1);
        while (rc == SDB_OK && (rc = sdb_step(st)) == SDB_ROW)
            rc = SDB_OK;
        if (rc != SDB_DONE) {
            print_error("route statement fails on %s: %s\n  %s\n",
                        pgtest_pg ? "PostgreSQL" : "SQLite", sdb_errmsg(db),
                        routes[i]);
            fails++;
        }
        sdb_finalize(st);
        db_rollback(db);
    }
    print_message("# %d route statements, %d failed\n", n, fails);
    db_close(db);
    pgtest_county_remove(target);
    rmdir(dir);
    assert_true(n > 10); /* the routes' statements were all there */
    assert_int_equal(fails, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_statements_run),
    };
    return pgtest_run("test-routesql", tests, sizeof(tests) / sizeof(tests[0]));
}
