/*
** swsync-county conflicts list|show|resolve — the losers of concurrent
** writes, kept until an admin decides.
*/
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "county.h"
#include "records.h"
#include "store.h"
#include "table.h"

static int parse_id(const char *s, int64_t *out, struct sw_err *err)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0)
        return sw_fail(err, SW_EUSAGE, _("conflicts: not a conflict id: '%s'"),
                       s);
    *out = v;
    return 0;
}

/* A JSON value as one line of text: strings escaped, null as "(null)". */
static void print_jvalue(const cJSON *j)
{
    char num[32];
    if (cJSON_IsString(j)) {
        records_print_cell(stdout, (const unsigned char *)j->valuestring);
    } else if (cJSON_IsNumber(j)) {
        snprintf(num, sizeof(num), "%" PRId64, (int64_t)j->valuedouble);
        fputs(num, stdout);
    } else if (cJSON_IsBool(j)) {
        fputs(cJSON_IsTrue(j) ? "true" : "false", stdout);
    } else {
        fputs(_("(null)"), stdout);
    }
}

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static int cf_list(struct county_ctx *ctx, int argc, char **argv)
{
    struct admin_conflict_filter f;
    const struct sw_table *t;
    cJSON *arr = NULL, *o;
    const char *v;
    int json = 0, rc;

    memset(&f, 0, sizeof(f));
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--all") == 0)
            f.all = 1;
        else if ((v = county_opt_arg(argc, argv, &i, "--station")))
            f.station = v;
        else if ((v = county_opt_arg(argc, argv, &i, "--table")))
            f.table = v;
        else
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("conflicts list: unexpected '%s'"), argv[i]);
    }
    if (f.table) {
        /* a table name (cases) or the CLI's noun (case) */
        t = sw_table_by_name(f.table);
        if (!t)
            t = sw_table_by_noun(f.table);
        if (!t)
            return sw_fail(&ctx->err, SW_EDATA,
                           _("conflicts list: no table '%s' (cases, visits, "
                             "services)"),
                           f.table);
        f.table = t->name;
    }
    rc = admin_conflicts_json(ctx->db, &f, &arr, &ctx->err);
    if (rc)
        return rc;
    if (json)
        return county_print_json(arr, &ctx->err);
    /* ID STATUS STATION TABLE RECORD FIELD KIND WINNER LOSER, tab-separated */
    cJSON_ArrayForEach (o, arr) {
        static const char *const keys[] = {
            "id",    "status", "station",      "table",      "record",
            "field", "kind",   "winner_value", "loser_value"};
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            if (k)
                putchar('\t');
            print_jvalue(get(o, keys[k]));
        }
        putchar('\n');
    }
    cJSON_Delete(arr);
    return 0;
}

static void show_time(const char *label, const cJSON *j)
{
    char buf[20];
    if (!cJSON_IsNumber(j))
        return;
    county_format_time((int64_t)j->valuedouble, buf);
    printf("%s: %s\n", label, buf);
}

