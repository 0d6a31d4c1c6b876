/*
** sdb.h — the storage seam: one small SQL interface with a backend per
** database engine (docs/storage.md).
**
** Everything the engine stores goes through sdb: the station's replica
** and the county's store on SQLite (sync/sdb-sqlite.c), the county's
** store on PostgreSQL (sync/sdb-pg.c).  The interface has the shape of
** SQLite's own C API — prepare, bind, step, column, reset, finalize —
** because that is the shape every statement of the engine was written
** in, and because it is the narrowest interface that lets one text of
** SQL (in the common dialect of both engines, docs/storage.md) serve
** every backend.  A backend provides struct sdb_ops; the inline
** functions below dispatch to it.
**
** Result codes are SQLite's values (SDB_OK 0, SDB_ROW 100, SDB_DONE
** 101); any other value from a call is an error whose text and class
** db_fail() (db.h) turns into a struct sw_err.  Column types are SQLite's
** fundamental types.  Parameters are ?NNN or ?; a text or blob bound
** with SDB_STATIC must stay valid until the statement is reset or
** finalized, SDB_TRANSIENT is copied.
*/
#ifndef SW_SDB_H
#define SW_SDB_H

#include <stddef.h>
#include <stdint.h>

#include "sw.h"

#define SDB_OK 0
#define SDB_ERROR 1
#define SDB_ROW 100
#define SDB_DONE 101

#define SDB_INTEGER 1
#define SDB_FLOAT 2
#define SDB_TEXT 3
#define SDB_BLOB 4
#define SDB_NULL 5

typedef void (*sdb_destructor)(void *);
#define SDB_STATIC ((sdb_destructor)0)
#define SDB_TRANSIENT ((sdb_destructor)-1)

enum sdb_kind { SDB_SQLITE, SDB_PG };

typedef struct sdb sdb;
typedef struct sdb_stmt sdb_stmt;

/* A value read from a column (sdb_column_value: valid until the next
** step, reset or column_value of that statement) or copied
** (sdb_value_dup: the caller's, sdb_value_free). */
typedef struct sdb_value {
    int type; /* SDB_INTEGER ... SDB_NULL */
    int64_t i;
    double d;
    const char *p; /* text (NUL-terminated) or blob bytes */
    int n;         /* bytes of p */
    int owned;     /* p is malloc'd with the value */
} sdb_value;

struct sdb_ops {
    const char *name;
    enum sdb_kind kind;
    void (*close)(sdb *db);
    /* keep: the statement lives long (a context's); the backend may
       prepare it on the server once */
    int (*prepare)(sdb *db, const char *sql, int keep, sdb_stmt **out);
    int (*exec)(sdb *db, const char *sql); /* one or more statements */
    /* the last error's SW_* class and text */
    int (*errclass)(sdb *db);
    const char *(*errmsg)(sdb *db);
    int64_t (*changes)(sdb *db);
    int (*in_txn)(sdb *db);
    /* the id the last INSERT gave an INTEGER PRIMARY KEY (an identity
       column on PostgreSQL) */
    int64_t (*last_insert_rowid)(sdb *db);
    /* BEGIN for writing (one writer at a time, county-wide), BEGIN for a
       consistent read, COMMIT, ROLLBACK */
    int (*begin)(sdb *db, int write);

    int (*bind_int64)(sdb_stmt *st, int i, int64_t v);
    int (*bind_double)(sdb_stmt *st, int i, double v);
    int (*bind_text)(sdb_stmt *st, int i, const char *s, int n,
                     sdb_destructor d);
    int (*bind_blob)(sdb_stmt *st, int i, const void *p, int n,
                     sdb_destructor d);
    int (*bind_null)(sdb_stmt *st, int i);
    int (*step)(sdb_stmt *st);
    int (*reset)(sdb_stmt *st);
    int (*clear_bindings)(sdb_stmt *st);
    void (*finalize)(sdb_stmt *st);
    int (*column_count)(sdb_stmt *st);
    int (*column_type)(sdb_stmt *st, int i);
    int64_t (*column_int64)(sdb_stmt *st, int i);
    double (*column_double)(sdb_stmt *st, int i);
    const unsigned char *(*column_text)(sdb_stmt *st, int i);
    const void *(*column_blob)(sdb_stmt *st, int i);
    int (*column_bytes)(sdb_stmt *st, int i);
    const char *(*column_name)(sdb_stmt *st, int i);
    const char *(*sql)(sdb_stmt *st);
};

/* The part of a connection and of a statement every backend shares: a
** backend's own structs begin with these. */
struct sdb {
    const struct sdb_ops *ops;
};
struct sdb_stmt {
    const struct sdb_ops *ops;
    sdb *db;
    sdb_value scratch; /* sdb_column_value's */
};

/* ---- connections ---------------------------------------------------- */

static inline enum sdb_kind sdb_kind(const sdb *db)
{
    return db->ops->kind;
}

/* Close db (NULL is fine); unfinalized statements are a leak. */
void sdb_close(sdb *db);

/* The SQLite handle under db, or NULL for another backend: for what only
** SQLite has (the encrypting VFS, backups, checkpoints, pragmas). */
struct sqlite3 *sdb_sqlite(sdb *db);

/* db's backend over an open SQLite handle; sdb_close closes both. */
sdb *sdb_sqlite_wrap(struct sqlite3 *h);

/* sqlite3_open_v2 into an sdb (flags 0: read, write, create); SQLite's
** result code (*out may be set on failure too: sdb_close it). */
int sdb_sqlite_open_v2(const char *path, sdb **out, int flags, const char *vfs);
static inline int sdb_sqlite_open(const char *path, sdb **out)
{
    return sdb_sqlite_open_v2(path, out, 0, NULL);
}

