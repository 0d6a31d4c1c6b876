/*
** syncsql.h — the SQL a station's sync runs at the county (hello, push,
** pull, conflicts, audit) besides the store's own statements (store.c,
** merge.c), in one place: tests/test-plans.c checks the query plan of
** every one of them (no statement on a station's sync path may scan a
** county-wide table: issue 14, docs/benchmarks.md).
*/
#ifndef SW_COUNTY_SYNCSQL_H
#define SW_COUNTY_SYNCSQL_H

/* auth.c: a request's token */
extern const char COUNTY_SQL_AUTH_LOOKUP[];
/* cs-sync.c (http.c): POST /v1/hello */
extern const char COUNTY_SQL_HELLO_READ[];
extern const char COUNTY_SQL_SITE_OWNER[];
extern const char COUNTY_SQL_HELLO_WRITE[];
extern const char COUNTY_SQL_CONFLICTS_MARK[];
/* cs-sync.c (http.c): POST /v1/push */
extern const char COUNTY_SQL_PUSH_DONE[];
extern const char COUNTY_SQL_PUSH_ERROR[];
/* cs-admin.c (admin.c): GET /v1/conflicts */
extern const char COUNTY_SQL_STATION_CONFLICTS[];
/* cs-sync.c (http.c), audit.c: POST /v1/audit; SA_ADD's ?3 is the
   audit row's id (AUDIT_ADD returns it: RETURNING, not lastval()'s round
   trips on PostgreSQL) */
extern const char COUNTY_SQL_SA_SEEN[];
extern const char COUNTY_SQL_SA_ADD[];
extern const char COUNTY_SQL_CASE_OF_STATION[];
extern const char COUNTY_SQL_TRANSFER_ASK[];
extern const char COUNTY_SQL_AUDIT_ADD[];

/* All of the above and the store's statements prepared per request
** (store.h), NULL-terminated. */
const char *const *county_sync_sql(void);

#endif
