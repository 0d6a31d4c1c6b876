/*
** swsync-county case|visit|service|referral show|list|set — every
** station's records, and county corrections; resource add|set|delete|
** show|list — the county's own resource directory (county-owned).  show and
*list are the agent's (see
** records.h); set writes through the store, so a correction is a new
** county version that reaches the owning station on its next pull.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin.h"
#include "county.h"
#include "db.h"
#include "records.h"
#include "store.h"
#include "table.h"

/*
** Who read what (issue 13): every show, list and search of people's
** records from the CLI is in the audit, with the record (show) or how
** many records were written out (list, search: JSON objects or lines),
** never the values.
*/
static int audit_read(struct county_ctx *ctx, const char *action,
                      const char *target, const char *what, const char *out,
                      size_t len)
{
    struct audit_src src;
    char details[120];
    long n = 0;

    if (len && out[0] == '[') {
        cJSON *j = cJSON_ParseWithLength(out, len);
        n = j ? cJSON_GetArraySize(j) : 0;
        cJSON_Delete(j);
    } else {
        for (size_t i = 0; i < len; i++)
            n += out[i] == '\n';
    }
    audit_cli_src(&src);
    if (what)
        snprintf(details, sizeof(details), "cli %s", what);
    else
        snprintf(details, sizeof(details), "cli: %ld records", n);
    return audit_log(ctx->db, &src, action, target, details, &ctx->err);
}

/* Run a read into memory, audit it, then print it: a read that cannot
** be audited shows nothing. */
static int audited_read(struct county_ctx *ctx, const struct sw_table *t,
                        int argc, char **argv, int kind)
{
    char *buf = NULL, target[80];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc;

    if (!f)
        return sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    if (kind == 0)
        rc = records_show(ctx->db, t, argc, argv, f, &ctx->err);
    else if (kind == 1)
        rc = records_list(ctx->db, t, argc, argv, RECORDS_LIST_STATION, f,
                          &ctx->err);
    else
        rc = records_search(ctx->db, argc, argv, RECORDS_LIST_STATION, f,
                            &ctx->err);
    fclose(f);
    if (!rc) {
        if (kind == 0) {
            snprintf(target, sizeof(target), "%s/%s", t->name,
                     argc > 0 ? argv[0] : "");
            rc = audit_read(ctx, AUDIT_VIEW, target, "show", buf, len);
        } else {
            rc = audit_read(ctx, AUDIT_SEARCH, t->name, NULL, buf, len);
        }
    }
    if (!rc)
        fwrite(buf, 1, len, stdout);
    free(buf);
    return rc;
}

static int rec_show(struct county_ctx *ctx, const struct sw_table *t, int argc,
                    char **argv)
{
    return audited_read(ctx, t, argc, argv, 0);
}

static int rec_list(struct county_ctx *ctx, const struct sw_table *t, int argc,
                    char **argv)
{
    return audited_read(ctx, t, argc, argv, 1);
}

static int rec_search(struct county_ctx *ctx, const struct sw_table *t,
                      int argc, char **argv)
{
    if (t != &sw_tables[SW_T_CASES])
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("%s: unknown subcommand 'search' (case search)"),
                       t->noun);
    return audited_read(ctx, t, argc, argv, 2);
}

static int rec_set(struct county_ctx *ctx, const struct sw_table *t, int argc,
                   char **argv)
{
    struct rec_assign *as = NULL;
    struct audit_src src;
    struct store s;
    int n, rc;

    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("%s set: need ID and FIELD=VALUE"), t->noun);
    if (argc - 1 > t->ncols)
        return sw_fail(&ctx->err, SW_EUSAGE, _("too many fields"));
    if (!sw_uuid_valid(argv[0]))
        return sw_fail(&ctx->err, SW_EDATA, _("%s %s: not found"), t->noun,
                       argv[0]);
    as = calloc((size_t)t->ncols, sizeof(*as));
    if (!as)
        return sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    n = records_parse_assigns(t, argc - 1, argv + 1, as, &ctx->err);
    if (n < 0) {
        free(as);
        return ctx->err.code;
    }
    audit_cli_src(&src);
    rc = store_open(&s, ctx->db, &ctx->err);
    if (!rc)
        rc = admin_record_set(&s, t, argv[0], as, n, &src, &ctx->err);
    store_close(&s);
    free(as);
    return rc;
}

/* resource add FIELD=VALUE...: a county-owned record (prints its id) */
static int rec_add(struct county_ctx *ctx, const struct sw_table *t, int argc,
                   char **argv)
{
    struct rec_assign *as = NULL;
    struct audit_src src;
    char id[SW_UUID_LEN + 1];
    struct store s;
    int n, rc;

    if (!sw_county_owned(t))
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("%s add: a station's records are made at the "
                         "station"),
                       t->noun);
    if (argc > t->ncols)
        return sw_fail(&ctx->err, SW_EUSAGE, _("too many fields"));
    as = calloc((size_t)t->ncols, sizeof(*as));
    if (!as)
        return sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    n = records_parse_assigns(t, argc, argv, as, &ctx->err);
    if (n < 0) {
        free(as);
        return ctx->err.code;
    }
    audit_cli_src(&src);
    rc = store_open(&s, ctx->db, &ctx->err);
    if (!rc)
        rc = admin_record_add(&s, t, as, n, &src, id, &ctx->err);
    store_close(&s);
    free(as);
    if (!rc)
        puts(id);
    return rc;
}

