/*
** swsync-county retention set YEARS | off | show
** swsync-county retention run [--dry-run] [--today DATE]
**
** Closed cases are erased (purged, with their visits and services) YEARS
** after their closed_on date.  Off by default.  run lists what goes (with
** --dry-run: what would go) and purges it; every run is audited.  serve
** does not run it: a daily timer does (dist/, man swsync-county).
*/
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "audit.h"
#include "county.h"
#include "cs-cli.h"
#include "db.h"

#define RETENTION_KEY "retention_years"

struct due {
    char id[SW_UUID_LEN + 1];
    char station[SW_CODE_MAX + 1];
    char closed_on[11];
};

static int years_of(const char *v, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(v, &end, 10);
    return !errno && end != v && !*end && *out >= 1 && *out <= 100;
}

struct due_list {
    struct due *v;
    size_t n, cap;
    struct sw_err *err;
};

static int add_due(void *arg, const char *id, const char *station,
                   const char *closed_on)
{
    struct due_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct due *nv = realloc(l->v, cap * sizeof(*nv));
        if (!nv)
            return sw_fail(l->err, SW_ESOFTWARE, _("out of memory"));
        l->v = nv;
        l->cap = cap;
    }
    snprintf(l->v[l->n].id, sizeof(l->v[l->n].id), "%s", id ? id : "");
    snprintf(l->v[l->n].station, sizeof(l->v[l->n].station), "%s",
             station ? station : "");
    snprintf(l->v[l->n].closed_on, sizeof(l->v[l->n].closed_on), "%s",
             closed_on ? closed_on : "");
    l->n++;
    return 0;
}

/* The closed cases due on today: closed at least years before it. */
static int load_due(sdb *db, const char *today, long years, struct due **out,
                    size_t *n, struct sw_err *err)
{
    struct due_list l = {NULL, 0, 0, err};
    char cutoff[11];
    int rc;

    cs_years_before(today, years, cutoff);
    rc = cs_closed_cases_due(db, cutoff, add_due, &l, err);
    if (rc) {
        free(l.v);
        *out = NULL;
        *n = 0;
        return rc;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}

static int retention_run(struct county_ctx *ctx, int argc, char **argv)
{
    const char *today = NULL;
    char today_buf[11], details[200], reason[120];
    char *setting = NULL;
    struct due *v = NULL;
    struct audit_src src;
    size_t n = 0, done = 0;
    long years = 0;
    int dry = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--dry-run"))
            dry = 1;
        else if (!strcmp(argv[i], "--today") && i + 1 < argc)
            today = argv[++i];
        else
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("retention run: unexpected '%s'"), argv[i]);
    }
    if (today) {
        struct sw_column dc = {"today", SW_TEXT, CK_DATE, 0, 0, NULL, NULL};
        if (sw_validate(&sw_tables[SW_T_CASES], &dc, today, NULL))
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("retention run: --today wants YYYY-MM-DD: '%s'"),
                           today);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        if (!localtime_r(&now, &tm) ||
            !strftime(today_buf, sizeof(today_buf), "%Y-%m-%d", &tm))
            return sw_fail(&ctx->err, SW_ESOFTWARE, _("no date today"));
        today = today_buf;
    }
    rc = db_config_get(ctx->db, RETENTION_KEY, &setting, &ctx->err);
    if (rc)
        return rc;
    if (!setting || !years_of(setting, &years)) {
        free(setting);
        if (!ctx->quiet)
            printf(_("retention is off\n"));
        return 0;
    }
    free(setting);
    rc = load_due(ctx->db, today, years, &v, &n, &ctx->err);
    if (rc)
        return rc;
    audit_cli_src(&src);
    snprintf(reason, sizeof(reason), "retention: closed %ld years", years);
    for (size_t i = 0; i < n && !rc; i++) {
        if (!dry)
            rc = admin_purge_case(ctx->db, v[i].id, reason, &src, NULL,
                                  &ctx->err);
        if (!rc) {
            done++;
            if (!ctx->quiet)
                printf("%s\t%s\t%s\t%s\n", dry ? "would purge" : "purged",
                       v[i].id, v[i].station, v[i].closed_on);
        }
    }
    snprintf(details, sizeof(details), "%s%zu closed cases, %ld years, %s",
             dry ? "dry run: " : "", done, years, today);
    /* each purge is audited on its own; the run as a whole too */
    if (!rc)
        rc =
            audit_log(ctx->db, &src, AUDIT_RETENTION, NULL, details, &ctx->err);
    free(v);
    return rc;
}

int county_cmd_retention(struct county_ctx *ctx, int argc, char **argv)
{
    long years;
    char *v = NULL;
    int rc;

    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("retention: missing subcommand"));
    if (!strcmp(argv[1], "run"))
        return retention_run(ctx, argc - 2, argv + 2);
    if (!strcmp(argv[1], "show") && argc == 2) {
        rc = db_config_get(ctx->db, RETENTION_KEY, &v, &ctx->err);
        if (!rc)
            printf("%s\n", v && years_of(v, &years) ? v : "off");
        free(v);
        return rc;
    }
    if (!strcmp(argv[1], "set") && argc == 3) {
        struct audit_src src;
        if (strcmp(argv[2], "off") != 0 && !years_of(argv[2], &years))
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("retention set: wants 1-100 years or off: '%s'"),
                           argv[2]);
        audit_cli_src(&src);
        rc = db_begin(ctx->db, &ctx->err);
        if (!rc)
            rc = db_config_set(ctx->db, RETENTION_KEY, argv[2], &ctx->err);
        if (!rc)
            rc = audit_log(ctx->db, &src, AUDIT_RETENTION, NULL, argv[2],
                           &ctx->err);
        if (rc) {
            db_rollback(ctx->db);
            return rc;
        }
        return db_commit(ctx->db, &ctx->err);
    }
    return sw_fail(&ctx->err, SW_EUSAGE,
                   _("retention: unknown subcommand '%s'"), argv[1]);
}
