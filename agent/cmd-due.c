/*
** swsync due [--days N] [--json] [--today DATE] — what is due and overdue;
** swsync referral list --open|--overdue — the open referrals (issue 15).
** The reads are sync/due.c's, shared with the station console.
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "due.h"
#include "labels.h"
#include "records.h"
#include "table.h"

static const char *kind_label(const char *kind)
{
    if (kind && strcmp(kind, "visit") == 0)
        return _("visit due");
    if (kind && strcmp(kind, "referral") == 0)
        return _("referral follow-up");
    return _("high risk, not visited for 30 days");
}

/* --today DATE or --today=DATE at argv[*i]: 1 taken, 0 not this, -1 bad */
static int today_opt(struct cmd_ctx *ctx, int argc, char **argv, int *i,
                     char today[11])
{
    const char *v = NULL;
    if (strcmp(argv[*i], "--today") == 0 && *i + 1 < argc)
        v = argv[++*i];
    else if (strncmp(argv[*i], "--today=", 8) == 0)
        v = argv[*i] + 8;
    else
        return 0;
    if (!due_date_valid(v)) {
        sw_fail(&ctx->err, SW_EUSAGE,
                _("--today: not a date (YYYY-MM-DD): '%s'"), v);
        return -1;
    }
    snprintf(today, 11, "%s", v);
    return 1;
}

int cmd_due(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct desk_rows r;
    char today[11];
    int json = 0, days = 0, rc;

    cmd_today(today);
    for (int i = 1; i < argc; i++) {
        int t = today_opt(ctx, argc, argv, &i, today);
        if (t < 0)
            return ctx->err.code;
        if (t)
            continue;
        if (cmd_is_help(argv[i])) {
            cmd_print_help(cmd_find("due"));
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if ((strcmp(argv[i], "--days") == 0 && i + 1 < argc) ||
                   strncmp(argv[i], "--days=", 7) == 0) {
            const char *v = argv[i][6] == '=' ? argv[i] + 7 : argv[++i];
            char *end;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 0 || n > DUE_DAYS_MAX)
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("--days: must be from 0 to %d: '%s'"),
                               DUE_DAYS_MAX, v);
            days = (int)n;
        } else {
            return sw_fail(&ctx->err, SW_EUSAGE, _("due: unexpected %s"),
                           argv[i]);
        }
    }
    rc = due_list(ctx->db, today, days, &r, &ctx->err);
    if (rc)
        return rc;
    if (json) {
        rc = due_print_json(stdout, &r, &ctx->err);
    } else {
        for (int i = 0; i < r.n; i++) {
            const char *od = desk_cell(&r, i, DUE_OVERDUE);
            printf("%s\t%s\t%s\t", desk_cell(&r, i, DUE_ON),
                   od && strcmp(od, "1") == 0 ? _("overdue") : _("due"),
                   kind_label(desk_cell(&r, i, DUE_KIND)));
            records_print_cell(
                stdout, (const unsigned char *)desk_cell(&r, i, DUE_NAME));
            printf("\t%s\n", desk_cell(&r, i, DUE_ID));
        }
        if (r.n == 0 && !ctx->quiet)
            printf(_("nothing due\n"));
    }
    desk_rows_release(&r);
    return rc;
}

int cmd_referral_list(struct cmd_ctx *ctx, int which, int argc, char **argv)
{
    static const char *const keys[REF_NCOLS] = {
        "id",     "case_id",     "name",         "need",    "resource",
        "status", "referred_on", "follow_up_on", "overdue", "outcome"};
    struct desk_rows r;
    char today[11];
    int json = 0, rc;

    cmd_today(today);
    for (int i = 0; i < argc; i++) {
        int t = today_opt(ctx, argc, argv, &i, today);
        if (t < 0)
            return ctx->err.code;
        if (t || strcmp(argv[i], "--open") == 0 ||
            strcmp(argv[i], "--overdue") == 0)
            continue;
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("referral list: unexpected %s (--open and "
                             "--overdue take --json and --today only)"),
                           argv[i]);
    }
    rc = due_referrals(ctx->db, today, which, &r, &ctx->err);
    if (rc)
        return rc;
    if (json) {
        cJSON *a = cJSON_CreateArray();
        char *text = NULL;
        for (int i = 0; a && i < r.n && !rc; i++) {
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddItemToArray(a, o)) {
                cJSON_Delete(o);
                rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
            }
            for (int c = 0; c < REF_NCOLS && !rc; c++) {
                const char *v = desk_cell(&r, i, c);
                cJSON *it = c == REF_OVERDUE
                                ? cJSON_CreateBool(v && strcmp(v, "1") == 0)
                            : v ? cJSON_CreateString(v)
                                : cJSON_CreateNull();
                if (!it || !cJSON_AddItemToObject(o, keys[c], it)) {
                    cJSON_Delete(it);
                    rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
                }
            }
        }
        if (!rc && !(text = a ? cJSON_PrintUnformatted(a) : NULL))
            rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        if (!rc)
            puts(text);
        cJSON_free(text);
        cJSON_Delete(a);
    } else {
        for (int i = 0; i < r.n; i++) {
            const int cols[] = {REF_ID,     REF_NAME,      REF_NEED,
                                REF_STATUS, REF_FOLLOW_UP, REF_RESOURCE};
            const char *od;
            for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
                if (k)
                    putchar('\t');
                records_print_cell(
                    stdout, (const unsigned char *)desk_cell(&r, i, cols[k]));
            }
            od = desk_cell(&r, i, REF_OVERDUE);
            if (od && strcmp(od, "1") == 0)
                printf("\t%s", _("overdue"));
            putchar('\n');
        }
    }
    desk_rows_release(&r);
    return rc;
}
