/*
** swsync-county admin add|list|remove — the accounts of the web console
** (serve: /admin/).  Passwords are read from the terminal without echo
** (asked twice), or from standard input with --password-stdin; only
** their PBKDF2 hash is stored.
*/
#include "config.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "county.h"
#include "password.h"

static int ad_add(struct county_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    char pw[ACCT_PW_BUF];
    struct audit_src src;
    int from_stdin = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--password-stdin") == 0)
            from_stdin = 1;
        else if (argv[i][0] == '-' || name)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("admin add: unexpected '%s'"), argv[i]);
        else
            name = argv[i];
    }
    if (!name)
        return sw_fail(&ctx->err, SW_EUSAGE, _("admin add: need a USER name"));
    if (!acct_name_valid(name))
        return sw_fail(&ctx->err, SW_EDATA,
                       _("admin: not a valid user name (1-%d of A-Z a-z 0-9 _ "
                         ". - @, not starting with - or .): %s"),
                       ACCT_NAME_MAX, name);
    rc = acct_read_password("admin add", from_stdin, pw, &ctx->err);
    if (!rc) {
        audit_cli_src(&src);
        rc = acct_admin_add(ctx->db, name, pw, &src, &ctx->err);
    }
    OPENSSL_cleanse(pw, sizeof(pw));
    if (!rc && !ctx->quiet)
        printf(_("admin %s added\n"), name);
    return rc;
}

static int ad_list(struct county_ctx *ctx, int argc, char **argv)
{
    cJSON *arr = NULL, *o;
    int json = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("admin list: unexpected '%s'"), argv[i]);
    }
    rc = acct_admins_json(ctx->db, &arr, &ctx->err);
    if (rc)
        return rc;
    if (json)
        return county_print_json(arr, &ctx->err);
    printf("%-20s %-19s %-19s %8s  %s\n", "USER", "CREATED", "LAST LOGIN",
           "SESSIONS", "CREATED BY");
    cJSON_ArrayForEach (o, arr) {
        const cJSON *ll = cJSON_GetObjectItemCaseSensitive(o, "last_login");
        char created[20], last[20];
        county_format_time(
            (int64_t)cJSON_GetObjectItemCaseSensitive(o, "created_at")
                ->valuedouble,
            created);
        county_format_time(cJSON_IsNumber(ll) ? (int64_t)ll->valuedouble : 0,
                           last);
        printf(
            "%-20s %-19s %-19s %8d  %s\n",
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "name")),
            created, last,
            (int)cJSON_GetObjectItemCaseSensitive(o, "sessions")->valuedouble,
            cJSON_GetStringValue(
                cJSON_GetObjectItemCaseSensitive(o, "created_by")));
    }
    cJSON_Delete(arr);
    return 0;
}

static int ad_remove(struct county_ctx *ctx, int argc, char **argv)
{
    struct audit_src src;
    int rc;

    if (argc != 1 || argv[0][0] == '-')
        return sw_fail(&ctx->err, SW_EUSAGE, _("admin remove: need one USER"));
    audit_cli_src(&src);
    rc = acct_admin_remove(ctx->db, argv[0], &src, &ctx->err);
    if (!rc && !ctx->quiet)
        printf(_("admin %s removed; their sessions ended\n"), argv[0]);
    return rc;
}

int county_cmd_admin(struct county_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct county_ctx *, int, char **);
    } verbs[] = {
        {"add", ad_add},
        {"list", ad_list},
        {"remove", ad_remove},
    };

    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE, _("admin: missing subcommand"));
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].fn(ctx, argc - 2, argv + 2);
    return sw_fail(&ctx->err, SW_EUSAGE, _("admin: unknown subcommand '%s'"),
                   argv[1]);
}
