#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypt.h"
#include "db.h"
#include "ddl.h"
#include "table.h"

void db_gen_added_columns(struct sw_buf *sb, enum sw_role role, int v)
{
    int added = 0;

    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        int from = sw_col_deleted_v2(tb), to = sw_col_deleted(tb);
        if (sw_table_since(tb) >= v) {
            /* a new table (made by the step's .tables): what other
               replicas wrote in it comes with the backfill too */
            added |= sw_table_since(tb) == v;
            continue;
        }
        for (int c = 0; c < tb->ncols; c++) {
            if (sw_col_since(tb, c) != v)
                continue;
            sb_addf(sb, "ALTER TABLE %s ADD COLUMN %s %s ", tb->name,
                    tb->cols[c].name,
                    tb->cols[c].type == SW_INT ? "INTEGER" : "TEXT");
            sw_sql_check(sb, &tb->cols[c]);
            sb_adds(sb, ";\n");
            added = 1;
        }
        /* `deleted` stays last: renumber it (from schema 2's number;
           a later step starts from there too, nothing moves twice) */
        if (v != 3 || from < 0 || from == to)
            continue;
        sb_addf(sb,
                "UPDATE field_versions SET col = %d WHERE tbl = %d AND "
                "col = %d;\n",
                to, t, from);
        if (role != SW_ROLE_STATION)
            continue;
        sb_addf(sb,
                "UPDATE outbox SET col = %d WHERE tbl = %d AND col = %d;\n"
                "UPDATE pending SET col = %d WHERE tbl = %d AND col = %d;\n"
                "UPDATE %s SET ver_cols = (ver_cols & ((1 << %d) - 1)) | "
                "(1 << %d) WHERE (ver_cols >> %d) & 1;\n",
                to, t, from, to, t, from, tb->name, from, to, from);
    }
    /* a replica that pulled before: what it skipped of the new columns
       comes in a backfill up to its cursor of now (docs/protocol.md) */
    if (added && role == SW_ROLE_STATION)
        sb_addf(sb,
                "INSERT OR REPLACE INTO config (key, value) "
                "SELECT 'backfill_since', '%d' FROM config "
                "WHERE key = 'cursor' AND CAST(value AS INTEGER) > 0;\n"
                "INSERT OR REPLACE INTO config (key, value) "
                "SELECT 'backfill_after', '0' FROM config "
                "WHERE key = 'cursor' AND CAST(value AS INTEGER) > 0;\n"
                "INSERT OR REPLACE INTO config (key, value) "
                "SELECT 'backfill_upto', value FROM config "
                "WHERE key = 'cursor' AND CAST(value AS INTEGER) > 0;\n",
                v - 1);
}

static void gen_v3(struct sw_buf *sb, enum sw_role role)
{
    db_gen_added_columns(sb, role, 3);
}

/* 2: who wrote each change (docs/design-notes.md, "Authorship"); what a
   tombstone's writer had seen (pending.seen, the tombstones table: issue
   18).  Nothing was released at version 2 before both, so
   one step holds them.  (A version-1 file keeps its record tables'
   CHECKs: SQLite cannot change them in place; the merge checks in C.) */
#define TOMBSTONES_SQL                                                         \
    "CREATE TABLE IF NOT EXISTS tombstones (\n"                                \
    "    tbl  INTEGER NOT NULL,\n"                                             \
    "    rid  INTEGER NOT NULL,\n"                                             \
    "    hlc  INTEGER NOT NULL,\n"                                             \
    "    site TEXT NOT NULL,\n"                                                \
    "    seen TEXT NOT NULL,\n"                                                \
    "    PRIMARY KEY (tbl, rid)\n"                                             \
    ") WITHOUT ROWID;\n"

