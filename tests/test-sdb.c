/*
** test-sdb.c — the storage seam (sync/sdb.h): the same checks run on
** every backend.  SQLite: a file in a mkdtemp() directory.  PostgreSQL:
** the server named by $SWSYNC_TEST_PG (a conninfo), each test in a
** schema of its own, dropped afterwards; without $SWSYNC_TEST_PG those
** tests are left out (tools/check's postgresql step sets it).
*/
#include "config.h"

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sdb.h"
#include "sw.h"

/* ---- fixture: one backend, two connections ------------------------------ */

static const enum sdb_kind on_sqlite = SDB_SQLITE;
static const enum sdb_kind on_pg = SDB_PG;

struct fx {
    enum sdb_kind kind;
    sdb *db;  /* NULL: skipped (no PostgreSQL configured) */
    sdb *db2; /* a second connection to the same store */
    char dir[256];
    char path[512];
    char schema[64];
};

static int open_sqlite(struct fx *f, sdb **out)
{
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(f->path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        sqlite3_close_v2(h);
        return -1;
    }
    sqlite3_extended_result_codes(h, 1);
    *out = sdb_sqlite_wrap(h);
    if (!*out)
        return -1;
    /* as the engine's files (db.c): readers and one writer at once */
    return sdb_exec_raw(*out, "PRAGMA journal_mode = WAL") == SDB_OK ? 0 : -1;
}

/* A PostgreSQL connection whose search_path is the test's schema. */
static int open_pg(struct fx *f, sdb **out)
{
    struct sw_err err = {0};
    char sql[128];
    if (sdb_pg_connect(getenv("SWSYNC_TEST_PG"), out, &err)) {
        fprintf(stderr, "# %s\n", err.msg);
        return -1;
    }
    snprintf(sql, sizeof(sql), "SET search_path TO %s", f->schema);
    return sdb_exec_raw(*out, sql) == SDB_OK ? 0 : -1;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    static int serial;
    if (!f)
        return -1;
    f->kind = *(const enum sdb_kind *)*state;
    *state = f;
    if (f->kind == SDB_SQLITE) {
        snprintf(f->dir, sizeof(f->dir), "%s/swsync-test-sdb-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(f->dir))
            return -1;
        snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
        return open_sqlite(f, &f->db) || open_sqlite(f, &f->db2) ? -1 : 0;
    }
    if (!getenv("SWSYNC_TEST_PG") || !*getenv("SWSYNC_TEST_PG")) {
        /* main() leaves these tests out then */
        fprintf(stderr, "# SWSYNC_TEST_PG is not set\n");
        return -1;
    }
    snprintf(f->schema, sizeof(f->schema), "sdbtest_%ld_%d", (long)getpid(),
             ++serial);
    {
        sdb *admin = NULL;
        char sql[128];
        struct sw_err err = {0};
        int rc;
        if (sdb_pg_connect(getenv("SWSYNC_TEST_PG"), &admin, &err)) {
            fprintf(stderr, "# %s\n", err.msg);
            return -1;
        }
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
        rc = sdb_exec_raw(admin, sql);
        sdb_close(admin);
        if (rc != SDB_OK)
            return -1;
    }
    return open_pg(f, &f->db) || open_pg(f, &f->db2) ? -1 : 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->kind == SDB_PG && f->db) {
        char sql[128];
        if (!sdb_get_autocommit(f->db))
            sdb_exec_raw(f->db, "ROLLBACK");
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->schema);
        sdb_close(f->db2);
        f->db2 = NULL;
        assert_int_equal(sdb_exec_raw(f->db, sql), SDB_OK);
    }
    sdb_close(f->db);
    sdb_close(f->db2);
    if (f->kind == SDB_SQLITE && f->dir[0]) {
        char p[600];
        unlink(f->path);
        snprintf(p, sizeof(p), "%s-wal", f->path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", f->path);
        unlink(p);
        rmdir(f->dir);
    }
    free(f);
    return 0;
}

/* The fixture (main() runs no PostgreSQL test without a server). */
static struct fx *need(void **state)
{
    struct fx *f = *state;
    assert_non_null(f->db);
    return f;
}

/* Run SQL text that must succeed. */
static void ok(sdb *db, const char *sql)
{
    int rc = sdb_exec_raw(db, sql);
    if (rc != SDB_OK)
        fail_msg("%s: %s", sql, sdb_errmsg(db));
}

/* The text for this backend: SQLite's or PostgreSQL's. */
static const char *dialect(const struct fx *f, const char *lite, const char *pg)
{
    return f->kind == SDB_SQLITE ? lite : pg;
}

static sdb_stmt *prep(sdb *db, const char *sql, int keep)
{
    sdb_stmt *st = NULL;
    if (db->ops->prepare(db, sql, keep, &st) != SDB_OK)
        fail_msg("prepare %s: %s", sql, sdb_errmsg(db));
    return st;
}

