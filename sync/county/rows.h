/*
** rows.h — result rows to JSON for the county's listings (CLI --json, the
** admin API and the web pages all read these arrays).
*/
#ifndef SW_COUNTY_ROWS_H
#define SW_COUNTY_ROWS_H

#include "sdb.h"
#include <cjson/cJSON.h>

#include "sw.h"

/*
** Step st (prepared and bound by the caller) to its end, making one JSON
** object per row with row(st), and finalize st in every case.  *out is a
** new array (cJSON_Delete it), or NULL on failure; what names the listing
** in a database error.
*/
int rows_json(sdb *db, sdb_stmt *st, cJSON *(*row)(sdb_stmt *st),
              const char *what, cJSON **out, struct sw_err *err);

/* Column i of st as a member of o; NULL becomes null. */
void rows_add_text(cJSON *o, const char *name, sdb_stmt *st, int i);
void rows_add_int(cJSON *o, const char *name, sdb_stmt *st, int i);
/* a field value: integer or text, as stored */
void rows_add_value(cJSON *o, const char *name, sdb_stmt *st, int i);
/* an hlc, as a decimal string (a JSON number would lose bits) */
void rows_add_hlc(cJSON *o, const char *name, sdb_stmt *st, int i);

#endif
