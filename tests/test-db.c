/*
** test-db.c — creating, opening and migrating replica files (sync/db.c),
** and the station's capture triggers (sync/ddl.c) seen from plain SQL, as
** another program writing the file would see them.
**
** Every test works in its own mkdtemp() directory, removed afterwards.
** SQLite only: its county stores are files (PRAGMA user_version and
** application_id, the SQLite migrations); a county store on PostgreSQL
** is made and migrated by sync/pgstore.c.
*/
#include "config.h"

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>

#include "sdb.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "sw.h"
#include "table.h"

/* ---- fixture ----------------------------------------------------------- */

struct fx {
    char dir[256];
    char path[512]; /* dir/station.db, not created */
    sdb *db;        /* closed by teardown */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "%s/swsync-test-db-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/station.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    DIR *d;
    struct dirent *e;

    db_close(f->db);
    d = opendir(f->dir);
    if (d) {
        while ((e = readdir(d)) != NULL) {
            char p[1024];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* dir/name into buf */
static const char *in_dir(struct fx *f, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", f->dir, name);
    return buf;
}

/* ---- helpers ----------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* The whole file, malloc'd; *len its size. */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0, got;
    assert_non_null(fp);
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        got = fread(buf + n, 1, cap - n, fp);
        n += got;
    } while (got > 0);
    fclose(fp);
    *len = n;
    return buf;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Format SQL with sqlite3_mprintf (%Q quotes text); run it; return the
** primary sqlite result code. */
static int exec_rc(sdb *db, const char *fmt, ...)
{
    va_list ap;
    char *sql;
    int rc;
    va_start(ap, fmt);
    sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    assert_non_null(sql);
    rc = sdb_exec5(db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    return rc & 0xff; /* db.c turns on extended result codes */
}

#define must_exec(db, ...)                                                     \
    do {                                                                       \
        if (exec_rc(db, __VA_ARGS__) != SDB_OK)                                \
            fail_msg("sql failed: %s", sdb_errmsg(db));                        \
    } while (0)

/* One integer from a formatted query (the first column of the first row). */
static int64_t q_int(sdb *db, const char *fmt, ...)
{
    va_list ap;
    char *sql;
    sdb_stmt *st;
    int64_t v;
    va_start(ap, fmt);
    sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    assert_non_null(sql);
    if (sdb_prepare_v2(db, sql, -1, &st, NULL) != SDB_OK)
        fail_msg("%s: %s", sql, sdb_errmsg(db));
    if (sdb_step(st) != SDB_ROW)
        fail_msg("%s: no row (%s)", sql, sdb_errmsg(db));
    v = sdb_column_int64(st, 0);
    sdb_finalize(st);
    sqlite3_free(sql);
    return v;
}

/* One text value (malloc'd, NULL for SQL NULL) from a formatted query. */
static char *q_text(sdb *db, const char *fmt, ...)
{
    va_list ap;
    char *sql, *out = NULL;
    sdb_stmt *st;
    va_start(ap, fmt);
    sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    assert_non_null(sql);
    if (sdb_prepare_v2(db, sql, -1, &st, NULL) != SDB_OK)
        fail_msg("%s: %s", sql, sdb_errmsg(db));
    if (sdb_step(st) != SDB_ROW)
        fail_msg("%s: no row (%s)", sql, sdb_errmsg(db));
    if (sdb_column_type(st, 0) != SDB_NULL)
        out = strdup((const char *)sdb_column_text(st, 0));
    sdb_finalize(st);
    sqlite3_free(sql);
    return out;
}

#define assert_text(db, want, ...)                                             \
    do {                                                                       \
        char *got_ = q_text(db, __VA_ARGS__);                                  \
        if (!got_)                                                             \
            fail_msg("got NULL, want '%s'", want);                             \
        if (strcmp(got_, want) != 0)                                           \
            fail_msg("got '%s', want '%s'", got_, want);                       \
        free(got_);                                                            \
    } while (0)

static int table_exists(sdb *db, const char *name)
{
    return (int)q_int(db,
                      "SELECT count(*) FROM sqlite_master WHERE type = "
                      "'table' AND name = %Q",
                      name);
}

/* A raw connection, without db.c. */
static sdb *raw_open(const char *path)
{
    sdb *db = NULL;
    assert_int_equal(sdb_sqlite_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
                     SDB_OK);
    return db;
}

/* A fresh station replica at f->path with config station = A01. */
static sdb *new_station(struct fx *f)
{
    struct sw_err e;
    assert_int_equal(db_create(f->path, SW_ROLE_STATION, &f->db, &e), 0);
    assert_int_equal(db_config_set(f->db, "station", "A01", &e), 0);
    return f->db;
}

#define COL(tbl, name) sw_col_index(&sw_tables[tbl], name)

static int64_t outbox_count(sdb *db)
{
    return q_int(db, "SELECT count(*) FROM outbox");
}

/* Insert a case with plain SQL, as another program would; returns rid. */
static int64_t add_case(sdb *db, const char *station)
{
    if (station)
        must_exec(db,
                  "INSERT INTO cases (station, name, category, risk_level, "
                  "status, opened_on) VALUES (%Q, 'Li Si', 'disabled', "
                  "'low', 'open', '2026-01-05')",
                  station);
    else
        must_exec(db, "INSERT INTO cases (name, category, risk_level, "
                      "status, opened_on) VALUES ('\xe5\xbc\xa0\xe4\xb8\x89', "
                      "'other', 'low', 'open', '2026-01-05')");
    return sdb_last_insert_rowid(db);
}

/*
** Give record rid of table tbl the version a station keeps once for a
** record pulled new, covering the fields whose bit is set in cols: in
** the record's own row (ver_hlc, ver_site, ver_cols), written with
** capture off.
*/
static void set_row_version(sdb *db, int tbl, int64_t rid, int64_t hlc,
                            const char *site, int64_t cols)
{
    struct sw_err e;
    assert_int_equal(db_set_capture(db, 0, &e), 0);
    must_exec(db,
              "UPDATE %s SET ver_hlc = %lld, ver_site = %Q, ver_cols = %lld "
              "WHERE rid = %lld",
              sw_tables[tbl].name, (long long)hlc, site, (long long)cols,
              (long long)rid);
    assert_int_equal(sdb_changes(db), 1);
    assert_int_equal(db_set_capture(db, 1, &e), 0);
}

#define BIT(tbl, name) ((int64_t)1 << COL(tbl, name))

/* ---- create / open ------------------------------------------------------ */

static void test_create_mode_0600(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    struct stat st;
    char side[600];
    mode_t old = umask(022); /* a permissive umask must not matter */

    int rc = db_create(f->path, SW_ROLE_STATION, &f->db, &e);
    umask(old);
    assert_int_equal(rc, 0);
    assert_non_null(f->db);
    assert_int_equal(stat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    /* the WAL and shared-memory files, while open, are private too */
    snprintf(side, sizeof(side), "%s-wal", f->path);
    if (stat(side, &st) == 0)
        assert_int_equal(st.st_mode & 07777, 0600);
    snprintf(side, sizeof(side), "%s-shm", f->path);
    if (stat(side, &st) == 0)
        assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(q_int(f->db, "PRAGMA user_version"), DB_SCHEMA_VERSION);
    assert_int_equal(q_int(f->db, "PRAGMA application_id"), DB_APPID_STATION);
    /* the schema is all there */
    assert_true(table_exists(f->db, "cases"));
    assert_true(table_exists(f->db, "visits"));
    assert_true(table_exists(f->db, "services"));
    assert_true(table_exists(f->db, "outbox"));
    assert_true(table_exists(f->db, "field_versions"));
    assert_true(table_exists(f->db, "sync_state"));
    assert_int_equal(q_int(f->db, "SELECT capture FROM sync_state"), 1);
}

static void test_create_refuses_existing(void **state)
{
    struct fx *f = *state;
    static const char junk[] = "not a database; swsync must not touch it\n";
    struct sw_err e;
    sdb *db = (sdb *)1;
    unsigned char *before, *after;
    size_t nb, na;
    char side[600], p2[600];

    /* any file */
    write_file(f->path, junk, sizeof(junk) - 1);
    sw_err_clear(&e);
    assert_int_equal(db_create(f->path, SW_ROLE_STATION, &db, &e),
                     SW_ECANTCREAT);
    assert_int_equal(e.code, SW_ECANTCREAT);
    assert_null(db);
    assert_non_null(strstr(e.msg, f->path));
    assert_non_null(strstr(e.msg, "exists"));
    after = read_file(f->path, &na);
    assert_int_equal(na, sizeof(junk) - 1);
    assert_memory_equal(after, junk, na);
    free(after);
    snprintf(side, sizeof(side), "%s-wal", f->path);
    assert_false(file_exists(side));
    snprintf(side, sizeof(side), "%s-shm", f->path);
    assert_false(file_exists(side));

    /* a real replica, with a record in it */
    in_dir(f, "real.db", p2, sizeof(p2));
    assert_int_equal(db_create(p2, SW_ROLE_STATION, &db, &e), 0);
    assert_int_equal(db_config_set(db, "station", "A01", &e), 0);
    add_case(db, NULL);
    db_close(db);
    before = read_file(p2, &nb);
    assert_int_equal(db_create(p2, SW_ROLE_STATION, &db, &e), SW_ECANTCREAT);
    assert_null(db);
    assert_int_equal(db_create(p2, SW_ROLE_COUNTY, &db, &e), SW_ECANTCREAT);
    after = read_file(p2, &na);
    assert_int_equal(na, nb);
    assert_memory_equal(after, before, na);
    free(before);
    free(after);
    /* and it still opens, with its record */
    assert_int_equal(db_open(p2, SW_ROLE_STATION, &db, &e), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM cases"), 1);
    db_close(db);

    /* a directory that is not there */
    in_dir(f, "no/such/dir.db", p2, sizeof(p2));
    assert_int_equal(db_create(p2, SW_ROLE_STATION, &db, &e), SW_ECANTCREAT);
    assert_null(db);
    assert_non_null(strstr(e.msg, "cannot create"));
}

static void test_open_missing(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = (sdb *)1;

    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &db, &e), SW_ENOINPUT);
    assert_int_equal(e.code, SW_ENOINPUT);
    assert_null(db);
    assert_non_null(strstr(e.msg, f->path));
    assert_non_null(strstr(e.msg, "swsync init"));
    assert_false(file_exists(f->path)); /* opening created nothing */

    assert_int_equal(db_open(f->path, SW_ROLE_COUNTY, &db, &e), SW_ENOINPUT);
    assert_non_null(strstr(e.msg, "swsync-county init"));
    assert_false(file_exists(f->path));
}

static void test_open_not_sqlite(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = (sdb *)1;
    char text[8192], p2[600];
    unsigned char *after;
    size_t na;

    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = "case notes, not a database\n"[i % 27];
    write_file(f->path, text, sizeof(text));
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &db, &e), SW_ECONFIG);
    assert_null(db);
    assert_non_null(strstr(e.msg, "not a swsync station replica"));
    after = read_file(f->path, &na);
    assert_int_equal(na, sizeof(text));
    assert_memory_equal(after, text, na);
    free(after);

    /* an empty file is no replica either, and stays empty */
    in_dir(f, "empty.db", p2, sizeof(p2));
    write_file(p2, "", 0);
    assert_int_equal(db_open(p2, SW_ROLE_STATION, &db, &e), SW_ECONFIG);
    assert_null(db);
    after = read_file(p2, &na);
    assert_int_equal(na, 0);
    free(after);

    /* nor is some other program's SQLite file */
    in_dir(f, "other.db", p2, sizeof(p2));
    {
        sdb *o = NULL;
        assert_int_equal(sdb_sqlite_open(p2, &o), SDB_OK);
        must_exec(o, "CREATE TABLE cases (name TEXT)");
        sdb_close(o);
    }
    assert_int_equal(db_open(p2, SW_ROLE_STATION, &db, &e), SW_ECONFIG);
    assert_null(db);
    assert_non_null(strstr(e.msg, "not a swsync station replica"));
}

static void test_open_other_kind(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = NULL;
    char county[600];

    in_dir(f, "county.db", county, sizeof(county));
    assert_int_equal(db_create(county, SW_ROLE_COUNTY, &db, &e), 0);
    assert_int_equal(q_int(db, "PRAGMA application_id"), DB_APPID_COUNTY);
    db_close(db);
    db = (sdb *)1;
    assert_int_equal(db_open(county, SW_ROLE_STATION, &db, &e), SW_ECONFIG);
    assert_null(db);
    assert_non_null(strstr(e.msg, "not a swsync station replica"));
    assert_non_null(strstr(e.msg, "other kind"));

    assert_int_equal(db_create(f->path, SW_ROLE_STATION, &db, &e), 0);
    db_close(db);
    db = (sdb *)1;
    assert_int_equal(db_open(f->path, SW_ROLE_COUNTY, &db, &e), SW_ECONFIG);
    assert_null(db);
    assert_non_null(strstr(e.msg, "not a swsync county store"));

    /* each opens as what it is */
    assert_int_equal(db_open(county, SW_ROLE_COUNTY, &db, &e), 0);
    db_close(db);
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &f->db, &e), 0);
}