static int rec_delete(struct county_ctx *ctx, const struct sw_table *t,
                      int argc, char **argv)
{
    struct audit_src src;
    struct store s;
    int rc;

    if (argc != 1)
        return sw_fail(&ctx->err, SW_EUSAGE, _("%s delete: need one ID"),
                       t->noun);
    audit_cli_src(&src);
    rc = store_open(&s, ctx->db, &ctx->err);
    if (!rc)
        rc = admin_record_delete(&s, t, argv[0], &src, &ctx->err);
    store_close(&s);
    return rc;
}

static int rec_report(struct county_ctx *ctx, const struct sw_table *t,
                      int argc, char **argv)
{
    if (t != &sw_tables[SW_T_REFERRALS])
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("%s: unknown subcommand 'report' (referral report)"),
                       t->noun);
    return county_referral_report(ctx, argc, argv);
}

/* case purge ID --reason TEXT */
static int rec_purge(struct county_ctx *ctx, const struct sw_table *t, int argc,
                     char **argv)
{
    const char *reason = NULL, *id = NULL;
    struct audit_src src;
    long n = 0;
    int rc;

    if (t != &sw_tables[SW_T_CASES])
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("%s: unknown subcommand 'purge' (case purge)"),
                       t->noun);
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--reason") && i + 1 < argc)
            reason = argv[++i];
        else if (!strncmp(argv[i], "--reason=", 9))
            reason = argv[i] + 9;
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else
            return sw_fail(&ctx->err, SW_EUSAGE, _("case purge: unexpected %s"),
                           argv[i]);
    }
    if (!id || !reason)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("case purge: need ID and --reason TEXT"));
    audit_cli_src(&src);
    rc = admin_purge_case(ctx->db, id, reason, &src, &n, &ctx->err);
    if (rc == SW_ENOINPUT && (rc = SW_EDATA))
        ctx->err.code = rc; /* as show: not found */
    if (!rc && !ctx->quiet)
        printf(_("purged case %s: %ld records erased\n"), id, n);
    return rc;
}

/* case transfer ID --to STATION --note TEXT [--request N] */
static int rec_transfer(struct county_ctx *ctx, const struct sw_table *t,
                        int argc, char **argv)
{
    const char *to = NULL, *note = NULL, *id = NULL;
    char from[SW_CODE_MAX + 1] = "", *end = NULL;
    long long request = 0;
    struct audit_src src;
    struct store s;
    long n = 0;
    int rc;

    if (t != &sw_tables[SW_T_CASES])
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("%s: unknown subcommand 'transfer' (case transfer)"),
                       t->noun);
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--to") && i + 1 < argc)
            to = argv[++i];
        else if (!strncmp(argv[i], "--to=", 5))
            to = argv[i] + 5;
        else if (!strcmp(argv[i], "--note") && i + 1 < argc)
            note = argv[++i];
        else if (!strncmp(argv[i], "--note=", 7))
            note = argv[i] + 7;
        else if (!strcmp(argv[i], "--request") && i + 1 < argc) {
            request = strtoll(argv[++i], &end, 10);
            if (!*argv[i] || *end || request <= 0)
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("case transfer: --request N, a number"));
        } else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("case transfer: unexpected %s"), argv[i]);
    }
    if (!id || !to || !note)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("case transfer: need ID, --to STATION and --note "
                         "TEXT"));
    audit_cli_src(&src);
    rc = store_open(&s, ctx->db, &ctx->err);
    if (!rc)
        rc = admin_transfer_case(&s, id, to, note, request, &src, from, &n,
                                 &ctx->err);
    store_close(&s);
    if (!rc && !ctx->quiet)
        printf(_("moved case %s from station %s to %s: %ld records\n"), id,
               from, to, n);
    return rc;
}

int county_cmd_record(struct county_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct county_ctx *, const struct sw_table *, int, char **);
    } verbs[] = {
        {"show", rec_show},     {"list", rec_list},
        {"set", rec_set},       {"search", rec_search},
        {"purge", rec_purge},   {"transfer", rec_transfer},
        {"add", rec_add},       {"delete", rec_delete},
        {"report", rec_report},
    };
    const struct sw_table *t = sw_table_by_noun(argv[0]);

    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE, _("%s: missing subcommand"),
                       argv[0]);
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].fn(ctx, t, argc - 2, argv + 2);
    return sw_fail(&ctx->err, SW_EUSAGE, _("%s: unknown subcommand '%s'"),
                   argv[0], argv[1]);
}
