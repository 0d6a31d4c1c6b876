/*
** pgstore.h — the county store on PostgreSQL (docs/storage.md).
**
** db_use_pg() lets db_create() and db_open() take a PostgreSQL
** connection string ("postgresql://..." or "postgres://...") for the
** county's store: create makes the whole schema in an empty database,
** open brings an existing store to this binary's schema version, each in
** one transaction under an advisory lock.  The station's programs never
** call it: a station's replica is a SQLite file.
*/
#ifndef SW_PGSTORE_H
#define SW_PGSTORE_H

#include "db.h"

extern const struct db_remote pgstore_remote;

void db_use_pg(void);

#endif