static void test_pragmas(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = NULL;

    assert_int_equal(db_create(f->path, SW_ROLE_STATION, &db, &e), 0);
    assert_text(db, "wal", "PRAGMA journal_mode");
    db_close(db);
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &f->db, &e), 0);
    assert_text(f->db, "wal", "PRAGMA journal_mode");
    assert_int_equal(q_int(f->db, "PRAGMA user_version"), DB_SCHEMA_VERSION);
    assert_int_equal(q_int(f->db, "PRAGMA application_id"), DB_APPID_STATION);
    assert_int_equal(q_int(f->db, "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(q_int(f->db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(q_int(f->db, "PRAGMA trusted_schema"), 0);
    /* WAL is a property of the file: a plain connection sees it too */
    {
        sdb *raw = raw_open(f->path);
        assert_text(raw, "wal", "PRAGMA journal_mode");
        sdb_close(raw);
    }
}

static void test_open_newer_refused(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = NULL, *raw;

    assert_int_equal(db_create(f->path, SW_ROLE_STATION, &db, &e), 0);
    must_exec(db, "PRAGMA user_version = %d", DB_SCHEMA_VERSION + 1);
    db_close(db);
    db = (sdb *)1;
    sw_err_clear(&e);
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &db, &e), SW_ECONFIG);
    assert_null(db);
    assert_non_null(strstr(e.msg, "newer"));
    raw = raw_open(f->path);
    assert_int_equal(q_int(raw, "PRAGMA user_version"), DB_SCHEMA_VERSION + 1);
    sdb_close(raw);
}

