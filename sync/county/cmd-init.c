/*
** swsync-county init --county CODE — create the county store.
*/
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "county.h"
#include "crypt.h"
#include "db.h"
#include "sdb.h"

int county_cmd_init(struct county_ctx *ctx, int argc, char **argv)
{
    const char *county = NULL;
    int rc, encrypt = 0, made = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--county") == 0 && i + 1 < argc)
            county = argv[++i];
        else if (strncmp(argv[i], "--county=", 9) == 0)
            county = argv[i] + 9;
        else if (strcmp(argv[i], "--encrypt") == 0)
            encrypt = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE, _("init: unexpected '%s'"),
                           argv[i]);
    }
    if (!county)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: --county CODE is needed"));
    if (!sw_code_valid(county))
        return sw_fail(&ctx->err, SW_EDATA,
                       _("county: not a valid code (1-%d of A-Z a-z 0-9 _ . -, "
                         "not starting with - or .): %s"),
                       SW_CODE_MAX, county);

    if (encrypt && sdb_is_pg_target(ctx->db_path))
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: --encrypt is for a store in a file; a store "
                         "on PostgreSQL is encrypted by its server"));
    if (encrypt) {
        if (access(ctx->db_path, F_OK) == 0)
            return sw_fail(&ctx->err, SW_ECANTCREAT,
                           _("%s: already exists; not touching it"),
                           ctx->db_path);
        made = access(ctx->key_path, F_OK) != 0;
        rc = crypt_load(ctx->key_path, 1, 1, &ctx->err);
        if (rc)
            return rc;
    }
    rc = db_create(ctx->db_path, SW_ROLE_COUNTY, &ctx->db, &ctx->err);
    if (rc) {
        if (made)
            unlink(ctx->key_path); /* the key of nothing */
        return rc;
    }
    rc = db_config_set(ctx->db, "county", county, &ctx->err);
    if (rc) {
        /* a store without its code is of no use: do not leave it */
        db_close(ctx->db);
        ctx->db = NULL;
        if (!sdb_is_pg_target(ctx->db_path))
            remove(ctx->db_path);
        return rc;
    }
    if (!ctx->quiet) {
        char name[512];
        db_target_name(ctx->db_path, name, sizeof(name));
        printf(_("created county store %s for county %s\n"), name, county);
    }
    return 0;
}
