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
#include "cs-console.h"

struct list_arg {
    cJSON *arr; /* --json: the requests, else NULL: printed */
    struct sw_err *err;
};

static int list_request(void *arg, const struct cs_transfer_request *r)
{
    struct list_arg *a = arg;
    char id[24];
    const char *v[] = {id,      r->station,  r->case_id, r->to_station,
                       r->note, r->asked_by, r->status,  r->decided_by};
    snprintf(id, sizeof(id), "%lld", (long long)r->id);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (!v[i])
            v[i] = "";
    if (a->arr) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(a->arr, o) ||
            !cJSON_AddNumberToObject(o, "id", (double)r->id) ||
            !cJSON_AddStringToObject(o, "station", v[1]) ||
            !cJSON_AddStringToObject(o, "case", v[2]) ||
            !cJSON_AddStringToObject(o, "to_station", v[3]) ||
            !cJSON_AddStringToObject(o, "note", v[4]) ||
            !cJSON_AddStringToObject(o, "asked_by", v[5]) ||
            !cJSON_AddNumberToObject(o, "asked_at", (double)r->asked_at) ||
            !cJSON_AddStringToObject(o, "status", v[6]))
            return sw_fail(a->err, SW_ESOFTWARE, _("out of memory"));
    } else {
        printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v[0], v[6], v[1], v[2], v[3],
               v[5], v[4]);
    }
    return 0;
}

static int list_requests(struct county_ctx *ctx, int json, int all)
{
    struct list_arg a = {json ? cJSON_CreateArray() : NULL, &ctx->err};
    int rc = 0;

    if (json && !a.arr)
        return sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    rc = cs_transfer_requests(ctx->db, all, list_request, &a, &ctx->err);
    if (!rc && json) {
        char *text = cJSON_Print(a.arr);
        if (!text)
            rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        else
            printf("%s\n", text);
        free(text);
    }
    cJSON_Delete(a.arr);
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
