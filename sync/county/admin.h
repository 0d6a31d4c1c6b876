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

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdint.h>

#include "store.h"
#include "sw.h"

/*
** Every replica of every station, ordered by station code and enrolment:
** an array of {code, name, device, site, created_at, last_seen,
** last_sync, last_error, open_conflicts, agent_version, skew_ms,
** clamped, acked, revoked, revoked_at}.  open_conflicts counts the
** station's open conflicts.
*/
int admin_stations_json(sqlite3 *db, cJSON **out, struct sw_err *err);

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
int admin_conflicts_json(sqlite3 *db, const struct admin_conflict_filter *f,
                         cJSON **out, struct sw_err *err);

/* One conflict as above; an unknown id is SW_EDATA. */
int admin_conflict_json(sqlite3 *db, int64_t id, cJSON **out,
                        struct sw_err *err);

enum admin_keep { ADMIN_KEEP_WINNER, ADMIN_KEEP_LOSER, ADMIN_KEEP_VALUE };

/*
** Resolve conflict id in one transaction: write the chosen value (the
** winner's, the loser's, or `value`, checked with sw_validate; NULL or ""
** clears the field) as a new county version with store_write, so it
** reaches the station on its next pull with a version above both; then
** mark the conflict resolved (resolved_at, resolved_by = by, resolution
** "winner" / "loser" / "value", note).  For an edit_of_deleted conflict,
** keeping the winner writes deleted = 1; keeping the loser or a value
** writes deleted = 0 and then the value.  A resolved conflict or an
** unknown id: SW_EDATA, nothing written.  s is open on the store.
*/
int admin_resolve(struct store *s, int64_t id, enum admin_keep keep,
                  const char *value, const char *note, const char *by,
                  struct sw_err *err);

#endif
