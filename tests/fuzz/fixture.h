/*
** fixture.h — what the fuzz targets share: a store in a temporary
** directory that is put back to a snapshot after each input, so that an
** input's effect does not depend on the ones before it.
*/
#ifndef SW_FUZZ_FIXTURE_H
#define SW_FUZZ_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "sdb.h"

#include "db.h"
#include "sw.h"

struct fixture {
    char dir[64];
    sdb *db;     /* the store the target works on */
    sdb *snap;   /* its state after setup, in memory */
    int changes; /* sqlite3_total_changes() when it was last that */
};

/* Create a store of role (SW_ROLE_COUNTY with county C01, or a station's
** replica of A01, site A01-fuzz) in a new temporary directory, removed at
** exit.  Aborts on failure: a fuzz target without its store is useless. */
void fixture_open(struct fixture *f, enum sw_role role);

/* Remember the store as it is now; fixture_reset() goes back to it. */
void fixture_snapshot(struct fixture *f);
void fixture_reset(struct fixture *f);

/* Give up: a broken fixture, not a finding. */
void fixture_die(const char *what, const struct sw_err *err);

#endif