/* ---- 2 -> 3 --------------------------------------------------------------
** Several changes of issue 15 share this one step; each keeps its own
** block below, and the step is their concatenation (V3_SQL).
**
** [transfer] The conflicts table's kind CHECK gains 'edit_after_transfer'
** (an edit a former station's replica made before it learnt that its case
** was moved: docs/design-notes.md, "Case transfer").  SQLite cannot
** change a CHECK in place: the table is rebuilt with the columns named
** (a file migrated from version 1 has winner_author and loser_author at
** the end, a new one in the middle), its ids kept, and its index made
** again.  The same text serves the station replica and the county store
** (both have the same conflicts table, from schema/common.sql). */
#define V3_TRANSFER_SQL                                                        \
    "CREATE TABLE conflicts_v3 (\n"                                            \
    "    id          INTEGER PRIMARY KEY,\n"                                   \
    "    tbl         TEXT NOT NULL,\n"                                         \
    "    row_id      TEXT NOT NULL,\n"                                         \
    "    station     TEXT,\n"                                                  \
    "    col         TEXT NOT NULL,\n"                                         \
    "    kind        TEXT NOT NULL DEFAULT 'field'\n"                          \
    "                CHECK (kind IN ('field', 'edit_of_deleted',\n"            \
    "                                'edit_after_transfer')),\n"               \
    "    winner_value,\n"                                                      \
    "    winner_hlc  INTEGER NOT NULL,\n"                                      \
    "    winner_site TEXT NOT NULL,\n"                                         \
    "    loser_value,\n"                                                       \
    "    loser_hlc   INTEGER NOT NULL,\n"                                      \
    "    loser_site  TEXT NOT NULL,\n"                                         \
    "    winner_author TEXT,\n"                                                \
    "    loser_author  TEXT,\n"                                                \
    "    base_hlc    INTEGER,\n"                                               \
    "    base_site   TEXT,\n"                                                  \
    "    detected_at INTEGER NOT NULL,\n"                                      \
    "    status      TEXT NOT NULL DEFAULT 'open'\n"                           \
    "                CHECK (status IN ('open', 'resolved')),\n"                \
    "    resolved_at INTEGER,\n"                                               \
    "    resolved_by TEXT,\n"                                                  \
    "    resolution  TEXT,\n"                                                  \
    "    note        TEXT,\n"                                                  \
    "    UNIQUE (tbl, row_id, col, loser_hlc, loser_site)\n"                   \
    ");\n"                                                                     \
    "INSERT INTO conflicts_v3 (id, tbl, row_id, station, col, kind, "          \
    "winner_value, winner_hlc, winner_site, loser_value, loser_hlc, "          \
    "loser_site, winner_author, loser_author, base_hlc, base_site, "           \
    "detected_at, status, resolved_at, resolved_by, resolution, note) "        \
    "SELECT id, tbl, row_id, station, col, kind, winner_value, winner_hlc, "   \
    "winner_site, loser_value, loser_hlc, loser_site, winner_author, "         \
    "loser_author, base_hlc, base_site, detected_at, status, resolved_at, "    \
    "resolved_by, resolution, note FROM conflicts;\n"                          \
    "DROP TABLE conflicts;\n"                                                  \
    "ALTER TABLE conflicts_v3 RENAME TO conflicts;\n"                          \
    "CREATE INDEX conflicts_open ON conflicts (status, station);\n"
/* [other helpers' 2 -> 3 blocks go here, and into V3_SQL] */
#define V3_SQL V3_TRANSFER_SQL