/* ---- migrations ------------------------------------------------------- */

static void test_migrate_steps(void **state)
{
    struct fx *f = *state;
    const int v1 = DB_SCHEMA_VERSION;
    const struct db_migration steps[] = {
        {v1 + 1, "CREATE TABLE m2 (x INTEGER); INSERT INTO m2 VALUES (42);", 0,
         0, NULL},
        {v1 + 2, "CREATE TABLE m3 (y); THIS IS NOT SQL;", 0, 0, NULL},
    };
    const struct db_migration good3[] = {
        {v1 + 2, "CREATE TABLE m3 (y);", 0, 0, NULL},
    };
    struct sw_err e;
    sdb *db;

    assert_int_equal(db_create(f->path, SW_ROLE_STATION, &f->db, &e), 0);
    db = f->db;

    /* a failing step rolls back every step before it */
    sw_err_clear(&e);
    assert_int_not_equal(db_migrate(db, SW_ROLE_STATION, steps, 2, v1 + 2, &e),
                         0);
    assert_int_not_equal(e.code, 0);
    assert_true(e.msg[0] != '\0');
    assert_int_equal(q_int(db, "PRAGMA user_version"), v1);
    assert_false(table_exists(db, "m2"));
    assert_false(table_exists(db, "m3"));
    assert_true(sdb_get_autocommit(db)); /* no transaction left open */

    /* a good step bumps the version and does its work */
    assert_int_equal(db_migrate(db, SW_ROLE_STATION, steps, 2, v1 + 1, &e), 0);
    assert_int_equal(q_int(db, "PRAGMA user_version"), v1 + 1);
    assert_true(table_exists(db, "m2"));
    assert_int_equal(q_int(db, "SELECT x FROM m2"), 42);
    assert_true(sdb_get_autocommit(db));

    /* at the target: nothing runs again */
    assert_int_equal(db_migrate(db, SW_ROLE_STATION, steps, 2, v1 + 1, &e), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM m2"), 1);

    /* a missing step is an error, and changes nothing */
    assert_int_equal(db_migrate(db, SW_ROLE_STATION, good3, 1, v1 + 3, &e),
                     SW_ESOFTWARE);
    assert_non_null(strstr(e.msg, "no migration"));
    assert_int_equal(q_int(db, "PRAGMA user_version"), v1 + 1);
    assert_false(table_exists(db, "m3"));

    /* a file newer than the target is refused */
    assert_int_equal(db_migrate(db, SW_ROLE_STATION, steps, 2, v1, &e),
                     SW_ECONFIG);
    assert_non_null(strstr(e.msg, "newer"));
    assert_int_equal(q_int(db, "PRAGMA user_version"), v1 + 1);

    /* and this binary, at version v1, will not open it any more */
    db_close(f->db);
    f->db = NULL;
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &f->db, &e), SW_ECONFIG);
    assert_null(f->db);
    assert_non_null(strstr(e.msg, "newer"));
}

/* A step with triggers = 1 gets the station's triggers recreated. */
static void test_migrate_triggers(void **state)
{
    struct fx *f = *state;
    const int v1 = DB_SCHEMA_VERSION;
    const struct db_migration steps[] = {
        {v1 + 1, "DROP TRIGGER cases_capture_upd;", 1, 0, NULL},
    };
    const struct db_migration county_steps[] = {
        {v1 + 1, "CREATE TABLE c2 (x);", 1, 0, NULL},
    };
    struct sw_err e;
    sdb *db = new_station(f), *county = NULL;
    char cpath[600];
    int64_t rid;

    assert_int_equal(db_migrate(db, SW_ROLE_STATION, steps, 1, v1 + 1, &e), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE "
                               "type = 'trigger' AND name = "
                               "'cases_capture_upd'"),
                     1);
    rid = add_case(db, NULL);
    must_exec(db, "DELETE FROM outbox");
    must_exec(db, "UPDATE cases SET phone = '110' WHERE rid = %lld",
              (long long)rid);
    assert_int_equal(outbox_count(db), 1);

    /* the county has no capture triggers, flag or not (its only
    ** triggers keep the audit trail append-only) */
    in_dir(f, "county.db", cpath, sizeof(cpath));
    assert_int_equal(db_create(cpath, SW_ROLE_COUNTY, &county, &e), 0);
    assert_int_equal(
        db_migrate(county, SW_ROLE_COUNTY, county_steps, 1, v1 + 1, &e), 0);
    assert_int_equal(q_int(county, "SELECT count(*) FROM sqlite_master "
                                   "WHERE type = 'trigger' "
                                   "AND tbl_name <> 'audit'"),
                     0);
    assert_true(table_exists(county, "c2"));
    db_close(county);
}

/* ---- migrations from released files ------------------------------------ */

