/*
** test-plans.c — no statement on a station's sync path at the county
** (hello, push, pull, conflicts, audit) scans a county-wide table: each
** one's EXPLAIN QUERY PLAN must SEARCH by an index, never SCAN cases,
** visits, field_versions, conflicts, replicas or any other table that
** grows with the county (issue 14: a station's sync costs the same with
** 1k or 1M rows at the county).  The statements: every one the store
** prepares (store.c, merge.c; read from the connection with
** sqlite3_next_stmt) and the routes' own (sync/county/syncsql.h).
** Checked on an empty store and again after ANALYZE of a filled one.
** SQLite only: the plans are SQLite's (EXPLAIN QUERY PLAN,
** sqlite3_next_stmt); that the routes' statements run on PostgreSQL is
** tests/test-routesql.c's.
*/
/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "county/syncsql.h"
#include "db.h"
#include "store.h"

/* tables a sync-path statement may scan: one row each */
static const char *const SMALL[] = {"config", "sync_state", NULL};

struct fix {
    char dir[64], path[96];
    sdb *db;
    struct store s;
    struct sw_err err;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/swsync-plans-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/county.db", f->dir);
    assert_int_equal(db_create(f->path, SW_ROLE_COUNTY, &f->db, &f->err), 0);
    assert_int_equal(db_config_set(f->db, "county", "C01", &f->err), 0);
    assert_int_equal(store_open(&f->s, f->db, &f->err), 0);
    /* the fields' own statements are prepared when first used */
    assert_int_equal(merge_prepare_all(&f->s.m, &f->err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    char p[128];
    store_close(&f->s);
    sdb_close(f->db);
    unlink(f->path);
    snprintf(p, sizeof(p), "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->path);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Is name a table (not a subquery's alias)? */
static int is_table(sdb *db, const char *name)
{
    sdb_stmt *st;
    int yes;
    if (sdb_prepare_v2(db,
                       "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                       "AND name = ?1",
                       -1, &st, NULL) != SDB_OK)
        fail_msg("cannot read the schema: %s", sdb_errmsg(db));
    sdb_bind_text(st, 1, name, -1, SDB_STATIC);
    yes = sdb_step(st) == SDB_ROW;
    sdb_finalize(st);
    return yes;
}

/* sql's EXPLAIN QUERY PLAN, prepared (a test failure if it cannot be). */
static sdb_stmt *explain(sdb *db, const char *sql)
{
    char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sdb_stmt *st = NULL;

    assert_non_null(q);
    if (sdb_prepare_v2(db, q, -1, &st, NULL) != SDB_OK)
        fail_msg("cannot explain %s: %s", sql, sdb_errmsg(db));
    sqlite3_free(q);
    return st;
}

/* The first SCAN of a table not in SMALL in sql's plan, into bad (empty:
** none).  Returns the number of plan lines read. */
static int plan_scan(sdb *db, const char *sql, char *bad, size_t n)
{
    sdb_stmt *st = explain(db, sql);
    int lines = 0;

    bad[0] = '\0';
    while (sdb_step(st) == SDB_ROW) {
        const char *d = (const char *)sdb_column_text(st, 3);
        char name[64];
        int small = 0;
        lines++;
        if (!d || bad[0])
            continue;
        /* "SEARCH t" with no index to search by reads the table too */
        if (!strncmp(d, "SEARCH ", 7) && !strstr(d, " USING ")) {
            snprintf(name, sizeof(name), "%s", d + 7);
        } else if (!strncmp(d, "SCAN ", 5)) {
            /* "SCAN t", "SCAN t USING INDEX i", "SCAN CONSTANT ROW",
               "SCAN (subquery-1)" (its own lines follow) */
            if (!strncmp(d + 5, "CONSTANT ROW", 12) || d[5] == '(')
                continue;
            snprintf(name, sizeof(name), "%s", d + 5);
        } else {
            continue;
        }
        name[strcspn(name, " ")] = '\0';
        /* a named subquery ("SCAN a" of "(SELECT ...) AS a", as the
           common dialect wants: docs/storage.md) has its own lines */
        if (!is_table(db, name))
            continue;
        for (int i = 0; SMALL[i]; i++)
            small |= !strcmp(name, SMALL[i]);
        if (!small)
            snprintf(bad, n, "%s", d);
    }
    sdb_finalize(st);
    return lines;
}

/* Every statement of the sync path: none scans a large table. */
static void check_all(struct fix *f)
{
    const char *const *routes = county_sync_sql();
    char bad[256];
    int n = 0, fails = 0;

    /* the store's and the merge's prepared statements */
    for (sqlite3_stmt *st = sqlite3_next_stmt(sdb_sqlite(f->db), NULL); st;
         st = sqlite3_next_stmt(sdb_sqlite(f->db), st)) {
        const char *sql = sqlite3_sql(st);
        /* BEGIN, COMMIT and the like have no plan */
        plan_scan(f->db, sql, bad, sizeof(bad));
        n++;
        if (bad[0]) {
            print_error("store statement scans: %s\n  %s\n", bad, sql);
            fails++;
        }
    }
    for (int i = 0; routes[i]; i++) {
        plan_scan(f->db, routes[i], bad, sizeof(bad)); /* INSERT: none */
        n++;
        if (bad[0]) {
            print_error("route statement scans: %s\n  %s\n", bad, routes[i]);
            fails++;
        }
    }
    print_message("%d statements\n", n);
    assert_true(n > 20); /* the store's and the routes' were all there */
    assert_int_equal(fails, 0);
}

static void test_sync_path_empty(void **state)
{
    check_all(*state);
}

/* The planner's choices may change with statistics: again after ANALYZE
** of a store with one big station and a few small ones. */
static void test_sync_path_analyzed(void **state)
{
    struct fix *f = *state;
    char *e = NULL;
    int rc = sdb_exec5(
        f->db,
        "BEGIN;"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 3000) "
        "INSERT INTO field_versions (tbl, rid, col, hlc, site, seq, station, "
        "src) SELECT 1, i, 1, i, 'S' || (i % 4) || '-a', i, 'S' || (i % 4), "
        "'S' || (i % 4) || '-a' FROM n;"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 3000) "
        "INSERT INTO conflicts (tbl, row_id, station, col, winner_hlc, "
        "winner_site, loser_hlc, loser_site, detected_at, status) "
        "SELECT 'visits', 'r' || i, 'S' || (i % 4), 'findings', i, 'x', i, "
        "'y', i, CASE WHEN i % 10 THEN 'resolved' ELSE 'open' END FROM n;"
        "COMMIT; ANALYZE;",
        NULL, NULL, &e);
    if (rc != SDB_OK)
        fail_msg("fill: %s", e ? e : "?");
    sqlite3_free(e);
    check_all(f);
}

/* Whether sql's plan has a line holding needle. */
static int plan_has(sdb *db, const char *sql, const char *needle)
{
    sdb_stmt *st = explain(db, sql);
    int found = 0;

    while (sdb_step(st) == SDB_ROW) {
        const char *d = (const char *)sdb_column_text(st, 3);
        found |= d && strstr(d, needle) != NULL;
    }
    sdb_finalize(st);
    return found;
}

/* The pull reads the station's and the county's ranges of (station, seq)
** merged in seq order as they are stepped: no sort of a page's rows into
** a temporary B-tree (issue 14), on an empty and an analyzed store. */
static void test_pull_merges_unsorted(void **state)
{
    struct fix *f = *state;
    int pulls = 0;

    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            assert_int_equal(sdb_exec5(f->db, "ANALYZE", NULL, NULL, NULL),
                             SDB_OK);
        for (sqlite3_stmt *st = sqlite3_next_stmt(sdb_sqlite(f->db), NULL); st;
             st = sqlite3_next_stmt(sdb_sqlite(f->db), st)) {
            const char *sql = sqlite3_sql(st);
            if (strncmp(sql, "SELECT seq, tbl, col, hlc", 25) != 0 ||
                !strstr(sql, "UNION ALL"))
                continue; /* not the pull */
            pulls++;
            if (plan_has(f->db, sql, "TEMP B-TREE"))
                fail_msg("the pull sorts: %s", sql);
            assert_true(plan_has(f->db, sql, "MERGE"));
        }
    }
    assert_int_equal(pulls, 2);
    /* the check finds the sort where there is one */
    assert_true(plan_has(
        f->db,
        "SELECT * FROM (SELECT seq FROM field_versions WHERE station = ?1 "
        "ORDER BY seq LIMIT 5) AS a UNION ALL SELECT * FROM (SELECT seq "
        "FROM field_versions WHERE station = ?2 ORDER BY seq LIMIT 5) AS b "
        "ORDER BY seq LIMIT 5",
        "TEMP B-TREE"));
}

/* The check itself finds a scan (so that a pass means something). */
static void test_detects_scan(void **state)
{
    struct fix *f = *state;
    char bad[256];
    plan_scan(f->db, "SELECT count(*) FROM field_versions WHERE src = ?1", bad,
              sizeof(bad));
    assert_true(strstr(bad, "field_versions") != NULL);
    /* the hello's old conflicts mark: a pass over the conflicts */
    plan_scan(f->db,
              "SELECT coalesce(max(max(detected_at, coalesce(resolved_at, "
              "0))), 0) FROM conflicts NOT INDEXED WHERE station = ?1",
              bad, sizeof(bad));
    assert_true(strstr(bad, "conflicts") != NULL);
    plan_scan(f->db,
              "SELECT max(detected_at) FROM conflicts NOT INDEXED "
              "WHERE station = ?1",
              bad, sizeof(bad));
    assert_true(strstr(bad, "conflicts") != NULL);
    plan_scan(f->db, "SELECT value FROM config WHERE value = ?1", bad,
              sizeof(bad));
    assert_string_equal(bad, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_detects_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_path_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_path_analyzed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pull_merges_unsorted, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