static const struct db_migration station_steps[] = {
    {2,
     "ALTER TABLE outbox ADD COLUMN author TEXT;\n"
     "ALTER TABLE pending ADD COLUMN author TEXT;\n"
     "ALTER TABLE field_versions ADD COLUMN author TEXT;\n"
     "ALTER TABLE cases ADD COLUMN ver_author TEXT;\n"
     "ALTER TABLE visits ADD COLUMN ver_author TEXT;\n"
     "ALTER TABLE services ADD COLUMN ver_author TEXT;\n"
     "ALTER TABLE conflicts ADD COLUMN winner_author TEXT;\n"
     "ALTER TABLE conflicts ADD COLUMN loser_author TEXT;\n"
     "ALTER TABLE pending ADD COLUMN seen TEXT;\n" TOMBSTONES_SQL,
     1, 0, NULL},
    /* 3: the release after 0.1.0 (issues 15, 16).  Generated from the
       table description: cases' guardian_name, guardian_relation,
       guardian_phone and hukou_type, `deleted` renumbered and the
       backfill noted (gen_v3, issue 16 item 5); the tables referrals and
       resources (.tables = 1: every table whose `since` is 3), their
       triggers with the rest (.triggers = 1).  What other replicas wrote
       in the new columns and tables while this one was at version 2 comes
       with the backfill (docs/protocol.md, "Versions").  V3_SQL: the
       conflicts table's new kind (transfer). */
    {3, V3_SQL, 1, 1, gen_v3},
};
static const struct db_migration county_steps[] = {
    {2,
     "ALTER TABLE field_versions ADD COLUMN author TEXT;\n"
     "ALTER TABLE conflicts ADD COLUMN winner_author TEXT;\n"
     "ALTER TABLE conflicts ADD COLUMN loser_author TEXT;\n" TOMBSTONES_SQL,
     0, 0, NULL},
    /* 3: as the station's */
    {3, V3_SQL, 0, 1, gen_v3},
};
#define NSTEPS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char SQL_CONFIG_GET[] = "SELECT value FROM config WHERE key = ?1";
static const char SQL_CONFIG_SET[] =
    "INSERT INTO config (key, value) VALUES (?1, ?2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
static const char SQL_SET_CAPTURE[] =
    "UPDATE sync_state SET capture = ?1 WHERE id = 1";
static const char SQL_GET_HLC[] = "SELECT hlc FROM sync_state WHERE id = 1";
static const char SQL_SET_HLC[] = "UPDATE sync_state SET hlc = ?1 WHERE id = 1";

int db_fail(struct sw_err *err, sdb *db, const char *what)
{
    if (!db)
        return sw_fail(err, SW_ESOFTWARE, _("%s: no database"), what);
    return sw_fail(err, db->ops->errclass(db), "%s: %s", what,
                   db->ops->errmsg(db));
}

int db_exec(sdb *db, const char *sql, struct sw_err *err)
{
    if (sdb_exec_raw(db, sql) != SDB_OK)
        return db_fail(err, db, "sql");
    return 0;
}

int db_prepare(sdb *db, const char *sql, sdb_stmt **st, struct sw_err *err)
{
    if (db->ops->prepare(db, sql, 0, st) != SDB_OK) {
        *st = NULL;
        return db_fail(err, db, "prepare");
    }
    return 0;
}

int db_prepare_keep(sdb *db, const char *sql, sdb_stmt **st, struct sw_err *err)
{
    if (db->ops->prepare(db, sql, 1, st) != SDB_OK) {
        *st = NULL;
        return db_fail(err, db, "prepare");
    }
    return 0;
}

int db_begin(sdb *db, struct sw_err *err)
{
    if (db->ops->begin(db, 1) != SDB_OK)
        return db_fail(err, db, "begin");
    return 0;
}

int db_begin_read(sdb *db, struct sw_err *err)
{
    if (db->ops->begin(db, 0) != SDB_OK)
        return db_fail(err, db, "begin");
    return 0;
}

int db_commit(sdb *db, struct sw_err *err)
{
    if (db_exec(db, "COMMIT", err)) {
        db_rollback(db);
        return err ? err->code : SW_EIO;
    }
    return 0;
}

void db_rollback(sdb *db)
{
    if (db && !sdb_get_autocommit(db))
        sdb_exec_raw(db, "ROLLBACK");
}

