/*
** swsync-county audit [--json|--csv] [--limit N] [--actor NAME]
** [--record ID] — the audit trail, newest first, of one admin or about
** one record if asked.
*/
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "county.h"
#include "csv.h"
#include "records.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 10000

int county_cmd_audit(struct county_ctx *ctx, int argc, char **argv)
{
    cJSON *arr = NULL, *o;
    long limit = DEFAULT_LIMIT;
    const char *actor = NULL, *record = NULL;
    int json = 0, csv = 0, rc;

    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
            continue;
        }
        if (strcmp(argv[i], "--csv") == 0) {
            csv = 1;
            continue;
        }
        if (strcmp(argv[i], "--actor") == 0 && i + 1 < argc) {
            actor = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "--record") == 0 && i + 1 < argc) {
            record = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
            v = argv[++i];
        else if (strncmp(argv[i], "--limit=", 8) == 0)
            v = argv[i] + 8;
        if (!v)
            return sw_fail(&ctx->err, SW_EUSAGE, _("audit: unexpected '%s'"),
                           argv[i]);
        {
            char *end;
            errno = 0;
            limit = strtol(v, &end, 10);
            if (errno || end == v || *end || limit < 1 || limit > MAX_LIMIT)
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("audit: --limit wants 1-%d: '%s'"), MAX_LIMIT,
                               v);
        }
    }
    rc = audit_json(ctx->db, limit, 0, actor, record, &arr, &ctx->err);
    if (rc)
        return rc;
    if (json)
        return county_print_json(arr, &ctx->err);
    if (csv) {
        static const char *const k[] = {"at",     "actor",  "source",
                                        "action", "target", "details"};
        for (int i = 0; i < 6; i++)
            csv_put(stdout, k[i], i == 0);
        csv_end(stdout);
        cJSON_ArrayForEach (o, arr) {
            char when[20];
            county_format_time(
                (int64_t)cJSON_GetObjectItemCaseSensitive(o, "at")->valuedouble,
                when);
            csv_put(stdout, when, 1);
            for (int i = 1; i < 6; i++)
                csv_put(stdout, county_jstr(o, k[i]), 0);
            csv_end(stdout);
        }
        cJSON_Delete(arr);
        return 0;
    }
    cJSON_ArrayForEach (o, arr) {
        char when[20];
        county_format_time(
            (int64_t)cJSON_GetObjectItemCaseSensitive(o, "at")->valuedouble,
            when);
        printf("%s\t%s\t%s\t%s\t%s\t", when, county_jstr(o, "actor"),
               county_jstr(o, "source"), county_jstr(o, "action"),
               county_jstr(o, "target"));
        records_print_cell(stdout,
                           (const unsigned char *)cJSON_GetStringValue(
                               cJSON_GetObjectItemCaseSensitive(o, "details")));
        putchar('\n');
    }
    cJSON_Delete(arr);
    return 0;
}
