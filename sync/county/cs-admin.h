/*
** cs-admin.h — the county store's side of the admin functions (admin.c):
** stations and their replicas, conflicts and their resolution's
** bookkeeping, a record's state, transfer requests declined.  Every
** statement is in the common dialect of SQLite and PostgreSQL
** (docs/storage.md); admin.c keeps the rules (validation, transactions,
** the audit).  Listings are cJSON arrays the caller owns, with the
** members admin.h documents.
*/
#ifndef SW_COUNTY_CS_ADMIN_H
#define SW_COUNTY_CS_ADMIN_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "sdb.h"
#include "sw.h"
#include "table.h"

/* admin_stations_json's array. */
int cs_stations_json(sdb *db, cJSON **out, struct sw_err *err);

/* admin_conflicts_json's array: resolved ones too if all; station, table:
** NULL for every one. */
int cs_conflicts_json(sdb *db, int all, const char *station, const char *table,
                      cJSON **out, struct sw_err *err);

/* Conflict id as admin_conflict_json's object; *out NULL: no such id. */
int cs_conflict_json(sdb *db, int64_t id, cJSON **out, struct sw_err *err);

/* admin_station_conflicts_json's array. */
int cs_station_conflicts_json(sdb *db, const char *station, int64_t since_ms,
                              int limit, cJSON **out, struct sw_err *err);

/* What resolving conflict id needs to know of it (malloc'd texts). */
struct cs_conflict {
    char *tbl, *row_id, *col, *kind, *status;
    char *resolved_by;    /* NULL: none */
    char *winner, *loser; /* the values' text forms; NULL: NULL */
};

/* Read conflict id into c (*found 0: no such id, c all NULL).  Release c
** with cs_conflict_release in every case. */
int cs_conflict_get(sdb *db, int64_t id, int *found, struct cs_conflict *c,
                    struct sw_err *err);
void cs_conflict_release(struct cs_conflict *c);

/* Mark open conflict id resolved at at_ms by by, how ("winner", "loser",
** "value"), note (NULL or "": none). */
int cs_conflict_mark_resolved(sdb *db, int64_t id, int64_t at_ms,
                              const char *by, const char *how, const char *note,
                              struct sw_err *err);

/* Is station code enrolled?  *found 0/1. */
int cs_station_found(sdb *db, const char *code, int *found, struct sw_err *err);
/* Enrol station code (name NULL or "": none) at at_ms. */
int cs_station_add(sdb *db, const char *code, const char *name, int64_t at_ms,
                   struct sw_err *err);
/* Has station code a replica named device?  *used 0/1. */
int cs_device_used(sdb *db, const char *code, const char *device, int *used,
                   struct sw_err *err);
/* Revoke station code's replicas not revoked yet (device NULL: all, else
** that one) at at_ms; *count of them. */
int cs_replicas_revoke(sdb *db, const char *code, const char *device,
                       int64_t at_ms, int *count, struct sw_err *err);

/* Record id of t: *state -1 not there, 0 live, 1 deleted. */
int cs_record_state(sdb *db, const struct sw_table *t, const char *id,
                    int *state, struct sw_err *err);

/* Decline pending transfer request `request` at at_ms by by: *found 0 if
** it is not pending; else its case, station and the station asked for. */
int cs_transfer_decline(sdb *db, int64_t request, int64_t at_ms, const char *by,
                        int *found, char case_id[SW_UUID_LEN + 1],
                        char station[SW_CODE_MAX + 1], char to[SW_CODE_MAX + 1],
                        struct sw_err *err);

#endif
