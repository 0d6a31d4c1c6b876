/*
** cs-cli.h — the county store's reads for the CLI commands that have no
** store module of their own (sync/county/cmd-retention.c; the transfer
** requests are cs_transfer_requests in cs-console.h).  Statements in the
** common dialect of docs/storage.md.
*/
#ifndef SW_COUNTY_CS_CLI_H
#define SW_COUNTY_CS_CLI_H

#include "sdb.h"
#include "sw.h"

/*
** The date years years before today (both YYYY-MM-DD; today a real
** date) into cutoff, as SQLite's date(today, '-N years') gives it: 29
** February of a year that has none becomes 1 March.
*/
void cs_years_before(const char *today, long years, char cutoff[11]);

/*
** The closed cases whose closed_on is cutoff (YYYY-MM-DD) or earlier, by
** closed_on then id: fn(arg, id, station, closed_on) per case (station
** may be NULL).  A non-zero return of fn stops the listing and is
** returned; otherwise 0 or an SW_* code with err filled.
*/
int cs_closed_cases_due(sdb *db, const char *cutoff,
                        int (*fn)(void *arg, const char *id,
                                  const char *station, const char *closed_on),
                        void *arg, struct sw_err *err);

#endif
