/*
** db.h — opening, creating and migrating the replica (station) and the
** store (county): one SQLite file each, WAL, synchronous=FULL, mode 0600.
*/
#ifndef SW_DB_H
#define SW_DB_H

#include "sdb.h"

#include "sw.h"

enum sw_role { SW_ROLE_STATION, SW_ROLE_COUNTY };

/* How long a command waits for another program's lock on the file before
** it gives up with SW_ETEMP (exit 75). */
#define DB_BUSY_MS 10000
#define DB_BUSY_TEXT "10s" /* the same, for PostgreSQL's lock_timeout */

/* PRAGMA application_id of each kind of file ('SWST', 'SWCO'). */
#define DB_APPID_STATION 0x53575354
#define DB_APPID_COUNTY 0x5357434f

/* The schema version this binary writes (PRAGMA user_version). */
#define DB_SCHEMA_VERSION 3

/*
** A migration step: run in the same transaction as the others, it brings
** the schema from version - 1 to version.  triggers: recreate the
** station's capture triggers after the last step (a column was
** added).  tables: first create the replicated tables whose `since` is
** this version, with their indexes, from the table description
** (sync/table.c); on a station the `versions` view is made again to
** include them.  gen, if not NULL: SQL made from the table description
** for that role, run before sql (columns added to replicated tables:
** sync/table.c).
*/
struct db_migration {
    int version;
    const char *sql;
    int triggers;
    int tables;
    void (*gen)(struct sw_buf *sb, enum sw_role role);
};

/*
** The replicated columns added by schema version v (sw_col_since), as
** ALTER TABLE statements, and `deleted` moved to its new number in
** field_versions (and, at a station, outbox, pending and ver_cols); a
** station that had pulled anything also notes the column backfill its
** next sync asks for (config backfill_*, docs/protocol.md).
*/
void db_gen_added_columns(struct sw_buf *sb, enum sw_role role, int v);

/*
** Create a new file at path with the full schema, mode 0600, and open it.
** Refuses if path exists (SW_ECANTCREAT), and then changes nothing.  If
** creating the schema fails the file is removed.  *out is closed with
** db_close().
*/
int db_create(const char *path, enum sw_role role, sdb **out,
              struct sw_err *err);

/*
** Open an existing file of the given role, set the pragmas, and run any
** pending migration in one transaction.  A missing file: SW_ENOINPUT; a
** file of another kind: SW_ECONFIG; a schema newer than this binary:
** SW_ECONFIG, opened nothing.
*/
int db_open(const char *path, enum sw_role role, sdb **out, struct sw_err *err);

/* Bring db from its user_version to target with steps[] (for tests and
** db_open). */
int db_migrate(sdb *db, enum sw_role role, const struct db_migration *steps,
               int nsteps, int target, struct sw_err *err);

void db_close(sdb *db); /* NULL is fine */

/*
** A store that is not a file: the county's on PostgreSQL (pgstore.h).
** db_create() and db_open() hand a target that sdb_is_pg_target() calls
** a connection string to the registered backend (county role only);
** without one it is SW_ECONFIG.
*/
struct db_remote {
    int (*create)(const char *target, sdb **out, struct sw_err *err);
    int (*open)(const char *target, sdb **out, struct sw_err *err);
    /* target without its password (malloc'd; NULL: no memory) */
    char *(*redact)(const char *target);
};
void db_set_remote(const struct db_remote *r);

/* target as it may be shown: a connection string without its password
** (a file path as it is). */
void db_target_name(const char *target, char *buf, size_t n);

/*
** db_open() looks once a process at whether a path is encrypted (see
** pick_vfs in db.c); after replacing the file at path, forget it.
*/
void db_forget(const char *path);

/* Remove a database file and its -wal and -shm files (errors ignored). */
void db_remove(const char *path);

/*
** Turn the last SQLite error on db into err: BUSY/LOCKED -> SW_ETEMP,
** CONSTRAINT -> SW_EDATA, FULL/IOERR/CORRUPT/... -> SW_EIO, NOMEM ->
** SW_ESOFTWARE.  what names the operation ("insert case").
*/
int db_fail(struct sw_err *err, sdb *db, const char *what);

/* Run static SQL text (no input in it!).  Returns 0 or db_fail(). */
int db_exec(sdb *db, const char *sql, struct sw_err *err);

/*
** A write transaction: one writer at a time for the whole store (SQLite:
** BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock every
** writer takes first, docs/storage.md).  db_begin_read: a consistent
** snapshot for reading (SQLite: BEGIN; PostgreSQL: REPEATABLE READ).
** COMMIT rolls back on failure; ROLLBACK never fails and is a no-op
** outside a transaction.
*/
int db_begin(sdb *db, struct sw_err *err);
int db_begin_read(sdb *db, struct sw_err *err);
int db_commit(sdb *db, struct sw_err *err);
void db_rollback(sdb *db);

/*
** Prepare sql on db into *st.  Returns 0 or db_fail().  db_prepare_keep
** is for statements kept and reused for a long time (a context's).
*/
int db_prepare(sdb *db, const char *sql, sdb_stmt **st, struct sw_err *err);
int db_prepare_keep(sdb *db, const char *sql, sdb_stmt **st,
                    struct sw_err *err);

/*
** Prepare and keep "HEAD (?1, ..., ?per), (?per+1, ...), ... TAIL": an
** INSERT of k rows of per parameters each (head ends with VALUES).
*/
int db_prepare_rows(sdb *db, const char *head, int per, int k, const char *tail,
                    sdb_stmt **st, struct sw_err *err);

/* Run a statement that takes one integer (?1) and returns no row. */
int db_exec_int(sdb *db, const char *sql, int64_t v, struct sw_err *err);

/*
** *yes: whether sql gives a row, with ?1 = a and ?2 = b, or, when b is
** NULL, ?2 = n (n >= 0) or no ?2 (n < 0).  what names the look-up in an
** error.  Returns 0 or db_fail().
*/
int db_exists(sdb *db, const char *sql, const char *a, const char *b, int64_t n,
              const char *what, int *yes, struct sw_err *err);

/*
** config table.  db_config_get: *out is malloc'd, or NULL when the key is
** absent (and 0 returned).
*/
int db_config_get(sdb *db, const char *key, char **out, struct sw_err *err);
int db_config_set(sdb *db, const char *key, const char *value,
                  struct sw_err *err);

/* The current capture flag / hlc in sync_state. */
int db_set_capture(sdb *db, int on, struct sw_err *err);
int db_get_hlc(sdb *db, int64_t *out, struct sw_err *err);
int db_set_hlc(sdb *db, int64_t hlc, struct sw_err *err);

#endif
