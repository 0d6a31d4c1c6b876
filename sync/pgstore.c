/*
** pgstore.c — the county store on PostgreSQL: create and open it, with
** its own migrations (sync/pgschema.h), through db_create() / db_open()
** once the county's programs have called db_use_pg().
*/
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "pgschema.h"
#include "pgstore.h"
#include "sdb.h"

/*
** The store's version: 0 for an empty database (no schema_version), or
** SW_ECONFIG for a database that holds something else.
*/
static int read_version(sdb *db, const char *name, int *out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc, have = 0;

    rc = db_prepare(db,
                    "SELECT CAST(count(*) AS BIGINT) FROM pg_catalog.pg_tables "
                    "WHERE schemaname = current_schema() AND "
                    "tablename = 'schema_version'",
                    &st, err);
    if (rc)
        return rc;
    if (sdb_step(st) == SDB_ROW)
        have = sdb_column_int(st, 0);
    else
        rc = db_fail(err, db, name);
    sdb_finalize(st);
    if (rc)
        return rc;
    *out = 0;
    if (!have) {
        /* tables of something else: not ours to touch */
        rc = db_prepare(db,
                        "SELECT CAST(count(*) AS BIGINT) FROM "
                        "pg_catalog.pg_tables WHERE schemaname = "
                        "current_schema()",
                        &st, err);
        if (rc)
            return rc;
        if (sdb_step(st) == SDB_ROW && sdb_column_int64(st, 0) > 0)
            rc = sw_fail(err, SW_ECONFIG,
                         _("%s: the database holds other tables; not a "
                           "swsync county store"),
                         name);
        sdb_finalize(st);
        return rc;
    }
    rc = db_prepare(db, PGSCHEMA_SQL_APP, &st, err);
    if (rc)
        return rc;
    if (sdb_step(st) != SDB_ROW ||
        strcmp((const char *)sdb_column_text(st, 0), PGSCHEMA_APP) != 0)
        rc = sw_fail(err, SW_ECONFIG, _("%s: not a swsync county store"), name);
    sdb_finalize(st);
    if (rc)
        return rc;
    rc = db_prepare(db, PGSCHEMA_SQL_VERSION, &st, err);
    if (rc)
        return rc;
    if (sdb_step(st) == SDB_ROW)
        *out = sdb_column_int(st, 0);
    else
        rc = sw_fail(err, SW_ECONFIG, _("%s: not a swsync county store"), name);
    sdb_finalize(st);
    return rc;
}

/* create: an empty database gets the whole schema; open: the schema is
** brought to this binary's version.  In one transaction, under the
** migration lock (two servers starting at once: the second waits and
** finds the work done). */
static int pg_open(const char *target, int create, sdb **out,
                   struct sw_err *err)
{
    char name[512];
    struct sw_buf sb;
    sdb *db = NULL;
    int rc, have = 0;

    *out = NULL;
    db_target_name(target, name, sizeof(name));
    rc = sdb_pg_connect(target, &db, err);
    if (rc)
        return rc;
    sb_init(&sb);
    /* a writer waits for the store's writer lock as long as SQLite waits
       for its file's (DB_BUSY_MS), then it is SW_ETEMP: try again later */
    rc = db_exec(db, "SET lock_timeout = '" DB_BUSY_TEXT "'", err);
    if (!rc)
        rc = db_exec(db, "BEGIN", err);
    if (!rc)
        rc = db_exec(db, PGSCHEMA_SQL_LOCK, err);
    if (!rc)
        rc = read_version(db, name, &have, err);
    if (!rc && create && have)
        rc = sw_fail(err, SW_ECANTCREAT,
                     _("%s: already holds a county store; not touching it"),
                     name);
    if (!rc && !create && !have)
        rc = sw_fail(err, SW_ENOINPUT,
                     _("%s: no county store here (create one with "
                       "'swsync-county init')"),
                     name);
    if (!rc && have != PGSCHEMA_VERSION) {
        rc = pgschema_migration(&sb, have, PGSCHEMA_VERSION, err);
        if (!rc && sb.oom)
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        if (!rc)
            rc = db_exec(db, sb.buf ? sb.buf : "", err);
    }
    if (!rc)
        rc = db_commit(db, err);
    sb_release(&sb);
    if (rc) {
        db_rollback(db);
        sdb_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

static int pg_create(const char *target, sdb **out, struct sw_err *err)
{
    return pg_open(target, 1, out, err);
}

static int pg_open_existing(const char *target, sdb **out, struct sw_err *err)
{
    return pg_open(target, 0, out, err);
}

const struct db_remote pgstore_remote = {
    .create = pg_create,
    .open = pg_open_existing,
    .redact = sdb_pg_redact,
};

void db_use_pg(void)
{
    db_set_remote(&pgstore_remote);
}