static int cf_show(struct county_ctx *ctx, int argc, char **argv)
{
    const char *ids = NULL;
    cJSON *o = NULL;
    int64_t id;
    int json = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-' || ids)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("conflicts show: unexpected '%s'"), argv[i]);
        else
            ids = argv[i];
    }
    if (!ids)
        return sw_fail(&ctx->err, SW_EUSAGE, _("conflicts show: need an ID"));
    rc = parse_id(ids, &id, &ctx->err);
    if (!rc)
        rc = admin_conflict_json(ctx->db, id, &o, &ctx->err);
    if (rc)
        return rc;
    if (json)
        return county_print_json(o, &ctx->err);

    {
        static const char *const keys[] = {
            "id", "status", "station", "table", "record", "field", "kind"};
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            printf("%s: ", keys[k]);
            print_jvalue(get(o, keys[k]));
            putchar('\n');
        }
    }
    printf(_("winner: "));
    print_jvalue(get(o, "winner_value"));
    printf(_("\n  version: %s@%s\n"),
           cJSON_GetStringValue(get(o, "winner_hlc")),
           cJSON_GetStringValue(get(o, "winner_site")));
    printf(_("  written by: "));
    print_jvalue(get(o, "winner_author"));
    putchar('\n');
    printf(_("loser: "));
    print_jvalue(get(o, "loser_value"));
    printf(_("\n  version: %s@%s\n"), cJSON_GetStringValue(get(o, "loser_hlc")),
           cJSON_GetStringValue(get(o, "loser_site")));
    printf(_("  written by: "));
    print_jvalue(get(o, "loser_author"));
    putchar('\n');
    if (cJSON_IsString(get(o, "base_hlc")))
        printf(_("base: %s@%s\n"), cJSON_GetStringValue(get(o, "base_hlc")),
               cJSON_GetStringValue(get(o, "base_site")));
    else
        printf(_("base: (none)\n"));
    show_time("detected", get(o, "detected_at"));
    if (cJSON_IsString(get(o, "resolution"))) {
        show_time("resolved", get(o, "resolved_at"));
        printf(_("resolved by: "));
        print_jvalue(get(o, "resolved_by"));
        printf(_("\nresolution: "));
        print_jvalue(get(o, "resolution"));
        putchar('\n');
        if (cJSON_IsString(get(o, "note"))) {
            printf(_("note: "));
            print_jvalue(get(o, "note"));
            putchar('\n');
        }
    }
    cJSON_Delete(o);
    return 0;
}

static int cf_resolve(struct county_ctx *ctx, int argc, char **argv)
{
    const char *ids = NULL, *keep = NULL, *value = NULL, *note = NULL;
    const char *by = NULL, *v;
    enum admin_keep how;
    struct audit_src src;
    struct store s;
    int64_t id;
    int rc, nchoice = 0;

    for (int i = 0; i < argc; i++) {
        if ((v = county_opt_arg(argc, argv, &i, "--keep"))) {
            keep = v;
            nchoice++;
        } else if ((v = county_opt_arg(argc, argv, &i, "--value"))) {
            value = v;
            nchoice++;
        } else if ((v = county_opt_arg(argc, argv, &i, "--note"))) {
            note = v;
        } else if ((v = county_opt_arg(argc, argv, &i, "--by"))) {
            by = v;
        } else if (argv[i][0] == '-' || ids) {
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("conflicts resolve: unexpected '%s'"), argv[i]);
        } else {
            ids = argv[i];
        }
    }
    if (!ids)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("conflicts resolve: need an ID"));
    if (nchoice != 1)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("conflicts resolve: give one of --keep winner, "
                         "--keep loser, --value TEXT"));
    if (keep && strcmp(keep, "winner") == 0)
        how = ADMIN_KEEP_WINNER;
    else if (keep && strcmp(keep, "loser") == 0)
        how = ADMIN_KEEP_LOSER;
    else if (keep)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("conflicts resolve: --keep takes winner or loser, not "
                         "'%s'"),
                       keep);
    else
        how = ADMIN_KEEP_VALUE;
    rc = parse_id(ids, &id, &ctx->err);
    if (rc)
        return rc;

    audit_cli_src(&src);
    rc = store_open(&s, ctx->db, &ctx->err);
    if (!rc)
        rc = admin_resolve(&s, id, how, value, note, by, &src, &ctx->err);
    store_close(&s);
    return rc;
}

int county_cmd_conflicts(struct county_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct county_ctx *, int, char **);
    } verbs[] = {
        {"list", cf_list},
        {"show", cf_show},
        {"resolve", cf_resolve},
    };

    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("conflicts: missing subcommand"));
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].fn(ctx, argc - 2, argv + 2);
    return sw_fail(&ctx->err, SW_EUSAGE,
                   _("conflicts: unknown subcommand '%s'"), argv[1]);
}
