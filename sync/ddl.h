/*
** ddl.h — the schema text, built from the embedded SQL files and the
** table description.
*/
#ifndef SW_DDL_H
#define SW_DDL_H

#include "sw.h"

/* The embedded files (schema/schema-sql.c, generated at build time). */
extern const char schema_common_sql[];
extern const char schema_station_sql[];
/* station-only local tables, idempotent: run at create and every open */
extern const char schema_station_local_sql[];
extern const char schema_county_local_sql[];
extern const char schema_county_sql[];

/* The SQL expression for "now" in milliseconds since the epoch. */
#define DDL_NOW_MS                                                             \
    "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"

/*
** Append the CREATE TABLE and CREATE INDEX statements of the replicated
** tables to sb; county: with the index on station (the scope of pulls).
*/
void ddl_tables(struct sw_buf *sb, int county);
/* The CREATE TABLE of one replicated table (a migration adding it). */
struct sw_table;
void ddl_table(struct sw_buf *sb, const struct sw_table *tb, int county);

/*
** Append the statements that make (CREATE INDEX IF NOT EXISTS) or, with
** drop, remove (DROP INDEX IF EXISTS) the replicated tables' secondary
** indexes: a visit's or service's case, a case's name, on the county
** the station.  Not the UNIQUE index on id.
*/
void ddl_indexes(struct sw_buf *sb, int county, int drop);

/*
** Append the station's triggers: capture into the outbox (insert and
** update, per field), the station fill-in for rows written without one,
** the immutability of id, station and fixed fields, and DELETE turned
** into a tombstone.  All in built-in SQL, so that another program writing
** the replica is captured too.  Every trigger is dropped first, so the
** text can be run again by a migration.
*/
void ddl_station_triggers(struct sw_buf *sb);

/*
** Append the station's view `versions (tbl, rid, col, hlc, site)`: every
** field's version, one row a field, from field_versions and from the
** versions kept in the records' rows (ver_hlc, ver_site, ver_cols).
*/
void ddl_station_versions(struct sw_buf *sb);

#endif
