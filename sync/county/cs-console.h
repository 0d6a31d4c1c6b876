/*
** cs-console.h — the county store's reads for the admin console
** (sync/county/web.c): the counts in its navigation, the record search,
** a record and what hangs off it, the transfer requests and transfers.
**
** The console builds pages; these functions run the statements (in the
** common dialect of docs/storage.md) and hand back plain C values: a
** count, malloc'd text, or one callback per row.  Row values passed to a
** callback are valid during that call only; NULL stands for SQL NULL.
** A callback returning non-zero stops the listing, and that value is
** returned.  Errors come back as an SW_* code with err filled (err may
** be NULL).
*/
#ifndef SW_COUNTY_CS_CONSOLE_H
#define SW_COUNTY_CS_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "sdb.h"
#include "sw.h"
#include "table.h"

/* Open conflicts; pending transfer requests.  0 on a database error. */
int64_t cs_open_conflicts(sdb *db);
int64_t cs_pending_transfers(sdb *db);

/*
** The station and device whose replica has site id site.  0 and *station,
** *device malloc'd (free them) when found; 1 when not (both NULL); an
** SW_* code on failure.
*/
int cs_site_owner(sdb *db, const char *site, char **station, char **device,
                  struct sw_err *err);

/*
** The name of case id (is_case), or of the case a visit or service id
** belongs to.  0 and *name malloc'd (NULL when the name is NULL) when the
** case is found; 1 when not; an SW_* code on failure.
*/
int cs_case_name(sdb *db, int is_case, const char *id, char **name,
                 struct sw_err *err);

/* The enrolled stations by code: fn(arg, code, name) per station. */
int cs_station_codes(sdb *db,
                     int (*fn)(void *arg, const char *code, const char *name),
                     void *arg, struct sw_err *err);

/* The table ("cases", "visits", "services") holding id: 0 and table
** filled, 1 when no table holds it, an SW_* code on failure. */
int cs_find_id(sdb *db, const char *id, char table[16], struct sw_err *err);

/* One case found by cs_search_cases. */
struct cs_case_hit {
    const char *id, *station, *name, *village, *category, *risk_level, *status;
};

/*
** The live cases whose id is q or whose name contains q (as is, case
** sensitive), by name then id: fn per case, at most max of them; *more
** is set when there are more than max.
*/
int cs_search_cases(sdb *db, const char *q, int max,
                    int (*fn)(void *arg, const struct cs_case_hit *h),
                    void *arg, int *more, struct sw_err *err);

/* A record of one table, its values as text (integers in decimal). */
struct cs_record {
    char *station;
    char **v; /* t->ncols values, NULL for NULL */
    int ncols;
    int deleted;
};

/*
** Record id of table t into *r: 0 when found (cs_record_release it), 1
** when not (*r is empty), an SW_* code on failure.
*/
int cs_record_get(sdb *db, const struct sw_table *t, const char *id,
                  struct cs_record *r, struct sw_err *err);
void cs_record_release(struct cs_record *r);

/*
** The live visits (newest first) or services (newest first) of case id,
** at most 200: fn(arg, v) with v[0] the record's id and v[1..4] the
** values of cols (visits: visited_at, mode, worker, findings; services:
** service_on, service_type, amount, outcome) as text.
*/
int cs_case_visits(sdb *db, const char *id,
                   int (*fn)(void *arg, const char *const v[5]), void *arg,
                   struct sw_err *err);
int cs_case_services(sdb *db, const char *id,
                     int (*fn)(void *arg, const char *const v[5]), void *arg,
                     struct sw_err *err);

/* A conflict about one record (cs_record_conflicts). */
struct cs_record_conflict {
    int64_t id;
    const char *col, *status;
    int64_t detected_at; /* ms since the epoch */
};

/* The newest 100 conflicts about record id of table tbl, newest first. */
int cs_record_conflicts(sdb *db, const char *tbl, const char *id,
                        int (*fn)(void *arg,
                                  const struct cs_record_conflict *c),
                        void *arg, struct sw_err *err);

/* A station's request to move a case (cs_transfer_requests). */
struct cs_transfer_request {
    int64_t id;
    const char *station, *case_id, *to_station, *note, *asked_by, *status,
        *decided_by;
    int64_t asked_at; /* ms since the epoch */
};

/* The transfer requests by number: the pending ones, or all (all != 0). */
int cs_transfer_requests(sdb *db, int all,
                         int (*fn)(void *arg,
                                   const struct cs_transfer_request *r),
                         void *arg, struct sw_err *err);

/* A case transfer done (cs_transfers_recent). */
struct cs_transfer {
    const char *case_id, *from_station, *to_station, *admin, *note;
    int64_t at; /* ms since the epoch */
};

/* The newest limit transfers, newest first. */
int cs_transfers_recent(sdb *db, int limit,
                        int (*fn)(void *arg, const struct cs_transfer *t),
                        void *arg, struct sw_err *err);

#endif