void db_remove(const char *path)
{
    char side[4096];
    db_forget(path);
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

void db_close(sdb *db)
{
    sdb_close(db); /* NULL is fine */
}

/* An int-valued pragma such as user_version. */
static int pragma_int(sdb *db, const char *sql, int *out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    if (sdb_step(st) == SDB_ROW) {
        *out = sdb_column_int(st, 0);
        rc = 0;
    } else {
        rc = db_fail(err, db, "read schema version");
    }
    sdb_finalize(st);
    return rc;
}

static int set_pragmas(sdb *db, struct sw_err *err)
{
    sqlite3_busy_timeout(sdb_sqlite(db), DB_BUSY_MS);
    sqlite3_extended_result_codes(sdb_sqlite(db), 1);
    /* encrypted: sorts and temporary tables stay in memory, and a larger
       page cache saves decrypting pages read again (crypt.h) */
    if (crypt_have_key())
        if (db_exec(db, "PRAGMA temp_store = MEMORY; " CRYPT_CACHE_PRAGMA, err))
            return err ? err->code : SW_EIO;
    return db_exec(db,
                   "PRAGMA journal_mode = WAL;"
                   "PRAGMA synchronous = FULL;"
                   "PRAGMA foreign_keys = ON;"
                   "PRAGMA trusted_schema = OFF;"
                   "PRAGMA secure_delete = ON;",
                   err);
}

/* vfs: NULL (plain) or CRYPT_VFS.  URIs allowed (VACUUM INTO a VFS). */
static int open_file(const char *path, int flags, const char *vfs, sdb **out,
                     struct sw_err *err)
{
    sqlite3 *h = NULL;
    int orc = sqlite3_open_v2(path, &h, flags | SQLITE_OPEN_URI, vfs);
    sdb *db = sdb_sqlite_wrap(h);
    if (!db) {
        sqlite3_close_v2(h);
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    if (orc != SQLITE_OK) {
        int rc = db_fail(err, db, path);
        sdb_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

/* The whole current schema of a role, as one SQL text. */
static char *schema_text(enum sw_role role)
{
    struct sw_buf sb;
    sb_init(&sb);
    sb_adds(&sb, schema_common_sql);
    sb_adds(&sb,
            role == SW_ROLE_STATION ? schema_station_sql : schema_county_sql);
    ddl_tables(&sb, role == SW_ROLE_COUNTY);
    if (role == SW_ROLE_STATION) {
        ddl_station_triggers(&sb);
        ddl_station_versions(&sb);
        sb_adds(&sb, schema_station_local_sql);
    } else {
        sb_adds(&sb, schema_county_local_sql);
    }
    sb_addf(&sb, "PRAGMA application_id = %d;\nPRAGMA user_version = %d;\n",
            role == SW_ROLE_STATION ? DB_APPID_STATION : DB_APPID_COUNTY,
            DB_SCHEMA_VERSION);
    return sb_detach(&sb, NULL);
}

static const struct db_remote *remote;

void db_set_remote(const struct db_remote *r)
{
    remote = r;
}

void db_target_name(const char *target, char *buf, size_t n)
{
    char *r;
    if (!sdb_is_pg_target(target)) {
        snprintf(buf, n, "%s", target);
        return;
    }
    /* the backend knows its strings' passwords; without one, say less */
    r = remote && remote->redact ? remote->redact(target) : NULL;
    snprintf(buf, n, "%s", r ? r : _("a PostgreSQL connection string"));
    free(r);
}

/* A connection string: the registered backend's, the county's only. */
static int remote_for(const char *target, enum sw_role role, struct sw_err *err)
{
    char name[512];
    db_target_name(target, name, sizeof(name));
    if (role != SW_ROLE_COUNTY)
        return sw_fail(err, SW_EUSAGE,
                       _("%s: a station's replica is a file, not a database "
                         "server"),
                       name);
    if (!remote)
        return sw_fail(err, SW_ECONFIG,
                       _("%s: this program cannot use PostgreSQL"), name);
    return 0;
}

int db_create(const char *path, enum sw_role role, sdb **out,
              struct sw_err *err)
{
    sdb *db = NULL;
    char *sql = NULL;
    int fd, rc;

    *out = NULL;
    if (sdb_is_pg_target(path)) {
        rc = remote_for(path, role, err);
        return rc ? rc : remote->create(path, out, err);
    }
    db_forget(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return sw_fail(err, SW_ECANTCREAT,
                           _("%s: already exists; not touching it"), path);
        return sw_fail(err, SW_ECANTCREAT, _("%s: cannot create: %s"), path,
                       strerror(errno));
    }
    close(fd);

    /* a key loaded (init --encrypt): the new file is encrypted */
    rc = open_file(path, SQLITE_OPEN_READWRITE,
                   crypt_have_key() ? CRYPT_VFS : NULL, &db, err);
    if (rc)
        goto fail;
    if (crypt_have_key()) {
        int reserve = CRYPT_RESERVE; /* nonce and tag in every page */
        sqlite3_file_control(sdb_sqlite(db), "main", SQLITE_FCNTL_RESERVE_BYTES,
                             &reserve);
    }
    rc = set_pragmas(db, err);
    if (rc)
        goto fail;
    sql = schema_text(role);
    if (!sql) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto fail;
    }
    rc = db_begin(db, err);
    if (rc)
        goto fail;
    rc = db_exec(db, sql, err);
    if (rc) {
        db_rollback(db);
        goto fail;
    }
    rc = db_commit(db, err);
    if (rc)
        goto fail;
    free(sql);
    *out = db;
    return 0;

fail:
    free(sql);
    db_close(db);
    db_remove(path); /* what we created, WAL and shm too */
    return rc;
}

int db_migrate(sdb *db, enum sw_role role, const struct db_migration *steps,
               int nsteps, int target, struct sw_err *err)
{
    int have, rc, triggers = 0;
    char setv[64];

    rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = pragma_int(db, "PRAGMA user_version", &have, err);
    if (rc)
        goto out;
    if (have > target) {
        rc = sw_fail(err, SW_ECONFIG,
                     _("schema version %d is newer than this swsync "
                       "understands (%d): upgrade swsync"),
                     have, target);
        goto out;
    }
    if (have == target)
        goto out;
    for (int v = have + 1; v <= target; v++) {
        const struct db_migration *m = NULL;
        for (int i = 0; i < nsteps; i++)
            if (steps[i].version == v)
                m = &steps[i];
        if (!m) {
            rc = sw_fail(err, SW_ESOFTWARE,
                         _("no migration to schema version %d"), v);
            goto out;
        }
        if (m->gen) {
            /* columns added in version v, from the one description */
            struct sw_buf sb;
            char *g;
            sb_init(&sb);
            m->gen(&sb, role);
            g = sb_detach(&sb, NULL);
            rc = g ? db_exec(db, g, err)
                   : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
            free(g);
            if (rc)
                goto out;
        }
        if (m->tables) {
            /* tables added in version v, from the one description */
            struct sw_buf sb;
            char *t;
            sb_init(&sb);
            for (int i = 0; i < SW_NTABLES; i++)
                if (sw_tables[i].since == v)
                    ddl_table(&sb, &sw_tables[i], role == SW_ROLE_COUNTY);
            ddl_indexes(&sb, role == SW_ROLE_COUNTY, 0);
            if (role == SW_ROLE_STATION) {
                sb_adds(&sb, "DROP VIEW IF EXISTS versions;\n");
                ddl_station_versions(&sb);
            }
            t = sb_detach(&sb, NULL);
            rc = t ? db_exec(db, t, err)
                   : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
            free(t);
            if (rc)
                goto out;
        }
        rc = db_exec(db, m->sql, err);
        if (rc)
            goto out;
        triggers |= m->triggers && role == SW_ROLE_STATION;
    }
    /* once, after every step: the triggers are made for the tables of
       the target version (a step's tables may come in a later step) */
    if (triggers) {
        struct sw_buf sb;
        char *t;
        sb_init(&sb);
        ddl_station_triggers(&sb);
        t = sb_detach(&sb, NULL);
        rc = t ? db_exec(db, t, err)
               : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        free(t);
        if (rc)
            goto out;
    }
    snprintf(setv, sizeof(setv), "PRAGMA user_version = %d", target);
    rc = db_exec(db, setv, err);
out:
    if (rc) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, err);
}

/*
** A test hook (docs/design-notes.md, "Storage faults"): with
** SWSYNC_TEST_DISK_FULL=PATH:N in the environment, the database opened
** at exactly PATH (the same text) may grow by N more pages only (PRAGMA
** max_page_count): a write past that fails with SQLITE_FULL, as on a
** full disk.  Any other value, or another path, changes nothing.
*/
static int test_disk_full(sdb *db, const char *path, struct sw_err *err)
{
    const char *v = getenv("SWSYNC_TEST_DISK_FULL"), *colon;
    char sql[80], *end;
    size_t n = strlen(path);
    long pages;
    int count;

    if (!v || strncmp(v, path, n) != 0 || v[n] != ':')
        return 0;
    colon = v + n;
    errno = 0;
    pages = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || pages < 0 || pages > 1000000)
        return 0;
    if (pragma_int(db, "PRAGMA page_count", &count, err))
        return SW_EIO;
    snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %ld",
             (long)count + pages);
    return db_exec(db, sql, err);
}

