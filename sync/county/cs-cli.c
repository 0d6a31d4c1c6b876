/*
** cs-cli.c — the county store's reads for the CLI (see cs-cli.h).
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cs-cli.h"
#include "db.h"

/* the cutoff is computed in C (cs_years_before): no date() in SQL */
static const char SQL_DUE[] =
    "SELECT id, station, closed_on FROM cases WHERE status = 'closed' "
    "AND closed_on IS NOT NULL AND closed_on <= ?1 "
    "ORDER BY closed_on, id";

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

void cs_years_before(const char *today, long years, char cutoff[11])
{
    int y = atoi(today), m = atoi(today + 5), d = atoi(today + 8);

    y -= (int)years;
    if (y < 1) {
        /* before every real date: nothing is due */
        snprintf(cutoff, 11, "0000-00-00");
        return;
    }
    if (m == 2 && d == 29 && !leap(y)) {
        m = 3;
        d = 1;
    }
    snprintf(cutoff, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
             (unsigned)m % 100u, (unsigned)d % 100u);
}

int cs_closed_cases_due(sdb *db, const char *cutoff,
                        int (*fn)(void *arg, const char *id,
                                  const char *station, const char *closed_on),
                        void *arg, struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step;

    if ((rc = db_prepare(db, SQL_DUE, &st, err)))
        return rc;
    sdb_bind_text(st, 1, cutoff, -1, SDB_STATIC);
    while ((step = sdb_step(st)) == SDB_ROW)
        if ((rc = fn(arg, (const char *)sdb_column_text(st, 0),
                     (const char *)sdb_column_text(st, 1),
                     (const char *)sdb_column_text(st, 2))))
            break;
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, db, "read closed cases");
    sdb_finalize(st);
    return rc;
}
