/*
** links.c — the station's link notices (see links.h).
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "links.h"

static const char SQL_CLEAR[] = "DELETE FROM also_served";
static const char SQL_ADD[] =
    "INSERT OR REPLACE INTO also_served (case_id, station, name, contact) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char SQL_OF_CASE[] =
    "SELECT station, name, contact FROM also_served WHERE case_id = ?1 "
    "ORDER BY station";

int links_known(sdb *db, char *out, struct sw_err *err)
{
    char *v = NULL;
    int rc = db_config_get(db, "links", &v, err);
    if (rc)
        return rc;
    snprintf(out, SW_LINK_DIGEST_MAX + 1, "%s", v && *v ? v : "0");
    free(v);
    return 0;
}

int links_apply(sdb *db, const struct sw_batch *b, struct sw_err *err)
{
    sdb_stmt *st;
    int rc;

    if (!b->has_links)
        return 0;
    rc = db_exec(db, SQL_CLEAR, err);
    if (!rc)
        rc = db_prepare(db, SQL_ADD, &st, err);
    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < b->nlink; i++) {
        const struct sw_link *l = &b->link[i];
        sdb_bind_text(st, 1, l->case_id, -1, SDB_STATIC);
        sdb_bind_text(st, 2, l->station, -1, SDB_STATIC);
        if (*l->name)
            sdb_bind_text(st, 3, l->name, -1, SDB_STATIC);
        else
            sdb_bind_null(st, 3);
        if (*l->contact)
            sdb_bind_text(st, 4, l->contact, -1, SDB_STATIC);
        else
            sdb_bind_null(st, 4);
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "store link notice");
        sdb_reset(st);
    }
    sdb_finalize(st);
    if (!rc)
        rc = db_config_set(db, "links", b->links_digest, err);
    return rc;
}

int links_of_case_json(sdb *db, const char *id, cJSON **out, struct sw_err *err)
{
    cJSON *arr = cJSON_CreateArray();
    sdb_stmt *st;
    int rc, step;

    *out = NULL;
    if (!arr)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    rc = db_prepare(db, SQL_OF_CASE, &st, err);
    if (rc) {
        cJSON_Delete(arr);
        return rc;
    }
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    while (!rc && (step = sdb_step(st)) == SDB_ROW) {
        cJSON *o = cJSON_CreateObject();
        const char *k[] = {"station", "name", "contact"};
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
            break;
        }
        for (int i = 0; i < 3; i++) {
            const char *v = (const char *)sdb_column_text(st, i);
            if (v)
                cJSON_AddStringToObject(o, k[i], v);
            else
                cJSON_AddNullToObject(o, k[i]);
        }
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, db, "read link notices");
    sdb_finalize(st);
    if (rc)
        cJSON_Delete(arr);
    else
        *out = arr;
    return rc;
}
