/*
** swsync-county admin add|list|remove — the accounts of the web console
** (serve: /admin/).  Passwords are read from the terminal without echo
** (asked twice), or from standard input with --password-stdin; only
** their PBKDF2 hash is stored.
*/
#include "config.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "account.h"
#include "audit.h"
#include "county.h"

#define PW_BUF (ACCT_PW_MAX + 2)

/*
** One line from f into buf (size PW_BUF), without its line end.  A line
** longer than ACCT_PW_MAX is an error.  Returns 0, or -1 at end of input.
*/
static int read_line(FILE *f, char *buf, struct sw_err *err)
{
    size_t n;
    if (!fgets(buf, PW_BUF, f))
        return sw_fail(err, SW_EDATA, _("admin add: no password given"));
    n = strlen(buf);
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    else if (n == PW_BUF - 1)
        return sw_fail(err, SW_EDATA,
                       _("admin add: the password is longer than %d bytes"),
                       ACCT_PW_MAX);
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return 0;
}

/* Prompt on the terminal (stderr) and read a line from stdin, no echo. */
static int read_hidden(const char *prompt, char *buf, struct sw_err *err)
{
    struct termios old, quiet;
    int rc;

    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return sw_fail(err, SW_EUSAGE,
                       _("admin add: standard input is not a terminal: give "
                         "the password with --password-stdin"));
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
        return sw_fail(err, SW_EIO, _("admin add: cannot turn off echo: %s"),
                       strerror(errno));
    rc = read_line(stdin, buf, err);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    return rc;
}

static int ad_add(struct county_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    char pw[PW_BUF], again[PW_BUF];
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
    pw[0] = again[0] = '\0';
    if (from_stdin) {
        rc = read_line(stdin, pw, &ctx->err);
    } else {
        rc = read_hidden("Password: ", pw, &ctx->err);
        if (!rc && strlen(pw) >= ACCT_PW_MIN)
            rc = read_hidden("Password (again): ", again, &ctx->err);
        if (!rc && strlen(pw) >= ACCT_PW_MIN && strcmp(pw, again) != 0)
            rc = sw_fail(&ctx->err, SW_EDATA,
                         _("admin add: the two passwords differ"));
    }
    if (!rc) {
        audit_cli_src(&src);
        rc = acct_admin_add(ctx->db, name, pw, &src, &ctx->err);
    }
    OPENSSL_cleanse(pw, sizeof(pw));
    OPENSSL_cleanse(again, sizeof(again));
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
