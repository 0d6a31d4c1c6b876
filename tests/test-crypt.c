/*
** test-crypt.c — the encrypting VFS (sync/crypt.c) under SQLite: no
** plaintext in the main file, the -wal or a rollback journal; WAL
** recovery through whole-frame reads; a changed byte or a wrong key is an
** error, never wrong data; temporary files round-trip; key files.
**
** Every test works in its own mkdtemp() directory, removed afterwards.
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
#include <fcntl.h>
#include <sqlite3.h>

#include "sdb.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypt.h"
#include "db.h"
#include "sw.h"

#define MARK "MARKER-张三-13911112222"

struct fx {
    char dir[256];
    char path[512];
    sdb *db;
};

static const unsigned char KEY1[CRYPT_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
static const unsigned char KEY2[CRYPT_KEY_LEN] = {9, 9, 9};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    struct sw_err err;
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "%s/swsync-test-crypt-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/station.db", f->dir);
    if (crypt_use_key(KEY1, &err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    DIR *d;
    struct dirent *e;
    char p[1024];

    db_close(f->db);
    db_forget(f->path);
    d = opendir(f->dir);
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(f->dir);
    crypt_forget_key();
    free(f);
    return 0;
}

/* Does the file at path contain s? (-1: no file) */
static int file_has(const char *path, const char *s)
{
    FILE *fp = fopen(path, "rb");
    size_t n = strlen(s), len = 0, cap = 0;
    char *buf = NULL, chunk[65536];
    size_t r;
    int found = 0;
    if (!fp)
        return -1;
    while ((r = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        char *nb = realloc(buf, len + r);
        assert_non_null(nb);
        buf = nb;
        memcpy(buf + len, chunk, r);
        len += r;
        cap = len;
    }
    fclose(fp);
    for (size_t i = 0; i + n <= cap; i++)
        if (memcmp(buf + i, s, n) == 0) {
            found = 1;
            break;
        }
    free(buf);
    return found;
}

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    char buf[65536];
    size_t r;
    assert_non_null(a);
    assert_non_null(b);
    while ((r = fread(buf, 1, sizeof(buf), a)) > 0)
        assert_int_equal(fwrite(buf, 1, r, b), r);
    fclose(a);
    assert_int_equal(fclose(b), 0);
}

static void exec_ok(sdb *db, const char *sql)
{
    char *msg = NULL;
    int rc = sdb_exec5(db, sql, NULL, NULL, &msg);
    if (rc != SDB_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

static int64_t one_int(sdb *db, const char *sql)
{
    sdb_stmt *st;
    int64_t v;
    assert_int_equal(sdb_prepare_v2(db, sql, -1, &st, NULL), SDB_OK);
    assert_int_equal(sdb_step(st), SDB_ROW);
    v = sdb_column_int64(st, 0);
    sdb_finalize(st);
    return v;
}

/* 500 rows holding MARK, in the config table of a new encrypted replica. */
static void fill(struct fx *f)
{
    struct sw_err err;
    char sql[256];
    assert_int_equal(db_create(f->path, SW_ROLE_STATION, &f->db, &err), 0);
    exec_ok(f->db, "PRAGMA wal_autocheckpoint = 0; BEGIN");
    for (int i = 0; i < 500; i++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO config (key, value) VALUES ('k%d', '" MARK "%d')",
                 i, i);
        exec_ok(f->db, sql);
    }
    exec_ok(f->db, "COMMIT");
}

static void test_header_and_reserve(void **state)
{
    struct fx *f = *state;
    unsigned char h[100];
    int fd;
    fill(f);
    assert_int_equal(crypt_file_is_encrypted(f->path), 1);
    fd = open(f->path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, h, sizeof(h)), 100);
    close(fd);
    assert_memory_equal(h, CRYPT_MAGIC, 16);
    assert_int_equal(h[20], CRYPT_RESERVE);
    assert_int_equal(one_int(f->db, "SELECT count(*) FROM config WHERE value "
                                    "LIKE 'MARKER%'"),
                     500);
}

static void test_no_plaintext_in_db_or_wal(void **state)
{
    struct fx *f = *state;
    char wal[600];
    fill(f);
    snprintf(wal, sizeof(wal), "%s-wal", f->path);
    /* the rows are in the -wal now (no checkpoint yet) */
    assert_int_equal(file_has(wal, "MARKER"), 0);
    assert_int_equal(file_has(f->path, "MARKER"), 0);
    exec_ok(f->db, "PRAGMA wal_checkpoint(PASSIVE)");
    assert_int_equal(file_has(f->path, "MARKER"), 0);
    assert_int_equal(file_has(f->path, "CREATE TABLE"), 0); /* schema too */
    /* the control: a plain database does show it */
    {
        sdb *p;
        char plain[600];
        snprintf(plain, sizeof(plain), "%s/plain.db", f->dir);
        assert_int_equal(sdb_sqlite_open(plain, &p), SDB_OK);
        exec_ok(p, "CREATE TABLE t (v); INSERT INTO t VALUES ('" MARK "')");
        sdb_close(p);
        assert_int_equal(file_has(plain, "MARKER"), 1);
    }
}

/* A crash: the file and its -wal without the -shm; opening recovers the
** WAL, reading whole frames through the VFS. */
static void test_wal_recovery(void **state)
{
    struct fx *f = *state;
    char wal[600], copy[600], copywal[600];
    sdb *db;
    struct sw_err err;
    fill(f);
    snprintf(wal, sizeof(wal), "%s-wal", f->path);
    snprintf(copy, sizeof(copy), "%s/crash.db", f->dir);
    snprintf(copywal, sizeof(copywal), "%s/crash.db-wal", f->dir);
    copy_file(f->path, copy);
    copy_file(wal, copywal);
    assert_int_equal(db_open(copy, SW_ROLE_STATION, &db, &err), 0);
    assert_int_equal(one_int(db, "SELECT count(*) FROM config WHERE value "
                                 "LIKE 'MARKER%'"),
                     500);
    db_close(db);
}

