/*
** swsync config set|get|list — the replica's settings.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "db.h"

/* The settable keys: the name users type, the config row it is. */
static const struct {
    const char *name;
    const char *key;
    int is_file;
} keys[] = {
    {"server", "server", 0},
    {"token-file", "token_file", 1},
    {"cacert", "cacert", 1},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return (int)i;
    return -1;
}

int cmd_config(struct cmd_ctx *ctx, int argc, char **argv)
{
    int k, rc;
    char *v = NULL;

    if (argc >= 2 && strcmp(argv[1], "list") == 0 && argc == 2) {
        for (size_t i = 0; i < NKEYS; i++) {
            rc = db_config_get(ctx->db, keys[i].key, &v, &ctx->err);
            if (rc)
                return rc;
            printf("%s=%s\n", keys[i].name, v ? v : "");
            free(v);
            v = NULL;
        }
        return 0;
    }
    if (argc < 3 || (strcmp(argv[1], "get") && strcmp(argv[1], "set")))
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("config: set KEY VALUE, get KEY "
                         "or list"));
    k = find_key(argv[2]);
    if (k < 0)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("config: unknown key '%s' (server, token-file, "
                         "cacert)"),
                       argv[2]);
    if (strcmp(argv[1], "get") == 0) {
        if (argc != 3)
            return SW_EUSAGE;
        rc = db_config_get(ctx->db, keys[k].key, &v, &ctx->err);
        if (!rc && v)
            printf("%s\n", v);
        free(v);
        return rc;
    }
    if (argc != 4)
        return sw_fail(&ctx->err, SW_EUSAGE, _("config set: KEY VALUE"));
    if (keys[k].is_file) {
        struct stat st;
        char *abs = realpath(argv[3], NULL);
        if (!abs || stat(abs, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(abs);
            return sw_fail(&ctx->err, SW_ECONFIG,
                           _("%s: %s: not a readable file"), argv[2], argv[3]);
        }
        if (strcmp(keys[k].key, "token_file") == 0 && (st.st_mode & 077)) {
            free(abs);
            return sw_fail(&ctx->err, SW_ECONFIG,
                           _("token file %s: readable by others (mode %03o); "
                             "run chmod 600 on it"),
                           argv[3], (unsigned)(st.st_mode & 0777));
        }
        rc = db_config_set(ctx->db, keys[k].key, abs, &ctx->err);
        free(abs);
        return rc;
    }
    if (strncmp(argv[3], "http://", 7) && strncmp(argv[3], "https://", 8))
        return sw_fail(&ctx->err, SW_ECONFIG,
                       _("server '%s': not an http:// or https:// URL"),
                       argv[3]);
    return db_config_set(ctx->db, keys[k].key, argv[3], &ctx->err);
}