/*
** The VFS for path: CRYPT_VFS if it is encrypted (and the loaded key opens
** it), else plain.  The file is looked at once a process and path: opening
** and closing a file drops every POSIX lock this process holds on it, so
** a server whose threads have it open must not do so again.
*/
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
#define SEEN_MAX 8
static struct {
    char *path;
    int enc;
} seen[SEEN_MAX];
static int seen_next;

void db_forget(const char *path)
{
    pthread_mutex_lock(&seen_mu);
    for (int i = 0; i < SEEN_MAX; i++)
        if (seen[i].path && strcmp(seen[i].path, path) == 0) {
            free(seen[i].path);
            seen[i].path = NULL;
        }
    pthread_mutex_unlock(&seen_mu);
}

static int pick_vfs(const char *path, const char **vfs, struct sw_err *err)
{
    int rc = 0, i, enc;

    pthread_mutex_lock(&seen_mu);
    for (i = 0; i < SEEN_MAX; i++)
        if (seen[i].path && strcmp(seen[i].path, path) == 0)
            break;
    if (i < SEEN_MAX) {
        enc = seen[i].enc;
    } else {
        enc = crypt_file_is_encrypted(path);
        if (enc)
            rc = crypt_check_key(path, err); /* reads only */
        if (!rc) {
            char *copy = sw_strdup(path);
            if (copy) { /* no memory: look again next time */
                free(seen[seen_next].path);
                seen[seen_next].path = copy;
                seen[seen_next].enc = enc;
                seen_next = (seen_next + 1) % SEEN_MAX;
            }
        }
    }
    pthread_mutex_unlock(&seen_mu);
    *vfs = enc ? CRYPT_VFS : NULL;
    return rc;
}