static int64_t count(sdb *db, const char *table)
{
    char sql[128];
    sdb_stmt *st;
    int64_t n;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    st = prep(db, sql, 0);
    assert_int_equal(sdb_step(st), SDB_ROW);
    n = sdb_column_int64(st, 0);
    assert_int_equal(sdb_step(st), SDB_DONE);
    sdb_finalize(st);
    return n;
}

/* ---- values ---------------------------------------------------------- */

static const char zh[] = "张三 'O''Brien' \"引号\" ?1 -- 不是注释";
static const unsigned char blob[] = {0x00, 'a', 0x00, 0xff, 0x5c, 'x', 0x00};

static void create_vals(struct fx *f)
{
    ok(f->db, dialect(f,
                      "CREATE TABLE vals (k INTEGER PRIMARY KEY, i BIGINT, "
                      "s TEXT, d DOUBLE PRECISION, b BLOB, n TEXT)",
                      "CREATE TABLE vals (k BIGINT PRIMARY KEY, i BIGINT, "
                      "s TEXT, d DOUBLE PRECISION, b BYTEA, n TEXT)"));
}

static void insert_val(sdb *db, int64_t k, int64_t i, const char *s, double d,
                       const void *b, int nb)
{
    sdb_stmt *st = prep(
        db, "INSERT INTO vals (k, i, s, d, b, n) VALUES (?, ?, ?, ?, ?, ?)", 0);
    assert_int_equal(sdb_bind_int64(st, 1, k), SDB_OK);
    assert_int_equal(sdb_bind_int64(st, 2, i), SDB_OK);
    assert_int_equal(sdb_bind_text(st, 3, s, -1, SDB_TRANSIENT), SDB_OK);
    assert_int_equal(sdb_bind_double(st, 4, d), SDB_OK);
    assert_int_equal(sdb_bind_blob(st, 5, b, nb, SDB_STATIC), SDB_OK);
    assert_int_equal(sdb_bind_null(st, 6), SDB_OK);
    if (sdb_step(st) != SDB_DONE)
        fail_msg("insert: %s", sdb_errmsg(db));
    assert_int_equal(sdb_changes(db), 1);
    sdb_finalize(st);
}

static void round_trip(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st;
    const sdb_value *v;

    create_vals(f);
    insert_val(f->db, 1, INT64_MIN, zh, 3.141592653589793, blob, sizeof(blob));
    insert_val(f->db, 2, INT64_MAX, "", -1e-300, blob, 0);

    st = prep(f->db, "SELECT k, i, s, d, b, n FROM vals ORDER BY k", 0);
    assert_int_equal(sdb_step(st), SDB_ROW);
    assert_int_equal(sdb_column_count(st), 6);
    assert_string_equal(sdb_column_name(st, 2), "s");
    assert_int_equal(sdb_column_type(st, 1), SDB_INTEGER);
    assert_true(sdb_column_int64(st, 1) == INT64_MIN);
    assert_string_equal((const char *)sdb_column_text(st, 1),
                        "-9223372036854775808");
    assert_int_equal(sdb_column_type(st, 2), SDB_TEXT);
    assert_string_equal((const char *)sdb_column_text(st, 2), zh);
    assert_int_equal(sdb_column_bytes(st, 2), (int)strlen(zh));
    assert_int_equal(sdb_column_type(st, 3), SDB_FLOAT);
    assert_true(sdb_column_double(st, 3) == 3.141592653589793);
    assert_int_equal(sdb_column_type(st, 4), SDB_BLOB);
    assert_int_equal(sdb_column_bytes(st, 4), (int)sizeof(blob));
    assert_memory_equal(sdb_column_blob(st, 4), blob, sizeof(blob));
    assert_int_equal(sdb_column_type(st, 5), SDB_NULL);
    assert_null(sdb_column_text(st, 5));
    assert_int_equal(sdb_column_bytes(st, 5), 0);
    assert_int_equal(sdb_column_int64(st, 5), 0);
    /* the same through sdb_column_value */
    v = sdb_column_value(st, 4);
    assert_int_equal(v->type, SDB_BLOB);
    assert_int_equal(v->n, (int)sizeof(blob));
    assert_memory_equal(v->p, blob, sizeof(blob));

    assert_int_equal(sdb_step(st), SDB_ROW);
    assert_true(sdb_column_int64(st, 1) == INT64_MAX);
    assert_string_equal((const char *)sdb_column_text(st, 2), "");
    assert_int_equal(sdb_column_type(st, 2), SDB_TEXT);
    assert_true(sdb_column_double(st, 3) == -1e-300);
    assert_int_equal(sdb_column_bytes(st, 4), 0);
    assert_int_equal(sdb_step(st), SDB_DONE);
    sdb_finalize(st);
}