/* One changed byte in a page: an I/O error, not other data. */
static void test_tamper_is_an_error(void **state)
{
    struct fx *f = *state;
    sdb *db;
    sdb_stmt *st;
    struct sw_err err;
    struct stat sb;
    unsigned char c;
    int fd, rc;
    off_t at;
    fill(f);
    exec_ok(f->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    db_close(f->db);
    f->db = NULL;
    assert_int_equal(stat(f->path, &sb), 0);
    at = sb.st_size - 4096 + 200; /* the last page, a data page */
    fd = open(f->path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 0x40;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    close(fd);
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &db, &err), 0);
    assert_int_equal(sdb_prepare_v2(db,
                                    "SELECT count(*), max(value) FROM "
                                    "config",
                                    -1, &st, NULL),
                     SDB_OK);
    rc = sdb_step(st);
    assert_int_not_equal(rc, SDB_ROW);
    assert_int_equal(sqlite3_extended_errcode(sdb_sqlite(db)),
                     SQLITE_IOERR_DATA);
    sdb_finalize(st);
    db_close(db);
}

static void test_wrong_key(void **state)
{
    struct fx *f = *state;
    struct sw_err err;
    sdb *db = NULL;
    struct stat before, after;
    fill(f);
    exec_ok(f->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    db_close(f->db);
    f->db = NULL;
    assert_int_equal(stat(f->path, &before), 0);
    assert_int_equal(crypt_use_key(KEY2, &err), 0);
    db_forget(f->path);
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &db, &err), SW_EPERM);
    assert_null(db);
    assert_non_null(strstr(err.msg, "wrong key"));
    assert_int_equal(stat(f->path, &after), 0);
    assert_int_equal(before.st_mtime, after.st_mtime);
    assert_int_equal(before.st_size, after.st_size);
    /* no key at all */
    crypt_forget_key();
    db_forget(f->path);
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &db, &err), SW_ECONFIG);
    assert_non_null(strstr(err.msg, "is encrypted"));
    assert_int_equal(crypt_use_key(KEY1, &err), 0);
    db_forget(f->path);
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &db, &err), 0);
    db_close(db);
}

/* A rollback journal: its page images are encrypted, and rollback works. */
static void test_rollback_journal(void **state)
{
    struct fx *f = *state;
    char jr[600];
    fill(f);
    exec_ok(f->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    exec_ok(f->db, "PRAGMA journal_mode = DELETE; PRAGMA cache_size = 2");
    snprintf(jr, sizeof(jr), "%s-journal", f->path);
    exec_ok(f->db, "BEGIN; UPDATE config SET value = 'gone' WHERE key LIKE "
                   "'k%'");
    assert_int_equal(file_has(jr, "MARKER"), 0); /* exists, no plaintext */
    assert_int_equal(file_has(f->path, "gone"), 0);
    exec_ok(f->db, "ROLLBACK");
    assert_int_equal(one_int(f->db, "SELECT count(*) FROM config WHERE value "
                                    "LIKE 'MARKER%'"),
                     500);
    exec_ok(f->db, "UPDATE config SET value = 'x' WHERE key = 'k1'");
    assert_int_equal(one_int(f->db, "SELECT count(*) FROM config WHERE value "
                                    "LIKE 'MARKER%'"),
                     499);
}

/* Temporary files (CTR under a per-file key) read back what was written. */
static void test_temp_files(void **state)
{
    struct fx *f = *state;
    fill(f);
    exec_ok(f->db, "PRAGMA temp_store = FILE; PRAGMA cache_size = 5;"
                   "CREATE TEMP TABLE t AS SELECT value || hex(randomblob(300))"
                   " AS v, key FROM config, (SELECT 1 UNION SELECT 2 UNION "
                   "SELECT 3)");
    assert_int_equal(one_int(f->db, "SELECT count(*) FROM t WHERE v LIKE "
                                    "'MARKER%'"),
                     1500);
    assert_int_equal(
        one_int(f->db, "SELECT count(DISTINCT key) FROM (SELECT key FROM t "
                       "ORDER BY v)"),
        500);
}

static void test_key_files(void **state)
{
    struct fx *f = *state;
    unsigned char k1[CRYPT_KEY_LEN], k2[CRYPT_KEY_LEN];
    char kp[600];
    struct sw_err err;
    struct stat sb;
    FILE *fp;
    snprintf(kp, sizeof(kp), "%s/k.key", f->dir);
    assert_int_equal(crypt_key_create(kp, k1, &err), 0);
    assert_int_equal(stat(kp, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(crypt_key_read(kp, k2, &err), 0);
    assert_memory_equal(k1, k2, CRYPT_KEY_LEN);
    assert_int_equal(crypt_key_create(kp, k1, &err), SW_ECANTCREAT);
    chmod(kp, 0640);
    assert_int_equal(crypt_key_read(kp, k2, &err), SW_ECONFIG);
    assert_non_null(strstr(err.msg, "readable by others"));
    fp = fopen(kp, "w");
    assert_non_null(fp);
    fputs("not hex\n", fp);
    fclose(fp);
    chmod(kp, 0600);
    assert_int_equal(crypt_key_read(kp, k2, &err), SW_ECONFIG);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_header_and_reserve), T(test_no_plaintext_in_db_or_wal),
        T(test_wal_recovery),       T(test_tamper_is_an_error),
        T(test_wrong_key),          T(test_rollback_journal),
        T(test_temp_files),         T(test_key_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