/* A file made by swsync 0.1.0 (tests/data/NAME.sql, schema 2) at path. */
static void load_fixture(const char *path, const char *name)
{
    const char *src = getenv("TESTS_SRCDIR");
    char fp[1024];
    FILE *in;
    char *sql;
    long n;
    sdb *db = NULL;

    snprintf(fp, sizeof(fp), "%s/data/%s.sql", src && *src ? src : "tests",
             name);
    in = fopen(fp, "rb");
    assert_non_null(in);
    assert_int_equal(fseek(in, 0, SEEK_END), 0);
    n = ftell(in);
    assert_true(n > 0);
    rewind(in);
    sql = malloc((size_t)n + 1);
    assert_non_null(sql);
    assert_int_equal(fread(sql, 1, (size_t)n, in), (size_t)n);
    sql[n] = 0;
    fclose(in);
    assert_int_equal(
        sdb_sqlite_open_v2(path, &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
        SDB_OK);
    assert_int_equal(sdb_exec5(db, sql, NULL, NULL, NULL), SDB_OK);
    free(sql);
    sdb_close(db);
}

/* Undo schema 2's step (sync/db.c) on a schema-2 station file: what a
** 1 file was (its triggers are made again by the step). */
static void make_v1(const char *path)
{
    sdb *db = raw_open(path);
    char *t;
    while ((t = q_text(db, "SELECT (SELECT name FROM sqlite_master WHERE "
                           "type = 'trigger' LIMIT 1)")) != NULL) {
        must_exec(db, "DROP TRIGGER %s", t);
        free(t);
    }
    must_exec(db, "ALTER TABLE outbox DROP COLUMN author");
    must_exec(db, "ALTER TABLE pending DROP COLUMN author");
    must_exec(db, "ALTER TABLE pending DROP COLUMN seen");
    must_exec(db, "ALTER TABLE field_versions DROP COLUMN author");
    must_exec(db, "ALTER TABLE cases DROP COLUMN ver_author");
    must_exec(db, "ALTER TABLE visits DROP COLUMN ver_author");
    must_exec(db, "ALTER TABLE services DROP COLUMN ver_author");
    must_exec(db, "ALTER TABLE conflicts DROP COLUMN winner_author");
    must_exec(db, "ALTER TABLE conflicts DROP COLUMN loser_author");
    must_exec(db, "DROP TABLE tombstones");
    must_exec(db, "PRAGMA user_version = 1");
    sdb_close(db);
}

static void check_station_v3(struct fx *f, int64_t cursor)
{
    const struct sw_table *ct = &sw_tables[SW_T_CASES];
    int del = sw_col_deleted(ct), old = sw_col_deleted_v2(ct);
    int gn = sw_col_index(ct, "guardian_name");
    struct sw_err e;
    char *v;

    sw_err_clear(&e);
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &f->db, &e), 0);
    assert_int_equal(q_int(f->db, "PRAGMA user_version"), DB_SCHEMA_VERSION);
    assert_true(old < del);
    /* the new columns, with their checks */
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM pragma_table_info("
                                  "'cases') WHERE name IN ('guardian_name', "
                                  "'guardian_relation', 'guardian_phone', "
                                  "'hukou_type')"),
                     4);
    assert_int_not_equal(sdb_exec5(f->db,
                                   "UPDATE cases SET guardian_phone = "
                                   "'abc' WHERE rid = 1",
                                   NULL, NULL, NULL),
                         SDB_OK);
    assert_int_not_equal(sdb_exec5(f->db,
                                   "UPDATE cases SET hukou_type = 'x' "
                                   "WHERE rid = 1",
                                   NULL, NULL, NULL),
                         SDB_OK);
    /* `deleted` renumbered everywhere, nothing left at its old number */
    assert_int_equal(q_int(f->db,
                           "SELECT count(*) FROM field_versions WHERE tbl = "
                           "0 AND col = %d",
                           old),
                     0);
    assert_int_equal(q_int(f->db,
                           "SELECT count(*) FROM field_versions WHERE tbl = "
                           "0 AND col = %d",
                           del),
                     1);
    assert_int_equal(
        q_int(f->db, "SELECT count(*) FROM outbox WHERE tbl = 0 AND col = %d",
              del),
        1);
    assert_int_equal(
        q_int(f->db, "SELECT count(*) FROM outbox WHERE tbl = 0 AND col = %d",
              old),
        0);
    assert_int_equal(
        q_int(f->db, "SELECT col FROM pending WHERE value = 'fixture'"), del);
    assert_int_equal(q_int(f->db, "SELECT ver_cols FROM cases WHERE rid = 1"),
                     2993 | (1LL << del));
    /* visits' tombstone kept its number */
    assert_int_equal(
        q_int(f->db,
              "SELECT count(*) FROM field_versions WHERE tbl = 1 AND col = %d",
              sw_col_deleted(&sw_tables[SW_T_VISITS])),
        1);
    /* the unsent edits are all still there */
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM outbox"), 2);
    /* the backfill the next sync asks for */
    v = q_text(f->db, "SELECT value FROM config WHERE key = 'backfill_since'");
    assert_string_equal(v, "2");
    free(v);
    v = q_text(f->db, "SELECT value FROM config WHERE key = 'backfill_upto'");
    assert_int_equal(strtoll(v, NULL, 10), cursor);
    free(v);
    /* the capture triggers know the new columns and the new number */
    must_exec(f->db, "UPDATE cases SET guardian_name = '张母', hukou_type = "
                     "'agricultural' WHERE rid = 1");
    assert_int_equal(q_int(f->db,
                           "SELECT count(*) FROM outbox WHERE tbl = 0 AND "
                           "rid = 1 AND col = %d",
                           gn),
                     1);
    must_exec(f->db, "DELETE FROM cases WHERE rid = 1");
    assert_int_equal(q_int(f->db,
                           "SELECT count(*) FROM outbox WHERE tbl = 0 AND "
                           "rid = 1 AND col = %d",
                           del),
                     1);
}

/* A 0.1.0 file: a pending tombstone and a row version holding `deleted`
** (the fixture has an unsent delete, and an edit, in its outbox) */
static int64_t prepare_station(struct fx *f)
{
    sdb *db = raw_open(f->path);
    int64_t cursor;
    must_exec(db, "UPDATE cases SET ver_cols = ver_cols | (1 << 14) WHERE "
                  "rid = 1");
    must_exec(db, "INSERT INTO pending (tbl, rid, col, value, hlc, site) "
                  "VALUES (0, 2, 14, 'fixture', 1, 'A-x')");
    cursor = q_int(db, "SELECT value FROM config WHERE key = 'cursor'");
    assert_true(cursor > 0);
    sdb_close(db);
    return cursor;
}

static void test_migrate_station_from_v2(void **state)
{
    struct fx *f = *state;
    int64_t cursor;
    load_fixture(f->path, "station-v2");
    cursor = prepare_station(f);
    check_station_v3(f, cursor);
}

static void test_migrate_station_from_v1(void **state)
{
    struct fx *f = *state;
    int64_t cursor;
    load_fixture(f->path, "station-v2");
    cursor = prepare_station(f);
    make_v1(f->path);
    check_station_v3(f, cursor);
}

static void migrate_county(struct fx *f, int v1)
{
    const struct sw_table *ct = &sw_tables[SW_T_CASES];
    struct sw_err e;
    sdb *raw;
    int64_t n;

    load_fixture(f->path, "county-v2");
    raw = raw_open(f->path);
    if (v1) { /* undo schema 2's step (sync/db.c) */
        must_exec(raw, "ALTER TABLE field_versions DROP COLUMN author");
        must_exec(raw, "ALTER TABLE conflicts DROP COLUMN winner_author");
        must_exec(raw, "ALTER TABLE conflicts DROP COLUMN loser_author");
        must_exec(raw, "DROP TABLE tombstones");
        must_exec(raw, "PRAGMA user_version = 1");
    }
    n = q_int(raw, "SELECT count(*) FROM field_versions WHERE tbl = 0 AND "
                   "col = 14");
    assert_true(n > 0);
    sdb_close(raw);
    sw_err_clear(&e);
    assert_int_equal(db_open(f->path, SW_ROLE_COUNTY, &f->db, &e), 0);
    assert_int_equal(q_int(f->db, "PRAGMA user_version"), DB_SCHEMA_VERSION);
    assert_int_equal(q_int(f->db,
                           "SELECT count(*) FROM field_versions WHERE tbl = "
                           "0 AND col = %d",
                           sw_col_deleted(ct)),
                     n);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM field_versions WHERE "
                                  "tbl = 0 AND col = 14"),
                     0);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM pragma_table_info("
                                  "'cases') WHERE name LIKE 'guardian%%' OR "
                                  "name = 'hukou_type'"),
                     4);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM config WHERE key "
                                  "LIKE 'backfill%%'"),
                     0);
    must_exec(f->db, "UPDATE cases SET guardian_phone = '13700001111'");
    assert_int_not_equal(sdb_exec5(f->db,
                                   "UPDATE cases SET guardian_phone = 'x'",
                                   NULL, NULL, NULL),
                         SDB_OK);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM pragma_table_info("
                                  "'field_versions') WHERE name = 'author'"),
                     1);
}

static void test_migrate_county_from_v2(void **state)
{
    migrate_county(*state, 0);
}

static void test_migrate_county_from_v1(void **state)
{
    migrate_county(*state, 1);
}

/* Schema 2 -> 3 (issue 15): the tables referrals and resources are made
 ** from the table description, with their triggers and the versions view;
 ** what other replicas wrote in them comes with the backfill (a replica
 ** that had pulled notes it). */