/* SQLite's conversions: text read as a number, a number read as text. */
static void conversions(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st;

    create_vals(f);
    insert_val(f->db, 7, 42, "123abc", 2.5, blob, 1);
    insert_val(f->db, 8, -5, "x", 0, blob, 1);
    st = prep(f->db, "SELECT s, i, d FROM vals ORDER BY k", 0);
    assert_int_equal(sdb_step(st), SDB_ROW);
    assert_int_equal(sdb_column_int64(st, 0), 123);
    assert_string_equal((const char *)sdb_column_text(st, 1), "42");
    assert_true(sdb_column_double(st, 1) == 42.0);
    assert_int_equal(sdb_column_int64(st, 2), 2);
    assert_int_equal(sdb_step(st), SDB_ROW);
    assert_int_equal(sdb_column_int64(st, 0), 0); /* not a number */
    assert_int_equal(sdb_column_int64(st, 1), -5);
    assert_int_equal(sdb_step(st), SDB_DONE);
    sdb_finalize(st);
}

/* ---- parameters ------------------------------------------------------ */

static void numbering(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st;

    /* ?2 ?1 and a bare ? that is ?3; ?1 twice */
    st = prep(f->db,
              "SELECT CAST(?2 AS TEXT), CAST(?1 AS BIGINT), CAST(? AS BIGINT), "
              "CAST(?1 AS BIGINT) + CAST(?1 AS BIGINT)",
              0);
    assert_int_equal(sdb_bind_int64(st, 1, 5), SDB_OK);
    assert_int_equal(sdb_bind_text(st, 2, "two", -1, SDB_STATIC), SDB_OK);
    assert_int_equal(sdb_bind_int64(st, 3, 7), SDB_OK);
    assert_int_equal(sdb_step(st), SDB_ROW);
    assert_string_equal((const char *)sdb_column_text(st, 0), "two");
    assert_int_equal(sdb_column_int64(st, 1), 5);
    assert_int_equal(sdb_column_int64(st, 2), 7);
    assert_int_equal(sdb_column_int64(st, 3), 10);
    assert_int_equal(sdb_step(st), SDB_DONE);
    /* there is no parameter 4 */
    assert_int_not_equal(sdb_bind_int64(st, 4, 1), SDB_OK);
    sdb_finalize(st);

    /* ?, ?5, ?: 1, 5, 6 */
    st = prep(f->db,
              "SELECT CAST(? AS BIGINT), CAST(?5 AS BIGINT), CAST(? AS BIGINT)",
              0);
    assert_int_equal(sdb_bind_int64(st, 1, 11), SDB_OK);
    assert_int_equal(sdb_bind_int64(st, 5, 55), SDB_OK);
    assert_int_equal(sdb_bind_int64(st, 6, 66), SDB_OK);
    if (sdb_step(st) != SDB_ROW)
        fail_msg("%s", sdb_errmsg(f->db));
    assert_int_equal(sdb_column_int64(st, 0), 11);
    assert_int_equal(sdb_column_int64(st, 1), 55);
    assert_int_equal(sdb_column_int64(st, 2), 66);
    sdb_finalize(st);
}

/* ? in a string, a quoted name or a comment is not a parameter. */
static void not_parameters(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st;

    ok(f->db, "CREATE TABLE \"q?\" (\"a?b\" TEXT)");
    st = prep(f->db,
              "INSERT INTO \"q?\" (\"a?b\") -- a comment?\n"
              "VALUES (? /* not ?2 here */ || '?'' ?3')",
              0);
    assert_int_equal(sdb_bind_text(st, 1, "v", -1, SDB_STATIC), SDB_OK);
    assert_int_not_equal(sdb_bind_text(st, 2, "w", -1, SDB_STATIC), SDB_OK);
    if (sdb_step(st) != SDB_DONE)
        fail_msg("%s", sdb_errmsg(f->db));
    sdb_finalize(st);
    st = prep(f->db, "SELECT \"a?b\", '?' FROM \"q?\"", 0);
    assert_int_equal(sdb_step(st), SDB_ROW);
    assert_string_equal((const char *)sdb_column_text(st, 0), "v?' ?3");
    assert_string_equal((const char *)sdb_column_text(st, 1), "?");
    sdb_finalize(st);
}

