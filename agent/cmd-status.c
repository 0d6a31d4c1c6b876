/*
** swsync status — what the replica is and what waits to be sent.
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "db.h"

static const char SQL_PENDING[] =
    "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM pending)";
static const char SQL_VERSION[] = "PRAGMA user_version";
static const char SQL_COUNTS[] =
    "SELECT (SELECT count(*) FROM cases WHERE deleted = 0),"
    " (SELECT count(*) FROM visits WHERE deleted = 0),"
    " (SELECT count(*) FROM services WHERE deleted = 0)";

static int query_ints(sqlite3 *db, const char *sql, int64_t *out, int n,
                      struct sw_err *err)
{
    sqlite3_stmt *st;
    int rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            out[i] = sqlite3_column_int64(st, i);
        rc = 0;
    } else {
        rc = db_fail(err, db, "status");
    }
    sqlite3_finalize(st);
    return rc;
}

int cmd_status(struct cmd_ctx *ctx, int argc, char **argv)
{
    static const char *const keys[] = {"station", "site", "server",
                                       "token_file"};
    char *vals[4] = {NULL, NULL, NULL, NULL};
    int64_t pending = 0, version = 0, counts[3] = {0, 0, 0};
    int json = 0, rc = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE, "status: unexpected '%s'",
                           argv[i]);
    }
    for (int i = 0; i < 4 && !rc; i++)
        rc = db_config_get(ctx->db, keys[i], &vals[i], &ctx->err);
    if (!rc)
        rc = query_ints(ctx->db, SQL_PENDING, &pending, 1, &ctx->err);
    if (!rc)
        rc = query_ints(ctx->db, SQL_VERSION, &version, 1, &ctx->err);
    if (!rc)
        rc = query_ints(ctx->db, SQL_COUNTS, counts, 3, &ctx->err);
    if (rc)
        goto out;

    if (json) {
        cJSON *o = cJSON_CreateObject();
        char *s;
        for (int i = 0; i < 4; i++) {
            if (vals[i])
                cJSON_AddStringToObject(o, keys[i], vals[i]);
            else
                cJSON_AddNullToObject(o, keys[i]);
        }
        cJSON_AddNumberToObject(o, "schema_version", (double)version);
        cJSON_AddNumberToObject(o, "pending_changes", (double)pending);
        cJSON_AddNumberToObject(o, "cases", (double)counts[0]);
        cJSON_AddNumberToObject(o, "visits", (double)counts[1]);
        cJSON_AddNumberToObject(o, "services", (double)counts[2]);
        s = cJSON_Print(o);
        cJSON_Delete(o);
        if (!s) {
            rc = sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory");
            goto out;
        }
        printf("%s\n", s);
        cJSON_free(s);
    } else {
        printf("station:         %s\n", vals[0] ? vals[0] : "");
        printf("site:            %s\n", vals[1] ? vals[1] : "");
        printf("server:          %s\n", vals[2] ? vals[2] : "");
        printf("token file:      %s\n", vals[3] ? vals[3] : "(not set)");
        printf("schema version:  %lld\n", (long long)version);
        printf("pending changes: %lld\n", (long long)pending);
        printf("records:         %lld cases, %lld visits, %lld services\n",
               (long long)counts[0], (long long)counts[1],
               (long long)counts[2]);
    }
out:
    for (int i = 0; i < 4; i++)
        free(vals[i]);
    return rc;
}
