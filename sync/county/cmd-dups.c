/*
** swsync-county duplicates list|not-same|link|unlink — the same person at
** two stations (dups.h).
*/
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "county.h"
#include "dups.h"

static int d_list(struct county_ctx *ctx, int argc, char **argv)
{
    cJSON *arr = NULL, *o;
    int json = 0, all = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--all") == 0)
            all = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("duplicates list: unexpected '%s'"), argv[i]);
    }
    rc = dups_list_json(ctx->db, all, &arr, &ctx->err);
    if (rc)
        return rc;
    if (json)
        return county_print_json(arr, &ctx->err);
    if (cJSON_GetArraySize(arr) == 0 && !ctx->quiet)
        fprintf(stderr, _("no possible duplicates\n"));
    cJSON_ArrayForEach (o, arr) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "a");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "b");
        const char *s = county_jstr(o, "strength");
        const char *r = county_jstr(o, "reason");
        const char *state = county_jstr(o, "state");
        printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
               strcmp(s, "strong") == 0 ? _("strong")
               : strcmp(s, "weak") == 0 ? _("weak")
                                        : _("none"),
               strcmp(r, "id_number") == 0    ? _("same ID number")
               : strcmp(r, "name_birth") == 0 ? _("same name and birth date")
                                              : _("no longer matches"),
               strcmp(state, "linked") == 0     ? _("linked")
               : strcmp(state, "not_same") == 0 ? _("not the same person")
                                                : _("open"),
               county_jstr(a, "id"), county_jstr(a, "station"),
               county_jstr(a, "name"), county_jstr(b, "id"),
               county_jstr(b, "station"), county_jstr(b, "name"));
    }
    cJSON_Delete(arr);
    return 0;
}

/* not-same|link|unlink ID ID --note TEXT */
static int d_decide(struct county_ctx *ctx, int argc, char **argv,
                    enum dups_decision d, const char *verb)
{
    const char *ids[2] = {NULL, NULL}, *note = NULL, *v;
    struct audit_src src;
    int n = 0;

    for (int i = 0; i < argc; i++) {
        if ((v = county_opt_arg(argc, argv, &i, "--note")))
            note = v;
        else if (argv[i][0] == '-' || n == 2)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("duplicates %s: unexpected '%s'"), verb, argv[i]);
        else
            ids[n++] = argv[i];
    }
    if (n < 2)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("duplicates %s: need two case ids"), verb);
    if (!note)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("duplicates %s: need --note TEXT (why)"), verb);
    audit_cli_src(&src);
    return dups_decide(ctx->db, ids[0], ids[1], d, note, &src, &ctx->err);
}

int county_cmd_dups(struct county_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("duplicates: missing subcommand"));
    if (strcmp(argv[1], "list") == 0)
        return d_list(ctx, argc - 2, argv + 2);
    if (strcmp(argv[1], "not-same") == 0)
        return d_decide(ctx, argc - 2, argv + 2, DUPS_NOT_SAME, "not-same");
    if (strcmp(argv[1], "link") == 0)
        return d_decide(ctx, argc - 2, argv + 2, DUPS_LINK, "link");
    if (strcmp(argv[1], "unlink") == 0)
        return d_decide(ctx, argc - 2, argv + 2, DUPS_UNDO, "unlink");
    return sw_fail(&ctx->err, SW_EUSAGE,
                   _("duplicates: unknown subcommand '%s'"), argv[1]);
}