static void reset_rebind(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st, *sel;
    char buf[32];

    create_vals(f);
    st = prep(f->db, "INSERT INTO vals (k, s) VALUES (?1, ?2)", 0);
    for (int k = 1; k <= 3; k++) {
        snprintf(buf, sizeof(buf), "row %d", k);
        assert_int_equal(sdb_bind_int64(st, 1, k), SDB_OK);
        /* a length, and a buffer reused at once: the value is copied */
        assert_int_equal(sdb_bind_text(st, 2, buf, 5, SDB_TRANSIENT), SDB_OK);
        memset(buf, 'X', sizeof(buf) - 1);
        assert_int_equal(sdb_step(st), SDB_DONE);
        assert_int_equal(sdb_reset(st), SDB_OK);
    }
    /* clear_bindings: NULL */
    assert_int_equal(sdb_clear_bindings(st), SDB_OK);
    assert_int_equal(sdb_bind_int64(st, 1, 4), SDB_OK);
    assert_int_equal(sdb_step(st), SDB_DONE);
    sdb_finalize(st);

    sel = prep(f->db, "SELECT s FROM vals WHERE k = ?1", 0);
    for (int k = 1; k <= 4; k++) {
        assert_int_equal(sdb_bind_int64(sel, 1, k), SDB_OK);
        assert_int_equal(sdb_step(sel), SDB_ROW);
        if (k < 4) {
            snprintf(buf, sizeof(buf), "row %d", k);
            assert_string_equal((const char *)sdb_column_text(sel, 0), buf);
        } else {
            assert_int_equal(sdb_column_type(sel, 0), SDB_NULL);
        }
        assert_int_equal(sdb_step(sel), SDB_DONE);
        assert_int_equal(sdb_reset(sel), SDB_OK);
    }
    sdb_finalize(sel);

    st = prep(f->db, "UPDATE vals SET i = 9 WHERE k >= ?1", 0);
    assert_int_equal(sdb_bind_int64(st, 1, 2), SDB_OK);
    assert_int_equal(sdb_step(st), SDB_DONE);
    assert_int_equal(sdb_changes(f->db), 3);
    sdb_finalize(st);
    /* a SELECT leaves changes() as it was */
    assert_int_equal(count(f->db, "vals"), 4);
    assert_int_equal(sdb_changes(f->db), 3);
    ok(f->db, "DELETE FROM vals");
    assert_int_equal(sdb_changes(f->db), 4);
}

static void returning(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st;

    create_vals(f);
    st = prep(f->db,
              "INSERT INTO vals (k, s) VALUES (?1, ?2), (?1 + 1, ?2) "
              "RETURNING k, s",
              0);
    assert_int_equal(sdb_bind_int64(st, 1, 40), SDB_OK);
    assert_int_equal(sdb_bind_text(st, 2, zh, -1, SDB_STATIC), SDB_OK);
    assert_int_equal(sdb_step(st), SDB_ROW);
    assert_int_equal(sdb_column_int64(st, 0), 40);
    assert_string_equal((const char *)sdb_column_text(st, 1), zh);
    assert_int_equal(sdb_step(st), SDB_ROW);
    assert_int_equal(sdb_column_int64(st, 0), 41);
    assert_int_equal(sdb_step(st), SDB_DONE);
    assert_int_equal(sdb_changes(f->db), 2);
    sdb_finalize(st);
}

static void last_rowid(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st;

    ok(f->db, dialect(f, "CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT)",
                      "CREATE TABLE r (id BIGINT GENERATED BY DEFAULT AS "
                      "IDENTITY PRIMARY KEY, v TEXT)"));
    st = prep(f->db, "INSERT INTO r (v) VALUES (?1)", 0);
    assert_int_equal(sdb_bind_text(st, 1, "a", -1, SDB_STATIC), SDB_OK);
    assert_int_equal(sdb_step(st), SDB_DONE);
    assert_int_equal(sdb_last_insert_rowid(f->db), 1);
    /* in a transaction, which stays usable */
    assert_int_equal(f->db->ops->begin(f->db, 1), SDB_OK);
    assert_int_equal(sdb_reset(st), SDB_OK);
    assert_int_equal(sdb_step(st), SDB_DONE);
    assert_int_equal(sdb_last_insert_rowid(f->db), 2);
    assert_int_equal(sdb_reset(st), SDB_OK);
    assert_int_equal(sdb_step(st), SDB_DONE);
    ok(f->db, "COMMIT");
    assert_int_equal(sdb_last_insert_rowid(f->db), 3);
    sdb_finalize(st);
    assert_int_equal(count(f->db, "r"), 3);
    /* a connection that inserted nothing yet: 0, and its transaction lives */
    assert_int_equal(f->db2->ops->begin(f->db2, 1), SDB_OK);
    assert_int_equal(sdb_last_insert_rowid(f->db2), 0);
    assert_int_equal(count(f->db2, "r"), 3);
    ok(f->db2, "COMMIT");
}

/* ---- errors ------------------------------------------------------------ */

