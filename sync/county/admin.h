/*
** admin.h — what a county admin can see and do, as functions: the CLI
** (cmd-station.c, cmd-conflicts.c) calls them today, an admin web API
** can call the same tomorrow.  Results are cJSON values the caller owns
** (cJSON_Delete).  Timestamps are milliseconds since the epoch (JSON
** integers, or null); hlcs are decimal strings (they do not fit a
** double).
*/
#ifndef SW_ADMIN_H
#define SW_ADMIN_H

#include "sdb.h"
#include <cjson/cJSON.h>
#include <stdint.h>

#include "audit.h"
#include "auth.h"
#include "records.h"
#include "store.h"
#include "sw.h"
#include "table.h"

/*
** Every replica of every station, ordered by station code and enrolment:
** an array of {code, name, device, site, created_at, last_seen,
** last_sync, last_error, open_conflicts, agent_version, skew_ms,
** clamped, acked, revoked, revoked_at}.  open_conflicts counts the
** station's open conflicts.
*/
int admin_stations_json(sdb *db, cJSON **out, struct sw_err *err);

struct admin_conflict_filter {
    int all;             /* resolved ones too */
    const char *station; /* NULL: every station */
    const char *table;   /* NULL: every table; else a table name */
};

/*
** The conflicts matching f, oldest first: an array of objects with id,
** table, record, field, kind, winner_value, winner_site, winner_hlc,
** loser_value, loser_site, loser_hlc, base_site, base_hlc, station,
** detected_at, status, and when resolved: resolution, note,
** resolved_at, resolved_by.
*/
int admin_conflicts_json(sdb *db, const struct admin_conflict_filter *f,
                         cJSON **out, struct sw_err *err);

/* One conflict as above; an unknown id is SW_EDATA. */
int admin_conflict_json(sdb *db, int64_t id, cJSON **out, struct sw_err *err);

enum admin_keep { ADMIN_KEEP_WINNER, ADMIN_KEEP_LOSER, ADMIN_KEEP_VALUE };

/*
** Resolve conflict id in one transaction: write the chosen value (the
** winner's, the loser's, or `value`, checked with sw_validate; NULL or ""
** clears the field) as a new county version with store_write, so it
** reaches the station on its next pull with a version above both; then
** mark the conflict resolved (resolved_at, resolved_by = by, resolution
** "winner" / "loser" / "value", note) and, if src is not NULL, write the
** audit row.  For an edit_of_deleted conflict,
** keeping the winner writes deleted = 1; keeping the loser or a value
** writes deleted = 0 and then the value.  A resolved conflict or an
** unknown id: SW_EDATA, nothing written.  s is open on the store.
*/
int admin_resolve(struct store *s, int64_t id, enum admin_keep keep,
                  const char *value, const char *note, const char *by,
                  const struct audit_src *src, struct sw_err *err);

/*
** The conflicts of one station for its replicas (GET /v1/conflicts): the
** open ones and those resolved at or after since_ms, at most limit, open
** ones first, then newest first.  An array of {id, table, record, field,
** kind, winner_value, winner_site, winner_hlc, loser_value, loser_site,
** loser_hlc, status, resolution, note, detected_at, resolved_at}.
*/
int admin_station_conflicts_json(sdb *db, const char *station, int64_t since_ms,
                                 int limit, cJSON **out, struct sw_err *err);

#define ADMIN_NAME_MAX 200 /* bytes of a station's name */

/*
** Enrol station `code` (name may be NULL) with one replica, device
** "main", whose token goes into tok (the only copy: show it once); with
** its audit row, in one transaction.  An enrolled code: SW_ECANTCREAT.
*/
int admin_station_add(sdb *db, const char *code, const char *name,
                      char tok[AUTH_TOKEN_LEN + 1], const struct audit_src *src,
                      struct sw_err *err);

/*
** Another replica of station `code`: device (NULL: "main" if unused, else
** the first free "replica-N"); its name goes into dev, its token into tok.
** With its audit row, in one transaction.
*/
int admin_station_token(sdb *db, const char *code, const char *device,
                        char dev[AUTH_DEVICE_MAX + 1],
                        char tok[AUTH_TOKEN_LEN + 1],
                        const struct audit_src *src, struct sw_err *err);

/*
** Revoke every replica of station `code`, or only `device` (NULL: all);
** *count replicas were revoked now (may be 0: already revoked).  With its
** audit row, in one transaction.  Unknown station or device: SW_EDATA.
*/
int admin_station_revoke(sdb *db, const char *code, const char *device,
                         int *count, const struct audit_src *src,
                         struct sw_err *err);

/*
** A county correction of record id of table t: the n values of as[]
** (checked already, e.g. by records_parse_assigns) written as new county
** versions, with the audit row, in one transaction.  A fixed field, a
** deleted or unknown record: SW_EDATA, nothing written.
*/
int admin_record_set(struct store *s, const struct sw_table *t, const char *id,
                     const struct rec_assign *as, int n,
                     const struct audit_src *src, struct sw_err *err);

/*
** Purge case id (purge_case): erase it with its visits and services at
** the county, and, through their next pull, on every replica of its
** station; audit it (AUDIT_PURGE), all in one transaction; then
** checkpoint the -wal.  *nrecords (may be NULL): records erased.
*/
/*
** The county's new record of a county-owned table (the resource
** directory): as[] (n fields, validated) plus the columns' defaults, a
** new id into id, one county version a field, audited (record_add, the
** values).  Every station pulls it.  A table of stations' records:
** SW_EUSAGE.  admin_record_delete leaves its tombstone (record_delete).
*/
int admin_record_add(struct store *s, const struct sw_table *t,
                     const struct rec_assign *as, int n,
                     const struct audit_src *src, char id[SW_UUID_LEN + 1],
                     struct sw_err *err);
int admin_record_delete(struct store *s, const struct sw_table *t,
                        const char *id, const struct audit_src *src,
                        struct sw_err *err);

int admin_purge_case(sdb *db, const char *id, const char *reason,
                     const struct audit_src *src, long *nrecords,
                     struct sw_err *err);

/*
** Transfer case id to station `to` (transfer_case, sync/transfer.h) with
** its audit row (AUDIT_TRANSFER: from, to, records, note), in one
** transaction; request: the station's request it confirms, or 0.  *from
** (SW_CODE_MAX + 1 bytes, may be NULL): the station it left.  Not found:
** SW_EDATA; a bad station or note, or a request that is not pending:
** SW_EUSAGE; nothing written on error.
*/
int admin_transfer_case(struct store *s, const char *id, const char *to,
                        const char *note, int64_t request,
                        const struct audit_src *src, char *from, long *nrecords,
                        struct sw_err *err);

/* Decline a station's pending transfer request, audited
** (AUDIT_TRANSFER_DECLINE).  Not pending: SW_EUSAGE. */
int admin_transfer_decline(sdb *db, int64_t request,
                           const struct audit_src *src, struct sw_err *err);

/* A station's request to move a case (sync/transfer.h), sent by its
** sync: stored once per (site, local_id).  A case that is not the
** station's, a bad station code or note: SW_EUSAGE. */
int admin_transfer_ask(sdb *db, const char *station, const char *site,
                       int64_t local_id, const char *case_id, const char *to,
                       const char *note, const char *asked_by, int64_t asked_at,
                       struct sw_err *err);

#endif
