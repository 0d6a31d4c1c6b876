/*
** pgtest.h — the county store of a C test on PostgreSQL (docs/storage.md,
** "The same tests on both").
**
** With SWSYNC_TEST_PG set in the environment (a connection string of a
** server where its role may CREATE DATABASE; PGPASSFILE beside it, as
** tools/pg-tmp's DIR/env and tests/pg-lib.sh's pg_need leave them), a
** test that opens a county store can open it in a fresh PostgreSQL
** database instead of a file.  Without it the tests run on SQLite alone.
*/
#ifndef SW_PGTEST_H
#define SW_PGTEST_H

/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "sdb.h"
#include "sw.h"

/* The backend of the test running now: 0 SQLite, 1 PostgreSQL (set by
** pgtest_run). */
extern int pgtest_pg;

/*
** Run tests[0..n-1] as one cmocka group (one TAP plan) with pgtest_pg 0;
** with SWSYNC_TEST_PG set, then a test that the server takes a new
** database (which sets pgtest_pg to 1) and every test again, named
** "NAME on PostgreSQL".  cmocka's result: the number of failed tests.
*/
int pgtest_run(const char *group, const struct CMUnitTest *tests, size_t n);

/* Is SWSYNC_TEST_PG set (and not empty)? */
int pgtest_enabled(void);

/*
** A new, empty database on SWSYNC_TEST_PG's server, named name, this
** process's id and a counter ("model_4711_3": unique in this process and
** among the tests running at once).  name: a lower-case letter, then
** lower-case letters, digits and _, at most 40 characters.  A database of
** that name is dropped first.  uri (n bytes) gets the new database's
** connection URI: SWSYNC_TEST_PG's host, port, user and other parameters,
** with the new database.  0, or -1 with the reason on stderr (and uri
** empty).
*/
int pgtest_fresh(const char *name, char *uri, size_t n);

/* Drop the database uri names (made by pgtest_fresh), even with
** sessions still open in it.  0, or -1 with the reason on stderr. */
int pgtest_drop(const char *uri);

/*
** Where a test's county store goes: pg 0, the file DIR/county.db; pg 1, a
** fresh PostgreSQL database (pgtest_fresh(name)).  target (n bytes) gets
** the path or the URI for db_create(); with pg 1 this also lets
** db_create() and db_open() take it (db_use_pg).  0, or -1 as
** pgtest_fresh.
*/
int pgtest_county_target(int pg, const char *dir, const char *name,
                         char *target, size_t n);

/* Remove the county store at target (a file path: the file and its -wal
** and -shm; a URI: the database).  Call it after db_close. */
void pgtest_county_remove(const char *target);

/* Column i of st's row onto sb as SQLite's quote() writes it, made from
** the value's type so that both backends write the same text (quote()
** is not PostgreSQL's). */
void pgtest_add_quoted(struct sw_buf *sb, sdb_stmt *st, int i);

#endif