static void unique_violation(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st;
    int rc;

    ok(f->db, "CREATE TABLE u (name TEXT PRIMARY KEY)");
    st = prep(f->db, "INSERT INTO u (name) VALUES (?1)", 0);
    assert_int_equal(sdb_bind_text(st, 1, "李四-secret", -1, SDB_STATIC),
                     SDB_OK);
    assert_int_equal(sdb_step(st), SDB_DONE);
    assert_int_equal(sdb_reset(st), SDB_OK);
    rc = sdb_step(st);
    assert_int_not_equal(rc, SDB_OK);
    assert_int_not_equal(rc, SDB_ROW);
    assert_int_not_equal(rc, SDB_DONE);
    sdb_reset(st);
    assert_int_equal(f->db->ops->errclass(f->db), SW_EDATA);
    assert_true(strlen(sdb_errmsg(f->db)) > 10);
    /* the bound value is personal data: never in the message */
    assert_null(strstr(sdb_errmsg(f->db), "secret"));
    sdb_finalize(st);
    assert_int_equal(count(f->db, "u"), 1);

    /* SQL the server cannot run: an error of the software */
    st = NULL;
    rc = f->db->ops->prepare(f->db, "SELECT nosuchcolumn FROM u", 0, &st);
    if (rc == SDB_OK) /* PostgreSQL finds out at the first step */
        rc = sdb_step(st);
    assert_int_not_equal(rc, SDB_ROW);
    assert_int_not_equal(rc, SDB_DONE);
    assert_int_not_equal(rc, SDB_OK);
    assert_int_equal(f->db->ops->errclass(f->db), SW_ESOFTWARE);
    sdb_finalize(st);
}

/* ---- kept statements ------------------------------------------------------
 */

static void kept_statements(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *ins, *sel;
    int64_t sum = 0;

    create_vals(f);
    ins = prep(f->db, "INSERT INTO vals (k, i, s) VALUES (?1, ?2, ?3)", 1);
    sel = prep(f->db, "SELECT i, s FROM vals WHERE k = ?1", 1);
    assert_int_equal(f->db->ops->begin(f->db, 1), SDB_OK);
    for (int k = 1; k <= 1000; k++) {
        char s[16];
        snprintf(s, sizeof(s), "v%d", k);
        assert_int_equal(sdb_bind_int64(ins, 1, k), SDB_OK);
        assert_int_equal(sdb_bind_int64(ins, 2, (int64_t)k * k), SDB_OK);
        assert_int_equal(sdb_bind_text(ins, 3, s, -1, SDB_TRANSIENT), SDB_OK);
        if (sdb_step(ins) != SDB_DONE)
            fail_msg("insert %d: %s", k, sdb_errmsg(f->db));
        assert_int_equal(sdb_reset(ins), SDB_OK);

        assert_int_equal(sdb_bind_int64(sel, 1, k), SDB_OK);
        assert_int_equal(sdb_step(sel), SDB_ROW);
        assert_string_equal((const char *)sdb_column_text(sel, 1), s);
        sum += sdb_column_int64(sel, 0);
        assert_int_equal(sdb_step(sel), SDB_DONE);
        assert_int_equal(sdb_reset(sel), SDB_OK);
    }
    ok(f->db, "COMMIT");
    assert_true(sum == (int64_t)1000 * 1001 * 2001 / 6);
    /* a value of another type than the first run's (a double where an
       integer was): the statement means the same */
    assert_int_equal(sdb_bind_int64(sel, 1, 0), SDB_OK);
    assert_int_equal(sdb_step(sel), SDB_DONE);
    assert_int_equal(sdb_reset(sel), SDB_OK);
    assert_int_equal(sdb_bind_double(sel, 1, 7.0), SDB_OK);
    assert_int_equal(sdb_step(sel), SDB_ROW);
    assert_int_equal(sdb_column_int64(sel, 0), 49);
    sdb_finalize(sel);
    sdb_finalize(ins);
    assert_int_equal(count(f->db, "vals"), 1000);
}

/* ---- transactions -------------------------------------------------------- */

