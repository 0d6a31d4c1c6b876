/*
** swsync-county transfer requests [--json] [--all] | decline N — the
** stations' requests to move a case (docs/design-notes.md, "Case
** transfer").  A request is confirmed by the transfer itself:
** swsync-county case transfer ID --to STATION --note TEXT --request N.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin.h"
#include "audit.h"
#include "county.h"
#include "db.h"

static const char SQL_REQUESTS[] =
    "SELECT id, station, case_id, to_station, note, asked_by, asked_at, "
    "status, decided_by FROM transfer_requests "
    "WHERE ?1 = 1 OR status = 'pending' ORDER BY id";

static int list_requests(struct county_ctx *ctx, int json, int all)
{
    sdb_stmt *st = NULL;
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    int rc = db_prepare(ctx->db, SQL_REQUESTS, &st, &ctx->err);
    int step = SDB_DONE;

    if (!rc && json && !arr)
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    if (!rc)
        sdb_bind_int(st, 1, all);
    while (!rc && (step = sdb_step(st)) == SDB_ROW) {
        const char *v[9];
        for (int i = 0; i < 9; i++)
            v[i] = sdb_column_text(st, i) ? (const char *)sdb_column_text(st, i)
                                          : "";
        if (json) {
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddItemToArray(arr, o) ||
                !cJSON_AddNumberToObject(o, "id",
                                         (double)sdb_column_int64(st, 0)) ||
                !cJSON_AddStringToObject(o, "station", v[1]) ||
                !cJSON_AddStringToObject(o, "case", v[2]) ||
                !cJSON_AddStringToObject(o, "to_station", v[3]) ||
                !cJSON_AddStringToObject(o, "note", v[4]) ||
                !cJSON_AddStringToObject(o, "asked_by", v[5]) ||
                !cJSON_AddNumberToObject(o, "asked_at",
                                         (double)sdb_column_int64(st, 6)) ||
                !cJSON_AddStringToObject(o, "status", v[7]))
                rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        } else {
            printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v[0], v[7], v[1], v[2], v[3],
                   v[5], v[4]);
        }
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(&ctx->err, ctx->db, "read transfer requests");
    sdb_finalize(st);
    if (!rc && json) {
        char *text = cJSON_Print(arr);
        if (!text)
            rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        else
            printf("%s\n", text);
        free(text);
    }
    cJSON_Delete(arr);
    return rc;
}

int county_cmd_transfer(struct county_ctx *ctx, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "requests") == 0) {
        int json = 0, all = 0;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--json") == 0)
                json = 1;
            else if (strcmp(argv[i], "--all") == 0)
                all = 1;
            else
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("transfer requests: unexpected %s"), argv[i]);
        }
        return list_requests(ctx, json, all);
    }
    if (argc == 3 && strcmp(argv[1], "decline") == 0) {
        struct audit_src src;
        char *end = NULL;
        long long n = strtoll(argv[2], &end, 10);
        int rc;
        if (!*argv[2] || *end || n <= 0)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("transfer decline: N, a request's number"));
        audit_cli_src(&src);
        rc = admin_transfer_decline(ctx->db, n, &src, &ctx->err);
        if (!rc && !ctx->quiet)
            printf(_("declined transfer request %lld\n"), n);
        return rc;
    }
    return sw_fail(&ctx->err, SW_EUSAGE,
                   _("transfer: requests [--json] [--all] | decline N"));
}
