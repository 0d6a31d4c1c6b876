/*
** swsync init — create a station replica.
*/
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "db.h"
#include "hlc.h"

/* A site id: the station code, '-', and 6 random base-32 characters. */
static int make_site(const char *station, char *out, size_t n)
{
    static const char alpha[] = "abcdefghijkmnpqrstuvwxyz23456789";
    unsigned char r[6];
    char suffix[7];
    if (sw_random(r, sizeof(r)))
        return SW_EIO;
    for (int i = 0; i < 6; i++)
        suffix[i] = alpha[r[i] & 31];
    suffix[6] = '\0';
    snprintf(out, n, "%s-%s", station, suffix);
    return 0;
}

/* http:// or https:// followed by a host. */
static int url_ok(const char *u)
{
    const char *rest;
    if (strncmp(u, "http://", 7) == 0)
        rest = u + 7;
    else if (strncmp(u, "https://", 8) == 0)
        rest = u + 8;
    else
        return 0;
    return *rest && *rest != '/' && !strpbrk(u, " \t\r\n");
}

/* Check a token file exists and is private.  Returns 0 or an error. */
static int token_file_ok(const char *path, struct sw_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return sw_fail(err, SW_ECONFIG, _("token file %s: cannot read it"),
                       path);
    if (!S_ISREG(st.st_mode) || access(path, R_OK) != 0)
        return sw_fail(err, SW_ECONFIG, _("token file %s: not a readable file"),
                       path);
    if (st.st_mode & 077)
        return sw_fail(err, SW_ECONFIG,
                       _("token file %s: readable by others (mode %03o); "
                         "run chmod 600 on it"),
                       path, (unsigned)(st.st_mode & 0777));
    return 0;
}

int cmd_init(struct cmd_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"station", required_argument, NULL, 's'},
        {"server", required_argument, NULL, 'u'},
        {"token-file", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    const char *station = NULL, *server = NULL, *token_file = NULL;
    char site[64], *abs_token = NULL;
    char now[32];
    int opt, rc;
    sqlite3 *db = NULL;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's':
            station = optarg;
            break;
        case 'u':
            server = optarg;
            break;
        case 't':
            token_file = optarg;
            break;
        default:
            return SW_EUSAGE;
        }
    }
    if (optind < argc)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: unexpected argument '%s'"), argv[optind]);
    if (!station || !server)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: --station and --server are required"));
    if (!sw_code_valid(station))
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: --station '%s': use 1-32 letters, digits, "
                         "'_', '.' or '-'"),
                       station);
    if (!url_ok(server))
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: --server '%s': not an http:// or https:// URL"),
                       server);
    if (token_file) {
        rc = token_file_ok(token_file, &ctx->err);
        if (rc)
            return rc;
        abs_token = realpath(token_file, NULL);
        if (!abs_token)
            return sw_fail(&ctx->err, SW_ECONFIG,
                           _("token file %s: cannot "
                             "resolve its path"),
                           token_file);
    }
    rc = make_site(station, site, sizeof(site));
    if (rc) {
        free(abs_token);
        return sw_fail(&ctx->err, rc, _("cannot read random bytes"));
    }

    rc = db_create(ctx->db_path, SW_ROLE_STATION, &db, &ctx->err);
    if (rc) {
        free(abs_token);
        return rc;
    }
    snprintf(now, sizeof(now), "%lld", (long long)sw_now_ms());
    rc = db_begin(db, &ctx->err);
    if (!rc)
        rc = db_config_set(db, "station", station, &ctx->err);
    if (!rc)
        rc = db_config_set(db, "site", site, &ctx->err);
    if (!rc)
        rc = db_config_set(db, "server", server, &ctx->err);
    if (!rc && abs_token)
        rc = db_config_set(db, "token_file", abs_token, &ctx->err);
    if (!rc)
        rc = db_config_set(db, "created_at", now, &ctx->err);
    if (!rc)
        rc = db_commit(db, &ctx->err);
    else
        db_rollback(db);
    db_close(db);
    free(abs_token);
    if (rc) {
        /* nothing half-made stays behind */
        db_remove(ctx->db_path);
        return rc;
    }
    if (!ctx->quiet)
        printf(_("created replica %s for station %s (site %s)\n"), ctx->db_path,
               station, site);
    return 0;
}
