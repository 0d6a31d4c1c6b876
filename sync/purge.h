/*
** purge.h — erasing a person: a case with its visits and services,
** every value of them, at the county (purge_case) and on each replica of
** its station (purge_erase_local, run by the pull).  What stays is a
** tombstone without values: the county's `purged` rows (record ids,
** station, when, admin, reason), a station's `erased` rows (ids, when).
** See docs/design-notes.md, "Erasing a person".
*/
#ifndef SW_PURGE_H
#define SW_PURGE_H

#include "sdb.h"
#include <stdint.h>

#include "sw.h"

/* What an erased audit text reads afterwards (schema/ *-local.sql). */
#define PURGE_ERASED_TEXT "(erased by purge)"

/*
** County: erase case case_id with its visits and services, in the
** caller's transaction (with the audit row of the purge): the rows,
** their versions, their conflicts (winners and losers), and the audit
** details that named them or held their values;
** record a `purged` row for each record, under a new county sequence
** number, so that every replica of the station erases them on its next
** pull.  admin and reason are kept (reason: 1..500 bytes).  The caller
** commits, then calls purge_checkpoint so the -wal keeps nothing;
** secure_delete (set by db_open) zeroes the freed space.  *nrecords (may
** be NULL): records erased; station_out (may be NULL, SW_CODE_MAX + 1
** bytes): the case's station.  A case that is not there: SW_ENOINPUT;
** already purged: SW_EDATA; a reason that holds the case's name, ID
** number or phone: SW_EUSAGE.  On error the caller rolls back.
*/
int purge_case(sdb *db, const char *case_id, const char *admin,
               const char *reason, long *nrecords, char *station_out,
               struct sw_err *err);

/*
** Station: erase record id of table tbl — a case with its visits and
** services — from this replica: rows, versions, outbox and pending
** entries, conflicts, the local audit details that held its values; note
** the ids in `erased`.  Runs in the caller's transaction, with capture
** off (the pull's).  Nothing there is not an error.  *n: records erased.
*/
int purge_erase_local(sdb *db, int tbl, const char *id, long *n,
                      struct sw_err *err);

/* Is record id purged at the county (1), not (0), or -1 on error. */
int purge_is_purged(sdb *db, const char *id, struct sw_err *err);

/* PRAGMA wal_checkpoint(TRUNCATE): the -wal file emptied. */
int purge_checkpoint(sdb *db, struct sw_err *err);

#endif