int db_open(const char *path, enum sw_role role, sdb **out, struct sw_err *err)
{
    sdb *db = NULL;
    int rc, appid, want;
    const char *vfs = NULL;
    struct stat stb;
    const char *kind =
        role == SW_ROLE_STATION ? _("station replica") : _("county store");

    *out = NULL;
    if (sdb_is_pg_target(path)) {
        rc = remote_for(path, role, err);
        return rc ? rc : remote->open(path, out, err);
    }
    if (stat(path, &stb) != 0) {
        if (errno == ENOENT)
            return sw_fail(err, SW_ENOINPUT, _("%s: no %s here (%s)"), path,
                           kind,
                           role == SW_ROLE_STATION
                               ? _("create one with 'swsync init'")
                               : _("create one with 'swsync-county init'"));
        return sw_fail(err, SW_EIO, "%s: %s", path, strerror(errno));
    }
    rc = pick_vfs(path, &vfs, err);
    if (rc)
        return rc;
    rc = open_file(path, SQLITE_OPEN_READWRITE, vfs, &db, err);
    if (rc)
        return rc;
    /* wait for another program's lock before reading anything: a busy
       replica is not a foreign one */
    sqlite3_busy_timeout(sdb_sqlite(db), DB_BUSY_MS);
    sqlite3_extended_result_codes(sdb_sqlite(db), 1);
    rc = pragma_int(db, "PRAGMA application_id", &appid, err);
    if (rc) {
        int sqlrc = sqlite3_errcode(sdb_sqlite(db)) & 0xff;
        db_close(db);
        if (sqlrc == SQLITE_BUSY || sqlrc == SQLITE_LOCKED)
            return sw_fail(err, SW_ETEMP,
                           _("%s: the %s is locked by another program; try "
                             "again later"),
                           path, kind);
        if (sqlrc == SQLITE_NOTADB)
            return sw_fail(err, SW_ECONFIG, _("%s: not a swsync %s"), path,
                           kind);
        return rc; /* an I/O error, ...: as it is */
    }
    want = role == SW_ROLE_STATION ? DB_APPID_STATION : DB_APPID_COUNTY;
    if (appid != want) {
        db_close(db);
        return sw_fail(err, SW_ECONFIG, _("%s: not a swsync %s%s"), path, kind,
                       appid == DB_APPID_STATION || appid == DB_APPID_COUNTY
                           ? _(" (it is the other kind)")
                           : "");
    }
    rc = set_pragmas(db, err);
    if (!rc) {
        if (role == SW_ROLE_STATION)
            rc = db_migrate(db, role, station_steps, NSTEPS(station_steps),
                            DB_SCHEMA_VERSION, err);
        else
            rc = db_migrate(db, role, county_steps, NSTEPS(county_steps),
                            DB_SCHEMA_VERSION, err);
    }
    /* the station's local tables (never replicated, no schema version):
       idempotent, a no-op once they exist */
    if (!rc)
        rc = db_exec(db,
                     role == SW_ROLE_STATION ? schema_station_local_sql
                                             : schema_county_local_sql,
                     err);
    if (!rc)
        rc = test_disk_full(db, path, err);
    if (rc) {
        db_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

int db_config_get(sdb *db, const char *key, char **out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_CONFIG_GET, &st, err);
    *out = NULL;
    if (rc)
        return rc;
    sdb_bind_text(st, 1, key, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        *out = sw_strdup((const char *)sdb_column_text(st, 0));
        rc = *out ? 0 : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    } else if (rc == SDB_DONE) {
        rc = 0;
    } else {
        rc = db_fail(err, db, "read config");
    }
    sdb_finalize(st);
    return rc;
}

int db_config_set(sdb *db, const char *key, const char *value,
                  struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_CONFIG_SET, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, key, -1, SDB_STATIC);
    sdb_bind_text(st, 2, value, -1, SDB_STATIC);
    rc = sdb_step(st) == SDB_DONE ? 0 : db_fail(err, db, "set config");
    sdb_finalize(st);
    return rc;
}