static void test_migrate_to_3(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = NULL, *county = NULL;
    char cpath[600];

    load_fixture(f->path, "station-v2");
    db = raw_open(f->path);
    must_exec(db, "INSERT OR REPLACE INTO config (key, value) "
                  "VALUES ('cursor', '42')");
    sdb_close(db);
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &f->db, &e), 0);
    db = f->db;
    assert_int_equal(q_int(db, "PRAGMA user_version"), 3);
    assert_true(table_exists(db, "referrals"));
    assert_true(table_exists(db, "resources"));
    assert_int_equal(q_int(db, "SELECT count(*) FROM config "
                               "WHERE key = 'backfill_upto' AND value = '42'"),
                     1);
    /* captured, refused: as in a new file */
    must_exec(db, "INSERT INTO cases (id, name, category) VALUES "
                  "('01a20205-4404-795b-894e-13e0de0924cd', 'x', 'other')");
    must_exec(db, "DELETE FROM outbox");
    must_exec(db, "INSERT INTO referrals (case_id, need) VALUES "
                  "('01a20205-4404-795b-894e-13e0de0924cd', 'health')");
    assert_int_equal(outbox_count(db), 4); /* case, need, on, status */
    must_exec(db, "INSERT INTO resources (name, type) VALUES ('r', 'ngo')");
    assert_int_equal(q_int(db, "SELECT count(*) FROM resources"), 0);
    assert_int_equal(outbox_count(db), 4);
    assert_int_equal(q_int(db, "SELECT count(*) FROM versions WHERE tbl = 3"),
                     0);

    in_dir(f, "county.db", cpath, sizeof(cpath));
    load_fixture(cpath, "county-v2");
    assert_int_equal(db_open(cpath, SW_ROLE_COUNTY, &county, &e), 0);
    assert_true(table_exists(county, "referrals"));
    assert_true(table_exists(county, "resources"));
    assert_int_equal(q_int(county, "SELECT count(*) FROM sqlite_master WHERE "
                                   "name = 'resources_station'"),
                     1);
    db_close(county);
}

/* ---- capture, from plain SQL --------------------------------------- */

static void test_capture_insert(void **state)
{
    struct fx *f = *state;
    sdb *db = new_station(f);
    int64_t t0 = sw_now_ms(), t1, rid;
    char want[128];
    char *id;

    rid = add_case(db, NULL);
    t1 = sw_now_ms();
    /* one entry a non-null field: name, category, risk_level, status,
       opened_on; deleted = 0 is not a change */
    assert_int_equal(outbox_count(db), 5);
    snprintf(want, sizeof(want), "%d,%d,%d,%d,%d", COL(SW_T_CASES, "name"),
             COL(SW_T_CASES, "category"), COL(SW_T_CASES, "risk_level"),
             COL(SW_T_CASES, "status"), COL(SW_T_CASES, "opened_on"));
    assert_text(db, want,
                "SELECT group_concat(col) FROM (SELECT col FROM outbox "
                "ORDER BY col)");
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE tbl = %d AND "
                           "rid = %lld AND base_hlc IS NULL AND base_site "
                           "IS NULL AND gen = 1 AND edited_at BETWEEN %lld "
                           "AND %lld",
                           SW_T_CASES, (long long)rid, (long long)t0 - 1,
                           (long long)t1 + 1),
                     5);
    /* the row got an id (UUIDv7) and the replica's station */
    id = q_text(db, "SELECT id FROM cases WHERE rid = %lld", (long long)rid);
    assert_non_null(id);
    assert_true(sw_uuid_valid(id));
    assert_int_equal(id[14], '7');
    assert_non_null(strchr("89ab", id[19]));
    free(id);
    assert_text(db, "A01", "SELECT station FROM cases WHERE rid = %lld",
                (long long)rid);
    assert_int_equal(
        q_int(db, "SELECT deleted FROM cases WHERE rid = %lld", (long long)rid),
        0);

    /* a visit: its own table number */
    must_exec(db,
              "INSERT INTO visits (case_id, visited_at, mode) VALUES "
              "((SELECT id FROM cases WHERE rid = %lld), '2026-03-01T09:30', "
              "'home')",
              (long long)rid);
    rid = sdb_last_insert_rowid(db);
    /* case_id, visited_at, mode, and follow_up: 0 filled as `add` does */
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE tbl = %d AND "
                           "rid = %lld",
                           SW_T_VISITS, (long long)rid),
                     4);
    assert_int_equal(q_int(db, "SELECT follow_up FROM visits WHERE rid = %lld",
                           (long long)rid),
                     0);
}

static void test_capture_update(void **state)
{
    struct fx *f = *state;
    sdb *db = new_station(f);
    int phone = COL(SW_T_CASES, "phone");
    int64_t rid = add_case(db, NULL), at1, at2;
    char *s;

    must_exec(db, "DELETE FROM outbox"); /* as if sent */
    /* the field's version before the first unsent edit */
    must_exec(db,
              "INSERT INTO field_versions (tbl, rid, col, hlc, site) VALUES "
              "(%d, %lld, %d, 12345, 'B02-abcdef')",
              SW_T_CASES, (long long)rid, phone);

    must_exec(db, "UPDATE cases SET phone = '13800138000' WHERE rid = %lld",
              (long long)rid);
    assert_int_equal(outbox_count(db), 1);
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE tbl = %d AND "
                           "rid = %lld AND col = %d AND gen = 1",
                           SW_T_CASES, (long long)rid, phone),
                     1);
    assert_int_equal(q_int(db, "SELECT base_hlc FROM outbox"), 12345);
    assert_text(db, "B02-abcdef", "SELECT base_site FROM outbox");
    at1 = q_int(db, "SELECT edited_at FROM outbox");

    /* the field's version moves on; a second edit keeps the first base */
    must_exec(db,
              "UPDATE field_versions SET hlc = 99999, site = 'C03-zzzzzz' "
              "WHERE tbl = %d AND rid = %lld AND col = %d",
              SW_T_CASES, (long long)rid, phone);
    must_exec(db, "UPDATE cases SET phone = '13900139000' WHERE rid = %lld",
              (long long)rid);
    assert_int_equal(outbox_count(db), 1);
    assert_int_equal(q_int(db, "SELECT gen FROM outbox"), 2);
    assert_int_equal(q_int(db, "SELECT base_hlc FROM outbox"), 12345);
    assert_text(db, "B02-abcdef", "SELECT base_site FROM outbox");
    at2 = q_int(db, "SELECT edited_at FROM outbox");
    assert_true(at2 >= at1);

    /* the same value again is no edit */
    must_exec(db, "UPDATE cases SET phone = '13900139000' WHERE rid = %lld",
              (long long)rid);
    must_exec(db, "UPDATE cases SET phone = phone, name = name");
    assert_int_equal(outbox_count(db), 1);
    assert_int_equal(q_int(db, "SELECT gen FROM outbox"), 2);

    /* another field, never versioned: no base; clearing is an edit too */
    must_exec(db,
              "UPDATE cases SET village = 'East', category = 'low_income', "
              "notes = NULL WHERE rid = %lld",
              (long long)rid);
    assert_int_equal(outbox_count(db), 3); /* notes was NULL already */
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE col IN (%d, %d) "
                           "AND base_hlc IS NULL AND base_site IS NULL AND "
                           "gen = 1",
                           COL(SW_T_CASES, "village"),
                           COL(SW_T_CASES, "category")),
                     2);
    must_exec(db, "UPDATE cases SET village = NULL WHERE rid = %lld",
              (long long)rid);
    assert_int_equal(outbox_count(db), 3);
    assert_int_equal(q_int(db, "SELECT gen FROM outbox WHERE col = %d",
                           COL(SW_T_CASES, "village")),
                     2);
    s = q_text(db, "SELECT village FROM cases WHERE rid = %lld",
               (long long)rid);
    assert_null(s);
}

