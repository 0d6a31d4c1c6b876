/*
** sdb-sqlite.c — the SQLite backend of the storage seam (sdb.h), and
** what every backend shares (values, sdb_exec5).
**
** A thin layer: each call is SQLite's own, one indirect call away.
*/
#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "sdb.h"

struct lite {
    struct sdb base;
    sqlite3 *h;
};

struct lite_stmt {
    struct sdb_stmt base;
    sqlite3_stmt *st;
};

#define H(db) (((struct lite *)(db))->h)
#define S(st) (((struct lite_stmt *)(st))->st)

static const struct sdb_ops lite_ops;

static void lite_close(sdb *db)
{
    sqlite3_close_v2(H(db));
    free(db);
}

static int lite_prepare(sdb *db, const char *sql, int keep, sdb_stmt **out)
{
    struct lite_stmt *ls;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(
        H(db), sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);

    *out = NULL;
    if (rc != SQLITE_OK)
        return rc;
    if (!st) /* only a comment or white space: a statement that does nothing */
        rc = sqlite3_prepare_v2(H(db), "SELECT 1 WHERE 0", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    ls = calloc(1, sizeof(*ls));
    if (!ls) {
        sqlite3_finalize(st);
        return SQLITE_NOMEM;
    }
    ls->base.ops = &lite_ops;
    ls->base.db = db;
    ls->st = st;
    *out = &ls->base;
    return SDB_OK;
}

static int lite_exec(sdb *db, const char *sql)
{
    return sqlite3_exec(H(db), sql, NULL, NULL, NULL);
}

static int lite_errclass(sdb *db)
{
    switch (sqlite3_extended_errcode(H(db)) & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SW_ETEMP;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
        return SW_EDATA;
    case SQLITE_NOMEM:
        return SW_ESOFTWARE;
    case SQLITE_FULL:
        return SW_EFULL;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_CANTOPEN:
        return SW_ECONFIG;
    case SQLITE_ERROR:
        return SW_ESOFTWARE;
    default:
        return SW_EIO;
    }
}

static const char *lite_errmsg(sdb *db)
{
    return sqlite3_errmsg(H(db));
}
static int64_t lite_changes(sdb *db)
{
    return sqlite3_changes(H(db));
}
static int64_t lite_last_insert_rowid(sdb *db)
{
    return sqlite3_last_insert_rowid(H(db));
}

static int lite_in_txn(sdb *db)
{
    return !sqlite3_get_autocommit(H(db));
}

static int lite_begin(sdb *db, int write)
{
    return sqlite3_exec(H(db), write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL,
                        NULL);
}

static int lite_bind_int64(sdb_stmt *st, int i, int64_t v)
{
    return sqlite3_bind_int64(S(st), i, v);
}
static int lite_bind_double(sdb_stmt *st, int i, double v)
{
    return sqlite3_bind_double(S(st), i, v);
}
static int lite_bind_text(sdb_stmt *st, int i, const char *s, int n,
                          sdb_destructor d)
{
    return sqlite3_bind_text(S(st), i, s, n,
                             d == SDB_TRANSIENT ? SQLITE_TRANSIENT
                             : d == SDB_STATIC  ? SQLITE_STATIC
                                                : d);
}
static int lite_bind_blob(sdb_stmt *st, int i, const void *p, int n,
                          sdb_destructor d)
{
    return sqlite3_bind_blob(S(st), i, p, n,
                             d == SDB_TRANSIENT ? SQLITE_TRANSIENT
                             : d == SDB_STATIC  ? SQLITE_STATIC
                                                : d);
}
static int lite_bind_null(sdb_stmt *st, int i)
{
    return sqlite3_bind_null(S(st), i);
}
static int lite_step(sdb_stmt *st)
{
    return sqlite3_step(S(st));
}
static int lite_reset(sdb_stmt *st)
{
    return sqlite3_reset(S(st));
}
static int lite_clear_bindings(sdb_stmt *st)
{
    return sqlite3_clear_bindings(S(st));
}
static void lite_finalize(sdb_stmt *st)
{
    sqlite3_finalize(S(st));
    free(st);
}
static int lite_column_count(sdb_stmt *st)
{
    return sqlite3_column_count(S(st));
}
static int lite_column_type(sdb_stmt *st, int i)
{
    return sqlite3_column_type(S(st), i);
}
static int64_t lite_column_int64(sdb_stmt *st, int i)
{
    return sqlite3_column_int64(S(st), i);
}
static double lite_column_double(sdb_stmt *st, int i)
{
    return sqlite3_column_double(S(st), i);
}
static const unsigned char *lite_column_text(sdb_stmt *st, int i)
{
    return sqlite3_column_text(S(st), i);
}
static const void *lite_column_blob(sdb_stmt *st, int i)
{
    return sqlite3_column_blob(S(st), i);
}
static int lite_column_bytes(sdb_stmt *st, int i)
{
    return sqlite3_column_bytes(S(st), i);
}
static const char *lite_column_name(sdb_stmt *st, int i)
{
    return sqlite3_column_name(S(st), i);
}
static const char *lite_sql(sdb_stmt *st)
{
    return sqlite3_sql(S(st));
}

static const struct sdb_ops lite_ops = {
    .name = "sqlite",
    .kind = SDB_SQLITE,
    .close = lite_close,
    .prepare = lite_prepare,
    .exec = lite_exec,
    .errclass = lite_errclass,
    .errmsg = lite_errmsg,
    .changes = lite_changes,
    .in_txn = lite_in_txn,
    .last_insert_rowid = lite_last_insert_rowid,
    .begin = lite_begin,
    .bind_int64 = lite_bind_int64,
    .bind_double = lite_bind_double,
    .bind_text = lite_bind_text,
    .bind_blob = lite_bind_blob,
    .bind_null = lite_bind_null,
    .step = lite_step,
    .reset = lite_reset,
    .clear_bindings = lite_clear_bindings,
    .finalize = lite_finalize,
    .column_count = lite_column_count,
    .column_type = lite_column_type,
    .column_int64 = lite_column_int64,
    .column_double = lite_column_double,
    .column_text = lite_column_text,
    .column_blob = lite_column_blob,
    .column_bytes = lite_column_bytes,
    .column_name = lite_column_name,
    .sql = lite_sql,
};

sdb *sdb_sqlite_wrap(sqlite3 *h)
{
    struct lite *l;
    if (!h)
        return NULL;
    l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->base.ops = &lite_ops;
    l->h = h;
    return &l->base;
}

int sdb_sqlite_open_v2(const char *path, sdb **out, int flags, const char *vfs)
{
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(
        path, &h, flags ? flags : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
        vfs);
    *out = sdb_sqlite_wrap(h);
    if (!*out) {
        sqlite3_close_v2(h);
        return SQLITE_NOMEM;
    }
    return rc;
}

sqlite3 *sdb_sqlite(sdb *db)
{
    return db && db->ops == &lite_ops ? H(db) : NULL;
}

void sdb_close(sdb *db)
{
    if (db)
        db->ops->close(db);
}

int sdb_is_pg_target(const char *target)
{
    return target && (strncmp(target, "postgresql://", 13) == 0 ||
                      strncmp(target, "postgres://", 11) == 0);
}

/* ---- values: every backend's ------------------------------------------ */

const sdb_value *sdb_column_value(sdb_stmt *st, int i)
{
    sdb_value *v = &st->scratch;
    v->type = sdb_column_type(st, i);
    v->owned = 0;
    v->p = NULL;
    v->n = 0;
    switch (v->type) {
    case SDB_INTEGER:
        v->i = sdb_column_int64(st, i);
        break;
    case SDB_FLOAT:
        v->d = sdb_column_double(st, i);
        break;
    case SDB_TEXT:
        v->p = (const char *)sdb_column_text(st, i);
        v->n = sdb_column_bytes(st, i);
        break;
    case SDB_BLOB:
        v->p = sdb_column_blob(st, i);
        v->n = sdb_column_bytes(st, i);
        break;
    default:
        v->type = SDB_NULL;
        break;
    }
    return v;
}

int sdb_bind_value(sdb_stmt *st, int i, const sdb_value *v)
{
    switch (v->type) {
    case SDB_INTEGER:
        return sdb_bind_int64(st, i, v->i);
    case SDB_FLOAT:
        return sdb_bind_double(st, i, v->d);
    case SDB_TEXT:
        return sdb_bind_text(st, i, v->p, v->n, SDB_TRANSIENT);
    case SDB_BLOB:
        return sdb_bind_blob(st, i, v->p, v->n, SDB_TRANSIENT);
    default:
        return sdb_bind_null(st, i);
    }
}

sdb_value *sdb_value_dup(const sdb_value *v)
{
    sdb_value *c = malloc(sizeof(*c));
    if (!c)
        return NULL;
    *c = *v;
    c->owned = 0;
    if (v->type == SDB_TEXT || v->type == SDB_BLOB) {
        char *p = malloc((size_t)v->n + 1);
        if (!p) {
            free(c);
            return NULL;
        }
        if (v->n)
            memcpy(p, v->p, (size_t)v->n);
        p[v->n] = '\0';
        c->p = p;
        c->owned = 1;
    }
    return c;
}

void sdb_value_free(sdb_value *v)
{
    if (!v)
        return;
    if (v->owned)
        free((void *)v->p);
    free(v);
}

int sdb_exec5(sdb *db, const char *sql, void *cb, void *arg, char **emsg)
{
    int rc;
    (void)cb; /* always NULL */
    (void)arg;
    rc = db->ops->exec(db, sql);
    if (emsg)
        *emsg = rc == SDB_OK ? NULL : strdup(db->ops->errmsg(db));
    return rc;
}
