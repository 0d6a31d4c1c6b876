/*
** desk.h — what the station console shows, read from the replica: today's
** work (follow-ups due, high-risk cases not visited, open cases by
** category), the sync state, a record with where each value came from,
** a case's timeline, and this station's conflicts.  The console's pages
** read through these functions only; each query is a named constant in
** desk.c, prepared and bound.
**
** Results are tables of text: struct desk_rows, n rows of ncols cells
** (NULL cells for SQL NULL), column order documented per function.
*/
#ifndef SW_DESK_H
#define SW_DESK_H

#include "sdb.h"
#include <stdint.h>

#include "sw.h"
#include "table.h"

struct desk_rows {
    int ncols, n, cap;
    char **cells; /* n * ncols, each malloc'd or NULL */
};

/* Cell (row, col), or NULL. */
const char *desk_cell(const struct desk_rows *r, int row, int col);
void desk_rows_release(struct desk_rows *r); /* then empty; NULL fine */
/* Step st (prepared, bound) to its end, its first ncols columns into out;
** st is finalized. */
int desk_collect(sdb *db, sdb_stmt *st, int ncols, struct desk_rows *out,
                 struct sw_err *err);

/*
** Follow-ups due on or before today: the latest live visit of each open
** case whose next_visit_on <= today, soonest first, at most limit.
** Columns: case id, name, village, risk_level, next_visit_on, visited_at,
** findings.
*/
int desk_due(sdb *db, const char *today, int limit, struct desk_rows *out,
             struct sw_err *err);

/*
** Open high-risk cases with no live visit on or after since (a date),
** at most limit.  Columns: case id, name, village, last visited_at (NULL:
** never).
*/
int desk_stale_high(sdb *db, const char *since, int limit,
                    struct desk_rows *out, struct sw_err *err);

/* The county's resource directory (live entries), by name.  Columns: id,
** name, type, areas, contact. */
int desk_resources(sdb *db, struct desk_rows *out, struct sw_err *err);

/* Open cases by category.  Columns: category, count. */
int desk_open_by_category(sdb *db, struct desk_rows *out, struct sw_err *err);

struct desk_sync {
    int64_t last_sync, last_attempt; /* ms, 0: never */
    int has_skew;
    int64_t skew_ms;
    char last_error[512]; /* "" : none since the last success */
    int64_t unsent;       /* outbox entries + pending changes */
    int64_t open_conflicts;
    char station[SW_CODE_MAX + 1];
};

int desk_sync_state(sdb *db, struct desk_sync *out, struct sw_err *err);

/*
** A live or deleted record by id: vals[c] for every column of t
** (malloc'd, NULL for SQL NULL; free with desk_vals_free), and from[c]
** 'c' if the field's value was last written by the county (a
** correction or a resolution), 'o' by another replica of this station,
** 0 by this one or never.  *found 0: no such record (vals untouched).
*/
int desk_record(sdb *db, const struct sw_table *t, const char *id, char **vals,
                char *from, int *found, struct sw_err *err);
void desk_vals_free(const struct sw_table *t, char **vals);

/*
** A case's live visits and services, newest first.  Columns: table
** ("visits" / "services"), id, date, mode or service_type, worker or
** provider, findings or outcome, next_visit_on (visits), amount
** (services).
*/
int desk_timeline(sdb *db, const char *case_id, struct desk_rows *out,
                  struct sw_err *err);

/*
** This replica's conflicts, open first, newest first, at most limit.
** Columns: id, tbl, row_id, col, kind, winner_value, winner_site,
** loser_value, loser_site, detected_at, status, resolved_at, resolved_by,
** resolution, note, case name (of the record or its case), winner_author,
** loser_author (the workers who wrote each value, when known), case id.
*/
int desk_conflicts(sdb *db, int limit, struct desk_rows *out,
                   struct sw_err *err);

/*
** The cases search_cases() (search.h) finds for q, in its order (name,
** ID number, phone, village, address, pinyin initials), at most limit. Columns:
*id, name, village, id_number, phone,
** category, risk_level, status.
*/
int desk_search(sdb *db, const char *q, int limit, struct desk_rows *out,
                struct sw_err *err);

#endif
