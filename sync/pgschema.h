/*
** pgschema.h — the county store's schema in PostgreSQL's dialect, and
** its migrations.
**
** The text is schema/county-pg.sql (embedded at build time: the county's
** own tables, written by hand from the SQLite ones) with the replicated
** tables generated from the table description (sw_tables[], sync/table.c)
** where its line "-- @replicated-tables@" stands.  A PostgreSQL store's
** version lives in the table schema_version (one row: app, version), as
** PRAGMA application_id and user_version do for SQLite.
**
** Running a migration (the backend's job): in one transaction, take
** PGSCHEMA_SQL_LOCK (two servers starting at once: the second waits, then
** finds the work done), read the version with PGSCHEMA_SQL_VERSION (an
** empty database, no table schema_version: version 0), then run the text
** pgschema_migration() makes, and commit.
*/
#ifndef SW_PGSCHEMA_H
#define SW_PGSCHEMA_H

#include "sw.h"

/* The schema version this binary writes: DB_SCHEMA_VERSION (sync/db.h),
** checked at build time in pgschema.c. */
#define PGSCHEMA_VERSION 3

/* The first version a PostgreSQL store can have: the whole schema. */
#define PGSCHEMA_FIRST 3

/* A transaction-scoped advisory lock for migrations ('SWCO'). */
extern const char PGSCHEMA_SQL_LOCK[];
/* One row, one column: the store's version (table schema_version). */
extern const char PGSCHEMA_SQL_VERSION[];
/* One row, one column: the store's kind, 'swsync-county'. */
extern const char PGSCHEMA_SQL_APP[];
#define PGSCHEMA_APP "swsync-county"

/* The embedded file (schema/schema-sql.c, generated at build time). */
extern const char schema_county_pg_sql[];

/*
** A migration step: it brings the store from version - 1 (from 0, an empty
** database, for the first step) to version.  gen, if not NULL, appends SQL
** made from the table description; then sql, if not NULL, is appended.
** Version PGSCHEMA_FIRST is the whole schema (pgschema_sql); a later
** version adds a step to pgschema_steps[], e.g. the ALTER TABLEs of the
** columns sw_added[] lists with its version.
*/
struct pgschema_step {
    int version;
    const char *sql;
    void (*gen)(struct sw_buf *sb);
};

extern const struct pgschema_step pgschema_steps[];
extern const int pgschema_nsteps;

/*
** Append the whole current schema to sb: schema/county-pg.sql with the
** replicated tables and their indexes in it, schema_version set to
** PGSCHEMA_VERSION.  Static text and the table description only (no
** input).  An allocation failure shows in sb->oom.
*/
void pgschema_sql(struct sw_buf *sb);

/*
** Append to sb the CREATE TABLE and CREATE INDEX statements of the
** replicated tables, in PostgreSQL's types, as version `version` has them
** (tables and columns whose `since` is at most version): the same columns
** and indexes as the county's SQLite tables, no CHECK constraints.
*/
void pgschema_tables(struct sw_buf *sb, int version);

/*
** Append to sb the SQL that brings a store at version have (0: an empty
** database) to target, each step followed by the UPDATE of
** schema_version.  Returns 0; SW_ECONFIG when have is newer than target
** (a newer swsync made the store) or neither 0 nor a version a
** PostgreSQL store can have; SW_ESOFTWARE when a step is missing.  On
** failure sb may hold a part of the text: discard it.
*/
int pgschema_migration(struct sw_buf *sb, int have, int target,
                       struct sw_err *err);

#endif