static void transactions(void **state)
{
    struct fx *f = need(state);

    create_vals(f);
    assert_int_equal(sdb_get_autocommit(f->db), 1);
    assert_int_equal(f->db->ops->begin(f->db, 1), SDB_OK);
    assert_int_equal(sdb_get_autocommit(f->db), 0);
    insert_val(f->db, 1, 1, "a", 1, blob, 1);
    /* no transaction in a transaction */
    assert_int_not_equal(f->db->ops->begin(f->db, 1), SDB_OK);
    assert_int_not_equal(sdb_exec_raw(f->db, "BEGIN"), SDB_OK);
    assert_int_equal(sdb_get_autocommit(f->db), 0);
    assert_int_equal(count(f->db, "vals"), 1);
    ok(f->db, "ROLLBACK");
    assert_int_equal(sdb_get_autocommit(f->db), 1);
    assert_int_equal(count(f->db, "vals"), 0);

    /* SQLite's words, as the engine writes them */
    ok(f->db, "BEGIN IMMEDIATE");
    assert_int_equal(sdb_get_autocommit(f->db), 0);
    insert_val(f->db, 2, 2, "b", 2, blob, 1);
    ok(f->db, "COMMIT");
    assert_int_equal(sdb_get_autocommit(f->db), 1);
    ok(f->db, "BEGIN");
    assert_int_equal(sdb_get_autocommit(f->db), 0);
    ok(f->db, "ROLLBACK");

    /* a read transaction sees one state */
    assert_int_equal(f->db->ops->begin(f->db, 0), SDB_OK);
    assert_int_equal(sdb_get_autocommit(f->db), 0);
    assert_int_equal(count(f->db, "vals"), 1);
    insert_val(f->db2, 3, 3, "c", 3, blob, 1);
    assert_int_equal(count(f->db, "vals"), 1);
    ok(f->db, "COMMIT");
    assert_int_equal(count(f->db, "vals"), 2);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One writer at a time: a second writer waits, then gives up (SW_ETEMP)
** with no transaction left open; after the first commits it gets in. */
static void one_writer(void **state)
{
    struct fx *f = need(state);
    double t0, waited;
    int rc;

    create_vals(f);
    if (f->kind == SDB_SQLITE)
        sqlite3_busy_timeout(sdb_sqlite(f->db2), 200);
    else
        ok(f->db2, "SET lock_timeout = '200ms'");
    assert_int_equal(f->db->ops->begin(f->db, 1), SDB_OK);
    insert_val(f->db, 1, 1, "a", 1, blob, 1);

    t0 = now_s();
    rc = f->db2->ops->begin(f->db2, 1);
    waited = now_s() - t0;
    assert_int_not_equal(rc, SDB_OK);
    assert_int_equal(f->db2->ops->errclass(f->db2), SW_ETEMP);
    assert_true(waited >= 0.15);
    assert_int_equal(sdb_get_autocommit(f->db2), 1);
    /* a reader is not held up */
    assert_int_equal(f->db2->ops->begin(f->db2, 0), SDB_OK);
    assert_int_equal(count(f->db2, "vals"), 0);
    ok(f->db2, "COMMIT");

    ok(f->db, "COMMIT");
    assert_int_equal(f->db2->ops->begin(f->db2, 1), SDB_OK);
    assert_int_equal(count(f->db2, "vals"), 1);
    ok(f->db2, "ROLLBACK");
}

struct waiter {
    sdb *db;
    int rc;
    double waited;
};

static void *wait_to_write(void *arg)
{
    struct waiter *w = arg;
    double t0 = now_s();
    w->rc = w->db->ops->begin(w->db, 1);
    w->waited = now_s() - t0;
    return NULL;
}

/* The second writer's begin returns when the first commits, and then
** sees what the first wrote. */
static void writer_waits(void **state)
{
    struct fx *f = need(state);
    struct waiter w = {0};
    pthread_t t;

    create_vals(f);
    if (f->kind == SDB_SQLITE)
        sqlite3_busy_timeout(sdb_sqlite(f->db2), 10000);
    else
        ok(f->db2, "SET lock_timeout = '10s'");
    assert_int_equal(f->db->ops->begin(f->db, 1), SDB_OK);
    insert_val(f->db, 1, 1, "a", 1, blob, 1);
    w.db = f->db2;
    assert_int_equal(pthread_create(&t, NULL, wait_to_write, &w), 0);
    usleep(300 * 1000);
    ok(f->db, "COMMIT");
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.rc, SDB_OK);
    assert_true(w.waited >= 0.25);
    assert_true(w.waited < 9.0);
    assert_int_equal(count(f->db2, "vals"), 1);
    ok(f->db2, "COMMIT");
}

/* column_text's pointer holds until the next step. */
static void text_lifetime(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st;
    const char *p, *q;

    create_vals(f);
    insert_val(f->db, 1, 1, zh, 1, blob, sizeof(blob));
    insert_val(f->db, 2, 2, "second", 2, blob, 2);
    st = prep(f->db, "SELECT s, b, i FROM vals ORDER BY k", 0);
    assert_int_equal(sdb_step(st), SDB_ROW);
    p = (const char *)sdb_column_text(st, 0);
    q = sdb_column_blob(st, 1);
    /* reading the other columns, and this one again */
    assert_int_equal(sdb_column_int64(st, 2), 1);
    assert_int_equal(sdb_column_bytes(st, 1), (int)sizeof(blob));
    assert_int_equal(sdb_column_bytes(st, 0), (int)strlen(zh));
    assert_ptr_equal(sdb_column_text(st, 0), p);
    assert_string_equal(p, zh);
    assert_memory_equal(q, blob, sizeof(blob));
    assert_int_equal(sdb_step(st), SDB_ROW);
    assert_string_equal((const char *)sdb_column_text(st, 0), "second");
    assert_int_equal(sdb_step(st), SDB_DONE);
    sdb_finalize(st);
}