/* A field whose version is its record's: that is the base of its first
** unsent edit; a field's own version comes first. */
static void test_capture_update_row_version(void **state)
{
    struct fx *f = *state;
    sdb *db = new_station(f);
    int64_t rid = add_case(db, NULL), other = add_case(db, NULL);
    int64_t all = ((int64_t)1 << sw_tables[SW_T_VISITS].ncols) - 1;
    char *s;

    /* a visit with the same rid, and another case: versions of their own */
    must_exec(db,
              "INSERT INTO visits (rid, case_id, visited_at, mode) VALUES "
              "(%lld, (SELECT id FROM cases WHERE rid = %lld), '2026-03-01', "
              "'home')",
              (long long)rid, (long long)rid);
    must_exec(db, "DELETE FROM outbox"); /* as if sent */
    set_row_version(db, SW_T_CASES, rid, 5000, "C01",
                    BIT(SW_T_CASES, "phone") | BIT(SW_T_CASES, "name") |
                        BIT(SW_T_CASES, "village"));
    set_row_version(db, SW_T_CASES, other, 8000, "C08",
                    ((int64_t)1 << sw_tables[SW_T_CASES].ncols) - 1);
    set_row_version(db, SW_T_VISITS, rid, 9000, "C09", all);
    must_exec(db,
              "INSERT INTO field_versions (tbl, rid, col, hlc, site) VALUES "
              "(%d, %lld, %d, 7000, 'A01-abcdef')",
              SW_T_CASES, (long long)rid, COL(SW_T_CASES, "village"));
    assert_int_equal(outbox_count(db), 0);

    must_exec(db,
              "UPDATE cases SET phone = '110', name = 'Wang', village = "
              "'West', worker = 'w' WHERE rid = %lld",
              (long long)rid);
    assert_int_equal(outbox_count(db), 4);
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE tbl = %d AND "
                           "rid = %lld AND col IN (%d, %d) AND base_hlc = "
                           "5000 AND base_site = 'C01' AND gen = 1",
                           SW_T_CASES, (long long)rid, COL(SW_T_CASES, "phone"),
                           COL(SW_T_CASES, "name")),
                     2);
    assert_int_equal(q_int(db, "SELECT base_hlc FROM outbox WHERE col = %d",
                           COL(SW_T_CASES, "village")),
                     7000);
    assert_text(db, "A01-abcdef", "SELECT base_site FROM outbox WHERE col = %d",
                COL(SW_T_CASES, "village"));
    /* worker's bit is not set: no version, no base */
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE col = %d AND "
                           "base_hlc IS NULL AND base_site IS NULL",
                           COL(SW_T_CASES, "worker")),
                     1);

    /* a second edit keeps the first one's base */
    must_exec(db, "UPDATE cases SET phone = '120' WHERE rid = %lld",
              (long long)rid);
    assert_int_equal(outbox_count(db), 4);
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE col = %d AND "
                           "gen = 2 AND base_hlc = 5000 AND base_site = "
                           "'C01'",
                           COL(SW_T_CASES, "phone")),
                     1);

    /* the other case and the visit: their own record's version */
    must_exec(db, "UPDATE cases SET notes = 'n' WHERE rid = %lld",
              (long long)other);
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE rid = %lld AND "
                           "base_hlc = 8000 AND base_site = 'C08'",
                           (long long)other),
                     1);
    must_exec(db, "UPDATE visits SET mode = 'phone' WHERE rid = %lld",
              (long long)rid);
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE tbl = %d AND "
                           "base_hlc = 9000 AND base_site = 'C09'",
                           SW_T_VISITS),
                     1);
    assert_int_equal(outbox_count(db), 6);
    s = q_text(db,
               "SELECT group_concat(base_site) FROM outbox WHERE tbl = %d "
               "AND rid = %lld AND base_site IN ('C08', 'C09')",
               SW_T_CASES, (long long)rid);
    assert_null(s);
}

/* The view versions: a row a field, its own version first, else its
** record's; the county's is its field_versions. */
static void test_versions_view(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = new_station(f), *county = NULL;
    int64_t r1 = add_case(db, NULL), r2 = add_case(db, NULL);
    int del = sw_col_deleted(&sw_tables[SW_T_CASES]);
    char want[128], cpath[600];

    assert_text(db, "view",
                "SELECT type FROM sqlite_master WHERE name = "
                "'versions'");
    assert_int_equal(q_int(db, "SELECT count(*) FROM versions"), 0);
    set_row_version(db, SW_T_CASES, r1, 5000, "C01",
                    BIT(SW_T_CASES, "name") | BIT(SW_T_CASES, "village") |
                        ((int64_t)1 << del));
    set_row_version(db, SW_T_CASES, r2, 4000, "C02", BIT(SW_T_CASES, "gender"));
    must_exec(db,
              "INSERT INTO field_versions (tbl, rid, col, hlc, site) VALUES "
              "(%d, %lld, %d, 7000, 'A01-x'), (%d, %lld, %d, 6000, 'A01-y')",
              SW_T_CASES, (long long)r1, COL(SW_T_CASES, "village"), SW_T_CASES,
              (long long)r1, COL(SW_T_CASES, "id_number"));
    snprintf(want, sizeof(want),
             "%d:5000:C01,%d:6000:A01-y,%d:7000:A01-x,"
             "%d:5000:C01",
             COL(SW_T_CASES, "name"), COL(SW_T_CASES, "id_number"),
             COL(SW_T_CASES, "village"), del);
    assert_text(db, want,
                "SELECT group_concat(col || ':' || hlc || ':' || site) FROM "
                "(SELECT * FROM versions WHERE tbl = %d AND rid = %lld "
                "ORDER BY col)",
                SW_T_CASES, (long long)r1);
    snprintf(want, sizeof(want), "%d:4000:C02", COL(SW_T_CASES, "gender"));
    assert_text(db, want,
                "SELECT group_concat(col || ':' || hlc || ':' || site) FROM "
                "(SELECT * FROM versions WHERE tbl = %d AND rid = %lld "
                "ORDER BY col)",
                SW_T_CASES, (long long)r2);
    assert_int_equal(q_int(db, "SELECT count(*) FROM versions"), 5);

    /* the county keeps a version a field, and no other */
    in_dir(f, "county.db", cpath, sizeof(cpath));
    assert_int_equal(db_create(cpath, SW_ROLE_COUNTY, &county, &e), 0);
    assert_int_equal(q_int(county, "SELECT count(*) FROM "
                                   "pragma_table_info('cases') WHERE name "
                                   "GLOB 'ver_*'"),
                     0);
    assert_text(county, "view",
                "SELECT type FROM sqlite_master WHERE name = "
                "'versions'");
    must_exec(county, "INSERT INTO stations (code, created_at) VALUES "
                      "('A01', 0)");
    must_exec(county, "INSERT INTO field_versions (tbl, rid, col, hlc, site, "
                      "seq, station, src) VALUES (0, 1, 2, 3000, 'A01-x', 1, "
                      "'A01', 'A01-x')");
    assert_text(county, "0:1:2:3000:A01-x",
                "SELECT group_concat(tbl || ':' || rid || ':' || col || ':' "
                "|| hlc || ':' || site) FROM versions");
    db_close(county);
}

