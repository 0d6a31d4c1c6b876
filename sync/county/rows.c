#include "config.h"

#include "db.h"
#include "hlc.h"
#include "rows.h"

int rows_json(sdb *db, sdb_stmt *st, cJSON *(*row)(sdb_stmt *st),
              const char *what, cJSON **out, struct sw_err *err)
{
    cJSON *arr = cJSON_CreateArray();
    int rc = 0, step;

    *out = NULL;
    if (!arr) {
        sdb_finalize(st);
        return sw_fail(err, SW_ESOFTWARE, "out of memory");
    }
    while ((step = sdb_step(st)) == SDB_ROW) {
        cJSON *o = row(st);
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            rc = sw_fail(err, SW_ESOFTWARE, "out of memory");
            break;
        }
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, db, what);
    sdb_finalize(st);
    if (rc) {
        cJSON_Delete(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

void rows_add_text(cJSON *o, const char *name, sdb_stmt *st, int i)
{
    if (sdb_column_type(st, i) == SDB_NULL)
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddStringToObject(o, name, (const char *)sdb_column_text(st, i));
}

void rows_add_int(cJSON *o, const char *name, sdb_stmt *st, int i)
{
    if (sdb_column_type(st, i) == SDB_NULL)
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, (double)sdb_column_int64(st, i));
}

void rows_add_value(cJSON *o, const char *name, sdb_stmt *st, int i)
{
    if (sdb_column_type(st, i) == SDB_INTEGER)
        rows_add_int(o, name, st, i);
    else
        rows_add_text(o, name, st, i);
}

void rows_add_hlc(cJSON *o, const char *name, sdb_stmt *st, int i)
{
    char buf[HLC_STR_MAX + 1];
    if (sdb_column_type(st, i) == SDB_NULL) {
        cJSON_AddNullToObject(o, name);
        return;
    }
    hlc_format(sdb_column_int64(st, i), buf);
    cJSON_AddStringToObject(o, name, buf);
}
