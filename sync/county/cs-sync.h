/*
** cs-sync.h — the county store's side of a station's sync routes
** (http.c): the replica's hello bookkeeping, a push's notes, the
** conflicts mark, the station audit lines received.  Their statements'
** texts are in syncsql.c (tests/test-plans.c checks their plans); they
** are in the common dialect of SQLite and PostgreSQL (docs/storage.md).
*/
#ifndef SW_COUNTY_CS_SYNC_H
#define SW_COUNTY_CS_SYNC_H

#include <stdint.h>

#include "sdb.h"
#include "sw.h"

/*
** A replica's hello, in one write transaction: bind `site` to replica id
** (its first hello) or check that it is the one bound, and note when it
** was seen (now_ms), its agent's version (NULL: unchanged) and its clock
** skew (has_skew).  *acked: the replica's acknowledged seq.  SW_EPERM: a
** revoked token, a site bound to another replica or another site
** (err->msg says which, for the station).  full_ok: a full disk while
** noting is not an error (nothing is written, 0).  Else 0 or db_fail().
*/
int cs_hello(sdb *db, int64_t id, const char *site, const char *agent,
             int has_skew, int64_t skew, int64_t now_ms, int full_ok,
             int64_t *acked, struct sw_err *err);

/* When station's conflicts last changed (detected, resolved, or a case
** moved to it; ms, 0: never), or -1 on a database error. */
int64_t cs_conflicts_mark(sdb *db, const char *station);

/* A push of replica id failed with text / went through (clamped: the
** versions clamped); best effort, notes for `station list`. */
void cs_push_error(sdb *db, int64_t id, int64_t now_ms, const char *text);
void cs_push_done(sdb *db, int64_t id, int64_t now_ms, int64_t clamped);

/* Was station audit line (site, local_id) received before?  *seen 0/1. */
int cs_station_audit_seen(sdb *db, const char *site, int64_t local_id,
                          int *seen, struct sw_err *err);
/* Line (site, local_id) is now audit row audit_id. */
int cs_station_audit_add(sdb *db, const char *site, int64_t local_id,
                         int64_t audit_id, struct sw_err *err);

/* Does station have case case_id?  *yes 0/1. */
int cs_case_of_station(sdb *db, const char *case_id, const char *station,
                       int *yes, struct sw_err *err);
/* Keep a station's transfer request, once per (site, local_id). */
int cs_transfer_ask_add(sdb *db, const char *site, int64_t local_id,
                        const char *station, const char *case_id,
                        const char *to, const char *note, const char *asked_by,
                        int64_t asked_at, struct sw_err *err);

#endif
