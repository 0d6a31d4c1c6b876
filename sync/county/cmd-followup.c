/*
** swsync-county overdue [--today DATE] [--json] — per station, what is
** overdue; swsync-county referral report [--from D] [--to D]
** [--today DATE] [--json] — per station, referrals open, overdue,
** completed and declined in a period, and the outcome rate (issue 15).
** The queries are sync/due.c's, shared with the admin console.
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "county.h"
#include "due.h"

static void local_today(char buf[11])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
}

/* --NAME DATE or --NAME=DATE at argv[*i] into out: 1 taken, 0 not it,
** -1 bad (err filled) */
static int date_opt(struct county_ctx *ctx, const char *name, int argc,
                    char **argv, int *i, char out[11])
{
    size_t n = strlen(name);
    const char *v = NULL;
    if (strcmp(argv[*i], name) == 0 && *i + 1 < argc)
        v = argv[++*i];
    else if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
        v = argv[*i] + n + 1;
    else
        return 0;
    if (!due_date_valid(v)) {
        sw_fail(&ctx->err, SW_EUSAGE, _("%s: not a date (YYYY-MM-DD): '%s'"),
                name, v);
        return -1;
    }
    snprintf(out, 11, "%s", v);
    return 1;
}

/* rows as a JSON array of objects, keys[c] for column c; the columns in
** ints[] (NULL-terminated flags) as numbers */
static int print_rows(const struct desk_rows *r, const char *const *keys,
                      int ncols, int rate, struct sw_err *err)
{
    cJSON *a = cJSON_CreateArray();
    char *text = NULL;
    int rc = 0;

    for (int i = 0; a && i < r->n && !rc; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
            break;
        }
        for (int c = 0; c < ncols && !rc; c++) {
            const char *v = desk_cell(r, i, c);
            cJSON *it = c == 0 ? cJSON_CreateString(v ? v : "")
                               : cJSON_CreateNumber(v ? atof(v) : 0);
            if (!it || !cJSON_AddItemToObject(o, keys[c], it)) {
                cJSON_Delete(it);
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
            }
        }
        if (!rc && rate) {
            int p = due_outcome_rate(r, i);
            cJSON *it = p < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(p);
            if (!it || !cJSON_AddItemToObject(o, "outcome_rate", it)) {
                cJSON_Delete(it);
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
            }
        }
    }
    if (!rc && !(text = a ? cJSON_PrintUnformatted(a) : NULL))
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    if (!rc)
        puts(text);
    cJSON_free(text);
    cJSON_Delete(a);
    return rc;
}

int county_cmd_overdue(struct county_ctx *ctx, int argc, char **argv)
{
    static const char *const keys[OVD_NCOLS] = {"station", "visits",
                                                "referrals", "high_risk"};
    struct desk_rows r;
    char today[11];
    int json = 0, rc;

    local_today(today);
    for (int i = 1; i < argc; i++) {
        int t = date_opt(ctx, "--today", argc, argv, &i, today);
        if (t < 0)
            return ctx->err.code;
        if (t)
            continue;
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE, _("overdue: unexpected %s"),
                           argv[i]);
    }
    rc = due_overdue_by_station(ctx->db, today, &r, &ctx->err);
    if (!rc && json) {
        rc = print_rows(&r, keys, OVD_NCOLS, 0, &ctx->err);
    } else if (!rc) {
        printf(_("station\tvisits\treferrals\thigh risk (overdue on %s)\n"),
               today);
        for (int i = 0; i < r.n; i++)
            printf("%s\t%s\t%s\t%s\n", desk_cell(&r, i, OVD_STATION),
                   desk_cell(&r, i, OVD_VISITS),
                   desk_cell(&r, i, OVD_REFERRALS),
                   desk_cell(&r, i, OVD_HIGH_RISK));
    }
    desk_rows_release(&r);
    return rc;
}

int county_referral_report(struct county_ctx *ctx, int argc, char **argv)
{
    static const char *const keys[FIG_NCOLS_SQL] = {
        "station", "open", "overdue", "completed", "declined"};
    struct desk_rows r;
    char today[11], from[11], to[11];
    int json = 0, rc;

    local_today(today);
    snprintf(from, sizeof(from), "%.8s01", today);
    to[0] = '\0';
    for (int i = 0; i < argc; i++) {
        int t = date_opt(ctx, "--today", argc, argv, &i, today);
        if (!t)
            t = date_opt(ctx, "--from", argc, argv, &i, from);
        if (!t)
            t = date_opt(ctx, "--to", argc, argv, &i, to);
        if (t < 0)
            return ctx->err.code;
        if (t)
            continue;
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("referral report: unexpected %s"), argv[i]);
    }
    if (!to[0])
        snprintf(to, sizeof(to), "%s", today);
    rc = due_referral_figures(ctx->db, today, from, to, &r, &ctx->err);
    if (!rc && json) {
        rc = print_rows(&r, keys, FIG_NCOLS_SQL, 1, &ctx->err);
    } else if (!rc) {
        printf(_("referrals %s..%s (open and overdue on %s)\n"), from, to,
               today);
        printf(_("station\topen\toverdue\tcompleted\tdeclined\toutcome "
                 "rate\n"));
        for (int i = 0; i < r.n; i++) {
            int p = due_outcome_rate(&r, i);
            printf("%s\t%s\t%s\t%s\t%s\t", desk_cell(&r, i, FIG_STATION),
                   desk_cell(&r, i, FIG_OPEN), desk_cell(&r, i, FIG_OVERDUE),
                   desk_cell(&r, i, FIG_COMPLETED),
                   desk_cell(&r, i, FIG_DECLINED));
            if (p < 0)
                puts("-");
            else
                printf("%d%%\n", p);
        }
    }
    desk_rows_release(&r);
    return rc;
}