/* ---- PostgreSQL only ------------------------------------------------------
 */

/* A failed statement aborts a PostgreSQL transaction: COMMIT says so
** (the server itself answers COMMIT with ROLLBACK and no error). */
static void pg_commit_after_error(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st;

    ok(f->db, "CREATE TABLE u (name TEXT PRIMARY KEY)");
    ok(f->db, "INSERT INTO u VALUES ('a')");
    assert_int_equal(f->db->ops->begin(f->db, 1), SDB_OK);
    ok(f->db, "INSERT INTO u VALUES ('b')");
    st = prep(f->db, "INSERT INTO u (name) VALUES (?1)", 0);
    assert_int_equal(sdb_bind_text(st, 1, "a", -1, SDB_STATIC), SDB_OK);
    assert_int_not_equal(sdb_step(st), SDB_DONE);
    sdb_finalize(st);
    assert_int_equal(sdb_get_autocommit(f->db), 0);
    /* what follows fails too, with the class of what aborted it */
    assert_int_not_equal(sdb_exec_raw(f->db, "INSERT INTO u VALUES ('c')"),
                         SDB_OK);
    assert_int_equal(f->db->ops->errclass(f->db), SW_EDATA);
    assert_int_not_equal(sdb_exec_raw(f->db, "COMMIT"), SDB_OK);
    assert_int_equal(f->db->ops->errclass(f->db), SW_EDATA);
    assert_non_null(strstr(sdb_errmsg(f->db), "COMMIT"));
    assert_int_equal(sdb_get_autocommit(f->db), 1);
    assert_int_equal(count(f->db, "u"), 1);
}

/* Bad data: the value is cut out of the server's message. */
static void pg_bad_data(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st;

    ok(f->db, "CREATE TABLE n (v BIGINT)");
    st = prep(f->db, "INSERT INTO n (v) VALUES (?1)", 0);
    assert_int_equal(sdb_bind_text(st, 1, "王五-secret", -1, SDB_STATIC),
                     SDB_OK);
    assert_int_not_equal(sdb_step(st), SDB_DONE);
    assert_int_equal(f->db->ops->errclass(f->db), SW_EDATA);
    assert_null(strstr(sdb_errmsg(f->db), "secret"));
    assert_non_null(strstr(sdb_errmsg(f->db), "bigint"));
    /* a number too large for where it stands is quoted by the server */
    sdb_finalize(st);
    ok(f->db, "CREATE TABLE small (v INTEGER)");
    st = prep(f->db, "INSERT INTO small (v) VALUES (?1)", 0);
    assert_int_equal(sdb_bind_int64(st, 1, INT64_C(3000000017)), SDB_OK);
    assert_int_not_equal(sdb_step(st), SDB_DONE);
    assert_int_equal(f->db->ops->errclass(f->db), SW_EDATA);
    assert_null(strstr(sdb_errmsg(f->db), "3000000017"));
    assert_non_null(strstr(sdb_errmsg(f->db), "integer"));
    sdb_finalize(st);
}

/* A connection the server ended: a temporary failure. */
static void pg_connection_lost(void **state)
{
    struct fx *f = need(state);
    sdb_stmt *st = prep(f->db, "SELECT pg_backend_pid()", 0), *kill;
    int64_t pid;

    assert_int_equal(sdb_step(st), SDB_ROW);
    pid = sdb_column_int64(st, 0);
    sdb_finalize(st);
    kill = prep(f->db2, "SELECT pg_terminate_backend(CAST(?1 AS INTEGER))", 0);
    assert_int_equal(sdb_bind_int64(kill, 1, pid), SDB_OK);
    assert_int_equal(sdb_step(kill), SDB_ROW);
    assert_int_equal(sdb_column_int64(kill, 0), 1);
    sdb_finalize(kill);
    st = prep(f->db, "SELECT 1", 0);
    assert_int_not_equal(sdb_step(st), SDB_ROW);
    assert_int_equal(f->db->ops->errclass(f->db), SW_ETEMP);
    sdb_finalize(st);
    /* the schema is dropped through the other connection */
    sdb_close(f->db);
    f->db = f->db2;
    f->db2 = NULL;
}

/* A port on 127.0.0.1 nobody listens on. */
static int dead_port(void)
{
    struct sockaddr_in a = {0};
    socklen_t n = sizeof(a);
    int s = socket(AF_INET, SOCK_STREAM, 0), port;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &n), 0);
    port = ntohs(a.sin_port);
    close(s);
    return port;
}