/*
** A PostgreSQL connection for conninfo (a postgresql:// URI or key=value
** text; the PG* variables fill what it leaves out).  SW_ETEMP when the
** server cannot be reached, SW_ECONFIG for a refused login.
*/
int sdb_pg_connect(const char *conninfo, sdb **out, struct sw_err *err);

/* conninfo (URI or key=value text) with any password in it replaced by
** "***", to show or log; malloc'd (NULL: out of memory). */
char *sdb_pg_redact(const char *conninfo);

/* Is target a PostgreSQL connection string rather than a file path? */
int sdb_is_pg_target(const char *target);

/* ---- statements, in SQLite's shape ---------------------------------- */

static inline int sdb_prepare_v2(sdb *db, const char *sql, int n, sdb_stmt **st,
                                 const char **tail)
{
    (void)n;
    if (tail)
        *tail = NULL;
    return db->ops->prepare(db, sql, 0, st);
}
static inline int sdb_bind_int64(sdb_stmt *st, int i, int64_t v)
{
    return st->ops->bind_int64(st, i, v);
}
static inline int sdb_bind_int(sdb_stmt *st, int i, int v)
{
    return st->ops->bind_int64(st, i, v);
}
static inline int sdb_bind_double(sdb_stmt *st, int i, double v)
{
    return st->ops->bind_double(st, i, v);
}
static inline int sdb_bind_text(sdb_stmt *st, int i, const char *s, int n,
                                sdb_destructor d)
{
    return st->ops->bind_text(st, i, s, n, d);
}
static inline int sdb_bind_blob(sdb_stmt *st, int i, const void *p, int n,
                                sdb_destructor d)
{
    return st->ops->bind_blob(st, i, p, n, d);
}
static inline int sdb_bind_null(sdb_stmt *st, int i)
{
    return st->ops->bind_null(st, i);
}
static inline int sdb_step(sdb_stmt *st)
{
    return st->ops->step(st);
}
static inline int sdb_reset(sdb_stmt *st)
{
    return st ? st->ops->reset(st) : SDB_OK;
}
static inline int sdb_clear_bindings(sdb_stmt *st)
{
    return st->ops->clear_bindings(st);
}
/* NULL is fine. */
static inline int sdb_finalize(sdb_stmt *st)
{
    if (st)
        st->ops->finalize(st);
    return SDB_OK;
}
static inline int sdb_column_count(sdb_stmt *st)
{
    return st->ops->column_count(st);
}
static inline int sdb_column_type(sdb_stmt *st, int i)
{
    return st->ops->column_type(st, i);
}
static inline int64_t sdb_column_int64(sdb_stmt *st, int i)
{
    return st->ops->column_int64(st, i);
}
static inline int sdb_column_int(sdb_stmt *st, int i)
{
    return (int)st->ops->column_int64(st, i);
}
static inline double sdb_column_double(sdb_stmt *st, int i)
{
    return st->ops->column_double(st, i);
}
static inline const unsigned char *sdb_column_text(sdb_stmt *st, int i)
{
    return st->ops->column_text(st, i);
}
static inline const void *sdb_column_blob(sdb_stmt *st, int i)
{
    return st->ops->column_blob(st, i);
}
static inline int sdb_column_bytes(sdb_stmt *st, int i)
{
    return st->ops->column_bytes(st, i);
}
static inline const char *sdb_column_name(sdb_stmt *st, int i)
{
    return st->ops->column_name(st, i);
}
static inline const char *sdb_sql(sdb_stmt *st)
{
    return st->ops->sql(st);
}
static inline sdb *sdb_db_handle(sdb_stmt *st)
{
    return st->db;
}

static inline const char *sdb_errmsg(sdb *db)
{
    return db->ops->errmsg(db);
}
static inline int64_t sdb_changes(sdb *db)
{
    return db->ops->changes(db);
}
static inline int64_t sdb_last_insert_rowid(sdb *db)
{
    return db->ops->last_insert_rowid(db);
}
/* 1 outside a transaction, as sqlite3_get_autocommit. */
static inline int sdb_get_autocommit(sdb *db)
{
    return !db->ops->in_txn(db);
}

/* ---- values ----------------------------------------------------------- */

/* Column i of st's current row as a value (see sdb_value). */
const sdb_value *sdb_column_value(sdb_stmt *st, int i);
int sdb_bind_value(sdb_stmt *st, int i, const sdb_value *v);
/* A copy the caller owns (NULL: out of memory). */
sdb_value *sdb_value_dup(const sdb_value *v);
void sdb_value_free(sdb_value *v); /* NULL is fine */
static inline int sdb_value_type(const sdb_value *v)
{
    return v->type;
}
static inline int64_t sdb_value_int64(const sdb_value *v)
{
    return v->type == SDB_INTEGER ? v->i
           : v->type == SDB_FLOAT ? (int64_t)v->d
                                  : 0;
}
static inline const unsigned char *sdb_value_text(const sdb_value *v)
{
    return (const unsigned char *)(v->type == SDB_TEXT ? v->p : NULL);
}

/* sqlite3_exec's shape for statements without a callback (cb must be
** NULL; *emsg, if emsg is not NULL, is a malloc'd copy of the error). */
int sdb_exec5(sdb *db, const char *sql, void *cb, void *arg, char **emsg);

/* Run SQL text of one or more statements (no input in it!): SDB_OK or
** an error for sdb_errmsg(); db_exec (db.h) is the usual way. */
static inline int sdb_exec_raw(sdb *db, const char *sql)
{
    return db->ops->exec(db, sql);
}

#endif
