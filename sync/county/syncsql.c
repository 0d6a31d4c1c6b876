/*
** syncsql.c — the SQL of a station's sync at the county (see syncsql.h).
*/
#include "config.h"

#include <stddef.h>

#include "store.h"
#include "syncsql.h"

const char COUNTY_SQL_AUTH_LOOKUP[] =
    "SELECT id, station, device, site, acked_seq FROM replicas "
    "WHERE token_hash = ?1 AND revoked_at IS NULL";

const char COUNTY_SQL_HELLO_READ[] =
    "SELECT site, acked_seq FROM replicas WHERE id = ?1";
const char COUNTY_SQL_SITE_OWNER[] =
    "SELECT 1 FROM replicas WHERE site = ?1 AND id <> ?2";
const char COUNTY_SQL_HELLO_WRITE[] =
    "UPDATE replicas SET site = coalesce(site, CAST(?2 AS TEXT)), "
    "last_seen = ?3, agent_version = coalesce(CAST(?4 AS TEXT), "
    "agent_version), skew_ms = coalesce(CAST(?5 AS BIGINT), skew_ms) "
    "WHERE id = ?1";
/* When the station's conflicts last changed (detected or resolved, ms;
** 0: never; the largest of the three columns, taken in C: no two-argument
** max() in the common dialect): index seeks (conflicts_station_detected
** and conflicts_station_resolved, schema/county-local.sql), not a pass
** over the conflicts (every hello of every station runs it). */
/* a case moved to the station brings its conflicts: the transfer moves
   the mark too */
const char COUNTY_SQL_CONFLICTS_MARK[] =
    "SELECT coalesce((SELECT max(detected_at) FROM conflicts "
    "WHERE station = ?1), 0), coalesce((SELECT max(resolved_at) FROM "
    "conflicts WHERE station = ?1), 0), coalesce((SELECT max(at) FROM "
    "transfers WHERE to_station = ?1), 0)";

const char COUNTY_SQL_PUSH_DONE[] =
    "UPDATE replicas SET last_sync = ?2, last_seen = ?2, last_error = NULL, "
    "clamped = clamped + ?3 WHERE id = ?1";
const char COUNTY_SQL_PUSH_ERROR[] =
    "UPDATE replicas SET last_seen = ?2, last_error = ?3 WHERE id = ?1";

const char COUNTY_SQL_STATION_CONFLICTS[] =
    "SELECT id, tbl, row_id, col, kind, winner_value, winner_site, "
    "winner_hlc, loser_value, loser_site, loser_hlc, status, resolution, "
    "note, detected_at, resolved_at, "
    /* a county admin's name stays at the county (docs/protocol.md) */
    "CASE WHEN winner_site = (SELECT value FROM config WHERE key = 'county') "
    "THEN NULL ELSE winner_author END, "
    "CASE WHEN loser_site = (SELECT value FROM config WHERE key = 'county') "
    "THEN NULL ELSE loser_author END "
    "FROM conflicts WHERE station = ?1 AND (status = 'open' OR resolved_at >= "
    "?2) "
    "ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, id DESC "
    "LIMIT ?3";

const char COUNTY_SQL_SA_SEEN[] =
    "SELECT 1 FROM station_audit WHERE site = ?1 AND local_id = ?2";
const char COUNTY_SQL_SA_ADD[] =
    "INSERT INTO station_audit (site, local_id, audit_id) "
    "VALUES (?1, ?2, ?3)";
/* cs-sync.c: a station's transfer request, riding its audit lines */
const char COUNTY_SQL_CASE_OF_STATION[] =
    "SELECT 1 FROM cases WHERE id = ?1 AND station = ?2";
const char COUNTY_SQL_TRANSFER_ASK[] =
    "INSERT INTO transfer_requests (site, local_id, station, case_id, "
    "to_station, note, asked_by, asked_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (site, local_id) DO NOTHING";
const char COUNTY_SQL_AUDIT_ADD[] =
    "INSERT INTO audit (at, actor, action, target, details, source) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";

const char *const *county_sync_sql(void)
{
    static const char *const all[] = {COUNTY_SQL_AUTH_LOOKUP,
                                      COUNTY_SQL_HELLO_READ,
                                      COUNTY_SQL_SITE_OWNER,
                                      COUNTY_SQL_HELLO_WRITE,
                                      COUNTY_SQL_CONFLICTS_MARK,
                                      COUNTY_SQL_PUSH_DONE,
                                      COUNTY_SQL_PUSH_ERROR,
                                      COUNTY_SQL_STATION_CONFLICTS,
                                      COUNTY_SQL_SA_SEEN,
                                      COUNTY_SQL_SA_ADD,
                                      COUNTY_SQL_CASE_OF_STATION,
                                      COUNTY_SQL_TRANSFER_ASK,
                                      COUNTY_SQL_AUDIT_ADD,
                                      STORE_SQL_REMAINING,
                                      STORE_SQL_STREAM_END,
                                      STORE_SQL_STREAM_OTHER,
                                      NULL};
    return all;
}
