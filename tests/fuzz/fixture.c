/*
** fixture.c — the fuzz targets' store, reset to a snapshot (fixture.h).
*/
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "fixture.h"

static char cleanup_dir[64];

static void cleanup(void)
{
    char path[128];
    static const char *const names[] = {"store.db", "store.db-wal",
                                        "store.db-shm"};
    if (!cleanup_dir[0])
        return;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", cleanup_dir, names[i]);
        unlink(path);
    }
    rmdir(cleanup_dir);
}

void fixture_die(const char *what, const struct sw_err *err)
{
    fprintf(stderr, "fuzz fixture: %s: %s\n", what, err ? err->msg : "failed");
    abort();
}

void fixture_open(struct fixture *f, enum sw_role role)
{
    struct sw_err err;
    char path[128];

    memset(f, 0, sizeof(*f));
    memset(&err, 0, sizeof(err));
    snprintf(f->dir, sizeof(f->dir), "/tmp/swsync-fuzz-XXXXXX");
    if (!mkdtemp(f->dir))
        fixture_die("mkdtemp", NULL);
    if (!cleanup_dir[0]) {
        snprintf(cleanup_dir, sizeof(cleanup_dir), "%s", f->dir);
        atexit(cleanup);
    }
    snprintf(path, sizeof(path), "%s/store.db", f->dir);
    if (db_create(path, role, &f->db, &err))
        fixture_die("create the store", &err);
    if (role == SW_ROLE_COUNTY) {
        if (db_config_set(f->db, "county", "C01", &err))
            fixture_die("county code", &err);
    } else if (db_config_set(f->db, "station", "A01", &err) ||
               db_config_set(f->db, "site", "A01-fuzz", &err)) {
        fixture_die("station and site", &err);
    }
    /* a fuzz run is not about durability */
    sdb_exec5(f->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
}

static void copy(sdb *to, sdb *from)
{
    sqlite3_backup *b =
        sqlite3_backup_init(sdb_sqlite(to), "main", sdb_sqlite(from), "main");
    if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE) {
        fprintf(stderr, "fuzz fixture: backup: %s\n", sdb_errmsg(to));
        abort();
    }
    sqlite3_backup_finish(b);
}

void fixture_snapshot(struct fixture *f)
{
    if (!f->snap && sdb_sqlite_open(":memory:", &f->snap) != SDB_OK)
        fixture_die("open the snapshot", NULL);
    copy(f->snap, f->db);
    f->changes = sqlite3_total_changes(sdb_sqlite(f->db));
}

void fixture_reset(struct fixture *f)
{
    /* every write is one transaction, committed or rolled back whatever
       happened: one left open is a finding */
    if (!sdb_get_autocommit(f->db)) {
        fprintf(stderr, "fuzz: a transaction was left open\n");
        abort();
    }
    if (sqlite3_total_changes(sdb_sqlite(f->db)) == f->changes)
        return; /* nothing written since */
    copy(f->db, f->snap);
    f->changes = sqlite3_total_changes(sdb_sqlite(f->db));
}
