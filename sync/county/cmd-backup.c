/*
** swsync-county backup / backup verify / restore / encrypt — see
** sync/backup.h.
*/
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "county.h"

int county_cmd_backup(struct county_ctx *ctx, int argc, char **argv)
{
    struct backup_info info;
    const char *what = "backup";
    int rc, n = 0, made = 0;

    /* restore --encrypt: onto a new PC, encrypted with a new key file */
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[0], "restore") == 0 &&
            strcmp(argv[i], "--encrypt") == 0) {
            made = access(ctx->key_path, F_OK) != 0;
            rc = crypt_load(ctx->key_path, 1, 0, &ctx->err);
            if (rc)
                return rc;
            continue;
        }
        argv[n++] = argv[i];
    }
    argc = n;
    rc = backup_cli(SW_ROLE_COUNTY, ctx->db_path, argc, argv, &info, &what,
                    &ctx->err);
    if (rc) {
        if (made)
            unlink(ctx->key_path); /* the key of nothing */
        return rc;
    }
    if (strcmp(what, "backup") == 0) {
        if (!ctx->quiet)
            printf(_("backup: %s written\n"), argv[argc - 1]);
    } else if (!ctx->quiet || strcmp(what, "verify") == 0) {
        printf(
            _("%s: ok, %lld bytes, cases %lld, visits %lld, services %lld\n"),
            what, (long long)info.bytes, (long long)info.cases,
            (long long)info.visits, (long long)info.services);
    }
    return 0;
}

int county_cmd_encrypt(struct county_ctx *ctx, int argc, char **argv)
{
    int rc, made;
    (void)argv;
    if (argc != 1)
        return sw_fail(&ctx->err, SW_EUSAGE, _("encrypt takes no argument"));
    made = access(ctx->key_path, F_OK) != 0;
    rc = crypt_load(ctx->key_path, 1, 0, &ctx->err);
    if (rc)
        return rc;
    rc = backup_encrypt_in_place(ctx->db_path, SW_ROLE_COUNTY, &ctx->err);
    if (rc && made)
        unlink(ctx->key_path); /* the key of nothing */
    if (!rc && !ctx->quiet)
        printf(_("encrypt: %s is encrypted; its key is %s (keep a copy "
                 "elsewhere)\n"),
               ctx->db_path, ctx->key_path);
    return rc;
}