static void test_capture_off(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = new_station(f);
    int64_t rid;

    assert_int_equal(db_set_capture(db, 0, &e), 0);
    assert_int_equal(q_int(db, "SELECT capture FROM sync_state"), 0);
    rid = add_case(db, NULL);
    must_exec(db,
              "UPDATE cases SET phone = '110', status = 'closed' "
              "WHERE rid = %lld",
              (long long)rid);
    must_exec(db,
              "INSERT INTO visits (case_id, visited_at, mode) VALUES "
              "((SELECT id FROM cases WHERE rid = %lld), '2026-03-01', "
              "'phone')",
              (long long)rid);
    assert_int_equal(outbox_count(db), 0);

    assert_int_equal(db_set_capture(db, 1, &e), 0);
    must_exec(db, "UPDATE cases SET phone = '120' WHERE rid = %lld",
              (long long)rid);
    assert_int_equal(outbox_count(db), 1);
}

static void test_delete_is_tombstone(void **state)
{
    struct fx *f = *state;
    sdb *db = new_station(f);
    int64_t rid = add_case(db, NULL), vrid;
    int del = sw_col_deleted(&sw_tables[SW_T_CASES]);

    must_exec(db, "DELETE FROM outbox");
    must_exec(db, "DELETE FROM cases WHERE rid = %lld", (long long)rid);
    /* the row stays, marked, with its fields */
    assert_int_equal(
        q_int(db, "SELECT deleted FROM cases WHERE rid = %lld", (long long)rid),
        1);
    assert_text(db, "other", "SELECT category FROM cases WHERE rid = %lld",
                (long long)rid);
    /* and only the tombstone field is a change */
    assert_int_equal(outbox_count(db), 1);
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE tbl = %d AND "
                           "rid = %lld AND col = %d AND gen = 1",
                           SW_T_CASES, (long long)rid, del),
                     1);
    /* deleting again changes nothing */
    must_exec(db, "DELETE FROM cases");
    assert_int_equal(q_int(db, "SELECT count(*) FROM cases"), 1);
    assert_int_equal(outbox_count(db), 1);
    assert_int_equal(q_int(db, "SELECT gen FROM outbox"), 1);

    /* visits too */
    must_exec(db,
              "INSERT INTO visits (case_id, visited_at, mode) VALUES "
              "((SELECT id FROM cases WHERE rid = %lld), '2026-03-01', "
              "'office')",
              (long long)rid);
    vrid = sdb_last_insert_rowid(db);
    must_exec(db, "DELETE FROM outbox");
    must_exec(db, "DELETE FROM visits WHERE rid = %lld", (long long)vrid);
    assert_int_equal(q_int(db, "SELECT deleted FROM visits WHERE rid = %lld",
                           (long long)vrid),
                     1);
    assert_int_equal(q_int(db,
                           "SELECT count(*) FROM outbox WHERE tbl = %d AND "
                           "col = %d",
                           SW_T_VISITS,
                           sw_col_deleted(&sw_tables[SW_T_VISITS])),
                     1);
    assert_int_equal(outbox_count(db), 1);
}

static void test_identity_is_fixed(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = new_station(f);
    int64_t rid = add_case(db, NULL), other = add_case(db, "B02"), vrid, srid;
    char *id =
        q_text(db, "SELECT id FROM cases WHERE rid = %lld", (long long)rid);
    char *other_id =
        q_text(db, "SELECT id FROM cases WHERE rid = %lld", (long long)other);

    must_exec(db,
              "INSERT INTO visits (case_id, visited_at, mode) VALUES (%Q, "
              "'2026-03-01', 'home')",
              id);
    vrid = sdb_last_insert_rowid(db);
    must_exec(db,
              "INSERT INTO services (case_id, service_on, service_type) "
              "VALUES (%Q, '2026-03-02', 'food')",
              id);
    srid = sdb_last_insert_rowid(db);
    must_exec(db, "DELETE FROM outbox");

    assert_int_equal(exec_rc(db,
                             "UPDATE cases SET id = "
                             "'0190a4c2-7b3e-7c1d-8e2f-123456789abc' WHERE "
                             "rid = %lld",
                             (long long)rid),
                     SQLITE_CONSTRAINT);
    assert_non_null(strstr(sdb_errmsg(db), "cannot change"));
    assert_int_equal(db_fail(&e, db, "update case"), SW_EDATA);
    assert_int_equal(strncmp(e.msg, "update case: ", 13), 0);
    assert_int_equal(exec_rc(db,
                             "UPDATE cases SET station = 'B02' WHERE rid = "
                             "%lld",
                             (long long)rid),
                     SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db,
                             "UPDATE cases SET station = NULL WHERE rid = "
                             "%lld",
                             (long long)rid),
                     SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db,
                             "UPDATE cases SET rid = 1000, phone = '110' "
                             "WHERE rid = %lld",
                             (long long)rid),
                     SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db,
                             "UPDATE visits SET case_id = %Q WHERE rid = "
                             "%lld",
                             other_id, (long long)vrid),
                     SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db,
                             "UPDATE services SET case_id = %Q WHERE rid = "
                             "%lld",
                             other_id, (long long)srid),
                     SQLITE_CONSTRAINT);
    /* nothing changed, nothing captured */
    assert_text(db, id, "SELECT id FROM cases WHERE rid = %lld",
                (long long)rid);
    assert_text(db, "A01", "SELECT station FROM cases WHERE rid = %lld",
                (long long)rid);
    assert_text(db, id, "SELECT case_id FROM visits WHERE rid = %lld",
                (long long)vrid);
    assert_text(db, id, "SELECT case_id FROM services WHERE rid = %lld",
                (long long)srid);
    assert_null(
        q_text(db, "SELECT phone FROM cases WHERE rid = %lld", (long long)rid));
    assert_int_equal(outbox_count(db), 0);
    /* an ordinary field of the same rows still changes */
    must_exec(db, "UPDATE visits SET findings = 'ok' WHERE rid = %lld",
              (long long)vrid);
    assert_int_equal(outbox_count(db), 1);
    free(id);
    free(other_id);
}