/* Connecting: unreachable is temporary, a refused login is
** configuration; a password is never in the message. */
static void pg_connect_errors(void **state)
{
    struct sw_err err = {0};
    sdb *db = (sdb *)0x1;
    char ci[512];
    (void)state;

    snprintf(ci, sizeof(ci),
             "host=127.0.0.1 port=%d user=u dbname=d password=hunter2 "
             "connect_timeout=5",
             dead_port());
    assert_int_equal(sdb_pg_connect(ci, &db, &err), SW_ETEMP);
    assert_null(db);
    assert_non_null(strstr(err.msg, "127.0.0.1"));
    assert_null(strstr(err.msg, "hunter2"));

    assert_int_equal(
        sdb_pg_connect("host=h password='hunter2 user=u", &db, &err),
        SW_ECONFIG);
    assert_null(strstr(err.msg, "hunter2"));
    assert_null(db);

    if (getenv("SWSYNC_TEST_PG") && *getenv("SWSYNC_TEST_PG")) {
        /* the test server, a database it does not have */
        PQconninfoOption *o = PQconninfoParse(getenv("SWSYNC_TEST_PG"), NULL);
        char host[128] = "", port[16] = "", user[64] = "";
        assert_non_null(o);
        for (PQconninfoOption *p = o; p->keyword; p++) {
            if (!p->val)
                continue;
            if (strcmp(p->keyword, "host") == 0)
                snprintf(host, sizeof(host), "%s", p->val);
            if (strcmp(p->keyword, "port") == 0)
                snprintf(port, sizeof(port), "%s", p->val);
            if (strcmp(p->keyword, "user") == 0)
                snprintf(user, sizeof(user), "%s", p->val);
        }
        PQconninfoFree(o);
        snprintf(ci, sizeof(ci),
                 "host=%s port=%s user=%s dbname=swsync_no_such_db "
                 "password=hunter2",
                 *host ? host : "127.0.0.1", *port ? port : "5432",
                 *user ? user : "postgres");
        assert_int_equal(sdb_pg_connect(ci, &db, &err), SW_ECONFIG);
        assert_null(db);
        assert_non_null(strstr(err.msg, "swsync_no_such_db"));
        assert_null(strstr(err.msg, "hunter2"));
    }
}

static void pg_redact(void **state)
{
    char *s;
    (void)state;
    s = sdb_pg_redact("postgresql://sw:pa%40ss@db.example:5433/county?"
                      "sslmode=require&password=x2&connect_timeout=3");
    assert_string_equal(s, "postgresql://sw:***@db.example:5433/county?"
                           "sslmode=require&password=***&connect_timeout=3");
    free(s);
    s = sdb_pg_redact("postgres://db.example/county");
    assert_string_equal(s, "postgres://db.example/county");
    free(s);
    s = sdb_pg_redact("host=h password = 'a \\' b' user=u");
    assert_string_equal(s, "host=h password=*** user=u");
    free(s);
    s = sdb_pg_redact("dbname=postgresql://u:pw@h/d port=1");
    assert_string_equal(s, "dbname=postgresql://u:***@h/d port=1");
    free(s);
}

#define ON(kind, fn)                                                           \
    {                                                                          \
#kind ": " #fn, fn, setup, teardown, (void *)&on_##kind                \
    }
#define CHECKS(kind)                                                           \
    ON(kind, round_trip), ON(kind, conversions), ON(kind, numbering),          \
        ON(kind, not_parameters), ON(kind, reset_rebind), ON(kind, returning), \
        ON(kind, last_rowid), ON(kind, unique_violation),                      \
        ON(kind, kept_statements), ON(kind, transactions),                     \
        ON(kind, one_writer), ON(kind, writer_waits), ON(kind, text_lifetime)

/*
** Without $SWSYNC_TEST_PG the PostgreSQL half is left out of the plan
** (TAP's "not ok # SKIP" counts as a failure under automake), as in the
** other C tests: tools/check's postgresql step runs it with a server
** (a server that does not start fails that step).
*/
int main(void)
{
    static const struct CMUnitTest tests[] = {
        CHECKS(sqlite),
        cmocka_unit_test(pg_connect_errors),
        cmocka_unit_test(pg_redact),
        /* the PostgreSQL half: from here */
        CHECKS(pg),
        ON(pg, pg_commit_after_error),
        ON(pg, pg_bad_data),
        ON(pg, pg_connection_lost),
    };
    const char *pg = getenv("SWSYNC_TEST_PG");
    size_t n = sizeof(tests) / sizeof(tests[0]);

    if (!(pg && *pg)) {
        n = 0;
        while (strncmp(tests[n].name, "pg: ", 4) != 0)
            n++;
        printf("# PostgreSQL half left out: SWSYNC_TEST_PG is not set\n");
    }
    return _cmocka_run_group_tests("tests", tests, n, NULL, NULL);
}