int db_prepare_rows(sdb *db, const char *head, int per, int k, const char *tail,
                    sdb_stmt **st, struct sw_err *err)
{
    struct sw_buf sb;
    int rc;

    sb_init(&sb);
    sb_adds(&sb, head);
    for (int i = 0; i < k; i++) {
        sb_adds(&sb, i ? ", (" : " (");
        for (int j = 1; j <= per; j++)
            sb_addf(&sb, "%s?%d", j > 1 ? ", " : "", per * i + j);
        sb_adds(&sb, ")");
    }
    sb_adds(&sb, tail);
    rc = sb.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                : db_prepare_keep(db, sb.buf, st, err);
    sb_release(&sb);
    return rc;
}

int db_exec_int(sdb *db, const char *sql, int64_t v, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    sdb_bind_int64(st, 1, v);
    rc = sdb_step(st) == SDB_DONE ? 0 : db_fail(err, db, "sync state");
    sdb_finalize(st);
    return rc;
}

int db_exists(sdb *db, const char *sql, const char *a, const char *b, int64_t n,
              const char *what, int *yes, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, sql, &st, err), step;

    *yes = 0;
    if (rc)
        return rc;
    sdb_bind_text(st, 1, a, -1, SDB_STATIC);
    if (b)
        sdb_bind_text(st, 2, b, -1, SDB_STATIC);
    else if (n >= 0)
        sdb_bind_int64(st, 2, n);
    step = sdb_step(st);
    *yes = step == SDB_ROW;
    rc = step == SDB_ROW || step == SDB_DONE ? 0 : db_fail(err, db, what);
    sdb_finalize(st);
    return rc;
}

int db_set_capture(sdb *db, int on, struct sw_err *err)
{
    return db_exec_int(db, SQL_SET_CAPTURE, on ? 1 : 0, err);
}

int db_set_hlc(sdb *db, int64_t hlc, struct sw_err *err)
{
    return db_exec_int(db, SQL_SET_HLC, hlc, err);
}

int db_get_hlc(sdb *db, int64_t *out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_GET_HLC, &st, err);
    if (rc)
        return rc;
    if (sdb_step(st) == SDB_ROW) {
        *out = sdb_column_int64(st, 0);
        rc = 0;
    } else {
        rc = db_fail(err, db, "read clock");
    }
    sdb_finalize(st);
    return rc;
}