static void test_station_fill(void **state)
{
    struct fx *f = *state;
    sdb *db = new_station(f);
    int64_t mine = add_case(db, NULL), theirs = add_case(db, "B02");

    /* a case without a station gets the replica's; one with keeps it */
    assert_text(db, "A01", "SELECT station FROM cases WHERE rid = %lld",
                (long long)mine);
    assert_text(db, "B02", "SELECT station FROM cases WHERE rid = %lld",
                (long long)theirs);

    /* a visit or service without one gets its case's */
    must_exec(db,
              "INSERT INTO visits (case_id, visited_at, mode) VALUES "
              "((SELECT id FROM cases WHERE rid = %lld), '2026-03-01', "
              "'home')",
              (long long)theirs);
    assert_text(db, "B02", "SELECT station FROM visits WHERE rid = %lld",
                (long long)sdb_last_insert_rowid(db));
    must_exec(db,
              "INSERT INTO services (case_id, service_on, service_type) "
              "VALUES ((SELECT id FROM cases WHERE rid = %lld), "
              "'2026-03-02', 'food')",
              (long long)theirs);
    assert_text(db, "B02", "SELECT station FROM services WHERE rid = %lld",
                (long long)sdb_last_insert_rowid(db));
    must_exec(db,
              "INSERT INTO visits (case_id, visited_at, mode) VALUES "
              "((SELECT id FROM cases WHERE rid = %lld), '2026-03-01', "
              "'home')",
              (long long)mine);
    assert_text(db, "A01", "SELECT station FROM visits WHERE rid = %lld",
                (long long)sdb_last_insert_rowid(db));
    /* station is identity, not a field: filling it is not a change (the
       4 of each visit: case_id, visited_at, mode and follow_up's default)
     */
    assert_int_equal(
        q_int(db, "SELECT count(*) FROM outbox WHERE tbl = %d", SW_T_VISITS),
        8);
}

/* The CHECK constraints hold against plain SQL too. */
static void test_checks_hold(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = new_station(f);
    int64_t rid = add_case(db, NULL);
    int64_t n = outbox_count(db);

    assert_int_equal(exec_rc(db, "INSERT INTO cases (name, category, "
                                 "birth_date) VALUES ('x', 'other', "
                                 "'2026-13-01')"),
                     SQLITE_CONSTRAINT);
    assert_int_equal(db_fail(&e, db, "insert case"), SW_EDATA);
    assert_int_equal(exec_rc(db,
                             "UPDATE cases SET id_number = "
                             "'110105194912310021' WHERE rid = %lld",
                             (long long)rid),
                     SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db,
                             "UPDATE cases SET gender = 'unknown' WHERE rid "
                             "= %lld",
                             (long long)rid),
                     SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db, "INSERT INTO services (case_id, "
                                 "service_on, service_type, minutes) VALUES "
                                 "('0190a4c2-7b3e-7c1d-8e2f-123456789abc', "
                                 "'2026-01-01', 'x', -1)"),
                     SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db, "INSERT INTO cases (id, name, category) "
                                 "VALUES ('not-a-uuid', 'x', 'other')"),
                     SQLITE_CONSTRAINT);
    assert_int_equal(q_int(db, "SELECT count(*) FROM cases"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM services"), 0);
    assert_int_equal(outbox_count(db), n);
    /* good ones pass */
    must_exec(db,
              "UPDATE cases SET id_number = '11010519491231002X', "
              "birth_date = '2024-02-29' WHERE rid = %lld",
              (long long)rid);
    assert_int_equal(outbox_count(db), n + 2);
}

static void test_config_and_clock(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    sdb *db = new_station(f);
    char *v = (char *)1;
    int64_t hlc = -1;

    assert_int_equal(db_config_get(db, "station", &v, &e), 0);
    assert_non_null(v);
    assert_string_equal(v, "A01");
    free(v);
    assert_int_equal(db_config_get(db, "no-such-key", &v, &e), 0);
    assert_null(v);
    assert_int_equal(db_config_set(db, "server", "http://a", &e), 0);
    assert_int_equal(db_config_set(db, "server", "https://b", &e), 0);
    assert_int_equal(db_config_get(db, "server", &v, &e), 0);
    assert_string_equal(v, "https://b");
    free(v);
    assert_int_equal(q_int(db, "SELECT count(*) FROM config WHERE key = "
                               "'server'"),
                     1);
    assert_int_equal(db_get_hlc(db, &hlc, &e), 0);
    assert_int_equal(hlc, 0);
    assert_int_equal(db_set_hlc(db, INT64_C(1234567890123456789), &e), 0);
    assert_int_equal(db_get_hlc(db, &hlc, &e), 0);
    assert_true(hlc == INT64_C(1234567890123456789));
    db_close(NULL); /* does nothing */
}

/* [transfer] 2 -> 3: the conflicts table is rebuilt so that its kind may
** be 'edit_after_transfer'; its rows (ids too) are kept, on a replica and
** on a county store. */
static void test_migrate_v3_conflicts(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    char county[600];

    snprintf(county, sizeof(county), "%s/county.db", f->dir);
    for (int k = 0; k < 2; k++) {
        const char *path = k ? county : f->path;
        enum sw_role role = k ? SW_ROLE_COUNTY : SW_ROLE_STATION;
        sdb *db = NULL, *raw;

        /* a version 2 file (swsync 0.1.0's): the old CHECK, a conflict
           in it */
        load_fixture(path, k ? "county-v2" : "station-v2");
        raw = raw_open(path);
        assert_int_equal(
            sdb_exec5(
                raw,
                "INSERT INTO conflicts (id, tbl, row_id, station, col, "
                "kind, "
                "winner_value, winner_hlc, winner_site, loser_value, "
                "loser_hlc, loser_site, detected_at, loser_author) VALUES "
                "(7, "
                "'cases', 'x', 'A', 'name', 'edit_of_deleted', 'w', 2, "
                "'A-1', "
                "'l', 1, 'A-2', 5, '张三');",
                NULL, NULL, NULL),
            SDB_OK);
        assert_int_not_equal(
            sdb_exec5(raw,
                      "INSERT INTO conflicts (tbl, row_id, col, kind, "
                      "winner_hlc, winner_site, loser_hlc, loser_site, "
                      "detected_at) VALUES ('cases', 'y', 'name', "
                      "'edit_after_transfer', 2, 'a', 1, 'b', 1)",
                      NULL, NULL, NULL),
            SDB_OK);
        sdb_close(raw);

        assert_int_equal(db_open(path, role, &db, &e), 0);
        assert_int_equal(q_int(db, "PRAGMA user_version"), DB_SCHEMA_VERSION);
        assert_int_equal(
            q_int(db, "SELECT count(*) FROM conflicts WHERE id = 7 AND kind = "
                      "'edit_of_deleted' AND loser_author = '张三' AND "
                      "winner_value = 'w'"),
            1);
        assert_int_equal(
            sdb_exec5(db,
                      "INSERT INTO conflicts (tbl, row_id, col, kind, "
                      "winner_hlc, winner_site, loser_hlc, loser_site, "
                      "detected_at) VALUES ('cases', 'y', 'name', "
                      "'edit_after_transfer', 2, 'a', 1, 'b', 1)",
                      NULL, NULL, NULL),
            SDB_OK);
        assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE "
                                   "name = 'conflicts_open'"),
                         1);
        db_close(db);
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_mode_0600),
        T(test_create_refuses_existing),
        T(test_open_missing),
        T(test_open_not_sqlite),
        T(test_open_other_kind),
        T(test_pragmas),
        T(test_open_newer_refused),
        T(test_migrate_steps),
        T(test_migrate_triggers),
        T(test_migrate_to_3),
        T(test_migrate_station_from_v2),
        T(test_migrate_station_from_v1),
        T(test_migrate_county_from_v2),
        T(test_migrate_county_from_v1),
        T(test_capture_insert),
        T(test_capture_update),
        T(test_capture_update_row_version),
        T(test_versions_view),
        T(test_capture_off),
        T(test_delete_is_tombstone),
        T(test_identity_is_fixed),
        T(test_station_fill),
        T(test_checks_hold),
        T(test_config_and_clock),
        T(test_migrate_v3_conflicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
