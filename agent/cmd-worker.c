/*
** swsync worker add|list|remove — the station console's sign-in
** accounts, kept in the replica (never synced).  Passwords are read from
** the terminal without echo (asked twice), or from standard input with
** --password-stdin; only their PBKDF2 hash is stored.
*/
#include "config.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "password.h"
#include "workers.h"

static int wk_add(struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    char pw[ACCT_PW_BUF];
    int from_stdin = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--password-stdin") == 0)
            from_stdin = 1;
        else if (argv[i][0] == '-' || name)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("worker add: unexpected '%s'"), argv[i]);
        else
            name = argv[i];
    }
    if (!name)
        return sw_fail(&ctx->err, SW_EUSAGE, _("worker add: NAME is needed"));
    if (!acct_name_valid(name))
        return sw_fail(&ctx->err, SW_EDATA,
                       _("worker add: '%s': use 1-64 letters, digits, _ . - @ "
                         "(not starting with - or .)"),
                       name);
    rc = acct_read_password("worker add", from_stdin, pw, &ctx->err);
    if (!rc)
        rc = workers_add(ctx->db, name, pw, &ctx->err);
    OPENSSL_cleanse(pw, sizeof(pw));
    return rc;
}

static int print_worker(void *arg, const char *name, int64_t created_at,
                        int64_t sessions)
{
    char when[32] = "-";
    time_t t = (time_t)(created_at / 1000);
    struct tm tm;
    (void)arg;
    if (localtime_r(&t, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
    printf("%s\t%s\t%" PRId64 "\n", name, when, sessions);
    return 0;
}

int cmd_worker(struct cmd_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE, _("worker: add, list or remove?"));
    for (int k = 2; k < argc; k++)
        if (cmd_is_help(argv[k])) {
            cmd_print_help(cmd_find("worker"));
            return 0;
        }
    if (strcmp(argv[1], "add") == 0)
        return wk_add(ctx, argc - 2, argv + 2);
    if (strcmp(argv[1], "list") == 0) {
        if (argc != 2)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("worker list: unexpected '%s'"), argv[2]);
        return workers_each(ctx->db, print_worker, NULL, &ctx->err);
    }
    if (strcmp(argv[1], "remove") == 0) {
        if (argc != 3)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("worker remove: need one NAME"));
        return workers_remove(ctx->db, argv[2], &ctx->err);
    }
    return sw_fail(&ctx->err, SW_EUSAGE, _("worker: unknown subcommand '%s'"),
                   argv[1]);
}
